import streamlit as st

from lib.capture import questions
from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_placing_authority_feedback")
st.title("Placing authority feedback")
st.caption("The view of the child's social worker or IRO from the placing authority, from a survey return or a "
           "meeting, for the quality-of-care review. Name the authority, never the person: record their role.")
forms.feedback_form(db, user, questions.PLACING_AUTHORITY, today=session.today())
