import datetime as dt

import streamlit as st

from lib import dates
from lib.audits import casefile, reviews
from lib.store import settings
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("review_audit_actions")
today = session.today()
weeks = settings.get(db, "audit_review_weeks")
st.title("Eight-week reviews")
st.caption(f"The advanced practitioners review each moderated audit {weeks} weeks after moderation: whether each "
           "action is complete, with the evidence, and when the review was recorded on the carer's file.")
MARKS = {"overdue": "🔴 overdue", "due soon": "🟠 due soon", "upcoming": "🟢 upcoming"}

show = st.segmented_control("Show", ["To review", "Reviewed"], default="To review", required=True,
                            key="review_view", label_visibility="collapsed")
rows = reviews.follow_ups(db, user, today=today, reviewed=show == "Reviewed")
if show == "To review":
    cols = st.columns(2)
    cols[0].metric("Overdue", sum(1 for r in rows if r["review_status"] == "overdue"))
    cols[1].metric(f"Due within {casefile.SOON_DAYS} days", sum(1 for r in rows if r["review_status"] == "due soon"))
    widgets.table([{"Reference": r["reference"], "Status": MARKS[r["review_status"]], "Review due": r["review_due_on"],
               "Days left": r["days_left"], "Actions": r["actions"], "Open actions": r["open_actions"],
               "Lead auditor": r["lead_auditor"], "Moderated": r["moderated_on"],
               "Household": f"{r['household_name']} · {r['household_reference']}"} for r in rows],
             height=35 * (len(rows) + 1) + 3)
else:
    widgets.table([{"Reference": r["reference"], "Household": r["household_reference"], "Reviewed": r["reviewed_on"],
               "Recorded on the carer's file": r["recorded_on_file_on"] or "not yet"} for r in rows])
audit = widgets.open_chosen("Open an audit", rows, lambda i: casefile.get(db, user, i, today=today), key="review_audit",
                       describe=lambda r: r["reference"])
chosen = audit["id"]
st.header(widgets.md(f"{audit['reference']} · {audit['household_name']} ({audit['household_reference']})"))
st.caption(f"Moderated {dates.day(audit['moderated_on'])}; review due {dates.day(audit['review_due_on'])}. Learning:")
st.text(audit["learning"] or "")

base, opened = widgets.edit_key(f"review_{chosen}", audit)
what = f"eight-week review of {audit['reference']}"
draft = unsaved.begin(db, user, f"review_{chosen}", base, opened=opened, noun=what)
if draft.offered:
    st.stop()
with draft.box():
    entry = {"reviewed_on": st.date_input("Review date", value=dt.date.fromisoformat(audit["reviewed_on"])
                                          if audit["reviewed_on"] else today, format="DD/MM/YYYY",
                                          min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1),
                                          key=f"{base}_on"),
             "actions": {}}
    if not audit["actions"]:
        st.caption("This audit has no actions.")
    for action in audit["actions"]:
        st.caption(f"Action #{action['id']} · {action['owner']} · due {dates.day(action['due_on'])} · "
                   f"{casefile.ACTION_STATUSES[action['status']].lower()}")
        st.text(action["action"])
        left, right = st.columns([1, 3])
        done = left.radio(f"Complete? (action #{action['id']})", ["yes", "no"], horizontal=True,
                          format_func={"yes": "Yes", "no": "No"}.get, key=f"{base}_{action['id']}_done",
                          index=None if action["review_complete"] is None else 1 - action["review_complete"])
        evidence = right.text_area(f"Evidence (action #{action['id']})", value=action["review_evidence"] or "",
                                   max_chars=2000, height=80, key=f"{base}_{action['id']}_evidence")
        entry["actions"][action["id"]] = {"complete": None if done is None else done == "yes", "evidence": evidence}
    entry["note"] = st.text_area("Review note (optional)", value=audit["review_note"] or "", key=f"{base}_note")
    left, right = st.columns(2)
    entry["recorded_on_file"] = left.checkbox("Recorded on the carer's file", key=f"{base}_file",
                                              value=bool(audit["recorded_on_file_on"]))
    entry["recorded_on_file_on"] = right.date_input(
        "Date recorded on the carer's file", value=dt.date.fromisoformat(audit["recorded_on_file_on"])
        if audit["recorded_on_file_on"] else None, format="DD/MM/YYYY", min_value=dt.date(1900, 1, 1),
        max_value=dt.date(2100, 1, 1), key=f"{base}_file_on")
    save = st.button("Save the review", type="primary", icon=":material/task_alt:", key=f"save_{base}")
draft.keep(what)
if save:
    widgets.attempt(lambda: reviews.record_review(db, user, chosen, entry, today=today, expected=opened),
                    opened=f"review_{chosen}", draft=draft,
                    success=lambda diff: f"Saved the {what}: {len(diff)} change(s)." if diff
                    else f"Nothing changed in the {what}.")
