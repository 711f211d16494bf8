import datetime as dt

import streamlit as st

from lib.capture import feedback, questions
from lib.themes import codebook, review
from lib.ui import forms, session, widgets

db = session.connection()
user = session.page_user("review_codes")
st.title("Review codes")
st.caption("The machine suggests themes and a sentiment for every comment; you confirm, remove or add them, and "
           "correct how a theme reads. A comment stays in the queue until every suggestion on it is decided. "
           "Your decisions are kept through every re-coding.")

names = codebook.names(db)
active = [t["id"] for t in codebook.theme_list(db, include_retired=False)]
filters = st.columns(4)
state = filters[0].segmented_control("Show", ["to review", "reviewed", "all"], default="to review", required=True)
theme_filter = filters[1].selectbox("Theme", active, format_func=names.get, index=None, placeholder="Any theme")
form = filters[2].selectbox("Form", list(forms.FORM_TITLES), format_func=forms.FORM_TITLES.get, index=None,
                            placeholder="All forms")
since = filters[3].date_input("From", value=session.today() - dt.timedelta(days=90), format="DD/MM/YYYY")
reviewed = {"to review": False, "reviewed": True, "all": None}[state]
queue = review.review_queue(db, user, theme_id=theme_filter, reviewed=reviewed, form=form, since=since, limit=20)
st.caption(f"Showing {len(queue)} comment(s), newest first (at most 20 at a time).")

SENTIMENT_WORDS = {"positive": "Positive", "negative": "Negative", "neutral": "Neutral", "mixed": "Mixed"}
for comment in queue:
    with st.container(border=True):
        st.caption(" · ".join([comment["contact_on"], feedback.SOURCES[comment["source"]],
                               questions.ALL_RESPONDENTS.get(comment["respondent"], ""),
                               questions.COHORTS.get(comment["cohort"], "no household"),
                               "reviewed" if comment["reviewed_at"] else "not reviewed yet"]))
        st.text(comment["body"])
        for code in comment["themes"]:
            present = (code["machine"] and code["decision"] is None) or code["decision"] in ("confirmed", "added")
            who = {"confirmed": "confirmed", "added": "added by hand", "removed": "removed"}.get(
                code["decision"], "suggested")
            reading = code["human_reading"] or code["reading"] or "neutral"
            cells = st.columns([4, 3, 1, 1])
            cells[0].text(("✓ " if present else "✗ ") + f"{names.get(code['theme_id'], code['theme_id'])} · {who}")
            if present:
                chosen = cells[1].segmented_control(
                    "Reads as", list(codebook.READINGS), format_func=codebook.READINGS.get, default=reading,
                    key=f"reads_{comment['id']}_{code['theme_id']}_{reading}", label_visibility="collapsed")
                if chosen and chosen != reading:
                    widgets.attempt(lambda c=comment["id"], t=code["theme_id"], r=chosen: review.set_reading(db, user, c, t, r),
                               success="Reading corrected.")
            if code["decision"] != "confirmed" and code["machine"]:
                if cells[2].button("Confirm", key=f"ok_{comment['id']}_{code['theme_id']}", icon=":material/check:"):
                    widgets.attempt(lambda c=comment["id"], t=code["theme_id"]: review.decide(db, user, c, t, "confirmed"),
                               success="Theme confirmed.")
            if present:
                if cells[3].button("Remove", key=f"no_{comment['id']}_{code['theme_id']}", icon=":material/close:"):
                    widgets.attempt(lambda c=comment["id"], t=code["theme_id"]: review.decide(db, user, c, t, "removed"),
                               success="Theme removed.")
        extra = st.columns([3, 2, 3, 2])
        missing = [t for t in active if t not in {c["theme_id"] for c in comment["themes"]
                                                  if c["decision"] != "removed" and (c["machine"] or c["decision"])}]
        add = extra[0].selectbox("Add a theme", missing, format_func=names.get, index=None, placeholder="Add a theme",
                                 key=f"add_{comment['id']}", label_visibility="collapsed")
        if add:
            widgets.attempt(lambda c=comment["id"], t=add: review.decide(db, user, c, t, "added"), success="Theme added.")
        mood = extra[2].segmented_control(
            "Sentiment", list(SENTIMENT_WORDS), format_func=SENTIMENT_WORDS.get, default=comment["sentiment_label"],
            key=f"mood_{comment['id']}_{comment['sentiment_label']}", label_visibility="collapsed")
        if mood and mood != comment["sentiment_label"]:
            widgets.attempt(lambda c=comment["id"], m=mood: review.set_sentiment(db, user, c, m),
                       success="Sentiment corrected.")
        extra[1].caption("comment sentiment (corrected)" if comment["sentiment_source"] == "human"
                         else "comment sentiment (machine)")
        if extra[3].button("Looks right", key=f"all_{comment['id']}", icon=":material/done_all:",
                           help="Confirm every remaining suggestion and mark the comment reviewed."):
            widgets.attempt(lambda c=comment["id"]: review.confirm_all(db, user, c), success="Marked reviewed.")

st.divider()
st.subheader("How well the suggestions match your decisions")
st.caption("Per theme, over reviewed comments: precision = suggestions confirmed ÷ suggestions reviewed; "
           "recall = suggestions confirmed ÷ (confirmed + added by hand). Low precision: a trigger catches "
           "the wrong comments. Low recall: triggers are missing.")
widgets.table([{**r, "name": names.get(r["theme_id"], r["name"]),
           "precision": "—" if r["precision"] is None else r["precision"],
           "recall": "—" if r["recall"] is None else r["recall"]} for r in review.agreement(db, user)],
         columns={"theme_id": "Theme", "name": "Name", "confirmed": "Confirmed", "removed": "Removed",
                  "added": "Added by hand", "precision": "Precision", "recall": "Recall"})
