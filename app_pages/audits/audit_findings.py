import pandas as pd
import streamlit as st

from lib import charts, periods
from lib.audits import casefile, findings
from lib.audits import targeted as targeted_audits
from lib.themes import codebook
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_audit_findings")
today = session.today()
st.title("Audit findings")
st.caption("What the case-file audit programme found: moderated grades by domain and quarter, whose voices were "
           "heard, whether actions were complete at the eight-week review, and the themes in the learning. True "
           "counts for managers; the quarterly report suppresses small numbers.")

chosen = widgets.period_picker("findings", today=today, default=1)
start, end, label = chosen.start, chosen.end, chosen.short
found = findings.findings(db, user, start, end)
names = codebook.names(db)

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
    frame = pd.DataFrame(findings.grade_rows(found, which=which))
    st.altair_chart(charts.grade_bars(frame))
    source = getattr(found, which)
    widgets.table([{"Domain": words, **{casefile.GRADES[g]: source[d][g] for g in casefile.GRADES},
               "Changed at moderation": found.changed[d]} for d, words in casefile.GRADED.items()])

st.subheader("Grades by quarter")
domain = st.selectbox("Domain", list(casefile.GRADED), format_func=casefile.GRADED.get, index=len(casefile.GRADED) - 1,
                      key="findings_domain")
trend = []
for quarter in reversed(periods.recent(today, 8)):
    figures = findings.findings(db, user, quarter.start, quarter.end)
    if figures.cases:  # quarters with a programme
        trend.append({"Quarter": quarter.label, **{casefile.GRADES[g]: figures.grades[domain][g] for g in casefile.GRADES},
                      "Moderated audits": figures.moderated})
if trend:
    widgets.table(trend)
else:
    st.caption("No programme has been drawn in the last eight quarters.")

st.subheader("Themes in audit learning")
widgets.table([{"Theme": names.get(t, t), "Audits": n} for t, n in sorted(found.themes.items(), key=lambda kv: -kv[1])])
learning = findings.learning(db, user, start, end)
if learning:
    st.caption("Learning recorded at moderation")
    widgets.table([{"Reference": r["reference"], "Moderated": r["moderated_on"],
               "Overall grade": casefile.GRADES.get(r["overall"], ""),
               "Themes": ", ".join(names.get(t, t) for t in r["theme_ids"]), "Learning": r["learning"]}
              for r in learning])

st.subheader("Targeted audits")
targeted = findings.targeted(db, user, start, end)
widgets.table([{"Completed": t["completed_on"], "Topic": t["topic"], "Why chosen": targeted_audits.REASONS[t["reason"]],
           "Findings": t["findings"], "Learning": t["learning"]} for t in targeted],
         columns={"Completed": "Completed", "Topic": "Topic", "Why chosen": "Why chosen", "Findings": "Findings",
                  "Learning": "Learning"})
