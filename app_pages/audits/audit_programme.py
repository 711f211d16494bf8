import datetime as dt

import streamlit as st

from lib import access, dates, periods
from lib.audits import casefile, reviews
from lib.audits import programme as audit_programme
from lib.store import settings
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_audit_programme")
today = session.today()
planner = access.can(user, "plan_audits")
st.title("Audit programme")
st.caption("Each quarter QA draws cases from the active carer register, stratified by team and cohort, and leaves "
           "out households audited recently. The lead auditor is the household's team manager, the peer auditor "
           "another team manager. Once circulated, each auditor sees their cases under My audits from the "
           "circulation date.")
REVIEW_MARKS = {"overdue": "🔴 overdue", "due soon": "🟠 due soon", "upcoming": "🟢 upcoming"}

current = periods.Quarter.containing(today)
choices = [current.next, *periods.recent(today, 8)]
quarter = st.selectbox("Quarter", choices, index=1, format_func=lambda q: q.label, key="audit_quarter")
programme = audit_programme.programme_for(db, user, quarter.slug)

def show(programme: dict) -> None:
    """The drawn programme: its cases, the export, and QA's changes."""
    rows = audit_programme.cases(db, user, programme["id"], today=today)
    cols = st.columns(4)
    cols[0].metric("Cases", len(rows))
    cols[1].metric("Status", "Circulated" if programme["status"] == "circulated" else "Draft")
    cols[2].metric("Circulated on" if programme["circulate_on"] <= today.isoformat() else "Circulates on",
                   dates.day(programme['circulate_on']))
    cols[3].metric("Moderated", sum(1 for r in rows if r["stage"] in ("moderated", "reviewed")))
    st.caption(f"Seed {programme['seed']}; {programme['sample_size']} asked for from {programme['eligible']} eligible "
               f"households; {programme['excluded']} left out as audited in the {programme['exclusion_months']} "
               f"months before {dates.day(programme['circulate_on'])}. Drawn {dates.moment(programme['drawn_at'])}.")
    widgets.table([{"Reference": r["reference"], "Stage": casefile.STAGES[r["stage"]] + (" · overdue" if r["overdue"] else ""),
               "Due": r["due_on"], "Lead auditor": r["lead_auditor"] or "⚠ choose",
               "Peer auditor": r["peer_auditor"] or "⚠ choose", "Team": r["team"] or "No team",
               "Placement": r["cohort"].title(), "Household": f"{r['household_name']} · {r['household_reference']}"}
              for r in rows], height=35 * (len(rows) + 1) + 3)
    widgets.audited_download("Download the circulation list (CSV)", user=user, action="view_audit_programme",
                             make=lambda database, person: audit_programme.export_csv(database, person, programme["id"],
                                                                                       today=today),
                        file_name=f"audit-programme-{quarter.file_stem}.csv", mime="text/csv", what="audit_programmes")

    if planner:
        if programme["status"] == "draft":
            if st.button("Circulate to the auditors", type="primary", icon=":material/send:"):
                widgets.attempt(lambda: audit_programme.circulate(db, user, programme["id"], today=today),
                           success=lambda n: f"Circulated {n} cases. Auditors see them under My audits from "
                                             f"{dates.day(programme['circulate_on'])}.")
        managers = {m["id"]: f"{m['display_name']} ({m['team'] or 'no team'})" for m in audit_programme.managers(db, user)}
        open_rows = [r for r in rows if not r["completed_on"]]
        with st.expander("Change a case's auditors or due date, or withdraw it"):
            chosen = st.selectbox("Case", [r["id"] for r in open_rows], index=None, placeholder="Choose a case",
                                  format_func=lambda i: next(r["reference"] for r in open_rows if r["id"] == i),
                                  key="programme_case")
            if chosen is not None:
                row = next(r for r in open_rows if r["id"] == chosen)
                ids = list(managers)
                base, opened = widgets.edit_key(f"assign_{chosen}", row)
                with st.form(base):
                    lead = st.selectbox("Lead auditor", ids, format_func=managers.get, placeholder="Choose a manager",
                                        index=ids.index(row["lead_auditor_id"]) if row["lead_auditor_id"] in ids
                                        else None)
                    peer = st.selectbox("Peer auditor", ids, format_func=managers.get, placeholder="Choose a manager",
                                        index=ids.index(row["peer_auditor_id"]) if row["peer_auditor_id"] in ids
                                        else None)
                    due = st.date_input("Due", value=dt.date.fromisoformat(row["due_on"]),
                                        format="DD/MM/YYYY")
                    if st.form_submit_button("Save"):
                        widgets.attempt(lambda: audit_programme.assign(db, user, chosen, lead_id=lead, peer_id=peer,
                                                                       due_on=due, today=today, expected=opened),
                                        opened=f"assign_{chosen}", success=widgets.saved_changes)
                with st.form(widgets.fresh_key(f"withdraw_{chosen}")):
                    reason = st.text_input("Why withdraw it?", max_chars=500)
                    if st.form_submit_button("Withdraw from the programme", icon=":material/remove_circle:"):
                        widgets.attempt(lambda: audit_programme.withdraw(db, user, chosen, reason),
                                   success=f"Withdrew {row['reference']}.")
        with st.expander("Add a household to the programme"):
            households = {h["id"]: f"{h['display_name']} · {h['reference']}"
                          for h in audit_programme.households_to_add(db, user, programme["id"])}
            with st.form(widgets.fresh_key(f"add_case_{programme['id']}")):
                household = st.selectbox("Household", list(households), format_func=households.get, index=None,
                                         placeholder="Type a name or reference")
                if st.form_submit_button("Add it"):
                    widgets.attempt(lambda: audit_programme.add_case(db, user, programme["id"], household, today=today),
                               success="Added the household; check its auditors above.")
        withdrawn = audit_programme.cases(db, user, programme["id"], today=today, withdrawn=True)
        if withdrawn:
            with st.expander(f"Withdrawn cases ({len(withdrawn)})"):
                widgets.table([{"Reference": r["reference"], "Household": r["household_reference"],
                           "Why": r["delete_reason"]} for r in withdrawn])
                back = st.selectbox("Restore", [r["id"] for r in withdrawn], index=None, placeholder="Choose a case",
                                    format_func=lambda i: next(r["reference"] for r in withdrawn if r["id"] == i),
                                    key="programme_restore")
                if back is not None and st.button("Restore this case", icon=":material/restore:"):
                    widgets.attempt(lambda: audit_programme.restore(db, user, back), success="Restored the case.")


