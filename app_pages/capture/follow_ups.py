import datetime as dt

import streamlit as st

from lib.capture import follow_ups
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_follow_ups")
st.title("Follow-ups")
st.caption("Call-backs people asked for, and safeguarding concerns flagged on any form. A safeguarding flag "
           "is not a referral: check the local procedure was followed, record who was told, then close it.")

counts = follow_ups.counts(db, user)
left, right = st.columns(2)
left.metric("Open safeguarding flags", counts["safeguarding"])
right.metric("Open call-back requests", counts["callback"])

kind = st.segmented_control("Show", list(follow_ups.KINDS), format_func=follow_ups.KINDS.get, default=None)
status = st.segmented_control("Status", ["open", "closed"], default="open", required=True)
rows = follow_ups.open_items(db, user, kind=kind, status=status)
if kind in (None, "safeguarding"):
    widgets.note_read(db, user, "viewed the safeguarding follow-ups", entity="follow_ups", detail={"status": status})
widgets.table([{**r, "kind": follow_ups.KINDS[r["kind"]], "entry_deleted": "entry deleted" if r["entry_deleted"] else ""}
          for r in rows],
         columns={"id": "#", "kind": "Kind", "contact_on": "Contact date", "household": "Household",
                  "raised_by": "Raised by", "note": "Note", "told_whom": "Told", "told_at": "Told at",
                  "response_id": "Entry", "entry_deleted": "", "closing_note": "What was done"})

open_rows = [r for r in rows if r["status"] == "open"]
if open_rows:
    chosen = st.selectbox("Act on", [r["id"] for r in open_rows], index=None, placeholder="Choose a follow-up",
                          format_func=lambda i: next(f"#{r['id']} {follow_ups.KINDS[r['kind']]}, entry #{r['response_id']}"
                                                     for r in open_rows if r["id"] == i), key="act_on")
    if chosen is not None and any(r["id"] == chosen for r in open_rows):  # someone may have closed it meanwhile
        row = next(r for r in open_rows if r["id"] == chosen)
        if row["kind"] == "safeguarding":
            with st.form(widgets.fresh_key(f"told_{chosen}")):
                whom = st.text_input("Who was told (role or team)", value=row["told_whom"] or "")
                now = session.now()
                day = st.date_input("When", value=now.date(), format="DD/MM/YYYY")
                moment = st.time_input("Time", value=now.time().replace(second=0, microsecond=0))
                if st.form_submit_button("Record who was told"):
                    widgets.attempt(lambda: follow_ups.record_told(
                        db, user, chosen, told_whom=whom, told_at=dt.datetime.combine(day, moment, session.LOCAL)),
                        success="Recorded.")
        with st.form(widgets.fresh_key(f"close_{chosen}")):
            note = st.text_area("What was done", max_chars=1000)
            if st.form_submit_button("Close this follow-up", type="primary"):
                widgets.attempt(lambda: follow_ups.close(db, user, chosen, note), success=f"Closed follow-up #{chosen}.")
