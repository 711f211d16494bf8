import streamlit as st

from lib import store
from lib.people import accounts
from lib.store import settings
from lib.ui import session, widgets

db = session.connection()
st.title(f"{widgets.md(settings.get(db, 'service_name'))}: Feedback Hub")

notice = st.session_state.pop(session.NOTICE_KEY, None)
if notice:
    st.info(widgets.md(notice), icon=":material/info:")

if session.auth_settings() and session.oidc_problem():
    st.warning(widgets.md(session.oidc_problem()), icon=":material/key_off:")
if session.oidc_configured():
    if st.user.get("is_logged_in", False):
        st.button("Sign out of the organisation account", icon=":material/logout:", on_click=st.logout)
    else:
        st.button("Sign in with your organisation account", icon=":material/badge:", on_click=st.login,
                  type="primary")
    st.caption("Or sign in with a local account:")

form_column, _ = st.columns([2, 3])
with form_column, st.form("sign_in"):
    username = st.text_input("User name", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
if submitted:
    user = widgets.attempt(lambda: accounts.sign_in(db, username, password, device=session.device()))
    if user is not None:
        session.sign_in(db, user)
        st.rerun()

minutes = settings.get(db, "idle_timeout_minutes")
st.caption(
    "You stay signed in while this browser tab is open. Reloading the page, opening a new tab or "
    f"{minutes} minute{'s' if minutes != 1 else ''} without typing or clicking signs you out (the page warns you "
    "two minutes before). What you type into a feedback form, the log, an audit form or the report's "
    "commentary is kept as your draft, and offered back when you open that form again."
)

if store.is_demo(db):
    st.subheader("Demo accounts")
    st.caption("This is a demo database with fictional data. Each account's password is **demo**.")
    widgets.table([
        {"User name": "bso", "Role": "Business support officer: records carer and birth-parent calls"},
        {"User name": "social_worker", "Role": "Social worker: records children's views at Annual Reviews"},
        {"User name": "manager", "Role": "Manager: audit feedback, BSO compliance, follow-ups, the register"},
        {"User name": "qa", "Role": "Quality assurance: entries, register, users, settings and history"},
        {"User name": "senior_manager", "Role": "Senior manager: moderates case-file audits"},
        {"User name": "advanced_practitioner", "Role": "Advanced practitioner: the eight-week review of audit actions"},
        {"User name": "registered_manager", "Role": "Registered Manager: approves the feedback report before it is "
                                                    "published"},
    ])
