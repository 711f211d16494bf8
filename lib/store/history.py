"""History: one row for every change, sign-in and export (who, when, what), written in the change's own transaction, and read back by QA."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlite_utils

from lib import access, store
from lib.access import User

ACTIONS = ("create", "update", "soft_delete", "restore", "sign_in", "sign_in_failed", "sign_out", "import", "export",
           "discard_draft", "expire_drafts")


def entries(
    db: sqlite_utils.Database, user: User, *, action: str | None = None, entity: str | None = None,
    username: str | None = None, since: dt.date | None = None, until: dt.date | None = None, limit: int = 500,
) -> list[dict]:
    """The newest audit entries matching the filters (QA only), with their detail decoded."""
    access.require(user, "view_history")
    rows = list(db.query(
        """select id, at, username, action, entity, entity_id, detail from history
           where (:action is null or action = :action)
             and (:entity is null or entity = :entity)
             and (:username is null or username = :username collate nocase)
             and (:since is null or at >= :since)
             and (:until is null or at < :until)
           order by id desc limit :limit""",
        {"action": action, "entity": entity, "username": username or None,
         "since": since.isoformat() if since else None,
         "until": (until + dt.timedelta(days=1)).isoformat() if until else None, "limit": limit},
    ))
    for row in rows:
        row["detail"] = json.dumps(json.loads(row["detail"]), ensure_ascii=False) if row["detail"] else ""
    return rows


def read(db: sqlite_utils.Database, user: User, what: str, *, entity: str | None = None, entity_id: Any = None,
         detail: dict | None = None) -> None:
    """Keep that this person looked at something sensitive (its own short write; never part of history, so
    reading does not change data_version)."""
    with store.write(db):
        db.execute("""insert into reads (at, user_id, username, what, entity, entity_id, detail)
                      values (:at, :u, :name, :what, :entity, :id, :detail)""",
                   {"at": store.stamp(), "u": user.id, "name": user.username, "what": what, "entity": entity,
                    "id": None if entity_id is None else str(entity_id),
                    "detail": json.dumps(detail, ensure_ascii=False) if detail else None})


def reads(db: sqlite_utils.Database, user: User, *, username: str | None = None, since: dt.date | None = None,
          until: dt.date | None = None, limit: int = 500) -> list[dict]:
    """Who looked at what sensitive, newest first (QA only)."""
    access.require(user, "view_history")
    return list(db.query(
        """select at, username, what, entity, entity_id, detail from reads
           where (:name is null or username = :name collate nocase)
             and (:since is null or at >= :since) and (:until is null or at < :until)
           order by id desc limit :limit""",
        {"name": username or None, "limit": limit, "since": since.isoformat() if since else None,
         "until": (until + dt.timedelta(days=1)).isoformat() if until else None}))


def entities(db: sqlite_utils.Database) -> list[str]:
    """The kinds of record history mentions, for a filter."""
    return [r[0] for r in db.execute("select distinct entity from history where entity is not null order by 1")]


def add(
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
    """Append one history row. Call it inside the same store.write() as the change it records."""
    db.execute(
        """insert into history (at, user_id, username, action, entity, entity_id, detail)
           values (:at, :user_id, :username, :action, :entity, :entity_id, :detail)""",
        {
            "at": store.stamp(at),
            "user_id": user_id,
            "username": username,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        },
    )
