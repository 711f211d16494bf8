"""Reference data shipped with the app, then edited in it: the codebook and the KPI measures.

A new database loads the shipped TOML file (data/codebook.toml, data/kpi_measures.toml) as version 1;
after that QA's changes are made in the app and each is a new version, a snapshot of the rows as
they then stood, with a note and who made it. The question bank (capture/questions.py) is shipped
only: each file version it meets is installed once, by name and checksum, and never edited here.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import sqlite_utils

from lib import store


@dataclass(frozen=True)
class Data:
    """One kind of shipped data: its file, the table of its versions and what a version's snapshot holds."""

    file: Path
    versions_table: str
    rows_sql: str


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
    with open(kind.file, "rb") as handle:
        data = tomllib.load(handle)
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


def versions(db: sqlite_utils.Database, kind: Data) -> list[dict]:
    """Every version with its note, who made it and when, newest first."""
    return list(db.query(
        f"""select v.version, v.note, v.created_at, u.display_name as by from {kind.versions_table} v
            left join users u on u.id = v.created_by order by v.version desc"""))
