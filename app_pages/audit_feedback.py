import streamlit as st

from lib import ui

db = ui.connection()
user = ui.page_user("record_audit_feedback")
st.title("Case-file audit feedback")
st.caption("What the carer, birth parent or child told you as peer auditor. One respondent per entry.")
ui.feedback_form(db, user, "audit", today=ui.today())
