import datetime as dt

import streamlit as st

from lib import access, dates, periods
from lib.capture import feedback
from lib.log import representations
from lib.people import accounts
from lib.themes import codebook
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("record_representation")
today = session.today()
st.title("Compliments, comments and complaints")
manager = access.can(user, "view_representations")
MARKS = {"overdue": "🔴 overdue", "due soon": "🟠 due soon", "on track": "🟢 on track",
         "responded": "responded", "responded late": "responded late"}


def entry_form(prior: dict | None = None) -> None:
    """The log form; for a new entry or an edit (prior)."""
    prior = prior or {}
    key = f"rep_{prior.get('id', 'new')}"
    base, opened = widgets.edit_key(key, prior)
    draft = unsaved.begin(db, user, key, base, opened=opened,
                          noun=f"correction of log entry #{prior['id']}" if prior else "log entry")
    if draft.offered:
        return
    with draft.box():
        entry, home, save = fields(prior, base)
    noun = representations.KINDS[entry["kind"]].lower()
    about = f" for {home['display_name']} ({home['reference']})" if home else ""
    draft.keep(f"{noun} #{prior['id']}{about}" if prior else f"{noun}{about}")
    if save:
        def due(record_id: int) -> str:  # read in the save's own transaction, so a failure here is the save's
            stage_due = representations.due_now(db, record_id, today=today)
            return f"; stage {stage_due[0]} response due {dates.day(stage_due[1])}." if stage_due else "."

        def record() -> tuple[int, str]:
            rid = representations.record(db, user, entry, today=today)
            return rid, due(rid)

        def update(record_id: int, version: str) -> tuple[dict, str]:
            return representations.update(db, user, record_id, entry, today=today, expected=version), due(record_id)

        widgets.save_form(
            key, prior, opened, record=record, update=update, draft=draft,
            created=lambda done: f"Logged {noun} #{done[0]}{about}{done[1]}",
            changed=lambda done: (f"Saved {len(done[0])} change(s) to {noun} #{prior['id']}{about}" if done[0]
                                  else f"Nothing changed in {noun} #{prior['id']}") + done[1])


