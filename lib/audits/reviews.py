"""The eight-week review of an audit's action plan, and the reminders that lead to it."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from lib import access, dates
from lib.access import User
from lib.audits import casefile, moderation
from lib.store import records


def follow_ups(db: sqlite_utils.Database, user: User, *, today: dt.date, reviewed: bool = False) -> list[dict]:
    """Moderated audits whose eight-week review is not recorded: overdue, due soon or upcoming, soonest first.

    With reviewed=True, those whose review is recorded instead, most recently reviewed first.
    """
    if not (access.can(user, "view_audit_programme") or access.can(user, "review_audit_actions")):
        access.require(user, "view_audit_programme")
    rows = list(db.query(casefile.LIST_SQL + f""" where a.deleted_at is null and a.moderated_on is not null
                                      and a.reviewed_on is {'not ' if reviewed else ''}null
                                      order by {'a.reviewed_on desc' if reviewed else 'a.review_due_on'}, a.reference"""))
    for row in rows:
        casefile.decorate(row, today)
        due = dt.date.fromisoformat(row["review_due_on"])
        row["days_left"] = (due - today).days
        row["review_status"] = "overdue" if due < today else "due soon" if row["days_left"] <= casefile.SOON_DAYS else "upcoming"
    return rows


# ---- The eight-week review ------------------------------------------------------------------------


def record_review(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date,
                  expected: str | None = None) -> dict:
    """The advanced practitioners' review: whether each action is complete, with evidence; returns the changes.

    entry: reviewed_on, actions {action id: {"complete": bool, "evidence": text}}, note, and
    recorded_on_file (a tick) with recorded_on_file_on (its date). Recording it again corrects it.
    With expected (the audit's records.version() when the form was opened), a change saved by
    anyone in between is refused with records.StaleEdit.
    """
    access.require(user, "review_audit_actions")
    reviewed_actions: list[tuple[dict, int, str]] = []

    def clean(_stored: dict) -> dict:
        row = casefile.audit_row(db, audit_id)
        if row["deleted_at"]:
            raise ValueError("This case has been withdrawn from the programme.")
        if not row["moderated_on"]:
            raise ValueError("The review follows moderation, and this audit has not been moderated yet.")
        reviewed = casefile.date_field(entry.get("reviewed_on"), "The review date", today=today, required=True)
        casefile.check_after(reviewed, row["moderated_on"], "The review date", "the moderation date")
        recorded = None
        if entry.get("recorded_on_file"):
            recorded = casefile.date_field(entry.get("recorded_on_file_on"),
                                           "The date it was recorded on the carer's file", today=today, required=True)
            casefile.check_after(recorded, reviewed, "The date it was recorded on the carer's file", "the review date")
        elif entry.get("recorded_on_file_on"):
            raise ValueError("Tick “Recorded on the carer's file” to keep its date, or clear the date.")
        given = entry.get("actions") or {}
        if not isinstance(given, dict):
            raise ValueError("Give the review of each action in the plan.")
        plan = list(db.query("select * from case_audit_actions where audit_id = :id order by id", {"id": audit_id}))
        if set(given) - {a["id"] for a in plan}:
            raise ValueError("Review only the actions in this audit's plan.")
        for action in plan:
            found = given.get(action["id"]) or {}
            complete = found.get("complete")
            if complete not in (True, False):
                raise ValueError(f"Say whether action #{action['id']} is complete: yes or no.")
            evidence = casefile.clean_text(found.get("evidence"), f"The evidence for action #{action['id']}",
                                           required=True, limit=2000)
            reviewed_actions.append((action, int(complete), evidence))
        return {"reviewed_on": reviewed.isoformat(), "reviewed_by": user.id,
                "review_note": casefile.clean_text(entry.get("note"), "The review note"),
                "recorded_on_file_on": recorded.isoformat() if recorded else None}

    def write_actions(_before: dict, _values: dict) -> dict:
        diff: dict[str, list] = {}
        for action, complete, evidence in reviewed_actions:
            changed = {f"action #{action['id']} {field}": [old, new] for field, old, new in (
                ("complete", action["review_complete"], complete), ("evidence", action["review_evidence"], evidence))
                if old != new}
            if changed:
                db.execute("update case_audit_actions set review_complete = :c, review_evidence = :e where id = :id",
                           {"c": complete, "e": evidence, "id": action["id"]})
                diff.update(changed)
        return diff

    return records.edit(db, user, "case_audits", audit_id, clean=clean, expected=expected, what="audit",
                        also=write_actions, action="review")


# ---- For the home page ------------------------------------------------------------------------------


def reminders(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[str]:
    """One-line reminders for the home page: audits to do, audits to moderate, reviews due."""
    notes = []
    if access.can(user, "record_case_audit"):
        mine = [r for r in casefile.my_audits(db, user, today=today) if r["stage"] in ("to_do", "in_progress")]
        if mine:
            late = sum(1 for r in mine if r["overdue"])
            notes.append(f"You have {len(mine)} case-file audit(s) to complete" +
                         (f", {late} overdue." if late else f"; the next is due {dates.day(min(r['due_on'] for r in mine))}."))
    if access.can(user, "moderate_audits"):
        waiting = [r for r in moderation.awaiting_moderation(db, user, today=today) if not r["moderated_on"]
                   and user.id not in (r["lead_auditor_id"], r["peer_auditor_id"])]
        if waiting:
            notes.append(f"{len(waiting)} submitted case-file audit(s) are waiting for moderation.")
    if access.can(user, "review_audit_actions"):
        due = [r for r in follow_ups(db, user, today=today) if r["review_status"] != "upcoming"]
        if due:
            late = sum(1 for r in due if r["review_status"] == "overdue")
            notes.append(f"{len(due)} eight-week audit review(s) are due or overdue ({late} overdue).")
    return notes
