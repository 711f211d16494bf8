import streamlit as st

from lib import dates
from lib.store import history
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_history")
st.title("History")
st.caption("Every sign-in, change, import and export, newest first. Entries are never edited or removed.")

view = st.segmented_control("Show", ["Changes", "Who looked at what"], default="Changes", required=True,
                            key="history_view", label_visibility="collapsed")
reads = view == "Who looked at what"
columns = st.columns(5)
if not reads:
    action = columns[0].selectbox("Action", history.ACTIONS, index=None, placeholder="Any action")
    entity = columns[1].selectbox("Record type", history.entities(db), index=None, placeholder="Any")
username = columns[2].text_input("User name", placeholder="Anyone")
since = columns[3].date_input("From", value=None, format="DD/MM/YYYY")
until = columns[4].date_input("To", value=None, format="DD/MM/YYYY", max_value=session.today())

if reads:
    st.caption("Opening a child's or a safeguarding-flagged entry, the safeguarding follow-ups and the comments "
               "behind a theme, once per person and session, newest first.")
    looked = history.reads(db, user, username=username.strip(), since=since, until=until)
    widgets.table(looked, columns={"at": "When", "username": "Who", "what": "Looked at", "entity": "Record type",
                                   "entity_id": "Record", "detail": "Detail"})
    st.stop()
rows = widgets.attempt(lambda: history.entries(db, user, action=action, entity=entity, username=username.strip(),
                                              since=since, until=until))
if rows is not None:
    for row in rows:
        row["at"] = dates.moment(row["at"])
    st.caption(f"{len(rows)} entries shown (at most 500).")
    widgets.table(rows, columns={"at": "When", "username": "Who", "action": "Action", "entity": "Record type",
                            "entity_id": "Record", "detail": "Detail"})
