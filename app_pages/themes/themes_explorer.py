import json

import pandas as pd
import streamlit as st

from lib import analysis, charts, periods
from lib.capture import feedback, questions
from lib.people import accounts
from lib.themes import codebook, explorer
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_themes")
today = session.today()
st.title("Themes")
st.caption("What people say, coded against the theme codebook: strengths and areas for improvement, by cohort and "
           "period, down to their own words. True counts are shown here; exported reports suppress small numbers.")

# ---- What to look at ----
chosen = widgets.period_picker("period", today=today, kinds=("quarter", "year", "range"), count=12)
start, end, label = chosen.start, chosen.end, chosen.short
before = (chosen.previous_start, chosen.previous_end, chosen.previous_label)

names = codebook.names(db)
teams = {t["name"]: t["id"] for t in accounts.teams(db)}
row = st.columns(5)
respondent = row[0].selectbox("Respondent", list(questions.ALL_RESPONDENTS),
                              format_func=questions.ALL_RESPONDENTS.get, index=None, placeholder="Everyone")
cohort = row[1].selectbox("Cohort", list(questions.COHORTS), format_func=questions.COHORTS.get, index=None,
                          placeholder="Mainstream and kinship")
source = row[2].selectbox("Source", list(feedback.SOURCES), format_func=feedback.SOURCES.get, index=None,
                          placeholder="All sources")
team = row[3].selectbox("Team", list(teams), index=None, placeholder="All teams")
age_band = row[4].selectbox("Age band", list(questions.AGE_BANDS), format_func=questions.AGE_BANDS.get, index=None,
                            placeholder="All ages")
narrowing = dict(respondent=respondent, cohort=cohort, source=source, team_id=teams.get(team), age_band=age_band)
filters = explorer.Filters(start, end, **narrowing)
previous = explorer.Filters(before[0], before[1], **narrowing)

total = explorer.comment_total(db, user, filters)
left, right = st.columns(2)
left.metric(f"Comments in {label}", total, help="Free-text answers in the period with these filters.")
right.metric("Comments matching no theme", explorer.uncoded_total(db, user, filters),
             help="QA can look for emerging themes among these on the Codebook page.")
if total < 10:
    st.warning(f"Low base: only {total} comments. Read the comments themselves rather than the proportions.",
               icon=":material/info:")

cohort_label = {**questions.COHORTS, "none": "No household"}


def point_drill_at(theme_id, reading, bar_cohort, *, origin: str, signature: str) -> None:
    """Aim the drill-down at what was clicked (once per new click; the boxes can still be changed by hand)."""
    if st.session_state.get(f"_seen_{origin}") != signature:
        st.session_state[f"_seen_{origin}"] = signature
        st.session_state["drill_theme"], st.session_state["drill_reading"] = theme_id, reading
        st.session_state["drill_cohort"] = bar_cohort


# ---- Strengths and areas for improvement, cohorts side by side ----
st.subheader("Strengths and areas for improvement")
counts = explorer.theme_counts(db, user, filters)
frame = pd.DataFrame([{"theme": names.get(r["theme_id"], r["theme_id"]), "cohort": cohort_label[r["cohort"]],
                       "reading": codebook.READINGS[r["reading"]], "comments": r["comments"]} for r in counts],
                     columns=["theme", "cohort", "reading", "comments"])
if frame.empty:
    st.info("No coded comments for these filters.", icon=":material/info:")
else:
    st.caption("Click a bar to read the comments behind it.")
    event = st.altair_chart(charts.theme_bars(frame), on_select="rerun", key="theme_bars")
    picked = analysis.pick(event.get("selection", {}).get("bar") if hasattr(event, "get") else None, names,
                           codebook.READINGS, cohort_label)
    if picked:
        point_drill_at(picked["theme"], picked["reading"], picked["cohort"], origin="bar",
                       signature=json.dumps(picked, sort_keys=True))

# ---- Against the previous period ----
st.subheader(f"Compared with {before[2]}")
reading = st.segmented_control("Mentions", ["improvement", "strength", "all"], default="improvement", required=True,
                               format_func={"improvement": "Areas for improvement", "strength": "Strengths",
                                            "all": "All mentions"}.get, key="compare_reading")
rows = analysis.compare_themes(counts, explorer.cohort_totals(db, user, filters),
                               explorer.theme_counts(db, user, previous), explorer.cohort_totals(db, user, previous),
                               reading=None if reading == "all" else reading)
marks = analysis.MOVEMENT_WORDS
table = pd.DataFrame([{"Theme": names.get(r["theme_id"], r["theme_id"]), "Cohort": cohort_label[r["cohort"]],
                       f"{before[2]}": r["before"], "Share then (%)": r["share_before"], f"{label}": r["now"],
                       "Share now (%)": r["share_now"], "Movement": marks[r["movement"]]} for r in rows])
