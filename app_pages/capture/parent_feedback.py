import streamlit as st

from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_parent_feedback")
st.title("Birth-parent feedback")
st.caption("Section 2: the monthly call to a birth parent about the care of their child. No parent names: record the relationship and, if you have it, a case reference.")
forms.feedback_form(db, user, "parent", today=session.today())
