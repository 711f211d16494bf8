import streamlit as st

from lib import access
from lib.people import accounts
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("manage_users")
st.title("Users and teams")

people = accounts.users(db)
teams = accounts.teams(db)
team_names = {t["id"]: t["name"] for t in teams}
active_team_ids = [t["id"] for t in teams if t["active"]]

widgets.table(
    [{**p, "roles": ", ".join(access.ROLES[r] for r in p["roles"]),
      "state": "paused after failed sign-ins" if p["locked"] else ("active" if p["active"] else "deactivated")} for p in people],
    columns={"display_name": "Name", "username": "User name", "email": "E-mail", "roles": "Roles", "team": "Team",
             "state": "State", "last_sign_in_at": "Last sign-in (UTC)"},
)

add, edit, team_tab = st.tabs(["Add a user", "Change a user", "Teams"])

with add, st.form(widgets.fresh_key("add_user")):
    display_name = st.text_input("Full name")
    username = st.text_input("User name", help="Lower-case letters, digits, dots, hyphens or underscores.")
    email = st.text_input("Work e-mail (optional)", help="Needed for organisation sign-in.")
    roles = st.multiselect("Roles", list(access.ROLES), format_func=access.ROLES.get)
    team_id = st.selectbox("Team", active_team_ids, format_func=team_names.get, index=None, placeholder="No team")
    password = st.text_input("First password", type="password", autocomplete="new-password",
                             help=f"{accounts.PASSWORD_RULE} Tell the person securely.")
    if st.form_submit_button("Add user", type="primary"):
        widgets.attempt(lambda: accounts.create_user(db, user, username=username, display_name=display_name, roles=roles,
                                                password=password, email=email, team_id=team_id),
                   reset="add_user", success=f"Added {display_name.strip()}.")

with edit:
    by_id = {p["id"]: p for p in people}
    chosen = st.selectbox("User", list(by_id), index=None, placeholder="Choose a user",
                          format_func=lambda i: f"{by_id[i]['display_name']} ({by_id[i]['username']})")
    if chosen is not None:
        person = accounts.editable(db, chosen)
        base, opened = widgets.edit_key(f"edit_user_{chosen}", person)
        with st.form(base):
            new_name = st.text_input("Full name", value=person["display_name"])
            new_email = st.text_input("Work e-mail", value=person["email"] or "")
            new_roles = st.multiselect("Roles", list(access.ROLES), default=person["roles"], format_func=access.ROLES.get)
            team_options = sorted(set(active_team_ids) | ({person["team_id"]} if person["team_id"] else set()))
            new_team = st.selectbox("Team", team_options, format_func=team_names.get, placeholder="No team",
                                    index=team_options.index(person["team_id"]) if person["team_id"] else None)
            if st.form_submit_button("Save changes", type="primary"):
                widgets.attempt(lambda: accounts.update_user(db, user, chosen, display_name=new_name, email=new_email,
                                                             roles=new_roles, team_id=new_team, expected=opened),
                                opened=f"edit_user_{chosen}", success="Saved.")
        with st.form(f"reset_{chosen}", clear_on_submit=True):
            new_password = st.text_input("New password", type="password", autocomplete="new-password")
            if st.form_submit_button("Reset password and unlock"):
                widgets.attempt(lambda: accounts.reset_password(db, user, chosen, new_password),
                           success="Password reset; the account is unlocked.")
        if person["active"] and chosen != user.id:
            if st.button("Deactivate this user", icon=":material/person_off:",
                         help="They can no longer sign in; their entries keep their name."):
                widgets.attempt(lambda: accounts.set_active(db, user, chosen, False),
                           success=f"Deactivated {person['display_name']}.")
        elif st.button("Reactivate this user", icon=":material/person_check:"):
            widgets.attempt(lambda: accounts.set_active(db, user, chosen, True),
                       success=f"Reactivated {person['display_name']}.")

with team_tab:
    widgets.table(teams, columns={"name": "Team", "users": "Active users", "households": "Active households",
                             "active": "Active"})
    with st.form("add_team", clear_on_submit=True):
        name = st.text_input("New team name")
        if st.form_submit_button("Add team"):
            widgets.attempt(lambda: accounts.create_team(db, user, name), success=f"Added team {name.strip()}.")
    chosen_team = st.selectbox("Change a team", [t["id"] for t in teams], index=None, placeholder="Choose a team",
                               format_func=team_names.get)
    if chosen_team is not None:
        current = next(t for t in teams if t["id"] == chosen_team)
        team_base, team_opened = widgets.edit_key(f"edit_team_{chosen_team}", current)
        with st.form(team_base):
            renamed = st.text_input("Name", value=current["name"], key=f"{team_base}_name")
            still_active = st.checkbox("Active", value=bool(current["active"]), key=f"{team_base}_active")
            if st.form_submit_button("Save team"):
                widgets.attempt(lambda: accounts.update_team(db, user, chosen_team, name=renamed, active=still_active,
                                                             expected=team_opened),
                                opened=f"edit_team_{chosen_team}", success=widgets.saved_changes)
