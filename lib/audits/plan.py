"""A case-file audit's action plan: actions added, changed and removed by its auditors."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.audits import casefile
from lib.store import history, records

# ---- The action plan ------------------------------------------------------------------------------


def _action(db, action_id: int) -> dict:
    rows = list(db.query("select * from case_audit_actions where id = :id", {"id": action_id}))
    if not rows:
        raise ValueError(f"There is no audit action #{action_id}.")
    return rows[0]


def _plan_editor(db, user: User, audit_id: int, today: dt.date) -> dict:
    """The case, if this user may change its action plan now: either auditor until moderation, then the lead."""
    access.require(user, "record_case_audit")
    row = casefile.audit_row(db, audit_id)
    casefile.refuse_if(casefile.plan_refusal(user, row, today=today))
    return row


def _clean_action(entry: dict, row: dict, today: dt.date) -> dict:
    # Checked in the order of the form, so an empty form first asks for the action itself.
    action = casefile.clean_text(entry.get("action"), "The action", required=True, limit=2000)
    owner = text.clean(entry.get("owner"), field="Owner", max_length=80, required=True)
    if owner not in casefile.OWNERS:
        raise ValueError("Owner must be a role from the list, not a person's name.")
    due = casefile.date_field(entry.get("due_on"), "The action's due date", today=dt.date.max, required=True)
    casefile.check_after(due, row["audited_on"] or row["circulate_on"], "The action's due date",
           "the audit date" if row["audited_on"] else "the circulation date")
    status = entry.get("status") or "open"
    if status not in casefile.ACTION_STATUSES:
        raise ValueError(f"The action's status must be one of: {', '.join(casefile.ACTION_STATUSES.values())}.")
    return {"action": action, "owner": owner, "due_on": due.isoformat(), "status": status}


def add_action(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date) -> int:
    """Add an action to a case's action plan; returns its id."""
    with store.write(db):
        row = _plan_editor(db, user, audit_id, today)
        clean = _clean_action(entry, row, today)
        at = store.stamp()
        action_id = db.execute(
            """insert into case_audit_actions (audit_id, action, owner, due_on, status, done_on, created_at,
                                              created_by, updated_at)
               values (:a, :action, :owner, :due_on, :status, :done, :at, :u, :at)""",
            {**clean, "a": audit_id, "done": today.isoformat() if clean["status"] == "done" else None, "at": at,
             "u": user.id}).lastrowid
        history.add(db, action="add_action", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail={f"action #{action_id}": [None, clean]})
    return action_id


def update_action(db: sqlite_utils.Database, user: User, action_id: int, entry: dict, *, today: dt.date,
                  expected: str | None = None) -> dict:
    """Change an action (its status, due date or wording); a move to done is dated today. Returns the changes.

    With expected (its records.version() when the form was opened), a change saved by the other auditor in
    between is refused with records.StaleEdit.
    """
    audit_id = _action(db, action_id)["audit_id"]

    def clean(before: dict) -> dict:
        row = _plan_editor(db, user, before["audit_id"], today)
        values = _clean_action(entry, row, today)
        values["done_on"] = ((before["done_on"] if before["status"] == "done" else today.isoformat())
                             if values["status"] == "done" else None)
        return values

    return records.edit(db, user, "case_audit_actions", action_id, clean=clean, expected=expected,
                        what="audit action", entity="case_audits", entity_id=audit_id,
                        label=lambda field: f"action #{action_id} {field}")


def remove_action(db: sqlite_utils.Database, user: User, action_id: int, *, today: dt.date) -> None:
    """Remove an action added by mistake, before moderation; history keeps what it said."""
    with store.write(db):
        before = _action(db, action_id)
        row = _plan_editor(db, user, before["audit_id"], today)
        if row["moderated_on"]:
            raise ValueError("This audit has been moderated: mark the action done instead of removing it.")
        db.execute("delete from case_audit_actions where id = :id", {"id": action_id})
        history.add(db, action="remove_action", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=before["audit_id"],
                    detail={f"action #{action_id}": [{k: before[k] for k in ("action", "owner", "due_on", "status")},
                                                     None]})
