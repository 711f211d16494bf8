"""Fostering Feedback Hub: sign-in, then the pages the signed-in person's roles allow."""

import streamlit as st

from lib import access, accounts, settings, ui
from lib import db as store

# A local icon: a :material: page icon would make the browser fetch a font from the internet.
st.set_page_config(page_title="Fostering Feedback Hub", page_icon=str(store.ROOT / "data" / "icon.png"), layout="wide")

db = ui.open_connection()
user = ui.current_user(db)

if accounts.user_count(db) == 0:
    pages = [st.Page("app_pages/first_run.py", title="Get started", icon=":material/rocket_launch:", default=True)]
elif user is None:
    pages = [st.Page("app_pages/sign_in.py", title="Sign in", icon=":material/login:", default=True)]
else:
    pages = {}
    for page in access.pages_for(user):
        pages.setdefault(page.section, []).append(
            st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path,
                    default=page.url_path == "home")
        )

if store.is_demo(db):
    ui.demo_banner()

if user is not None:
    with st.sidebar:
        st.caption(ui.md(settings.get(db, "service_name")))
        st.text(user.display_name)
        st.caption(", ".join(access.ROLES[r] for r in sorted(user.roles)))
        st.button("Sign out", icon=":material/logout:", on_click=ui.sign_out, key="sign_out")
        ui.idle_timer(db)

ui.show_flash()
st.navigation(pages, expanded=True).run()
