import datetime as dt

import streamlit as st

from lib import access, dates
from lib.audits import casefile, plan
from lib.capture import questions
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("record_case_audit")
today = session.today()
st.title("My audits")
st.caption("The case-file audits you lead or peer, with their due dates. Grade each domain with evidence, record who "
           "you spoke to and the case discussion, agree the action plan, then submit the audit for moderation.")
YES_NO = {"yes": "Yes", "no": "No"}


def day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def audit_form(audit: dict) -> None:
    """The audit form: grades with evidence, who was spoken to, the case discussion."""
    grades = audit["grades"]
    key = f"case_audit_{audit['id']}"  # not audit_N: the audit feedback form's widgets are audit_{generation}_...
    base, opened = widgets.edit_key(key, audit)
    submitted = bool(audit["completed_on"])
    draft = unsaved.begin(db, user, key, base, opened=opened, noun=f"audit of {audit['reference']}")
    if draft.offered:
        return
    with draft.box():
        entry = {"audited_on": st.date_input("Audit date", value=day(audit["audited_on"]), format="DD/MM/YYYY",
                                             min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1),
                                             key=f"{base}_audited_on"),
                 "grades": {}}
        st.subheader("Grades")
        st.caption("Each domain on the Ofsted scale, with the evidence for the grade.")
        codes = list(casefile.GRADES)
        for domain, words in casefile.GRADED.items():
            old = grades.get(domain, {})
            grade = st.radio(words, codes, format_func=casefile.GRADES.get, horizontal=True, key=f"{base}_{domain}",
                             index=codes.index(old["grade"]) if old.get("grade") in codes else None)
            evidence = st.text_area(f"Evidence: {words}" if domain != casefile.OVERALL else "Summary (optional)",
                                    value=old.get("evidence") or "", key=f"{base}_{domain}_evidence", height=90)
            entry["grades"][domain] = {"grade": grade, "evidence": evidence}
        st.subheader("Who the peer auditor spoke to")
        st.caption(f"Record what they said on the Case-file audit feedback form with the audit reference "
                   f"{audit['reference']}; it is linked to this audit.")
        for who, words in casefile.SPOKEN_TO.items():
            spoken = audit[f"{who}_spoken"]
            left, right = st.columns([1, 2])
            answer = left.radio(f"Spoken to: {words.lower()}", list(YES_NO), format_func=YES_NO.get, horizontal=True,
                                index=None if spoken is None else (0 if spoken else 1), key=f"{base}_{who}_spoken")
            entry[f"{who}_spoken"] = None if answer is None else answer == "yes"
            entry[f"{who}_not_why"] = right.text_input(f"If not, why not ({words.lower()})",
                                                       value=audit[f"{who}_not_why"] or "", max_chars=1000,
                                                       key=f"{base}_{who}_not_why")
        st.subheader("Case discussion with the supervising social worker")
        entry["ssw_discussed_on"] = st.date_input("Date of the case discussion", value=day(audit["ssw_discussed_on"]),
                                                  format="DD/MM/YYYY", min_value=dt.date(1900, 1, 1),
                                                  max_value=dt.date(2100, 1, 1), key=f"{base}_ssw_on")
        entry["ssw_discussion"] = st.text_area("What was discussed", value=audit["ssw_discussion"] or "",
                                               key=f"{base}_ssw")
        if submitted:
            save = st.button("Save changes", type="primary", icon=":material/save:", key=f"save_{base}")
            submit = False
        else:
            left, right = st.columns(2)
            save = left.button("Save progress", icon=":material/save:", key=f"save_{base}")
            submit = right.button("Submit for moderation", type="primary", icon=":material/send:",
                                  key=f"submit_{base}")
    what = f"audit of {audit['reference']} ({audit['household_name']}, {audit['household_reference']})"
    draft.keep(what)
    if save or submit:
        widgets.attempt(lambda: casefile.save(db, user, audit["id"], entry, today=today, submit=submit,
                                              expected=opened), opened=key, draft=draft,
                        success=lambda diff: (f"Submitted the {what} for moderation." if submit else
                                              f"Saved {len(diff)} change(s) to the {what}." if diff
                                              else f"Nothing changed in the {what}."))


