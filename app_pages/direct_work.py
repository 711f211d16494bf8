import streamlit as st

from lib import ui

db = ui.connection()
user = ui.page_user("record_direct_work")
st.title("Direct work and targeted feedback")
st.caption("An example of direct work or a targeted feedback exercise for the quarterly report. Use no names.")
ui.feedback_form(db, user, "direct_work", today=ui.today())
