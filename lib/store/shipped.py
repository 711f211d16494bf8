"""Reference data shipped with the app as TOML files in data/, versioned in the database: the one loader.

Every shipped file is read here (read()), and every version the database holds says what it held:
- the codebook and the KPI measures are shipped, then edited: a new database loads the file as
  version 1 (ensure()); after that QA's changes are made in the app and each is a new version, a
  snapshot of the rows as they then stood, with a note and who made it (snapshot(), versions());
- the question bank is shipped only: each version of the file is installed once, by its own version
  name and a checksum of its content (release()), so answers saved against it keep their wording, and a
  file changed under an old version name is refused.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import sqlite_utils

from lib import store
from lib.store import records


@dataclass(frozen=True)
class Data:
    """One kind of shipped data: its file, the table of its versions and what a version's snapshot holds."""

    file: Path
    versions_table: str
    rows_sql: str


def read(file: Path) -> dict:
    """A shipped file's contents; ValueError naming the file if it is not valid TOML."""
    try:
        with open(file, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"The shipped file {file.name} is not valid TOML: {exc}.") from None


def checksum(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def release(db: sqlite_utils.Database, table: str, *, version: str, content: str, what: str) -> None:
    """Keep this version of a shipped-only file (once). Refuses changed content under a version already kept."""
    row = db.execute(f"select checksum from {table} where version = :v", {"v": version}).fetchone()
    if row is not None:
        if row[0] != checksum(content):
            raise ValueError(f"The {what} file changed but its version is still {version}. Give the changed file a "
                             "new version so answers already saved keep their wording.")
        return
    with store.write(db):
        db.execute(f"""insert or ignore into {table} (version, content, checksum, installed_at)
                       values (:version, :content, :checksum, :at)""",
                   {"version": version, "content": content, "checksum": checksum(content), "at": store.stamp()})


def current(db: sqlite_utils.Database, kind: Data) -> int | None:
    """The newest version number, or None in a database that has not loaded the file yet."""
    return db.execute(f"select max(version) from {kind.versions_table}").fetchone()[0]


def ensure(db: sqlite_utils.Database, kind: Data, install: Callable[[dict], str]) -> int:
    """The current version, loading the shipped file first in a new database.

    install(data) writes the file's rows inside the load's transaction and returns the version note. Two
    processes opening a new database at once load it once: the second finds the first's version.
    """
    found = current(db, kind)
    if found is not None:
        return found
    data = read(kind.file)
    with store.write(db):
        found = current(db, kind)
        if found is not None:
            return found
        return snapshot(db, kind, None, install(data))


def snapshot(db: sqlite_utils.Database, kind: Data, user, note: str) -> int:
    """Store the rows as they stand as the next version; call inside store.write(). Returns its number."""
    version = (current(db, kind) or 0) + 1
    db.execute(f"""insert into {kind.versions_table} (version, content, note, created_at, created_by)
                   values (:v, :c, :n, :at, :u)""",
               {"v": version, "c": json.dumps(list(db.query(kind.rows_sql)), ensure_ascii=False), "n": note,
                "at": store.stamp(), "u": user.id if user else None})
    return version


def edit(db: sqlite_utils.Database, user, kind: Data, table: str, record_id: str, *, clean: Callable[[dict], dict],
         expected: str | None, what: str, note: Callable[[dict], str]) -> dict:
    """Change one row of edited shipped data (a theme, a measure) through records.edit, so a stale edit is
    refused; a real change is stored as the next version, with note(changes) as its note."""

    def new_version(before: dict, after: dict) -> dict:
        changed = records.changes({k: before[k] for k in after}, after)
        if not changed:
            return {}
        version = snapshot(db, kind, user, note(changed))
        return {"version": [version - 1, version]}

    return records.edit(db, user, table, record_id, clean=clean, expected=expected, what=what, also=new_version)


def versions(db: sqlite_utils.Database, kind: Data) -> list[dict]:
    """Every version with its note, who made it and when, newest first."""
    return list(db.query(
        f"""select v.version, v.note, v.created_at, u.display_name as by from {kind.versions_table} v
            left join users u on u.id = v.created_by order by v.version desc"""))
