import pandas as pd
import streamlit as st

from lib import accounts, analysis, charts, feedback, questions, quarters, themes, ui

db = ui.connection()
user = ui.page_user("view_themes")
today = ui.today()
st.title("Themes")
st.caption("What people say, coded against the theme codebook: strengths and areas for improvement, by cohort "
           "and quarter, down to their own words. True counts are shown here; exported reports suppress small numbers.")

recent = quarters.recent(today, 8)
names = themes.names(db)
teams = {t["name"]: t["id"] for t in accounts.teams(db)}
row_one = st.columns(3)
period = row_one[0].selectbox("Quarter", recent, format_func=lambda q: q.label)
respondent = row_one[1].selectbox("Respondent", list(questions.RESPONDENTS), format_func=questions.RESPONDENTS.get,
                                  index=None, placeholder="Everyone")
cohort = row_one[2].selectbox("Cohort", list(questions.COHORTS), format_func=questions.COHORTS.get, index=None,
                              placeholder="Mainstream and kinship")
row_two = st.columns(3)
source = row_two[0].selectbox("Source", list(feedback.SOURCES), format_func=feedback.SOURCES.get, index=None,
                              placeholder="All sources")
team = row_two[1].selectbox("Team", list(teams), index=None, placeholder="All teams")
age_band = row_two[2].selectbox("Age band (children)", list(questions.AGE_BANDS), format_func=questions.AGE_BANDS.get,
                                index=None, placeholder="All ages")
filters = themes.Filters(period.start, period.end, respondent=respondent, cohort=cohort, source=source,
                         team_id=teams.get(team), age_band=age_band)
previous = themes.Filters(period.previous.start, period.previous.end, respondent=respondent, cohort=cohort,
                          source=source, team_id=teams.get(team), age_band=age_band)

total = themes.comment_total(db, user, filters)
counts = themes.theme_counts(db, user, filters)
cohort_label = {**questions.COHORTS, "none": "No household"}
frame = pd.DataFrame([{"theme": names.get(r["theme_id"], r["theme_id"]), "theme_id": r["theme_id"],
                       "cohort": cohort_label[r["cohort"]], "reading": themes.READINGS[r["reading"]],
                       "comments": r["comments"]} for r in counts],
                     columns=["theme", "theme_id", "cohort", "reading", "comments"])
left, right = st.columns(2)
left.metric(f"Comments in {period.label}", total, help="Free-text answers in the period with these filters.")
right.metric("Comments matching no theme", len(themes.uncoded(db, user, filters)),
             help="QA can look for emerging themes among these on the Codebook page.")
if total < 10:
    st.warning(f"Low base: only {total} comments. Read the comments themselves rather than the proportions.",
               icon=":material/info:")

frequency, movement_tab, sentiment_tab, trend_tab, ratings_tab = st.tabs(
    ["Strengths and areas for improvement", "Change since last quarter", "Sentiment", "Trend", "Rating questions"])

with frequency:
    chosen_bar = None
    if frame.empty:
        st.info("No coded comments for these filters.", icon=":material/info:")
    else:
        event = st.altair_chart(charts.theme_bars(frame), on_select="rerun", key="theme_bars")
        picked = event.get("selection", {}).get("bar") if hasattr(event, "get") else None
        if picked:
            chosen_bar = picked[0]
    st.subheader("In their own words")
    theme_ids = sorted(set(frame["theme_id"]), key=lambda t: -frame[frame["theme_id"] == t]["comments"].sum())
    default_theme = next((t for t in theme_ids if names.get(t) == (chosen_bar or {}).get("theme")), None)
    pick = st.columns(3)
    theme_id = pick[0].selectbox("Theme", theme_ids, format_func=lambda t: names.get(t, t),
                                 index=theme_ids.index(default_theme) if default_theme else None,
                                 placeholder="Choose a theme, or click a bar", key="drill_theme")
    readings = list(themes.READINGS)
    reading_default = next((k for k, v in themes.READINGS.items() if v == (chosen_bar or {}).get("reading")), None)
    reading = pick[1].selectbox("Reading", readings, format_func=themes.READINGS.get, placeholder="Any",
                                index=readings.index(reading_default) if reading_default else None, key="drill_reading")
    cohorts = list(cohort_label)
    cohort_default = next((k for k, v in cohort_label.items() if v == (chosen_bar or {}).get("cohort")), None)
    bar_cohort = pick[2].selectbox("Cohort of the bar", cohorts, format_func=cohort_label.get, placeholder="Any",
                                   index=cohorts.index(cohort_default) if cohort_default else None, key="drill_cohort")
    if theme_id:
        comments = themes.drill(db, user, filters, theme_id=theme_id, reading=reading, cohort=bar_cohort)
        st.caption(f"{len(comments)} comment(s), newest first" + (" (the newest 200)" if len(comments) == 200 else ""))
        for comment in comments:
            marks = [comment["contact_on"], feedback.SOURCES[comment["source"]],
                     questions.RESPONDENTS.get(comment["respondent"], ""), cohort_label[comment["cohort"] or "none"],
                     themes.READINGS[comment["reading"]],
                     "may be quoted" if comment["consent_to_quote"] else "not for quoting"]
            if comment["safeguarding"]:
                marks.append("safeguarding: never exported")
            with st.container(border=True):
                st.caption(" · ".join(marks))
                st.text(comment["body"])

