import streamlit as st

from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_audit_feedback")
st.title("Case-file audit feedback")
st.caption("What the carer, birth parent or child told you as peer auditor. One respondent per entry.")
forms.feedback_form(db, user, "audit", today=session.today())
