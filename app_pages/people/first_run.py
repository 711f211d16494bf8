import streamlit as st

from lib import demo
from lib.people import accounts
from lib.ui import session, widgets

db = session.connection()
st.title("Welcome to the Fostering Feedback Hub")
st.write("This database is empty. Choose how to start.")

real, explore = st.columns(2, gap="large")
with real:
    st.subheader("Set up for real use")
    st.caption("Create the first quality-assurance administrator. They can then add everyone else.")
    with st.form("first_admin"):
        display_name = st.text_input("Full name")
        username = st.text_input("User name", help="Lower-case letters, digits, dots, hyphens or underscores.")
        email = st.text_input("Work e-mail (optional)", help="Needed only for organisation sign-in.")
        password = st.text_input("Password", type="password", help=accounts.PASSWORD_RULE)
        confirm = st.text_input("Password again", type="password")
        create = st.form_submit_button("Create administrator", type="primary")
    if create:
        if password != confirm:
            st.error("The two passwords differ.")
        else:
            user = widgets.attempt(lambda: accounts.create_first_admin(
                db, username=username, display_name=display_name, password=password, email=email))
            if user is not None:
                session.sign_in(db, user)
                st.rerun()

with explore:
    st.subheader("Explore with demo data")
    st.caption(
        "Loads a fictional service: 5 teams, 36 staff and 245 carer households. Sign in as bso, "
        "social_worker, manager, qa, senior_manager, advanced_practitioner or registered_manager with the "
        "password demo. "
        "Demo data can only go into an empty "
        "database, so it never mixes with real records."
    )
    if st.button("Load fictional demo data", icon=":material/theater_comedy:"):
        with st.spinner("Writing demo data…"):
            if widgets.attempt(lambda: demo.load(db)) is not None:
                st.session_state[session.NOTICE_KEY] = "Demo data loaded. Sign in with one of the demo accounts below."
                st.rerun()
