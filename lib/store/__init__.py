"""The SQLite store: connect() (WAL, foreign keys, busy timeout, migrations), the write transaction, timestamps, meta and a cached read."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterator

import sqlite_utils

from lib.store import migrations

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_PATH = ROOT / "data" / "feedback.db"
ENV_VAR = "FEEDBACK_DB"
BUSY_TIMEOUT_MS = 10_000


def default_path() -> Path:
    """The database file: $FEEDBACK_DB if set, else data/feedback.db beside the code."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def named_database(value: str | os.PathLike | None) -> Path:
    """The existing database a command line names (--db, else $FEEDBACK_DB or the default); ValueError if
    there is none there, since connect() would create an empty database in its place."""
    path = Path(value) if value else default_path()
    if not path.is_file():
        raise ValueError(f"There is no database at {path}.")
    return path


class StorageProblem(RuntimeError):
    """The database file cannot be used as it is (damaged, from a newer version, unwritable); the message
    says what to do, in words for whoever runs the server."""


_CHECKED: set[str] = set()  # files this process has integrity-checked
_CHECKED_LOCK = threading.Lock()


def connect(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open the database, set WAL, foreign keys, secure delete and a busy timeout, and apply pending migrations.

    Creates the file (and its folder) if it does not exist. Migrations run under one
    BEGIN IMMEDIATE lock so two processes opening a new file at once cannot both apply them.
    The first time a process opens a file it runs PRAGMA quick_check. Raises StorageProblem for a
    damaged file or one written by a newer version of the app (a migration this code does not know).
    """
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA secure_delete = ON")  # deleted text is overwritten, not left in free pages
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            _retry_busy(db, "PRAGMA journal_mode = WAL")  # processes opening a new file at once contend for it
        db.execute("PRAGMA synchronous = NORMAL")
        _check_once(db, path)
        _refuse_newer(db, path)
        if migrations.steps.pending(db):
            with write(db):
                migrations.steps.apply(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_busy(exc):
            raise
        raise StorageProblem(storage_message(exc, path) or f"The database {path} cannot be opened: {exc}.") from exc
    except StorageProblem:
        conn.close()
        raise
    return db


def _check_once(db: sqlite_utils.Database, path: Path) -> None:
    key = str(path.resolve())
    with _CHECKED_LOCK:
        if key in _CHECKED:
            return
    found = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
    if found != ["ok"]:
        raise StorageProblem(f"The database {path} is damaged (SQLite's check says: {'; '.join(found)}). Stop the "
                             "app, keep the damaged file, and restore the latest backup (docs/operations.md).")
    with _CHECKED_LOCK:
        _CHECKED.add(key)


def _refuse_newer(db: sqlite_utils.Database, path: Path) -> None:
    known = {m.name for m in migrations.steps._migrations}
    unknown = [m.name for m in migrations.steps.applied(db) if m.name not in known]
    if unknown:
        raise StorageProblem(f"The database {path} was last changed by a newer version of the Feedback Hub (it has "
                             f"{', '.join(unknown)}, which this version does not know). Run that newer version, or "
                             "restore a backup made by this one; this version will not open it, so nothing is lost.")


def storage_message(exc: BaseException, path: Path | None = None) -> str | None:
    """A plain sentence for a storage fault (disk full, read-only, not a database), or None for other errors."""
    text = str(exc).lower()
    where = f" ({path})" if path else ""
    if "disk is full" in text or "database or disk is full" in text:
        return ("The server's disk is full, so nothing could be saved. Nothing you typed is lost: ask whoever "
                f"runs the server to free some space{where}, then save again.")
    if "readonly" in text or "read-only" in text:
        return ("The database can only be read at the moment, so nothing could be saved. Nothing you typed is lost: "
                f"ask whoever runs the server to check the file's permissions{where}, then save again.")
    if "not a database" in text or "malformed" in text:
        return (f"The database file{where} is damaged or is not a Feedback Hub database. Stop the app, keep the "
                "file, and restore the latest backup (docs/operations.md).")
    if "disk i/o error" in text or "unable to open database" in text:
        return (f"The database file{where} cannot be read or written (a disk or permissions problem). Ask whoever "
                "runs the server to check it; nothing you typed is lost.")
    return None


BUSY_MESSAGE = ("The database is busy with another save, so this was not saved. Nothing you typed is lost: "
                "press Save again in a moment.")
BUSY_RETRIES = 2


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" or "busy" error (another writer held the lock past the wait)."""
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in str(exc).lower() for word in ("database is locked", "database is busy", "database table is locked"))


def _retry_busy(db: sqlite_utils.Database, sql: str) -> None:
    """Run a statement that takes a lock, retried briefly if the lock is still held after the busy timeout
    (SQLite can report busy at once, without waiting, when two connections would otherwise deadlock)."""
    for attempt in range(BUSY_RETRIES + 1):
        try:
            db.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == BUSY_RETRIES:
                raise
            time.sleep(0.2 * (attempt + 1))


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
    _retry_busy(db, "BEGIN IMMEDIATE")
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


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()  # Streamlit runs each session's script on its own thread
CACHE_SIZE = 256


def data_version(db: sqlite_utils.Database) -> int:
    """A number that changes with every committed write: the newest history row's id (every write adds one)."""
    return db.execute("select coalesce(max(id), 0) from history").fetchone()[0]


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
    version = data_version(db)
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
