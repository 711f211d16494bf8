import datetime as dt

import streamlit as st

from lib.store import backup, retention, settings
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("edit_settings")
st.title("Settings")
st.caption("Changes apply at once for everyone and are recorded in history.")

values = settings.current(db)
base, opened = widgets.edit_key("settings_form", {"version": settings.version(db)})
with st.form(base):
    entered = {}
    for definition in settings.DEFINITIONS:
        if definition.kind is int and definition.choices:
            entered[definition.key] = st.selectbox(
                definition.label, definition.choices, index=definition.choices.index(values[definition.key]),
                help=definition.help)
        elif definition.kind is int:
            entered[definition.key] = st.number_input(
                definition.label, value=values[definition.key], min_value=definition.minimum,
                max_value=definition.maximum, step=1, help=definition.help)
        elif definition.choices:
            entered[definition.key] = st.selectbox(
                definition.label, definition.choices, index=definition.choices.index(values[definition.key]),
                help=definition.help)
        elif definition.max_length > 200:
            entered[definition.key] = st.text_area(definition.label, value=values[definition.key],
                                                   max_chars=definition.max_length, help=definition.help)
        else:
            entered[definition.key] = st.text_input(
                definition.label, value=values[definition.key], max_chars=definition.max_length,
                help=definition.help)
    save = st.form_submit_button("Save settings", type="primary")
if save:
    widgets.attempt(lambda: settings.update(db, user, entered, expected=opened), opened="settings_form",
                    success=widgets.saved_changes)

st.divider()
st.subheader("Backup")
st.caption("A consistent copy of the whole database, safe to take while others are working. Keep it somewhere "
           "as secure as the original: it holds everything, including children's feedback. To restore, see the "
           "README.")


widgets.audited_download("Download a backup", user=user, action="manage_backups", what=None,
                         make=lambda database, person: backup.download(database, person),
                         file_name=f"feedback-backup-{session.today():%Y-%m-%d}.db", mime="application/vnd.sqlite3",
                         icon=":material/backup:")

st.divider()
st.subheader("Retention")
st.caption(f"Identifiable feedback is kept for {settings.get(db, 'retention_years')} financial years (the setting "
           "above). Older entries are anonymised: answers, themes and counts stay for the service's trends; words, "
           "references and the link to the carer go, and deleted entries are removed for good. Open complaints are "
           "never touched; published reports stay as published. Take a backup first: this cannot be undone.")
PREVIEW_KEY = "retention_preview"
LABELS = {"entries_anonymised": "Feedback entries to anonymise", "comments_cleared": "Comments whose words go",
          "follow_ups_cleared": "Follow-ups whose notes go", "deleted_entries_removed": "Deleted entries removed for good",
          "log_entries_anonymised": "Closed log entries to anonymise",
          "deleted_log_entries_removed": "Deleted log entries removed for good",
          "households_deleted": "Inactive carer households deleted from the register",
          "drafts_removed": f"Unsaved drafts older than {settings.get(db, 'unsaved_days')} days removed"}
if st.button("Preview retention", icon=":material/preview:"):
    st.session_state[PREVIEW_KEY] = widgets.attempt(lambda: retention.preview(db, user, today=session.today()))
shown = st.session_state.get(PREVIEW_KEY)
if shown:
    st.write(f"Everything dated before {dt.date.fromisoformat(shown['cutoff']):%-d %B %Y}:")
    widgets.table([{"What": label, "How many": shown[key]} for key, label in LABELS.items()])
    if any(shown[key] for key in LABELS if key != "drafts_removed"):
        sure = st.checkbox("I have a backup and want to apply retention now; this cannot be undone",
                           key="retention_sure")
        if st.button("Apply retention", type="primary", disabled=not sure, icon=":material/auto_delete:"):
            st.session_state.pop(PREVIEW_KEY, None)
            widgets.attempt(lambda: retention.apply(db, user, today=session.today(), expected=shown),
                       success=lambda done: f"Retention applied: {done['entries_anonymised']} entries and "
                                            f"{done['log_entries_anonymised']} log entries anonymised, "
                                            f"{done['deleted_entries_removed'] + done['deleted_log_entries_removed']} "
                                            f"deleted entries removed, {done['households_deleted']} households "
                                            f"deleted, {done['drafts_removed']} old drafts removed. History "
                                            "records it.")
    else:
        st.info("Nothing is older than the retention period.", icon=":material/check_circle:")