with movement_tab:
    both = themes.per_quarter(db, user, filters, [period.previous, period])
    before, now = both
    rows = []
    for theme in sorted(set(before["themes"]) | set(now["themes"])):
        n_now, n_before = now["themes"].get(theme, 0), before["themes"].get(theme, 0)
        rows.append({"Theme": names.get(theme, theme), period.previous.label: n_before, period.label: n_now,
                     "Share now (%)": round(100 * n_now / now["total"], 1) if now["total"] else None,
                     "Movement": analysis.movement(n_now, now["total"], n_before, before["total"])})
    st.caption(f"{before['total']} comments in {period.previous.label}, {now['total']} in {period.label}. A theme is "
               f"rising or falling when its share of comments moves by {analysis.MOVEMENT_POINTS:.0f} points or more; "
               f"both quarters need {analysis.MIN_COMPARE_BASE} comments to compare.")
    marks = {"rising": "▲ rising", "falling": "▼ falling", "steady": "steady", "too few to compare": "too few to compare"}
    ui.table([{**r, "Movement": marks[r["Movement"]]} for r in sorted(rows, key=lambda r: -r[period.label])])

with sentiment_tab:
    sentiment = pd.DataFrame([{"theme": names.get(r["theme_id"], r["theme_id"]), "sentiment": r["sentiment"],
                               "comments": r["comments"]} for r in themes.theme_sentiment(db, user, filters)],
                             columns=["theme", "sentiment", "comments"])
    if sentiment.empty:
        st.info("No coded comments for these filters.", icon=":material/info:")
    else:
        st.altair_chart(charts.sentiment_bars(sentiment))
        ui.table(sentiment.rename(columns={"theme": "Theme", "sentiment": "Mean sentiment", "comments": "Comments"}))

with trend_tab:
    trend_theme = st.selectbox("Theme to follow", sorted(names), format_func=names.get, index=None,
                               placeholder="Choose a theme", key="trend_theme")
    if trend_theme:
        span = quarters.recent(period.end, 8)[::-1]
        series = themes.per_quarter(db, user, filters, span)
        trend = pd.DataFrame([{"quarter": r["quarter"].label, "comments": r["themes"].get(trend_theme, 0),
                               "total": r["total"],
                               "share": round(100 * r["themes"].get(trend_theme, 0) / r["total"], 1) if r["total"] else 0}
                              for r in series])
        st.altair_chart(charts.trend(trend))
        ui.table(trend.rename(columns={"quarter": "Quarter", "comments": "Comments on the theme", "total": "All comments",
                                       "share": "Share (%)"}))

with ratings_tab:
    bank = ui.attempt(lambda: questions.current(db))
    if bank is None:
        st.stop()
    form_names = {"carer": "Carers", "parent": "Birth parents", "child": "Children", "audit": "Audit feedback"}
    form = st.segmented_control("Questions from", list(form_names), format_func=form_names.get, default="carer",
                                required=True, key="ratings_form")
    answer_rows = themes.answer_counts(db, user, filters, form)
    items = [i for i in bank.forms[form].items_for(cohort=None, age_band=None, respondent=None)] + \
        [i for s in bank.forms[form].sections for i in s.items]
    seen, rating_items = set(), []
    for item in items:
        if item.id not in seen and not item.scale.is_text:
            seen.add(item.id)
            rating_items.append(item)
    rows = analysis.likert_rows(rating_items, answer_rows, cohort_names=cohort_label)
    if not rows:
        st.info("No answers for these filters.", icon=":material/info:")
    else:
        st.caption("% positive = the top two answers over valid answers (not applicable and don't know left out); "
                   "n is that base. A base under 10 is marked low.")
        st.altair_chart(charts.likert(pd.DataFrame(rows)))
        summary = {}
        for r in rows:
            summary[(r["question"], r["cohort"])] = {
                "Question": r["question"], "Cohort": r["cohort"], "n": r["n"],
                "% positive": r["percent_positive"], "Base": "low base" if r["n"] < 10 else ""}
        ui.table(list(summary.values()))
