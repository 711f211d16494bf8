import streamlit as st

from lib import ui

db = ui.connection()
user = ui.page_user("record_child_feedback")
st.title("Child's views at the Annual Review")
st.caption("One child, one response. Use the child's case reference, never their name. Questions change with the age band.")
ui.feedback_form(db, user, "child", today=ui.today())
