import datetime as dt

import streamlit as st

from lib import periods
from lib.capture import compliance, feedback
from lib.ui import forms, session

db = session.connection()
user = session.page_user("view_my_month")
today = session.today()
standing = compliance.my_month(db, user, today=today)
st.title(f"My month: {today:%B %Y}")
st.caption(f"The minimum is {standing.minimum_carers} completed carer and {standing.minimum_parents} completed "
           "birth-parent feedbacks each calendar month. Attempts count as effort, not towards the minimum.")
carers, parents, attempts = st.columns(3)
carers.metric("Carer feedback completed", f"{standing.carers} of {standing.minimum_carers}")
parents.metric("Birth-parent feedback completed", f"{standing.parents} of {standing.minimum_parents}")
attempts.metric("Attempts (no answer, declined, wrong number)", standing.attempts)
if standing.met:
    st.success("You have met this month's minimum.", icon=":material/check_circle:")
else:
    short = []
    if standing.carers < standing.minimum_carers:
        short.append(f"{standing.minimum_carers - standing.carers} more carer")
    if standing.parents < standing.minimum_parents:
        short.append(f"{standing.minimum_parents - standing.parents} more birth-parent")
    st.warning(f"To meet the minimum: {' and '.join(short)} feedback this month.", icon=":material/pending:")

st.subheader("Your latest entries")
rows = feedback.entries(db, user, since=periods.month_start(today) - dt.timedelta(days=62), limit=10)
forms.entries_table(rows)
