"""Editing a stored record: the one path every correction takes, from the entry form to the complaints log.

edit() cleans what the person typed, compares it with the stored row, refuses the change if the row
changed since they opened it (saying who changed it and when, so their typing can be kept on
screen), updates it and adds its history row, all in one transaction. A form keeps the row's
version() from when it was opened and passes it back as `expected`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Callable, Mapping

import sqlite_utils

from lib import dates, store
from lib.store import history


class StaleEdit(ValueError):
    """The record changed after the person opened it; nothing was saved."""


def version(row: Mapping[str, Any]) -> str:
    """A short fingerprint of a stored row as read: any saved change to it gives a different one."""
    blob = json.dumps({k: row[k] for k in sorted(row)}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def current(db: sqlite_utils.Database, table: str, record_id: int) -> str:
    """The version() of a stored record now: what a form keeps as `expected` when it opens the record."""
    return version(load(db, table, record_id))


def load(db: sqlite_utils.Database, table: str, record_id: int, *, what: str = "entry") -> dict:
    """One row of an editable table as a dict; ValueError if there is no such record."""
    row = db.execute(f"select * from [{table}] where id = :id", {"id": record_id}).fetchone()
    if row is None:
        raise ValueError(f"There is no {what} #{record_id}.")
    columns = [c[0] for c in db.execute(f"select * from [{table}] limit 0").description]
    return dict(zip(columns, row))


def _last_change(db, table: str, row: dict, entity: str, entity_id: Any) -> tuple[str, str]:
    """Who last changed the record and when, in words: from the row's own columns, else its history."""
    who_id, at = row.get("updated_by"), row.get("updated_at")
    if who_id is None or at is None:
        last = db.execute("""select user_id, username, at from history where entity = :e and entity_id = :i
                             order by id desc limit 1""", {"e": entity, "i": str(entity_id)}).fetchone()
        if last:
            who_id, at = last[0], last[2]
            if who_id is None:
                return last[1] or "someone", dates.moment(at)
    name = None
    if who_id is not None:
        found = db.execute("select display_name from users where id = :id", {"id": who_id}).fetchone()
        name = found[0] if found else None
    return name or "someone else", dates.moment(at) if at else "just now"


def check_fresh(db: sqlite_utils.Database, table: str, row: dict, expected: str | None, *, what: str = "entry",
                entity: str | None = None, entity_id: Any = None) -> None:
    """Refuse with StaleEdit when the row's version is not the one the person opened (None: no check)."""
    if expected is None or version(row) == expected:
        return
    raise stale(db, what, row, entity=entity or table, entity_id=row["id"] if entity_id is None else entity_id)


def stale(db: sqlite_utils.Database, what: str, row: Mapping[str, Any], *, entity: str, entity_id: Any = None
          ) -> StaleEdit:
    """The refusal for an edit made from an old version: who changed it (row's updated_by and updated_at,
    else its last history row) and when. For records that are not one row (settings, a report's draft)."""
    who, when = _last_change(db, entity, dict(row), entity, entity_id)
    return StaleEdit(f"{who} changed this {what} at {when}, after you opened it, so your changes were not saved. "
                     "They are still in the form: note what you need, load the saved version, then make your "
                     "change again.")


def edit(
    db: sqlite_utils.Database,
    user,
    table: str,
    record_id: int,
    *,
    clean: Callable[[dict], dict],
    expected: str | None,
    what: str = "entry",
    entity: str | None = None,
    entity_id: Any = None,
    label: Callable[[str], str] | None = None,
    also: Callable[[dict, dict], dict] | None = None,
    action: str | Callable[[dict, dict], str] = "update",
    load_row: Callable[[], dict] | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Change one record and return the changes ({field: [old, new]}), which its history row keeps.

    clean(before) validates the typed entry against the stored row and returns the column values
    to store (it raises ValueError or PermissionDenied). also(before, values), if given, makes the
    record's other writes (answers, theme codes) and returns their changes. With `expected` (the
    version() the form was opened with) a change saved by someone else in between is refused with
    StaleEdit. Nothing is written when nothing changed. The history row's action is `action`, or
    action(before, values). load_row() replaces the plain row read where a record's version covers
    less (a user's sign-in counters) or more (their roles). Runs in one transaction.
    """
    with store.write(db):
        before = load_row() if load_row else load(db, table, record_id, what=what)
        check_fresh(db, table, before, expected, what=what, entity=entity, entity_id=entity_id)
        values = clean(before)
        diff = changes({k: before.get(k) for k in values}, values)
        if diff:
            db.execute(f"update [{table}] set {', '.join(f'[{k}] = :{k}' for k in values)} where id = :_id",
                       {**values, "_id": record_id})
        if also:
            diff.update(also(before, values))
        if not diff:
            return {}
        stamps = {k: v for k, v in (("updated_at", store.stamp(now)), ("updated_by", user.id)) if k in before}
        if stamps:
            db.execute(f"update [{table}] set {', '.join(f'[{k}] = :{k}' for k in stamps)} where id = :_id",
                       {**stamps, "_id": record_id})
        detail = {label(k) if label else k: v for k, v in diff.items()}
        history.add(db, action=action(before, values) if callable(action) else action, user_id=user.id, username=user.username, entity=entity or table,
                    entity_id=record_id if entity_id is None else entity_id, detail=detail, at=now)
    return diff


def changes(before: dict, after: dict) -> dict:
    """The fields that differ between two versions of a record, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


_SOFT_DELETE = {
    table: (f"update {table} set deleted_at = :at, deleted_by = :uid, delete_reason = :reason where id = :id",
            f"update {table} set deleted_at = null, deleted_by = null, delete_reason = null where id = :id")
    for table in ("responses", "representations", "case_audits", "targeted_audits")
}


def soft_delete(db: sqlite_utils.Database, table: str, row: dict, *, user, reason: str) -> None:
    """Mark a loaded row deleted with who, when and why, and audit it; call inside write().

    Raises ValueError if the row is already deleted.
    """
    if row["deleted_at"]:
        raise ValueError("This entry is already deleted.")
    delete, _ = _SOFT_DELETE[table]
    db.execute(delete, {"at": store.stamp(), "uid": user.id, "reason": reason, "id": row["id"]})
    history.add(db, action="soft_delete", user_id=user.id, username=user.username, entity=table, entity_id=row["id"],
          detail={"reason": reason})


def restore(db: sqlite_utils.Database, table: str, row: dict, *, user) -> None:
    """Undo the soft delete of a loaded row and audit it; call inside write(). ValueError if it is not deleted."""
    if not row["deleted_at"]:
        raise ValueError("This entry is not deleted.")
    _, restore = _SOFT_DELETE[table]
    db.execute(restore, {"id": row["id"]})
    history.add(db, action="restore", user_id=user.id, username=user.username, entity=table, entity_id=row["id"],
          detail={"was_deleted_because": row["delete_reason"]})
