import streamlit as st

from lib.ui import forms, session

db = session.connection()
user = session.page_user("record_direct_work")
st.title("Direct work and targeted feedback")
st.caption("An example of direct work or a targeted feedback exercise for the quarterly report. Use no names.")
forms.feedback_form(db, user, "direct_work", today=session.today())
