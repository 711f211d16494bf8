import streamlit as st

from lib import access
from lib.audits import reviews
from lib.capture import compliance, follow_ups
from lib.people import register
from lib.report import alerts, publishing
from lib.store import settings
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("use_app")
st.title(widgets.md(settings.get(db, "service_name")))
st.write(f"Signed in as {widgets.md(user.display_name)}.")
allowed = access.pages_for(user)
unsaved.reminders(db, user, {p.url_path: p.script for p in allowed})
for reminder in reviews.reminders(db, user, today=session.today()):
    st.info(reminder, icon=":material/assignment:")

if access.can(user, "view_my_month"):
    standing = compliance.my_month(db, user, today=session.today())
    left, right = st.columns(2)
    left.metric("Carer feedback this month", f"{standing.carers} of {standing.minimum_carers}")
    right.metric("Birth-parent feedback this month", f"{standing.parents} of {standing.minimum_parents}")
if access.can(user, "view_follow_ups"):
    waiting = follow_ups.counts(db, user)
    if waiting["safeguarding"]:
        st.error(f"{waiting['safeguarding']} safeguarding flag(s) are open: check the procedure was followed.",
                 icon=":material/warning:")
    if waiting["callback"]:
        st.info(f"{waiting['callback']} call-back request(s) are waiting.", icon=":material/call:")
if access.can(user, "build_report"):
    for alert in alerts.alerts(db, user):  # a live published version quotes what may no longer be quoted
        st.error(widgets.md(alert["message"]), icon=":material/report:")
if access.can(user, "approve_report"):
    waiting = publishing.pending_approvals(db, user)
    if waiting:
        reports = ", ".join(dict.fromkeys(row["period"] for row in waiting))
        st.info(f"{len(waiting)} feedback report(s) are waiting for your approval ({reports}): see Report approval.",
                icon=":material/approval:")
if access.can(user, "view_register"):
    counts = register.summary(db)
    left, middle, right = st.columns(3)
    left.metric("Mainstream households (active)", counts["mainstream"])
    middle.metric("Kinship households (active)", counts["kinship"])
    right.metric("Inactive households", counts["inactive"])

st.subheader("What you can do here")
for page in allowed:
    if page.url_path != "home":
        st.page_link(page.script, label=page.title, icon=page.icon)
