import datetime as dt

import streamlit as st

from lib import access
from lib.capture import feedback
from lib.ui import forms, session, widgets

db = session.connection()
user = session.page_user("view_entries")
today = session.today()
st.title("Entries")
everyone = access.can(user, "view_all_entries")
st.caption(("Everyone's feedback entries. " if everyone else "Your feedback entries. ")
           + "Choose one to see it, correct it or delete it; every change is kept in the history.")

filters = st.columns(4)
form = filters[0].selectbox("Form", list(forms.FORM_TITLES), format_func=forms.FORM_TITLES.get, index=None,
                            placeholder="All forms")
since = filters[1].date_input("From", value=today - dt.timedelta(days=90), format="DD/MM/YYYY")
until = filters[2].date_input("To", value=today, format="DD/MM/YYYY")
deleted = access.can(user, "view_deleted_entries") and filters[3].toggle("Deleted entries")
rows = feedback.entries(db, user, form=form, since=since, until=until, deleted=deleted)
st.caption(f"{len(rows)} entries" + (" (the newest 500)" if len(rows) == 500 else ""))
forms.entries_table(rows)

ids = [r["id"] for r in rows]
chosen = st.selectbox("Open entry", ids, index=None, placeholder="Choose an entry by number",
                      format_func=lambda i: f"#{i}", key="open_entry")
if chosen is not None:
    row = widgets.attempt(lambda: feedback.get(db, user, chosen))
    if row is not None:
        if row["form"] == "child" or row["respondent"] == "child" or row["safeguarding"]:
            widgets.note_read(db, user, "opened a child's or a safeguarding-flagged entry", entity="responses",
                              entity_id=chosen)
        forms.show_entry(db, row)
        with st.expander("History"):
            widgets.table(feedback.record_history(db, user, chosen), columns={"at": "When", "username": "Who",
                                                                  "action": "What", "detail": "Changes"})
        if row["deleted_at"]:
            st.warning(f"Deleted on {row['deleted_at'][:10]}. Reason:", icon=":material/delete:")
            st.text(row["delete_reason"])
            if st.button("Restore this entry", icon=":material/restore:"):
                widgets.attempt(lambda: feedback.restore(db, user, chosen), success=f"Restored entry #{chosen}.")
        else:
            refusal = feedback.edit_refusal(db, user, row)
            with st.form(widgets.fresh_key(f"copied_{chosen}")):
                copied = st.checkbox("Copied to the carer's case record", value=bool(row["copied_to_record_on"]))
                if st.form_submit_button("Save"):
                    widgets.attempt(lambda: feedback.mark_copied(db, user, chosen, today if copied else None),
                               success="Saved.")
            if refusal:
                st.info(refusal, icon=":material/lock:")
            else:
                with st.expander("Correct this entry"):
                    forms.feedback_form(db, user, row["form"], today=today, existing=row)
                with st.expander("Delete this entry"):
                    widgets.delete_form(f"delete_{chosen}", f"entry #{chosen}",
                                        lambda reason: feedback.soft_delete(db, user, chosen, reason))