st.caption(f"Shares are of each cohort's comments. Rising or falling means the share moved by "
           f"{analysis.MOVEMENT_POINTS:.0f} points or more; both periods need {analysis.MIN_COMPARE_BASE} comments in "
           "that cohort to compare. Select a row to read its comments.")
chosen_row = widgets.table(table, on_select="rerun", selection_mode="single-row", key="compare_table")
selected = chosen_row.selection.rows if hasattr(chosen_row, "selection") else []
if selected and selected[0] < len(rows):
    row_data = rows[selected[0]]
    point_drill_at(row_data["theme_id"], None if reading == "all" else reading, row_data["cohort"], origin="row",
                   signature=f"{row_data['theme_id']}|{row_data['cohort']}|{reading}")

# ---- In their own words ----
st.subheader("In their own words")
theme_ids = sorted(names, key=lambda t: names[t])
pick = st.columns(3)
theme_id = pick[0].selectbox("Theme", theme_ids, format_func=names.get, index=None,
                             placeholder="Choose a theme, click a bar or select a row", key="drill_theme")
drill_reading = pick[1].selectbox("Reading", list(codebook.READINGS), format_func=codebook.READINGS.get, index=None,
                                  placeholder="Any", key="drill_reading")
drill_cohort = pick[2].selectbox("Cohort", list(cohort_label), format_func=cohort_label.get, index=None,
                                 placeholder="Any", key="drill_cohort")
if theme_id:
    comments = explorer.drill(db, user, filters, theme_id=theme_id, reading=drill_reading, cohort=drill_cohort)
    widgets.note_read(db, user, "read the comments behind a theme", entity="themes", entity_id=theme_id,
                      detail={"from": filters.start.isoformat(), "to": filters.end.isoformat(),
                              "reading": drill_reading, "cohort": drill_cohort, "comments": len(comments)})
    st.caption(f"{len(comments)} comment(s), newest first" + (" (the newest 200)" if len(comments) == 200 else ""))
    for comment in comments:
        details = [comment["contact_on"], feedback.SOURCES[comment["source"]],
                   questions.ALL_RESPONDENTS.get(comment["respondent"], ""), cohort_label[comment["cohort"] or "none"],
                   codebook.READINGS[comment["reading"]], "may be quoted" if comment["consent_to_quote"] else "not for quoting"]
        if comment["safeguarding"]:
            details.append("safeguarding: never exported")
        with st.container(border=True):
            st.caption(" · ".join(details))
            st.text(comment["body"])

# ---- More views ----
sentiment_tab, trend_tab, ratings_tab = st.tabs(["Sentiment", "Trend", "Rating questions"])

with sentiment_tab:
    sentiment = pd.DataFrame([{"theme": names.get(r["theme_id"], r["theme_id"]), "sentiment": r["sentiment"],
                               "comments": r["comments"]} for r in explorer.theme_sentiment(db, user, filters)],
                             columns=["theme", "sentiment", "comments"])
    if sentiment.empty:
        st.info("No coded comments for these filters.", icon=":material/info:")
    else:
        st.caption("Mean sentiment of the sentences carrying each theme; a reviewer's correction counts as ±0.5.")
        st.altair_chart(charts.sentiment_bars(sentiment))
        widgets.table(sentiment.rename(columns={"theme": "Theme", "sentiment": "Mean sentiment", "comments": "Comments"}))

with trend_tab:
    trend_theme = st.selectbox("Theme to follow", theme_ids, format_func=names.get, index=None,
                               placeholder="Choose a theme", key="trend_theme")
    if trend_theme:
        series = explorer.per_quarter(db, user, filters, periods.recent(end, 8)[::-1])
        trend = pd.DataFrame(analysis.trend_rows(series, trend_theme))
        st.altair_chart(charts.trend(trend))
        widgets.table(trend.rename(columns={"quarter": "Quarter", "comments": "Comments on the theme",
                                       "total": "All comments", "share": "Share (%)"}))

with ratings_tab:
    bank = widgets.attempt(lambda: questions.current(db))
    if bank is None:
        st.stop()
    form_names = {"carer": "Carers", "parent": "Birth parents", "child": "Children", "audit": "Audit feedback",
                  questions.PLACING_AUTHORITY: "Placing authorities"}
    form = st.segmented_control("Questions from", list(form_names), format_func=form_names.get, default="carer",
                                required=True, key="ratings_form")
    rows = analysis.likert_rows(analysis.rating_items(bank.forms[form]), explorer.answer_counts(db, user, filters, form),
                                cohort_names=cohort_label)
    if not rows:
        st.info("No answers for these filters.", icon=":material/info:")
    else:
        st.caption("% positive = the top two answers over valid answers (not applicable and don't know left out); "
                   "n is that base. A base under 10 is marked low.")
        st.altair_chart(charts.likert(pd.DataFrame(rows)))
        widgets.table(analysis.likert_summary(rows))