programme_tab, follow_tab = st.tabs(["Programme", "Follow-ups"])

with programme_tab:
    if planner and (programme is None or programme["status"] == "draft"):
        values = settings.current(db)
        seed_key = f"audit_seed_{quarter.slug}"
        st.session_state.setdefault(seed_key, programme["seed"] if programme else audit_programme.suggest_seed())
        with st.form(f"audit_draw_{quarter.slug}"):
            st.subheader("Draw the sample" if programme is None else "Draw again (the programme is still a draft)")
            a, b = st.columns(2)
            size = a.number_input("Cases to draw", min_value=1, max_value=500, step=1,
                                  value=programme["sample_size"] if programme else values["audit_sample_size"])
            months = b.number_input("Leave out households audited in the last (months)", min_value=0, max_value=60,
                                    step=1, value=programme["exclusion_months"] if programme
                                    else values["audit_exclusion_months"])
            firsts = list(quarter.months)
            circulate_on = a.selectbox("Circulate on", firsts, format_func=lambda d: f"{d.day} {d:%B %Y}",
                                       index=firsts.index(dt.date.fromisoformat(programme["circulate_on"]))
                                       if programme else 0)
            seed = b.number_input("Seed (the same seed and register give the same sample)", min_value=0,
                                  max_value=2**31 - 1, step=1, key=seed_key)
            if st.form_submit_button("Draw the sample", type="primary", icon=":material/casino:"):
                widgets.attempt(lambda: audit_programme.draw(db, user, quarter.slug, size=size, seed=seed, exclusion_months=months,
                                               circulate_on=circulate_on, today=today),
                           success=lambda s: f"Drew {s['drawn']} of {s['requested']} cases from {s['eligible']} "
                                             f"eligible households ({s['excluded']} left out as audited recently)."
                                             + (f" {s['without_lead'] + s['without_peer']} auditor place(s) need "
                                                "choosing by hand." if s['without_lead'] + s['without_peer'] else ""))
    if programme is None:
        st.info(f"No programme has been drawn for {quarter.label} yet.", icon=":material/info:")
    else:
        show(programme)

with follow_tab:
    st.caption(f"The advanced practitioners' review is due {settings.get(db, 'audit_review_weeks')} weeks after "
               "moderation. Every programme's moderated audits whose review is not yet recorded, soonest first.")
    due = reviews.follow_ups(db, user, today=today)
    widgets.table([{"Reference": r["reference"], "Status": REVIEW_MARKS[r["review_status"]], "Review due": r["review_due_on"],
               "Days left": r["days_left"], "Open actions": r["open_actions"], "Lead auditor": r["lead_auditor"],
               "Moderated": r["moderated_on"], "Household": r["household_reference"]} for r in due],
             height=35 * (len(due) + 1) + 3)