def fields(prior: dict, base: str) -> tuple[dict, dict | None, bool]:
    """The log form's widgets: the entry they hold, the household it concerns and whether Save was pressed."""
    kinds = list(representations.KINDS) if access.can(user, "record_complaint") else ["compliment", "comment"]
    kind = st.radio("Type", kinds, format_func=representations.KINDS.get, horizontal=True, key=f"{base}_kind",
                    index=kinds.index(prior["kind"]) if prior.get("kind") in kinds else 0)
    households = {h["id"]: h for h in feedback.households_to_choose(db, user)} if \
        any(access.can(user, a) for a in feedback.FORM_ACTIONS.values()) or manager else {}
    teams = {t["id"]: t["name"] for t in accounts.teams(db, active_only=True)}
    holders = {u["id"]: u["display_name"] for u in accounts.users(db) if u["active"]} if manager else {}

    def day(field, label, short, where=st):
        value = prior.get(field)
        return where.date_input(label, value=dt.date.fromisoformat(value) if value else None, format="DD/MM/YYYY",
                                min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1), key=f"{base}_{short}")

    def pick(label, options: dict, field):
        codes = list(options)
        return st.selectbox(label, codes, format_func=options.get, key=f"{base}_{field}", placeholder="Not recorded",
                            index=codes.index(prior[field]) if prior.get(field) in codes else None)

    entry = {"kind": kind, "received_on": st.date_input(
        "Received", value=dt.date.fromisoformat(prior["received_on"]) if prior.get("received_on") else today,
        format="DD/MM/YYYY", min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1), key=f"{base}_received")}
    left, right = st.columns(2)
    with left:
        entry["from_who"] = pick("From", representations.FROM, "from_who")
        entry["household_id"] = st.selectbox(
            "Household it concerns (optional)", list(households), key=f"{base}_household",
            index=list(households).index(prior["household_id"]) if prior.get("household_id") in households else None,
            format_func=lambda i: f"{households[i]['display_name']} · {households[i]['reference']}",
            placeholder="None")
        entry["cohort"] = pick("Placement type (if it concerns a household)",
                               {"mainstream": "Mainstream", "kinship": "Kinship"}, "cohort")
    with right:
        entry["about_team_id"] = pick("Team it is about", teams, "about_team_id")
        entry["about_role"] = pick("Who it is about (a role, not a name)", representations.ROLES, "about_role")
        entry["about_area"] = pick("Service area", representations.AREAS, "about_area")
    entry["summary"] = st.text_area("Summary (no names)", value=prior.get("summary") or "", key=f"{base}_summary",
                                    help="Up to 5,000 characters.")
    entry["consent_to_quote"] = st.checkbox("They agreed to be quoted anonymously",
                                            value=bool(prior.get("consent_to_quote")), key=f"{base}_consent")
    cols = st.columns(2)
    entry["advocacy_offered"] = cols[0].checkbox("Children: advocacy offered", key=f"{base}_adv_offered",
                                                 value=bool(prior.get("advocacy_offered")))
    entry["advocacy_taken"] = cols[1].checkbox("Children: advocacy taken up", key=f"{base}_adv_taken",
                                               value=bool(prior.get("advocacy_taken")))
    if kind == "compliment":
        entry["noted_on_record_on"] = day("noted_on_record_on", "Noted on the carer's record on", "noted")
    if kind == "complaint":
        st.subheader("Stages")
        a, b = st.columns(2)
        entry["stage1_extended"] = a.checkbox("Stage 1 extended", value=bool(prior.get("stage1_extended")),
                                              key=f"{base}_s1x")
        entry["stage1_responded_on"] = day("stage1_responded_on", "Stage 1 responded", "s1r", b)
        entry["stage2_opened_on"] = day("stage2_opened_on", "Stage 2 opened", "s2o", a)
        entry["stage2_responded_on"] = day("stage2_responded_on", "Stage 2 responded", "s2r", b)
        entry["stage2_extended"] = a.checkbox("Stage 2 extended", value=bool(prior.get("stage2_extended")),
                                              key=f"{base}_s2x")
        entry["stage3_requested_on"] = day("stage3_requested_on", "Stage 3 review panel requested", "s3o", a)
        entry["stage3_responded_on"] = day("stage3_responded_on", "Stage 3 panel held", "s3r", b)
        entry["ombudsman_on"] = day("ombudsman_on", "Referred to the Ombudsman", "omb", a)
        entry["outcome"] = pick("Outcome", representations.OUTCOMES, "outcome")
        entry["learning"] = st.text_area("Learning", value=prior.get("learning") or "", key=f"{base}_learning")
        entry["action_taken"] = st.text_area("Action taken", value=prior.get("action_taken") or "",
                                             key=f"{base}_action")
    if manager:
        entry["holder_id"] = st.selectbox("Held by", list(holders), format_func=holders.get, key=f"{base}_holder",
                                          index=list(holders).index(prior["holder_id"])
                                          if prior.get("holder_id") in holders else None, placeholder="Nobody yet")
        entry["status"] = st.radio("Status", ["open", "closed"], horizontal=True, key=f"{base}_status",
                                   index=1 if prior.get("status") == "closed" else 0)
    save = st.button("Save changes" if prior else "Save", type="primary", key=f"save_{base}")
    return entry, households.get(entry["household_id"]), save


if not manager:
    st.caption("Record a compliment or comment someone gave you on a call. Managers and QA log complaints.")
    entry_form()
    st.stop()

tracked = representations.tracker(db, user, today=today)
counts = {s: sum(1 for t in tracked if t.status == s) for s in ("overdue", "due soon", "on track")}
cols = st.columns(3)
cols[0].metric("Open complaints overdue", counts["overdue"])
cols[1].metric("Due within 2 working days", counts["due soon"])
cols[2].metric("Open complaints on track", counts["on track"])
view = st.segmented_control("Show", ["Open complaints", "Log", "Record", "Counts"], default="Open complaints",
                            required=True, key="rep_view", label_visibility="collapsed")
