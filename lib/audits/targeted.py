"""Targeted audits: a look at one area of practice, recorded on a simple template and saved centrally.

Topics come from supervision, complaints or a service dashboard indicator (framework section 5.2).
Each audit records its topic, why it was chosen, its scope, findings and learning; the learning is
coded with the theme codebook so it joins the themes in audit learning. Audits are listed by the
financial quarter they were completed in. Edits keep the old values in history; deletion
is a soft delete with a reason that QA can restore.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.audits import casefile
from lib.periods import Quarter
from lib.store import history, records
from lib.themes import codebook, coding

REASONS = {"supervision": "Supervision", "complaints": "Complaints", "dashboard": "Service dashboard indicator",
           "other": "Other"}
FIELDS = ("topic", "reason", "reason_detail", "scope", "cases_reviewed", "findings", "learning", "started_on",
          "completed_on")


def validate(entry: dict, *, today: dt.date) -> dict:
    """Check and clean one targeted audit; ValueError naming the field for the first problem."""
    reason = entry.get("reason")
    if reason in (None, ""):
        raise ValueError("Why the topic was chosen is required.")
    if reason not in REASONS:
        raise ValueError(f"Why the topic was chosen must be one of: {', '.join(REASONS.values())}.")
    clean: dict[str, Any] = {
        "topic": text.clean(entry.get("topic"), field="Topic", max_length=200, required=True),
        "reason": reason,
        "reason_detail": text.clean(entry.get("reason_detail"), field="What raised it", max_length=500) or None,
        "scope": text.clean(entry.get("scope"), field="Scope", max_length=2000, required=True, multiline=True),
        "findings": text.clean(entry.get("findings"), field="Findings", max_length=casefile.MAX_TEXT, required=True,
                               multiline=True),
        "learning": text.clean(entry.get("learning"), field="Learning", max_length=casefile.MAX_TEXT, required=True,
                               multiline=True),
    }
    cases = entry.get("cases_reviewed")
    clean["cases_reviewed"] = None if cases in (None, "") else casefile.whole_field(cases, "Cases reviewed", 0, 10_000)
    started = casefile.date_field(entry.get("started_on"), "The start date", today=today)
    completed = casefile.date_field(entry.get("completed_on"), "The completion date", today=today, required=True)
    if started and started > completed:
        raise ValueError("The completion date cannot be before the start date.")
    clean["started_on"] = started.isoformat() if started else None
    clean["completed_on"] = completed.isoformat()
    return clean


def _row(db, targeted_id: int) -> dict:
    rows = list(db.query("select * from targeted_audits where id = :id", {"id": targeted_id}))
    if not rows:
        raise ValueError(f"There is no targeted audit #{targeted_id}.")
    return rows[0]


def record(db: sqlite_utils.Database, user: User, entry: dict, *, today: dt.date) -> int:
    """Save a targeted audit (its learning coded with the codebook); returns its id."""
    access.require(user, "record_targeted_audit")
    codebook.ensure(db)
    with store.write(db):
        clean = validate(entry, today=today)
        at = store.stamp()
        values = {**clean, "author_id": user.id, "created_at": at, "updated_at": at}
        targeted_id = db.execute(f"insert into targeted_audits ({', '.join(values)}) values "
                                 f"({', '.join(':' + k for k in values)})", values).lastrowid
        coding.code(db, "targeted_audits", [targeted_id])
        history.add(db, action="create", user_id=user.id, username=user.username, entity="targeted_audits",
                    entity_id=targeted_id, detail={"topic": clean["topic"], "reason": clean["reason"]})
    return targeted_id


def update(db: sqlite_utils.Database, user: User, targeted_id: int, entry: dict, *, today: dt.date,
           expected: str | None = None) -> dict:
    """Change a targeted audit; returns the changes, which its history row keeps.

    With expected (its records.version() when the form was opened), a change saved by someone else in between is
    refused with records.StaleEdit.
    """
    access.require(user, "record_targeted_audit")
    codebook.ensure(db)

    def clean(before: dict) -> dict:
        if before["deleted_at"]:
            raise ValueError("This targeted audit is deleted; QA can restore it first.")
        return validate(entry, today=today)

    def recode(before: dict, values: dict) -> dict:
        if values["learning"] != before["learning"]:
            coding.code(db, "targeted_audits", [targeted_id])
        return {}

    return records.edit(db, user, "targeted_audits", targeted_id, clean=clean, expected=expected,
                        what="targeted audit", also=recode)


def soft_delete(db: sqlite_utils.Database, user: User, targeted_id: int, reason: str) -> None:
    """Hide a targeted audit from lists and reports, with a reason; QA can restore it."""
    access.require(user, "record_targeted_audit")
    reason = text.clean(reason, field="Reason for deleting", max_length=500, required=True)
    with store.write(db):
        records.soft_delete(db, "targeted_audits", _row(db, targeted_id), user=user, reason=reason)


def restore(db: sqlite_utils.Database, user: User, targeted_id: int) -> None:
    """Bring back a deleted targeted audit (QA only)."""
    access.require(user, "view_deleted_entries")
    with store.write(db):
        records.restore(db, "targeted_audits", _row(db, targeted_id), user=user)


def get(db: sqlite_utils.Database, user: User, targeted_id: int) -> dict:
    """One targeted audit with its themes."""
    access.require(user, "record_targeted_audit")
    row = _row(db, targeted_id)
    row["version"] = records.version(row)
    row["themes"] = [r[0] for r in db.execute("select theme_id from targeted_audit_themes where targeted_audit_id = :id "
                                              "order by theme_id", {"id": targeted_id})]
    return row


def listing(db: sqlite_utils.Database, user: User, *, quarter: Quarter | None = None, deleted: bool = False
            ) -> list[dict]:
    """Targeted audits, newest first, each with the quarter it was completed in; one quarter's if given."""
    access.require(user, "record_targeted_audit")
    if deleted:
        access.require(user, "view_deleted_entries")
    return for_period(db, quarter.start if quarter else None, quarter.end if quarter else None, deleted=deleted)


def for_period(db: sqlite_utils.Database, start: dt.date | None, end: dt.date | None, *, deleted: bool = False
               ) -> list[dict]:
    """Targeted audits completed in a period (the report's list); no permission check: callers have made one."""
    rows = list(db.query(
        """select t.*, u.display_name as author,
                  (select group_concat(theme_id) from targeted_audit_themes x where x.targeted_audit_id = t.id) as theme_ids
           from targeted_audits t join users u on u.id = t.author_id
           where (:start is null or t.completed_on >= :start) and (:end is null or t.completed_on <= :end)
             and (t.deleted_at is not null) = :deleted
           order by t.completed_on desc, t.id desc""",
        {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
         "deleted": int(deleted)}))
    for row in rows:
        row["quarter"] = Quarter.containing(dt.date.fromisoformat(row["completed_on"])).label
        row["theme_ids"] = [t for t in (row["theme_ids"] or "").split(",") if t]
    return rows
