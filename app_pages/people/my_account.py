import streamlit as st

from lib import access
from lib.people import accounts
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("change_own_password")
st.title("My account")
st.text(f"{user.display_name} ({user.username})")
st.caption("Roles: " + ", ".join(access.ROLES[r] for r in sorted(user.roles)))

st.subheader("Change your password")
with st.form("change_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input("New password", type="password", autocomplete="new-password",
                        help=accounts.PASSWORD_RULE)
    again = st.text_input("New password again", type="password", autocomplete="new-password")
    change = st.form_submit_button("Change password", type="primary")
if change:
    if new != again:
        st.error("The two new passwords differ.")
    else:
        widgets.attempt(lambda: accounts.change_own_password(db, user, current, new), success="Password changed.")
