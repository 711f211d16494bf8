"""Unsaved drafts: what a person has typed into a form and not yet saved, kept on the server as they go.

A draft belongs to one person and one form (the carer feedback form, a correction of entry #12, the
complaints log...). It holds the form's fields as they stood, keyed by the field's name within the
form, plus a label that says what it is ("carer feedback for Birch Treacle (DEMO-10005)") and whether
its safeguarding box was ticked, so Home can remind the person until it is saved or discarded.

Drafts are the person's own working state, not records: only their owner can read, restore or
discard them; nothing in the report, the workbook, the exports or History's views reads this table.
Keeping a draft as someone types writes no history row (it would add one per pause in typing and
make every cached answer stale); discarding one does, and saving the form deletes the draft in the
save's own transaction. Drafts older than the `unsaved_days` setting are removed (expire(), on each
sign-in, and by QA's retention run).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

import sqlite_utils

from lib import store, text
from lib.access import User
from lib.store import history, settings

MAX_BYTES = 400_000  # a whole form's fields; the longest form (ten 5,000-character comments) is a quarter of it
_FORM = re.compile(r"^[a-z0-9_]{1,80}$")
_ID = re.compile(r"^[0-9a-f]{32}$")
FIELD = re.compile(r"^[A-Za-z0-9_]{1,120}$")  # a field's name within its form (ui/unsaved.py checks keys with it)


def new_id() -> str:
    """A fresh draft id: random, so one person's drafts in two tabs never overwrite each other."""
    return secrets.token_hex(16)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def differs(fields: dict[str, Any], baseline: dict[str, Any]) -> bool:
    """Whether a form's fields hold anything the person put there: a value other than the one the form
    opened with, or, for a field that was not on the form then, anything but an empty one."""
    return any(value != baseline[name] if name in baseline else not _empty(value) for name, value in fields.items())


def encode(fields: dict[str, Any]) -> str:
    """A form's fields as JSON: dates as {"date": "2026-12-03"}; ValueError for anything a form does not hold."""
    def one(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("A draft holds dates, not times.")
        if isinstance(value, dt.date):
            return {"date": value.isoformat()}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return [one(v) for v in value]
        raise ValueError(f"A draft cannot hold a {type(value).__name__}.")

    if not isinstance(fields, dict) or not all(isinstance(k, str) and FIELD.match(k) for k in fields):
        raise ValueError("A draft's fields must be named with letters, digits and underscores.")
    data = json.dumps({name: one(value) for name, value in fields.items()}, ensure_ascii=False)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"This form holds more than {MAX_BYTES // 1000:,} kB, too much to keep as a draft.")
    return data


def decode(data: str) -> dict[str, Any]:
    """A draft's fields from their JSON (encode's inverse: {"date": ...} back to a date)."""
    def one(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"date"}:
            return dt.date.fromisoformat(value["date"])
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return {name: one(value) for name, value in json.loads(data).items()}


def _check(draft_id: str, form: str) -> None:
    if not isinstance(draft_id, str) or not _ID.match(draft_id):
        raise ValueError("That is not a draft's id.")
    if not isinstance(form, str) or not _FORM.match(form):
        raise ValueError("That is not a form's name.")


class Gone(ValueError):
    """The draft was saved or discarded elsewhere (another tab) since this form last kept it."""


GONE = ("This was saved or discarded in another tab or window since, so it is not saved a second time here. "
        "If it should be, choose \"Keep this as a new draft\" first.")


def keep(db: sqlite_utils.Database, user: User, *, draft_id: str, form: str, page: str, label: str,
         fields: dict[str, Any], opened: str | None = None, safeguarding: bool = False,
         existing: bool = False) -> None:
    """Create or update this person's draft `draft_id` of `form` (no history row: see the module's note).

    `page` is where the form is (its url path), `opened` the version of the record a correction started
    from (so restoring it still catches someone else's change). With `existing` (the form kept or restored
    this draft before), a draft that is no longer there raises Gone instead of coming back. ValueError for
    bad input; PermissionError for a draft id that is someone else's.
    """
    _check(draft_id, form)
    data = encode(fields)
    label = text.clean(label, field="Draft label", max_length=200, required=True)
    page = text.clean(page, field="Draft page", max_length=80, required=True)
    now = store.stamp()
    with store.write(db):
        owner = db.execute("select user_id from unsaved where id = :id", {"id": draft_id}).fetchone()
        if owner is not None and owner[0] != user.id:
            raise PermissionError("That draft is someone else's.")
        if owner is None and existing:
            raise Gone(GONE)
        db.execute(
            """insert into unsaved (id, user_id, form, page, label, fields, opened, safeguarding, created_at, updated_at)
               values (:id, :user, :form, :page, :label, :fields, :opened, :safeguarding, :now, :now)
               on conflict(id) do update set form = :form, page = :page, label = :label, fields = :fields,
                 opened = :opened, safeguarding = :safeguarding, updated_at = :now""",
            {"id": draft_id, "user": user.id, "form": form, "page": page, "label": label, "fields": data,
             "opened": opened, "safeguarding": int(bool(safeguarding)), "now": now})


