import datetime as dt

import streamlit as st

from lib import dates, periods
from lib.capture import questions
from lib.log import actions
from lib.themes import codebook
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("manage_actions")
today = session.today()
st.title("You said, we did")
st.caption("What people told us, what we are doing about it, and how we told them back. Actions carry across "
           "quarters until they are done or dropped; overdue ones are flagged.")
names = {k: v for k, v in codebook.names(db).items()}
rows = actions.listing(db, user)
open_rows = [r for r in rows if r["status"] not in actions.CLOSED]
overdue = [r for r in open_rows if r["due_on"] and r["due_on"] < today.isoformat()]
a, b = st.columns(2)
a.metric("Open actions", len(open_rows))
b.metric("Overdue", len(overdue))
widgets.table([{"#": r["id"], "You said": r["said"], "We will / we did": r["did"] or r["will_do"],
           "Themes": ", ".join(names.get(t, t) for t in r["theme_ids"]), "Owner": r["owner"],
           "Due": r["due_on"] or "", "Status": actions.STATUSES[r["status"]] + (
               " · overdue" if r in overdue else ""), "From": r["from_quarter"]} for r in rows])


def action_form(prior: dict | None = None) -> None:
    prior = prior or {}
    key = f"action_{prior.get('id', 'new')}"
    base, opened = widgets.edit_key(key, prior)
    draft = unsaved.begin(db, user, key, base, opened=opened,
                          noun=f"change to action #{prior['id']}" if prior else "\"You said, we did\" action")
    if draft.offered:
        return
    with draft.box():
        entry, save = action_fields(prior, base)
    what = f"action #{prior['id']}" if prior else "new \"You said, we did\" action"
    said = entry["said"].strip()
    draft.keep(f"{what}: {said[:60]}" if said else what)
    if save:
        where = (f"; {actions.STATUSES[entry['status']].lower()}"
                 + (f", due {dates.day(entry['due_on'])}" if entry["due_on"] else "") + ".")

        widgets.save_form(
            key, prior, opened, record=lambda: actions.record(db, user, entry, today=today),
            update=lambda record_id, version: actions.update(db, user, record_id, entry, today=today,
                                                             expected=version),
            created=lambda i: f"Added action #{i}{where}",
            changed=lambda d: (f"Saved {len(d)} change(s) to action #{prior['id']}" if d
                               else f"Nothing changed in action #{prior['id']}") + where,
            draft=draft)


def action_fields(prior: dict, base: str) -> tuple[dict, bool]:
    """The action form's widgets: the action they hold and whether its button was pressed."""
    entry = {
        "said": st.text_area("You said (what people told us)", value=prior.get("said") or "", key=f"{base}_said"),
        "theme_ids": st.multiselect("Themes", list(names), default=prior.get("theme_ids") or [],
                                    format_func=names.get, key=f"{base}_themes"),
    }
    c1, c2, c3 = st.columns(3)
    cohorts = [None, "mainstream", "kinship"]
    entry["cohort"] = c1.selectbox("Cohort", cohorts, index=cohorts.index(prior.get("cohort")),
                                   format_func=lambda c: questions.COHORTS.get(c, "Both"), key=f"{base}_cohort")
    respondents = [None, *questions.RESPONDENTS]
    entry["respondent"] = c2.selectbox("Who said it", respondents, index=respondents.index(prior.get("respondent")),
                                       format_func=lambda r: questions.RESPONDENTS.get(r, "Everyone"),
                                       key=f"{base}_respondent")
    recent = [q.slug for q in periods.recent(today, 8)]
    from_quarter = prior.get("from_quarter") or recent[0]
    quarters = sorted(set(recent) | {from_quarter}, reverse=True)
    entry["from_quarter"] = c3.selectbox("Quarter it came from", quarters, index=quarters.index(from_quarter),
                                         key=f"{base}_from_quarter")
    entry["will_do"] = st.text_area("We will", value=prior.get("will_do") or "", key=f"{base}_will_do")
    entry["did"] = st.text_area("We did", value=prior.get("did") or "", key=f"{base}_did")
    d1, d2, d3 = st.columns(3)
    owners = list(actions.OWNERS)
    entry["owner"] = d1.selectbox("Owner (role or team)", owners, key=f"{base}_owner",
                                  index=owners.index(prior["owner"]) if prior.get("owner") in owners else 0)
    entry["due_on"] = d2.date_input("Due", value=dt.date.fromisoformat(prior["due_on"]) if prior.get("due_on")
                                    else None, format="DD/MM/YYYY", key=f"{base}_due_on")
    statuses = list(actions.STATUSES)
    entry["status"] = d3.selectbox("Status", statuses, format_func=actions.STATUSES.get, key=f"{base}_status",
                                   index=statuses.index(prior.get("status") or "planned"))
    entry["dropped_reason"] = st.text_input("If dropped, why", value=prior.get("dropped_reason") or "",
                                            key=f"{base}_dropped_reason")
    entry["impact"] = st.text_area("Evidence of impact", value=prior.get("impact") or "", key=f"{base}_impact")
    entry["told_back"] = st.multiselect("How we told people", list(actions.CHANNELS), key=f"{base}_told_back",
                                        default=prior.get("told_back") or [], format_func=actions.CHANNELS.get)
    entry["sources"] = prior.get("sources") or []
    save = st.button("Save changes" if prior else "Add action", type="primary", key=f"save_{base}")
    return entry, save


add, change = st.tabs(["Add an action", "Update an action"])
with add:
    action_form()
with change:
    chosen = st.selectbox("Action", [r["id"] for r in rows], index=None, placeholder="Choose by number",
                          format_func=lambda i: f"#{i} " + next(r["said"][:60] for r in rows if r["id"] == i),
                          key="open_action")
    if chosen is not None and any(r["id"] == chosen for r in rows):
        action_form(next(r for r in rows if r["id"] == chosen))
