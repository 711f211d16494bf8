"""'You said, we did': actions taken in response to what people said, carried across quarters until closed."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.capture import questions
from lib.periods import Quarter
from lib.store import history, records

STATUSES = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
CHANNELS = {"newsletter": "Carers' newsletter", "forum": "Carer forum", "cicc": "Children in Care Council",
            "parents": "Letter or call to parents", "team": "Team meeting", "website": "Website", "other": "Other"}
OWNERS = ("Fostering service manager", "Kinship team", "Supervising social workers", "Business support",
          "Finance team", "Training team", "Out-of-hours service", "Quality assurance", "Children's services")
CLOSED = ("done", "dropped")


def _date(value, field: str) -> str | None:
    day = text.clean_date(value, field)
    return day.isoformat() if day else None


def validate(db: sqlite_utils.Database, entry: dict) -> dict:
    """Check and clean an action; ValueError naming the field for the first problem."""
    clean = {
        "said": text.clean(entry.get("said"), field="What people said", max_length=2000, required=True, multiline=True),
        "will_do": text.clean(entry.get("will_do"), field="What we will do", max_length=2000, required=True,
                              multiline=True),
        "did": text.clean(entry.get("did"), field="What we did", max_length=2000, multiline=True) or None,
        "impact": text.clean(entry.get("impact"), field="Evidence of impact", max_length=2000, multiline=True) or None,
        "owner": text.clean(entry.get("owner"), field="Owner", max_length=80, required=True),
        "due_on": _date(entry.get("due_on"), "Due date"),
    }
    if clean["owner"] not in OWNERS:
        raise ValueError("Owner must be a role or team from the list, not a person's name.")
    known = {r[0] for r in db.execute("select id from themes")}
    theme_ids = list(dict.fromkeys(entry.get("theme_ids") or []))
    unknown = [t for t in theme_ids if t not in known]
    if unknown:
        raise ValueError(f"Unknown theme: {', '.join(unknown)}.")
    if not theme_ids:
        raise ValueError("Link the action to at least one theme.")
    clean["theme_ids"] = json.dumps(theme_ids)
    cohort = entry.get("cohort")
    if cohort not in (None, "", "mainstream", "kinship"):
        raise ValueError("Cohort must be mainstream, kinship, or left empty for both.")
    clean["cohort"] = cohort or None
    respondent = entry.get("respondent")
    if respondent not in (None, "", *questions.RESPONDENTS):
        raise ValueError("Respondent must be carer, birth parent or child, or left empty for all.")
    clean["respondent"] = respondent or None
    clean["from_quarter"] = Quarter.parse(entry.get("from_quarter") or "").slug
    sources = entry.get("sources") or []
    if not all(isinstance(s, int) for s in sources):
        raise ValueError("Sources are comment or complaint numbers.")
    clean["sources"] = json.dumps(sources)
    status = entry.get("status") or "planned"
    if status not in STATUSES:
        raise ValueError(f"Status must be one of: {', '.join(STATUSES.values())}.")
    clean["status"] = status
    clean["dropped_reason"] = text.clean(entry.get("dropped_reason"), field="Why it was dropped", max_length=1000,
                                         multiline=True) or None
    if status == "dropped" and not clean["dropped_reason"]:
        raise ValueError("Say why the action was dropped.")
    if status == "done" and not clean["did"]:
        raise ValueError("Say what we did before marking the action done.")
    told = list(dict.fromkeys(entry.get("told_back") or []))
    if any(c not in CHANNELS for c in told):
        raise ValueError("How it was told back must be chosen from the list.")
    clean["told_back"] = json.dumps(told)
    return clean


def _event(db, action_id: int, day: dt.date, before: str | None, after: str, user: User, note: str | None) -> None:
    db.execute("""insert into action_events (action_id, on_day, status_from, status_to, note, user_id)
                  values (:a, :d, :f, :t, :n, :u)""",
               {"a": action_id, "d": day.isoformat(), "f": before, "t": after, "n": note, "u": user.id})


def record(db: sqlite_utils.Database, user: User, entry: dict, *, today: dt.date) -> int:
    """Open an action; returns its id."""
    access.require(user, "manage_actions")
    with store.write(db):
        clean = validate(db, entry)
        at = store.stamp()
        values = {**clean, "author_id": user.id, "created_at": at, "updated_at": at,
                  "closed_on": today.isoformat() if clean["status"] in CLOSED else None}
        action_id = db.execute(f"insert into actions ({', '.join(values)}) values ({', '.join(':' + k for k in values)})",
                               values).lastrowid
        _event(db, action_id, today, None, clean["status"], user, "opened")
        history.add(db, action="create", user_id=user.id, username=user.username, entity="actions",
                    entity_id=action_id, detail={"status": clean["status"]})
    return action_id


def update(db: sqlite_utils.Database, user: User, action_id: int, entry: dict, *, today: dt.date,
           expected: str | None = None) -> dict:
    """Change an action; a status change is dated (for the report's progressed and closed lists).

    With expected (its records.version() when the form was opened), a change saved by someone else in between is
    refused with records.StaleEdit.
    """
    access.require(user, "manage_actions")

    def clean(before: dict) -> dict:
        values = validate(db, entry)
        if values["status"] in CLOSED:
            values["closed_on"] = before["closed_on"] if before["status"] in CLOSED else today.isoformat()
        else:
            values["closed_on"] = None
        return values

    def dated(before: dict, values: dict) -> dict:
        changed = [k for k in values if k != "closed_on" and values[k] != before[k]]
        if changed:
            _event(db, action_id, today, before["status"], values["status"], user,
                   "status changed" if "status" in changed else "updated")
        return {}

    diff = records.edit(db, user, "actions", action_id, clean=clean, expected=expected, what="action", also=dated)
    diff.pop("closed_on", None)
    return diff


def listing(db: sqlite_utils.Database, user: User, *, open_only: bool = False) -> list[dict]:
    access.require(user, "manage_actions")
    rows = list(db.query(
        f"""select * from actions {"where status not in ('done', 'dropped')" if open_only else ""}
            order by case when status in ('done', 'dropped') then 1 else 0 end, due_on, id"""))
    for row in rows:
        row["version"] = records.version(row)
        row["theme_ids"], row["told_back"], row["sources"] = (json.loads(row[k]) for k in ("theme_ids", "told_back",
                                                                                            "sources"))
    return rows


def for_period(db: sqlite_utils.Database, start: dt.date, end: dt.date, *, today: dt.date) -> dict[str, list[dict]]:
    """Actions opened, progressed (updated but still open) and closed in a period, plus those still open
    and overdue at its end: the report's "You said, we did" lists."""
    rows = {r["id"]: r for r in db.query(
        """select a.*, (select min(on_day) from action_events e where e.action_id = a.id) as opened_on
           from actions a""")}
    events: dict[int, list[dict]] = {}
    for event in db.query("select * from action_events where on_day >= :s and on_day <= :e order by id",
                          {"s": start.isoformat(), "e": end.isoformat()}):
        events.setdefault(event["action_id"], []).append(event)
    result = {"opened": [], "progressed": [], "closed": [], "overdue": []}
    for action_id, row in rows.items():
        happened = events.get(action_id, [])
        opened = any(e["status_from"] is None for e in happened)
        closed = row["closed_on"] and start.isoformat() <= row["closed_on"] <= end.isoformat()
        if opened:
            result["opened"].append(row)
        if closed:
            result["closed"].append(row)
        elif happened and not opened and row["status"] not in CLOSED:
            result["progressed"].append(row)
        as_at = min(end, today)
        if row["status"] not in CLOSED and row["due_on"] and row["due_on"] < as_at.isoformat() \
                and row["opened_on"] <= end.isoformat():
            result["overdue"].append(row)
    return result
