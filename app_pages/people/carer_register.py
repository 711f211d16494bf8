import streamlit as st

from lib import access
from lib.people import accounts, register
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_register")
st.title("Carer register")

counts = register.summary(db)
left, middle, right = st.columns(3)
left.metric("Mainstream (active)", counts["mainstream"])
middle.metric("Kinship (active)", counts["kinship"])
right.metric("Inactive", counts["inactive"])

teams = {t["name"]: t["id"] for t in accounts.teams(db)}
filters = st.columns([2, 1, 1, 1])
search = filters[0].text_input("Find by name or reference", placeholder="e.g. Applewhite or DEMO-10012")
status = filters[1].selectbox("Status", ["active", "inactive", "any"], index=0)
cohort = filters[2].selectbox("Cohort", register.COHORTS, index=None, placeholder="Both cohorts")
team = filters[3].selectbox("Team", list(teams), index=None, placeholder="All teams")
rows = register.households(db, user, status=None if status == "any" else status, cohort=cohort, team_id=teams.get(team), search=search.strip())
st.caption(f"{len(rows)} households")
widgets.table(rows, columns={"reference": "Reference", "display_name": "Household", "cohort": "Cohort", "team": "Team",
                        "social_worker": "Supervising social worker", "approval_on": "Approved", "status": "Status"})

if access.can(user, "import_register"):
    st.divider()
    st.subheader("Import the register")
    st.write(
        "Upload the register exported from the case-management system as CSV. Columns: reference, name, "
        "cohort (mainstream or kinship), and optionally team, supervising social worker, approval date and "
        "status. Households are matched by reference; any household not in the file becomes inactive (never "
        "deleted). Nothing is imported until every row is valid."
    )
    st.download_button(
        "Download a template", data=register.TEMPLATE, file_name="register-template.csv", mime="text/csv",
        icon=":material/download:", on_click="ignore",
    )
    def preview(plan: register.ImportPlan) -> dict:
        st.info(
            f"{len(plan.rows)} households in the file: {len(plan.new)} new, {len(plan.updated)} changed, "
            f"{len(plan.unchanged)} unchanged; {len(plan.deactivated)} will become inactive.",
            icon=":material/fact_check:",
        )
        if plan.new_teams:
            st.caption("New teams will be created:")
            st.text(", ".join(plan.new_teams))
        if plan.unmatched_workers:
            st.caption(f"{len(plan.unmatched_workers)} supervising social worker(s) are not users of this app "
                       "yet; their names are kept as text:")
            st.text(", ".join(plan.unmatched_workers[:20]) + (" …" if len(plan.unmatched_workers) > 20 else ""))
        confirmed = False
        if register.needs_confirmation(db, plan):
            st.warning(f"{len(plan.deactivated)} households are not in this file and would become inactive. "
                       "Is it a partial export?", icon=":material/warning:")
            confirmed = st.checkbox("This file is the whole register; make them inactive")
        return {"confirmed": confirmed}

    widgets.import_file(
        "Register file (CSV)", key="register_file", max_bytes=register.MAX_BYTES,
        plan=lambda data: register.plan(db, data, today=session.today()),
        preview=preview, button=lambda plan: f"Import {len(plan.rows)} households",
        run=lambda data, _name, confirmed: register.import_csv(db, user, data, today=session.today(),
                                                               confirmed=confirmed),
        success=lambda done: f"Imported: {len(done.new)} new, {len(done.updated)} changed, "
                             f"{len(done.deactivated)} made inactive.")
