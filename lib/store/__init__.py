"""The SQLite store: connection set-up, numbered migrations, the write helper and the audit log."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from lib.store import migrations

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_PATH = ROOT / "data" / "feedback.db"
ENV_VAR = "FEEDBACK_DB"
BUSY_TIMEOUT_MS = 10_000


def default_path() -> Path:
    """The database file: $FEEDBACK_DB if set, else data/feedback.db beside the code."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open the database, set WAL, foreign keys and a busy timeout, and apply pending migrations.

    Creates the file (and its folder) if it does not exist. Migrations run under one
    BEGIN IMMEDIATE lock so two processes opening a new file at once cannot both apply them.
    """
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    if migrations.steps.pending(db):
        with write(db):
            migrations.steps.apply(db)
    return db


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block of writes as one BEGIN IMMEDIATE transaction; roll back on any exception.

    BEGIN IMMEDIATE takes the write lock up front, so the busy timeout applies and a
    concurrent writer waits instead of failing with "database is locked" (stack-notes 3).
    Nested use joins the outer transaction through a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def utcnow() -> dt.datetime:
    """The current UTC time, to the second (the one place store modules read the clock)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def stamp(moment: dt.datetime | None = None) -> str:
    """An ISO-8601 UTC timestamp for *_at columns."""
    moment = moment or utcnow()
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def audit(
    db: sqlite_utils.Database,
    *,
    action: str,
    user_id: int | None,
    entity: str | None = None,
    entity_id: Any = None,
    detail: dict | None = None,
    username: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one row to audit_log. Call it inside the same write() as the change it records."""
    db.execute(
        """insert into audit_log (at, user_id, username, action, entity, entity_id, detail)
           values (:at, :user_id, :username, :action, :entity, :entity_id, :detail)""",
        {
            "at": stamp(at),
            "user_id": user_id,
            "username": username,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        },
    )


def changes(before: dict, after: dict) -> dict:
    """The fields that differ between two versions of a record, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


_SOFT_DELETE = {
    table: (f"update {table} set deleted_at = :at, deleted_by = :uid, delete_reason = :reason where id = :id",
            f"update {table} set deleted_at = null, deleted_by = null, delete_reason = null where id = :id")
    for table in ("responses", "representations", "case_audits", "targeted_audits")
}


def soft_delete_row(db: sqlite_utils.Database, table: str, row: dict, *, user, reason: str) -> None:
    """Mark a loaded row deleted with who, when and why, and audit it; call inside write().

    Raises ValueError if the row is already deleted.
    """
    if row["deleted_at"]:
        raise ValueError("This entry is already deleted.")
    delete, _ = _SOFT_DELETE[table]
    db.execute(delete, {"at": stamp(), "uid": user.id, "reason": reason, "id": row["id"]})
    audit(db, action="soft_delete", user_id=user.id, username=user.username, entity=table, entity_id=row["id"],
          detail={"reason": reason})


def restore_row(db: sqlite_utils.Database, table: str, row: dict, *, user) -> None:
    """Undo the soft delete of a loaded row and audit it; call inside write(). ValueError if it is not deleted."""
    if not row["deleted_at"]:
        raise ValueError("This entry is not deleted.")
    _, restore = _SOFT_DELETE[table]
    db.execute(restore, {"id": row["id"]})
    audit(db, action="restore", user_id=user.id, username=user.username, entity=table, entity_id=row["id"],
          detail={"was_deleted_because": row["delete_reason"]})


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()  # Streamlit runs each session's script on its own thread
CACHE_SIZE = 256


def cached_query(db: sqlite_utils.Database, sql: str, params: dict) -> list[dict]:
    """The rows of a read-only query (explorer, report), from a small cache keyed by the data's version.

    Every write in the app adds an audit row in the same transaction (db.write), so the highest
    audit id names the committed data: while it stands still the answer cannot change, and any
    save anywhere makes every cached answer stale at once. Inside a transaction, or for a database
    without a file, the query runs every time.
    """
    path = db.execute("pragma database_list").fetchone()[2]
    if db.conn.in_transaction or not path:
        return list(db.query(sql, params))
    version = db.execute("select max(id) from audit_log").fetchone()[0]
    key = (path, version, sql, tuple(sorted(params.items())))
    with _CACHE_LOCK:
        rows = _CACHE.get(key)
        if rows is not None:
            _CACHE.move_to_end(key)
    if rows is None:
        rows = tuple(db.query(sql, params))
        with _CACHE_LOCK:
            _CACHE[key] = rows
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return [dict(row) for row in rows]


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """A value from the meta table (install facts such as whether this is a demo database)."""
    row = db.execute("select value from meta where key = :key", {"key": key}).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Set a meta value; call inside write()."""
    db.execute(
        "insert into meta (key, value) values (:key, :value) "
        "on conflict(key) do update set value = excluded.value",
        {"key": key, "value": value},
    )


def is_demo(db: sqlite_utils.Database) -> bool:
    """True when the database was created by lib.demo with fictional data."""
    return get_meta(db, "demo") == "1"
