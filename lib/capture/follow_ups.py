"""Follow-ups raised by feedback: call-back requests and safeguarding flags, listed for managers to close."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.store import history

KINDS = {"callback": "Call-back requested", "safeguarding": "Safeguarding concern"}
SAFEGUARDING_INSTRUCTION = (
    "You flagged a safeguarding concern. Follow your local safeguarding procedure today: tell the child's "
    "social worker or the duty team now (out of hours: the emergency duty team), and if anyone is in immediate "
    "danger call 999. Saving this form is not a referral. What was said is kept out of every report and export."
)


def open_items(db: sqlite_utils.Database, user: User, *, kind: str | None = None, status: str = "open") -> list[dict]:
    """Follow-ups with their entry's context, oldest first (managers and QA).

    A follow-up stays listed when its entry is deleted: deleting an entry never hides a concern.
    """
    access.require(user, "view_follow_ups")
    return list(db.query(
        """select f.id, f.kind, f.status, f.note, f.told_whom, f.told_at, f.created_at, f.closed_at, f.closing_note,
                  r.id as response_id, r.form, r.contact_on, h.reference as household, u.display_name as raised_by,
                  r.deleted_at is not null as entry_deleted
           from follow_ups f join responses r on r.id = f.response_id
             left join households h on h.id = r.household_id join users u on u.id = f.created_by
           where (:kind is null or f.kind = :kind) and f.status = :status
           order by f.created_at, f.id""",
        {"kind": kind, "status": status},
    ))


def counts(db: sqlite_utils.Database, user: User) -> dict[str, int]:
    """Open follow-ups by kind (managers and QA)."""
    access.require(user, "view_follow_ups")
    found = dict.fromkeys(KINDS, 0)
    for kind, n in db.execute("select kind, count(*) from follow_ups where status = 'open' group by kind"):
        found[kind] = n
    return found


def record_told(db: sqlite_utils.Database, user: User, follow_up_id: int, *, told_whom: str, told_at: dt.datetime
                ) -> None:
    """Record who was told about a safeguarding concern, and when."""
    access.require(user, "view_follow_ups")
    whom = text.clean(told_whom, field="Who was told", max_length=200, required=True)
    if told_at.astimezone(dt.timezone.utc) > store.utcnow() + dt.timedelta(minutes=5):
        raise ValueError("When they were told cannot be in the future.")
    with store.write(db):
        row = db.execute("select told_whom, told_at, status from follow_ups where id = :id",
                         {"id": follow_up_id}).fetchone()
        if row is None:
            raise ValueError("That follow-up does not exist.")
        if row[2] != "open":
            raise ValueError("That follow-up is already closed.")
        db.execute("update follow_ups set told_whom = :w, told_at = :t where id = :id",
                   {"w": whom, "t": store.stamp(told_at), "id": follow_up_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="follow_ups",
                    entity_id=follow_up_id, detail={"told_whom": [row[0], whom], "told_at": [row[1], store.stamp(told_at)]})


def close(db: sqlite_utils.Database, user: User, follow_up_id: int, note: str) -> None:
    """Close a follow-up with a note of what was done (managers and QA)."""
    access.require(user, "close_follow_up")
    note = text.clean(note, field="What was done", max_length=1000, required=True, multiline=True)
    with store.write(db):
        row = db.execute("select status, kind, told_whom from follow_ups where id = :id", {"id": follow_up_id}).fetchone()
        if row is None:
            raise ValueError("That follow-up does not exist.")
        if row[0] == "closed":
            raise ValueError("That follow-up is already closed.")
        if row[1] == "safeguarding" and not row[2]:
            raise ValueError("Record who was told about this safeguarding concern before closing it.")
        db.execute("update follow_ups set status = 'closed', closed_at = :at, closed_by = :uid, closing_note = :n "
                   "where id = :id", {"at": store.stamp(), "uid": user.id, "n": note, "id": follow_up_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="follow_ups",
                    entity_id=follow_up_id, detail={"status": ["open", "closed"], "closing_note": note})