def grades_table(audit: dict) -> None:
    """The grades as the auditors gave them and as moderated, read-only."""
    widgets.table([{"Domain": words, "Auditors' grade": casefile.GRADES.get(audit["grades"].get(d, {}).get("grade"), ""),
               "Moderated grade": casefile.GRADES.get(audit["grades"].get(d, {}).get("moderated_grade"), ""),
               "Reason for the change": audit["grades"].get(d, {}).get("moderation_reason") or "",
               "Evidence": audit["grades"].get(d, {}).get("evidence") or ""}
              for d, words in casefile.GRADED.items()])


def action_form(audit: dict, prior: dict | None = None) -> None:
    """Add an action to the plan, or change one (prior)."""
    prior = prior or {}
    key = f"audit_action_{prior.get('id', 'new')}_{audit['id']}"
    base, opened = widgets.edit_key(key, prior)
    owners = list(casefile.OWNERS)
    what = f"action #{prior['id']} of {audit['reference']}" if prior else f"new action for {audit['reference']}"
    draft = unsaved.begin(db, user, key, base, opened=opened, noun=what)
    if draft.offered:
        return
    with draft.box():
        entry = {"action": st.text_area("Action", value=prior.get("action") or "", max_chars=2000,
                                        key=f"{base}_action")}
        a, b, c = st.columns(3)
        entry["owner"] = a.selectbox("Owner (a role, not a name)", owners, key=f"{base}_owner",
                                     index=owners.index(prior["owner"]) if prior.get("owner") in owners else 0)
        entry["due_on"] = b.date_input("Due", value=day(prior.get("due_on")), format="DD/MM/YYYY", key=f"{base}_due_on")
        statuses = list(casefile.ACTION_STATUSES)
        entry["status"] = c.selectbox("Status", statuses, format_func=casefile.ACTION_STATUSES.get,
                                      index=statuses.index(prior.get("status") or "open"), key=f"{base}_status")
        save = st.button("Save changes" if prior else "Add action", type="primary", key=f"save_{base}")
    draft.keep(what)
    due = f", due {dates.day(entry['due_on'])}" if entry["due_on"] else ""
    if save and prior:
        widgets.attempt(lambda: plan.update_action(db, user, prior["id"], entry, today=today, expected=opened),
                        opened=key, draft=draft,
                        success=lambda d: f"Saved {len(d)} change(s) to action #{prior['id']} of {audit['reference']}"
                        f"{due}." if d else f"Nothing changed in action #{prior['id']}.")
    elif save:
        widgets.attempt(lambda: plan.add_action(db, user, audit["id"], entry, today=today), reset=key, draft=draft,
                        success=lambda i: f"Added action #{i} to {audit['reference']}{due}.")


def action_plan(audit: dict) -> None:
    st.subheader("Action plan")
    widgets.table([{"#": a["id"], "Action": a["action"],
               "Status": casefile.ACTION_STATUSES[a["status"]] + (" · overdue" if a["status"] != "done"
                                                                and a["due_on"] < today.isoformat() else ""),
               "Due": a["due_on"], "Owner": a["owner"], "Done on": a["done_on"] or "",
               "Complete at review": {1: "Yes", 0: "No"}.get(a["review_complete"], ""),
               "Review evidence": a["review_evidence"] or ""} for a in audit["actions"]],
             columns=None)
    refusal = casefile.plan_refusal(user, audit, today=today)
    if refusal:
        st.caption(refusal)
        return
    add, change = st.tabs(["Add an action", "Update an action"])
    with add:
        action_form(audit)
    with change:
        ids = [a["id"] for a in audit["actions"]]
        chosen = st.selectbox("Action", ids, index=None, placeholder="Choose an action", key=f"pick_action_{audit['id']}",
                              format_func=lambda i: f"#{i} " + next(a["action"][:60] for a in audit["actions"]
                                                                     if a["id"] == i))
        if chosen is not None:
            action_form(audit, next(a for a in audit["actions"] if a["id"] == chosen))
            if not audit["moderated_on"] and st.button("Remove this action", icon=":material/delete:",
                                                       key=f"remove_action_{chosen}"):
                widgets.attempt(lambda: plan.remove_action(db, user, chosen, today=today),
                           success=f"Removed action #{chosen}.")


