import streamlit as st

from lib import ui

db = ui.connection()
user = ui.page_user("record_carer_feedback")
st.title("Carer feedback")
st.caption("Section 1 of the Foster Carer Service User Feedback form: the monthly call to a foster or kinship carer. Questions marked * must be answered.")
ui.feedback_form(db, user, "carer", today=ui.today())
