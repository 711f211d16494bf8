"""Backups: a consistent copy of the live database, safe while others write (SQLite's backup API).

`python -m lib.backup --db PATH --out FILE` for scheduled use; QA's "Download a backup" button uses
the same function. To restore: stop the app, put the backup file in place of the database file and
delete any `-wal` and `-shm` files beside it, then start the app (see the README).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlite_utils

from lib import access, store
from lib.access import User
from lib.store import history


def copy(source: str | os.PathLike, target: str | os.PathLike) -> dict:
    """Copy the database at source to target with the backup API and check the copy; returns its facts.

    Raises ValueError if the copy fails its integrity check.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(source), timeout=30) as origin, sqlite3.connect(str(target)) as copy_:
        origin.backup(copy_, pages=1024)
        copy_.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        # People's unsaved drafts are theirs alone (store/unsaved.py): a backup leaves them out, and with
        # secure_delete their words are zeroed in the copy's bytes, not only unlinked.
        if copy_.execute("select 1 from sqlite_master where name = 'unsaved'").fetchone():
            copy_.execute("PRAGMA secure_delete = ON")
            copy_.execute("delete from unsaved")
            copy_.commit()
        check = copy_.execute("PRAGMA integrity_check").fetchone()[0]
        responses = copy_.execute("select count(*) from responses").fetchone()[0]
    origin.close(), copy_.close()
    if check != "ok":
        raise ValueError(f"The backup failed its integrity check: {check}")
    return {"file": str(target), "bytes": target.stat().st_size, "responses": responses}


def download(db: sqlite_utils.Database, user: User, source: str | os.PathLike | None = None) -> bytes:
    """A backup as bytes for QA to download; audited as an export."""
    access.require(user, "manage_backups")
    with tempfile.TemporaryDirectory() as folder:
        facts = copy(source or store.default_path(), Path(folder) / "backup.db")
        data = Path(facts["file"]).read_bytes()
    with store.write(db):
        history.add(db, action="export", user_id=user.id, username=user.username, entity="backup",
                    detail={"bytes": len(data), "responses": facts["responses"]})
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.backup", description="Copy the live database safely.")
    parser.add_argument("--db", help="database file (default: $FEEDBACK_DB or data/feedback.db)")
    parser.add_argument("--out", required=True, help="the backup file to write")
    args = parser.parse_args(argv)
    try:
        source = store.named_database(args.db)
    except ValueError:
        print(f"error: there is no database at {args.db or store.default_path()}", file=sys.stderr)
        return 2
    try:
        facts = copy(source, args.out)
        database = store.connect(source)
        with store.write(database):
            history.add(database, action="export", user_id=None, username="lib.backup", entity="backup",
                        detail=facts)
    except (ValueError, sqlite3.Error, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Backed up {source} to {facts['file']} ({facts['bytes']:,} bytes, {facts['responses']:,} responses).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
