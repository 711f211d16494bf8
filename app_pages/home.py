import streamlit as st

from lib import access, register, settings, ui

db = ui.connection()
user = ui.page_user("use_app")
st.title(settings.get(db, "service_name"))
st.write(f"Signed in as {user.display_name}.")

counts = register.summary(db)
left, middle, right = st.columns(3)
left.metric("Mainstream households (active)", counts["mainstream"])
middle.metric("Kinship households (active)", counts["kinship"])
right.metric("Inactive households", counts["inactive"])

st.subheader("What you can do here")
for page in access.pages_for(user):
    if page.url_path not in ("home",):
        st.page_link(page.script, label=page.title, icon=page.icon)
