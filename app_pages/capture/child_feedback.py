import streamlit as st

from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_child_feedback")
st.title("Child's views at the Annual Review")
st.caption("One child, one response. Use the child's case reference, never their name. Questions change with the age band.")
forms.feedback_form(db, user, "child", today=session.today())
