import streamlit as st

from lib import backup, settings, ui
from lib import db as store

db = ui.connection()
user = ui.page_user("edit_settings")
st.title("Settings")
st.caption("Changes apply at once for everyone and are recorded in the audit log.")

values = settings.current(db)
with st.form("settings"):
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
    ui.attempt(lambda: settings.update(db, user, entered),
               success=lambda diff: f"Saved {len(diff)} change(s)." if diff else "Nothing changed.")

st.divider()
st.subheader("Backup")
st.caption("A consistent copy of the whole database, safe to take while others are working. Keep it somewhere "
           "as secure as the original: it holds everything, including children's feedback. To restore, see the "
           "README.")


def make_backup() -> bytes:  # runs on Streamlit's download thread, with its own connection
    database = store.connect()
    try:
        return backup.download(database, user)
    finally:
        database.close()


st.download_button("Download a backup", data=make_backup, file_name=f"feedback-backup-{ui.today():%Y-%m-%d}.db",
                   mime="application/vnd.sqlite3", icon=":material/backup:", on_click="ignore")
