import streamlit as st

from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_carer_feedback")
st.title("Carer feedback")
st.caption("Section 1 of the Foster Carer Service User Feedback form: the monthly call to a foster or kinship carer. Questions marked * must be answered.")
forms.feedback_form(db, user, "carer", today=session.today())
