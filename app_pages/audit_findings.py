import pandas as pd
import streamlit as st

from lib import audit_report, audits, charts, quarters, targeted_audits, themes, ui

db = ui.connection()
user = ui.page_user("view_audit_findings")
today = ui.today()
st.title("Audit findings")
st.caption("What the case-file audit programme found: moderated grades by domain and quarter, whose voices were "
           "heard, whether actions were complete at the eight-week review, and the themes in the learning. True "
           "counts for managers; the quarterly report suppresses small numbers.")

recent = quarters.recent(today, 8)
kind = st.segmented_control("Period", ["Quarter", "Financial year"], default="Quarter", required=True,
                            key="findings_kind")
if kind == "Quarter":
    chosen = st.selectbox("Quarter", recent, index=1 if len(recent) > 1 else 0, format_func=lambda q: q.label,
                          key="findings_quarter")
    start, end, label = chosen.start, chosen.end, chosen.label
else:
    years = sorted({q.year for q in recent}, reverse=True)
    chosen = st.selectbox("Financial year", years, format_func=lambda y: y.label, key="findings_year")
    start, end, label = chosen.start, chosen.end, chosen.label
found = audit_report.findings(db, user, start, end)
names = themes.names(db)

cols = st.columns(4)
cols[0].metric("Cases drawn", found.cases)
cols[1].metric("Submitted", found.submitted)
cols[2].metric("Moderated", found.moderated)
cols[3].metric("Eight-week review recorded", found.reviewed)
if not found.moderated:
    st.info(f"No audit of the {label} programme has been moderated yet; grades appear here once they are.",
            icon=":material/info:")
else:
    cols = st.columns(4)
    for col, (who, words) in zip(cols, {"child": "Child", "parent": "Birth parent", "carer": "Carer"}.items()):
        share = round(100 * found.spoken[who] / found.moderated)
        col.metric(f"{words} spoken to", f"{share}%", help=f"{found.spoken[who]} of {found.moderated} moderated audits")
    if found.actions_reviewed:
        cols[3].metric("Actions complete at the review", f"{found.actions_complete} of {found.actions_reviewed}")
    else:
        cols[3].metric("Actions complete at the review", "no review yet")
    grades = st.segmented_control("Grades", ["After moderation", "As the auditors gave them"],
                                  default="After moderation", required=True, key="findings_grades")
    which = "grades" if grades == "After moderation" else "auditor_grades"
    frame = pd.DataFrame(audit_report.grade_rows(found, which=which))
    st.altair_chart(charts.grade_bars(frame))
    source = getattr(found, which)
    ui.table([{"Domain": words, **{audits.GRADES[g]: source[d][g] for g in audits.GRADES},
               "Changed at moderation": found.changed[d]} for d, words in audits.GRADED.items()])

st.subheader("Grades by quarter")
domain = st.selectbox("Domain", list(audits.GRADED), format_func=audits.GRADED.get, index=len(audits.GRADED) - 1,
                      key="findings_domain")
trend = []
for quarter in reversed(recent):
    figures = audit_report.findings(db, user, quarter.start, quarter.end)
    if figures.cases:  # quarters with a programme
        trend.append({"Quarter": quarter.label, **{audits.GRADES[g]: figures.grades[domain][g] for g in audits.GRADES},
                      "Moderated audits": figures.moderated})
if trend:
    ui.table(trend)
else:
    st.caption("No programme has been drawn in the last eight quarters.")

st.subheader("Themes in audit learning")
ui.table([{"Theme": names.get(t, t), "Audits": n} for t, n in sorted(found.themes.items(), key=lambda kv: -kv[1])])
learning = audit_report.learning(db, user, start, end)
if learning:
    st.caption("Learning recorded at moderation")
    ui.table([{"Reference": r["reference"], "Moderated": r["moderated_on"],
               "Overall grade": audits.GRADES.get(r["overall"], ""),
               "Themes": ", ".join(names.get(t, t) for t in r["theme_ids"]), "Learning": r["learning"]}
              for r in learning])

st.subheader("Targeted audits")
targeted = audit_report.targeted(db, user, start, end)
ui.table([{"Completed": t["completed_on"], "Topic": t["topic"], "Why chosen": targeted_audits.REASONS[t["reason"]],
           "Findings": t["findings"], "Learning": t["learning"]} for t in targeted],
         columns={"Completed": "Completed", "Topic": "Topic", "Why chosen": "Why chosen", "Findings": "Findings",
                  "Learning": "Learning"})
