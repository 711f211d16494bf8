"""The carer register: households with their case-management reference, imported from CSV by QA."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from lib import access, csv_import, dates, store, text
from lib.access import User
from lib.store import history, imports, records

COHORTS = ("mainstream", "kinship")
_COHORT_WORDS = {
    "mainstream": "mainstream",
    "general": "mainstream",
    "kinship": "kinship",
    "family and friends": "kinship",
    "family & friends": "kinship",
    "connected person": "kinship",
    "connected persons": "kinship",
}
_STATUS_WORDS = {"active": "active", "inactive": "inactive", "": "active"}
# Accepted header spellings (compared lower-case, with spaces, hyphens and underscores removed).
COLUMNS = {
    "reference": ("reference", "ref", "householdreference", "liquidlogicid", "lcsid", "carerid", "id"),
    "display_name": ("name", "displayname", "household", "householdname", "carername", "carers"),
    "cohort": ("cohort", "carertype", "type"),
    "team": ("team",),
    "social_worker": ("supervisingsocialworker", "socialworker", "ssw", "worker"),
    "approval_on": ("approvaldate", "approvedon", "approvalon", "approved"),
    "status": ("status",),
}
REQUIRED = ("reference", "display_name", "cohort")
MAX_BYTES = csv_import.MAX_BYTES
MAX_ROWS = 20_000
UNREADABLE = csv_import.UNREADABLE
RowError = csv_import.RowError


@dataclass
class ImportPlan:
    """What an import would do, worked out before anything is written."""

    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    unmatched_workers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _key(header: str) -> str:
    return "".join(ch for ch in (header or "").lower() if ch.isalnum() or ch == "&")


def _date(value: str, today: dt.date) -> str | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    else:
        shown = text.clean(value, field="approval date", max_length=40)  # not the raw cell: controls, a whole page
        raise ValueError(f"approval date '{shown}' is not a date (use 2024-03-31 or 31/03/2024)")
    if day > today:
        raise ValueError(f"approval date {dates.day(day)} is in the future")
    if day.year < 1950:
        raise ValueError(f"approval date {dates.day(day)} is before 1950")
    return day.isoformat()


LAYOUT = csv_import.Layout(
    columns=COLUMNS, names={"reference": "reference", "display_name": "name", "cohort": "cohort"},
    hint="The first line must name the columns: reference, name, cohort, team, supervising social worker, "
         "approval date, status.",
    key=_key, what="households", max_rows=MAX_ROWS, max_bytes=MAX_BYTES)


def _reference(cell: dict) -> str:
    reference = text.clean(cell["reference"], field="reference", max_length=10_000)
    return reference if len(reference) <= 40 else reference[:40] + "…"


def parse(data: bytes | str, *, today: dt.date) -> tuple[list[dict], list[RowError]]:
    """Read a register CSV into clean rows and a list of row errors (pure: no database).

    Raises ValueError for a file that cannot be read at all (wrong encoding, no header,
    a required column missing, too large).
    """
    _, cells = csv_import.read(data, LAYOUT, required=REQUIRED)
    once = csv_import.Once("reference")

    def check(line: int, cell: dict) -> dict:
        reference = text.clean(cell["reference"], field="reference", max_length=10_000)
        if reference:
            try:
                once.check(reference.lower(), line)
            except ValueError as exc:
                raise ValueError(f"reference {_reference(cell)} {str(exc).removeprefix('reference ')}") from None
        return _row(cell, reference, today)

    good, errors = csv_import.validate(cells, check, label=_reference)
    return [row for _, row in good], errors


def _row(cell: dict, reference: str, today: dt.date) -> dict:
    if not reference:
        raise ValueError("reference is missing")
    if len(reference) > 40:
        raise ValueError("reference is longer than 40 characters")
    name = text.clean(cell["display_name"], field="name", max_length=120)
    if not name:
        raise ValueError("name is missing")
    cohort_text = " ".join(cell["cohort"].lower().split())
    cohort = _COHORT_WORDS.get(cohort_text)
    if cohort is None:
        shown = text.clean(cell["cohort"], field="cohort", max_length=40) or "(empty)"
        raise ValueError(f"cohort '{shown}' is not mainstream or kinship")
    status_text = " ".join(cell.get("status", "").lower().split())
    status = _STATUS_WORDS.get(status_text)
    if status is None:
        raise ValueError(f"status '{text.clean(status_text, field='status', max_length=40)}' is not active or inactive")
    return {
        "reference": reference,
        "display_name": name,
        "cohort": cohort,
        "team": text.clean(cell.get("team", ""), field="team", max_length=60) or None,
        "social_worker_name": text.clean(cell.get("social_worker", ""), field="social worker", max_length=80) or None,
        "approval_on": _date(cell.get("approval_on", ""), today),
        "status": status,
    }


def _workers(db) -> dict[str, int]:
    """Social workers by lower-case user name, e-mail and full name, to link register rows to users."""
    found: dict[str, int] = {}
    for row in db.query(
        """select u.id, u.username, u.email, u.display_name from users u
           join user_roles r on r.user_id = u.id and r.role = 'social_worker'"""
    ):
        for value in (row["username"], row["email"], row["display_name"]):
            if value:
                found.setdefault(value.strip().lower(), row["id"])
    return found


def _team_ids(db) -> dict[str, int]:
    return {r["name"].lower(): r["id"] for r in db.query("select id, name from teams")}


def _stored(row: dict, team_ids: dict, workers: dict) -> dict:
    """The household columns a clean file row becomes (a team not created yet is ('new', name))."""
    team = (row["team"] or "").lower()
    return {
        "display_name": row["display_name"],
        "cohort": row["cohort"],
        "team_id": team_ids.get(team, ("new", team)) if team else None,
        "social_worker_name": row["social_worker_name"],
        "social_worker_id": workers.get((row["social_worker_name"] or "").lower()),
        "approval_on": row["approval_on"],
        "status": row["status"],
    }


def plan(db: sqlite_utils.Database, data: bytes | str, *, today: dt.date) -> ImportPlan:
    """Work out what importing this file would change, without writing anything."""
    rows, errors = parse(data, today=today)
    result = ImportPlan(rows=rows, errors=errors)
    existing = {r["reference"].lower(): r for r in db.query("select * from households")}
    team_ids, workers = _team_ids(db), _workers(db)
    new_teams: dict[str, str] = {}
    unmatched: dict[str, str] = {}
    for row in rows:
        team, worker = row["team"], row["social_worker_name"]
        if team and team.lower() not in team_ids:
            new_teams.setdefault(team.lower(), team)
        if worker and worker.lower() not in workers:
            unmatched.setdefault(worker.lower(), worker)
        old = existing.get(row["reference"].lower())
        if old is None:
            result.new.append(row["reference"])
        elif records.changes(old, _stored(row, team_ids, workers)):
            result.updated.append(row["reference"])
        else:
            result.unchanged.append(row["reference"])
    in_file = {row["reference"].lower() for row in rows}
    result.deactivated = sorted(r["reference"] for k, r in existing.items() if k not in in_file and r["status"] == "active")
    result.new_teams, result.unmatched_workers = list(new_teams.values()), list(unmatched.values())
    return result


MASS_DEACTIVATION = 0.2


def needs_confirmation(db: sqlite_utils.Database, result: ImportPlan) -> bool:
    """True when the file would make more than five, and more than a fifth, of the active households inactive."""
    active = db.execute("select count(*) from households where status = 'active'").fetchone()[0]
    return len(result.deactivated) > max(5, MASS_DEACTIVATION * active)


def import_csv(
    db: sqlite_utils.Database, user: User, data: bytes | str, *, today: dt.date, confirmed: bool = False,
) -> ImportPlan:
    """Import a register CSV in one transaction: upsert by reference; households not in the file become inactive.

    Nothing is written if any row has an error: raises ValueError listing the first few, and the
    full list is in plan(). A file that would make more than a fifth of the active households
    inactive needs confirmed=True. Teams named in the file are created if new. Every change is audited.
    """
    def guard(result: ImportPlan) -> None:
        if needs_confirmation(db, result) and not confirmed:
            raise ValueError(f"Nothing was imported: this file would make {len(result.deactivated)} active households "
                             "inactive. If the file really is the whole register, confirm and import again.")

    return imports.run(db, user, permission="import_register", plan=lambda: plan(db, data, today=today),
                       guard=guard, apply=lambda result: _apply(db, user, result))


def _apply(db: sqlite_utils.Database, user: User, result: ImportPlan) -> None:
    """Write a checked plan (inside imports.run's transaction): new teams, new and changed households, the
    households not in the file made inactive, each with its history row, and one row for the import."""
    now = store.stamp()
    for name in result.new_teams:
        team_id = db.execute("insert into teams (name, created_at) values (:n, :now)", {"n": name, "now": now}).lastrowid
        history.add(db, action="create", user_id=user.id, username=user.username, entity="teams",
                    entity_id=team_id, detail={"name": name, "via": "register import"})
    team_ids, workers = _team_ids(db), _workers(db)
    existing = {r["reference"].lower(): r for r in db.query("select * from households")}
    for row in result.rows:
        values = _stored(row, team_ids, workers)
        old = existing.get(row["reference"].lower())
        if old is None:
            household_id = db.execute(
                """insert into households (reference, display_name, cohort, team_id, social_worker_name,
                     social_worker_id, approval_on, status, created_at, updated_at)
                   values (:reference, :display_name, :cohort, :team_id, :social_worker_name,
                     :social_worker_id, :approval_on, :status, :now, :now)""",
                {**values, "reference": row["reference"], "now": now},
            ).lastrowid
            history.add(db, action="create", user_id=user.id, username=user.username, entity="households",
                        entity_id=household_id, detail={"via": "register import", "reference": row["reference"],
                                                        **values})
            continue
        diff = records.changes(old, values)
        if diff:
            db.execute(
                """update households set display_name = :display_name, cohort = :cohort, team_id = :team_id,
                     social_worker_name = :social_worker_name, social_worker_id = :social_worker_id,
                     approval_on = :approval_on, status = :status, updated_at = :now where id = :id""",
                {**values, "now": now, "id": old["id"]},
            )
            history.add(db, action="update", user_id=user.id, username=user.username, entity="households",
                        entity_id=old["id"], detail={"via": "register import", **diff})
    for reference in result.deactivated:
        old = existing[reference.lower()]
        db.execute("update households set status = 'inactive', updated_at = :now where id = :id",
                   {"now": now, "id": old["id"]})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="households",
                    entity_id=old["id"], detail={"via": "register import: not in the new file",
                                                 "status": ["active", "inactive"]})
    history.add(db, action="import", user_id=user.id, username=user.username, entity="households",
                detail={"rows": len(result.rows), "new": len(result.new), "updated": len(result.updated),
                        "deactivated": len(result.deactivated), "new_teams": result.new_teams})


def households(
    db: sqlite_utils.Database, user: User, *, status: str | None = "active", cohort: str | None = None,
    team_id: int | None = None, search: str | None = None,
) -> list[dict]:
    """Households in the register with their team, filtered; for the register page."""
    access.require(user, "view_register")
    return list(db.query(
        """select h.id, h.reference, h.display_name, h.cohort, t.name as team, h.social_worker_name as social_worker,
                  h.approval_on, h.status, h.updated_at
           from households h left join teams t on t.id = h.team_id
           where (:status is null or h.status = :status)
             and (:cohort is null or h.cohort = :cohort)
             and (:team_id is null or h.team_id = :team_id)
             and (:search is null or h.reference like :like escape '\\' or h.display_name like :like escape '\\')
           order by h.display_name collate nocase, h.reference""",
        {"status": status, "cohort": cohort, "team_id": team_id, "search": search or None,
         "like": "%" + (search or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"},
    ))


def summary(db: sqlite_utils.Database) -> dict:
    """Counts of active households by cohort, and inactive ones (for the home and register pages)."""
    counts = {"mainstream": 0, "kinship": 0, "inactive": 0}
    for status, cohort, n in db.execute("select status, cohort, count(*) from households group by status, cohort"):
        counts[cohort if status == "active" else "inactive"] += n
    return counts


TEMPLATE = (
    "reference,name,cohort,team,supervising social worker,approval date,status\n"
    "LL123456,Sam & Alex Example,mainstream,North Fostering Team,Jo Example,2021-09-14,active\n"
    "LL123457,Pat Example,kinship,Kinship Team,Jo Example,31/01/2024,active\n"
)