rows = casefile.my_audits(db, user, today=today)
if not rows:
    st.info("No case-file audits are assigned to you yet. QA circulates each quarter's cases on the 1st of the month.",
            icon=":material/info:")
    st.stop()
waiting = [r for r in rows if r["stage"] in ("to_do", "in_progress")]
cols = st.columns(3)
cols[0].metric("To complete", len(waiting))
cols[1].metric("Overdue", sum(1 for r in waiting if r["overdue"]))
cols[2].metric("Open actions you follow up", sum(r["open_actions"] for r in rows if r["part"] == "Lead auditor"
                                                 and r["stage"] in ("moderated",)))
widgets.table([{"Reference": r["reference"], "Stage": casefile.STAGES[r["stage"]] + (" · overdue" if r["overdue"] else ""),
           "Due": r["due_on"], "Your part": r["part"],
           "Other auditor": r["peer_auditor"] if r["part"] == "Lead auditor" else r["lead_auditor"],
           "Household": f"{r['household_name']} · {r['household_reference']}", "Team": r["team"] or ""} for r in rows],
         height=35 * (len(rows) + 1) + 3)
audit = widgets.open_chosen("Open an audit", rows, lambda i: casefile.get(db, user, i, today=today), key="my_audit",
                       describe=lambda r: f"{r['reference']} · {r['household_name']}")
st.header(widgets.md(f"{audit['reference']} · {audit['household_name']} ({audit['household_reference']})"))
widgets.table([{"Field": k, "Value": v} for k, v in {
    "Stage": casefile.STAGES[audit["stage"]], "Team": audit["team"] or "", "Placement type": audit["cohort"].title(),
    "Lead auditor": audit["lead_auditor"] or "", "Peer auditor": audit["peer_auditor"] or "",
    "Due": audit["due_on"], "Submitted": audit["completed_on"] or "", "Moderated": audit["moderated_on"] or "",
    "Review due": audit["review_due_on"] or "", "Reviewed": audit["reviewed_on"] or "",
    "Recorded on the carer's file": audit["recorded_on_file_on"] or ""}.items() if v])

st.subheader("Feedback linked to this audit")
if audit["feedback"]:
    widgets.table([{"Entry": f"#{f['id']}", "Date": f["contact_on"], "Who": questions.RESPONDENTS.get(f["respondent"], ""),
               "Outcome": f["outcome"].replace("_", " ")} for f in audit["feedback"]])
else:
    st.caption(f"None yet: entries on the Case-file audit feedback form with the audit reference {audit['reference']} "
               "appear here.")
if access.can(user, "record_audit_feedback"):
    st.page_link("app_pages/capture/audit_feedback.py", label="Record feedback from the carer, birth parent or child",
                 icon=":material/fact_check:")

refusal = casefile.form_refusal(user, audit, today=today)
if refusal:
    st.subheader("Grades")
    grades_table(audit)
    if audit["learning"]:
        st.caption("Learning recorded at moderation")
        st.text(audit["learning"])
else:
    audit_form(audit)
action_plan(audit)
with st.expander("History"):
    widgets.table(casefile.record_history(db, user, audit["id"], today=today),
             columns={"at": "When (UTC)", "username": "Who", "action": "What", "detail": "Changes"})