names = codebook.names(db)
if view == "Open complaints":
    teams = {t["name"]: t["id"] for t in accounts.teams(db)}
    f = st.columns(3)
    stage = f[0].selectbox("Stage", list(representations.STAGES)[:3], format_func=representations.STAGES.get,
                           index=None, placeholder="Any stage")
    team = f[1].selectbox("Team", list(teams), index=None, placeholder="Any team")
    theme = f[2].selectbox("Theme", list(names), format_func=names.get, index=None, placeholder="Any theme")
    rows = representations.tracker(db, user, today=today, stage=stage, team_id=teams.get(team), theme_id=theme)
    st.caption("Working days left until the current stage's response is due (weekends and bank holidays "
               "excluded); negative means overdue.")
    widgets.table([{"#": t.id, "Received": t.received_on.isoformat(), "Stage": representations.STAGES[t.stage],
               "Due": t.due.isoformat(), "Working days left": t.days_left, "Status": MARKS[t.status],
               "Team": t.team or "", "Held by": t.holder or "", "Themes": ", ".join(names.get(x, x) for x in t.themes),
               "Summary": t.summary} for t in rows])
elif view == "Record":
    entry_form()
elif view == "Log":
    f = st.columns(3)
    kind = f[0].selectbox("Type", list(representations.KINDS), format_func=representations.KINDS.get, index=None,
                          placeholder="All types")
    since = f[1].date_input("From", value=today - dt.timedelta(days=365), format="DD/MM/YYYY")
    deleted = access.can(user, "view_deleted_entries") and f[2].toggle("Deleted entries")
    rows = representations.entries(db, user, kind=kind, start=since, deleted=deleted)
    widgets.table([{**r, "kind": representations.KINDS[r["kind"]], "from_who": representations.FROM[r["from_who"]],
               "stage": representations.STAGES.get(r["stage"], ""), "themes": ", ".join(
                   names.get(x, x) for x in (r["theme_ids"] or "").split(",") if x)} for r in rows],
             columns={"id": "#", "received_on": "Received", "kind": "Type", "from_who": "From", "stage": "Stage",
                      "status": "Status", "outcome": "Outcome", "team": "Team", "themes": "Themes",
                      "summary": "Summary", "delete_reason": "Deleted because"})
    chosen = st.selectbox("Open entry", [r["id"] for r in rows], index=None, placeholder="Choose by number",
                          format_func=lambda i: f"#{i}", key="open_log_entry")
    if chosen is not None and deleted:
        if st.button("Restore this entry", icon=":material/restore:"):
            widgets.attempt(lambda: representations.restore(db, user, chosen), success=f"Restored #{chosen}.")
    elif chosen is not None:
        row = representations.get(db, user, chosen)
        entry_form(row)
        widgets.delete_form(f"rep_delete_{chosen}", f"log entry #{chosen}",
                            lambda reason: representations.soft_delete(db, user, chosen, reason))
else:
    period = st.selectbox("Quarter", periods.recent(today, 8), format_func=lambda q: q.label)
    found = representations.counts(db, period.start, period.end, today=today)
    st.caption("True counts for managers; the published report suppresses small numbers.")
    a, b = st.columns(2)
    a.caption("Received by type")
    a.dataframe({representations.KINDS[k]: [v] for k, v in found["by_kind"].items()}, hide_index=True)
    b.caption("Complaints by stage reached")
    b.dataframe({representations.STAGES[k]: [v] for k, v in found["by_stage"].items()}, hide_index=True)
    st.metric("Stage 1 responses in time", f"{found['in_time']} of {found['responded']}")
    st.caption("Outcomes")
    st.dataframe({representations.OUTCOMES[k]: [v] for k, v in found["outcomes"].items()}, hide_index=True)
    c1, c2, c3 = st.columns(3)
    c1.caption("Compliments by who was complimented")
    c1.dataframe({"Role": list(found["compliments_by_role"]), "Compliments": list(found["compliments_by_role"].values())},
                 hide_index=True)
    c2.caption("Compliments by team")
    c2.dataframe({"Team": list(found["compliments_by_team"]), "Compliments": list(found["compliments_by_team"].values())},
                 hide_index=True)
    c3.caption("Compliments by theme")
    c3.dataframe({"Theme": [names.get(t, t) for t in found["compliment_themes"]],
                  "Compliments": list(found["compliment_themes"].values())}, hide_index=True)