def _rows(db, user: User, where: str, params: dict, *, fields: bool = True) -> list[dict]:
    oldest = store.stamp(store.utcnow() - dt.timedelta(days=settings.get(db, "unsaved_days")))
    rows = list(db.query(
        f"""select id, form, page, label, {'fields, ' if fields else ''}opened, safeguarding, created_at, updated_at
            from unsaved where user_id = :user and updated_at >= :oldest {where} order by updated_at desc, id""",
        {"user": user.id, "oldest": oldest, **params}))
    for row in rows:
        if fields:
            row["fields"] = decode(row["fields"])
        row["safeguarding"] = bool(row["safeguarding"])
    return rows


def mine(db: sqlite_utils.Database, user: User, form: str | None = None, *, fields: bool = True) -> list[dict]:
    """This person's drafts (of one form, or all), newest first, with their fields decoded (or, with
    fields=False, only what lists them: label, page, time, safeguarding)."""
    return _rows(db, user, "and (:form is null or form = :form)", {"form": form}, fields=fields)


def get(db: sqlite_utils.Database, user: User, draft_id: str) -> dict | None:
    """One of this person's drafts, or None (gone, expired, or not theirs)."""
    rows = _rows(db, user, "and id = :id", {"id": draft_id})
    return rows[0] if rows else None


def drop(db: sqlite_utils.Database, user: User, draft_id: str, *, existing: bool = False) -> None:
    """Delete this person's draft as its form is saved: call it inside the save's own store.write, whose
    history row records what was saved. With `existing`, a draft already gone (saved or discarded in another
    tab) raises Gone, and the save rolls back instead of recording the same thing twice."""
    gone = db.execute("delete from unsaved where id = :id and user_id = :user",
                      {"id": draft_id, "user": user.id}).rowcount
    if existing and not gone:
        raise Gone(GONE)


def discard(db: sqlite_utils.Database, user: User, draft_id: str) -> bool:
    """Throw away one of this person's drafts, with a history row (what form, never what it held).
    Returns False when it was already gone (another tab saved or discarded it)."""
    with store.write(db):
        row = db.execute("select form, safeguarding from unsaved where id = :id and user_id = :user",
                         {"id": draft_id, "user": user.id}).fetchone()
        if row is None:
            return False
        drop(db, user, draft_id)
        history.add(db, action="discard_draft", user_id=user.id, username=user.username, entity="unsaved",
                    entity_id=draft_id, detail={"form": row[0], "safeguarding_ticked": bool(row[1])})
    return True


def _expired(db) -> tuple[str, dict]:
    oldest = store.stamp(store.utcnow() - dt.timedelta(days=settings.get(db, "unsaved_days")))
    return "from unsaved where updated_at < :oldest", {"oldest": oldest}


def expired_count(db: sqlite_utils.Database) -> int:
    """How many drafts are past the kept days (retention's preview)."""
    where, params = _expired(db)
    return db.execute(f"select count(*) {where}", params).fetchone()[0]


def expire(db: sqlite_utils.Database, *, record: bool = True) -> int:
    """Remove everyone's drafts older than the `unsaved_days` setting; return how many went. Its own short
    write (or part of the caller's), with a history row when something went: how many, how many had their
    safeguarding box ticked and whose they were, never what they held (record=False: the caller's row says)."""
    where, params = _expired(db)
    if not db.execute(f"select 1 {where} limit 1", params).fetchone():
        return 0
    with store.write(db):
        owners = [r[0] for r in db.execute(
            f"select distinct u.username from users u where u.id in (select user_id {where}) order by 1", params)]
        safeguarding = db.execute(f"select count(*) {where} and safeguarding = 1", params).fetchone()[0]
        gone = db.execute(f"delete {where}", params).rowcount
        if gone and record:
            history.add(db, action="expire_drafts", user_id=None, entity="unsaved",
                        detail={"removed": gone, "safeguarding_ticked": safeguarding, "owners": owners,
                                "older_than_days": settings.get(db, "unsaved_days")})
    return gone
