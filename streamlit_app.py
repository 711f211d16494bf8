"""Fostering Feedback Hub: sign-in, then the pages the signed-in person's roles allow."""

import streamlit as st

from lib import access, store
from lib.people import accounts
from lib.store import settings
from lib.ui import session, unsaved, widgets

# A local icon: a :material: page icon would make the browser fetch a font from the internet.
st.set_page_config(page_title="Fostering Feedback Hub", page_icon=str(store.ROOT / "data" / "icon.png"), layout="wide")

try:
    db = session.open_connection()
except store.StorageProblem as problem:  # a damaged file, one from a newer version, a disk that cannot be read
    st.error(widgets.md(problem), icon=":material/storage:")
    st.stop()
user = session.current_user(db)

if accounts.user_count(db) == 0:
    pages = [st.Page("app_pages/people/first_run.py", title="Get started", icon=":material/rocket_launch:", default=True)]
elif user is None:
    pages = [st.Page("app_pages/people/sign_in.py", title="Sign in", icon=":material/login:", default=True)]
else:
    pages, allowed = {}, access.pages_for(user)
    for page in allowed:
        pages.setdefault(page.section, []).append(
            st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path,
                    default=page.url_path == "home")
        )

if store.is_demo(db):
    widgets.demo_banner()

navigation = st.navigation(pages, expanded=True)
if user is not None:
    unsaved.flush()
    with st.sidebar:
        st.caption(widgets.md(settings.get(db, "service_name")))
        st.text(user.display_name)
        st.caption(", ".join(access.ROLES[r] for r in sorted(user.roles)))
        st.button("Sign out", icon=":material/logout:", on_click=session.sign_out, key="sign_out")
        unsaved.sidebar(db, user, {p.url_path: p.script for p in allowed})
    # The idle warning floats in the page's corner, where it is seen however far the page is scrolled.
    st.html(f"<style>.st-key-{session.WATCH_KEY} {{position: fixed; bottom: 1rem; right: 1rem; z-index: 999990;"
            " max-width: 26rem; background: var(--background-color, white);}</style>")
    session.idle_timer(db, user)

widgets.show_flash()
st.session_state[unsaved.PAGE] = navigation.url_path or "home"
navigation.run()
