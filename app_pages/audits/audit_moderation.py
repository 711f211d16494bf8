import datetime as dt

import streamlit as st

from lib import dates
from lib.audits import casefile, moderation
from lib.capture import questions
from lib.themes import codebook
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("moderate_audits")
today = session.today()
st.title("Audit moderation")
st.caption("Read each submitted audit, agree or change each grade (a change needs a reason; the auditors' grade is "
           "kept beside yours), and record the learning. Only moderated audits count in the reports. The review of "
           "the actions falls due eight weeks after the moderation date.")
SPOKEN = {1: "Yes", 0: "No"}

rows = moderation.awaiting_moderation(db, user, today=today)
waiting = [r for r in rows if not r["moderated_on"]]
st.metric("Waiting for moderation", len(waiting))
widgets.table([{"Reference": r["reference"], "Household": r["household_reference"], "Team": r["team"] or "",
           "Lead auditor": r["lead_auditor"], "Peer auditor": r["peer_auditor"], "Submitted": r["completed_on"],
           "Moderated": r["moderated_on"] or "not yet"} for r in rows])
audit = widgets.open_chosen("Open an audit", rows, lambda i: casefile.get(db, user, i, today=today), key="moderate_audit",
                       describe=lambda r: r["reference"])
chosen = audit["id"]
st.header(widgets.md(f"{audit['reference']} · {audit['household_reference']}"))
st.caption(f"Lead auditor {widgets.md(audit['lead_auditor'])}; peer auditor {widgets.md(audit['peer_auditor'])}; "
           f"audited {dates.day(audit['audited_on'])}; submitted {dates.day(audit['completed_on'])}.")
widgets.table([{"Domain": words, "Auditors' grade": casefile.GRADES.get(audit["grades"][d]["grade"], ""),
           "Evidence": audit["grades"][d]["evidence"] or ""} for d, words in casefile.GRADED.items()])
widgets.table([{"Who": words, "Spoken to": SPOKEN.get(audit[f"{who}_spoken"], ""), "If not, why": audit[f"{who}_not_why"] or ""}
          for who, words in casefile.SPOKEN_TO.items()])
st.caption("Case discussion with the supervising social worker"
           + (f" ({dates.day(audit['ssw_discussed_on'])})" if audit["ssw_discussed_on"] else ""))
st.text(audit["ssw_discussion"] or "")
if audit["feedback"]:
    st.caption("Linked audit feedback: " + ", ".join(f"#{f['id']} ({questions.RESPONDENTS.get(f['respondent'], '')})"
                                                     for f in audit["feedback"]))
st.caption("Action plan")
widgets.table([{"#": a["id"], "Action": a["action"], "Owner": a["owner"], "Due": a["due_on"],
           "Status": casefile.ACTION_STATUSES[a["status"]]} for a in audit["actions"]])

if user.id in (audit["lead_auditor_id"], audit["peer_auditor_id"]):
    st.info("You audited this case, so another senior manager moderates it.", icon=":material/info:")
    st.stop()

base, opened = widgets.edit_key(f"moderate_{chosen}", audit)
codes = list(casefile.GRADES)
what = f"moderation of {audit['reference']}"
draft = unsaved.begin(db, user, f"moderate_{chosen}", base, opened=opened, noun=what)
if draft.offered:
    st.stop()
with draft.box():
    entry = {"moderated_on": st.date_input("Moderation date", value=dt.date.fromisoformat(audit["moderated_on"])
                                           if audit["moderated_on"] else today, format="DD/MM/YYYY",
                                           min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1),
                                           key=f"{base}_on"),
             "grades": {}}
    for domain, words in casefile.GRADED.items():
        row = audit["grades"][domain]
        current = row["moderated_grade"] or row["grade"]
        left, right = st.columns([3, 2])
        grade = left.radio(f"{words} (auditors: {casefile.GRADES[row['grade']]})", codes, format_func=casefile.GRADES.get,
                           horizontal=True, index=codes.index(current), key=f"{base}_{domain}")
        reason = right.text_input(f"Reason, if you change it ({words.lower()})", value=row["moderation_reason"] or "",
                                  max_chars=2000, key=f"{base}_{domain}_reason")
        entry["grades"][domain] = {"grade": grade, "reason": reason}
    entry["learning"] = st.text_area("Learning from this audit", value=audit["learning"] or "", key=f"{base}_learning",
                                     help="Coded with the theme codebook for the themes in audit learning.")
    save = st.button("Save the moderation", type="primary", icon=":material/gavel:", key=f"save_{base}")
draft.keep(what)
if save:
    def moderate() -> tuple[dict, str]:  # the review date read in the save's own transaction
        diff = moderation.moderate(db, user, chosen, entry, today=today, expected=opened)
        return diff, casefile.get(db, user, chosen, today=today)["review_due_on"]

    widgets.attempt(moderate, opened=f"moderate_{chosen}", draft=draft,
                    success=lambda done: f"Moderated {audit['reference']}: {len(done[0])} change(s) saved; the "
                    f"eight-week review is due {dates.day(done[1])}." if done[0] else f"Nothing changed in the {what}.")
if audit["themes"]:
    names = codebook.names(db)
    st.caption("Themes found in the learning: " + widgets.md(", ".join(names.get(t, t) for t in audit["themes"])))
