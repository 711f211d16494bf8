"""Recruitment figures (enquiries, assessments started, approvals, regulation 24 placements), imported monthly
like the KPIs, and the register's own figures: households by cohort and team, approvals and de-registrations.

A re-import of a month supersedes its recruitment figures and keeps them as history, as for the KPIs.
A recruitment row may name a team or leave it blank for a figure the service does not split by team;
the whole service's figure is the sum of both. Register figures come from the carer register: approval
dates, and when households became inactive (from the register import's history in history).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlite_utils

from lib import access, csv_import, periods, store
from lib.access import User
from lib.kpis import figures as kpi_figures
from lib.kpis import measures
from lib.store import history, imports

MEASURES = {
    "enquiries": "Enquiries",
    "assessments_started": "Assessments started",
    "approvals": "Approvals",
    "reg24_placements": "Regulation 24 placements",
    "annual_reviews_held": "Annual Reviews held",
}
_ALIASES = {
    "enquiries": ("enquiries", "enquiry", "initialenquiries", "newenquiries"),
    "assessments_started": ("assessmentsstarted", "assessmentstarted", "assessments", "stage2started",
                            "formalassessmentsstarted"),
    "approvals": ("approvals", "approval", "approved", "carersapproved", "newcarersapproved", "panelapprovals"),
    "reg24_placements": ("regulation24placements", "regulation24placement", "reg24placements", "reg24placement",
                         "reg24", "regulation24", "temporaryapprovals", "reg24temporaryapprovals"),
    "annual_reviews_held": ("annualreviewsheld", "annualreviews", "carerannualreviews", "fostercarerreviewsheld",
                            "reviewsheld", "householdreviewsheld"),
}
LOOKUP = {alias: code for code, aliases in _ALIASES.items() for alias in (*aliases, code.replace("_", ""))}
COLUMNS = {
    "month": kpi_figures.KPI_COLUMNS["month"],
    "team": kpi_figures.KPI_COLUMNS["team"],
    "measure": ("measure", "indicator", "kpi", "measurename", "stage"),
    "number": ("number", "count", "value", "total", "n", "figure"),
}
LAYOUT = csv_import.Layout(
    columns=COLUMNS, key=measures.name_key, max_rows=kpi_figures.MAX_ROWS, max_bytes=kpi_figures.MAX_BYTES,
    names={"month": "month", "team": "team", "measure": "measure", "number": "number"},
    hint="The first line must name the columns: month, team, measure, number.")
SERVICE = "Whole service (not split by team)"


def measure_of(cell: str) -> str:
    """The recruitment measure a cell names; ValueError if it is missing or unknown."""
    if not cell.strip():
        raise ValueError("measure is missing")
    found = LOOKUP.get(measures.name_key(cell))
    if found is None:
        raise ValueError(f"measure '{csv_import.shown(cell)}' is not a recruitment measure (use one of: "
                         f"{', '.join(MEASURES.values())})")
    return found


@dataclass
class Plan:
    """What a recruitment import would do, worked out before anything is written."""

    figures: dict[tuple[str, int | None, str], int] = field(default_factory=dict)
    errors: list[csv_import.RowError] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.figures)

    @property
    def months(self) -> list[str]:
        return sorted({month for month, _, _ in self.figures})

    def by_month(self) -> list[dict]:
        return [{"month": periods.month_label(dt.date.fromisoformat(m)),
                 "figures": sum(1 for mm, _, _ in self.figures if mm == m),
                 "replaces": self.replaced.get(m, 0)} for m in self.months]


def plan(db: sqlite_utils.Database, data: bytes | str, *, today: dt.date) -> Plan:
    """Work out what importing this recruitment file (month, team, measure, number) would change, writing nothing.

    The team may be blank for a figure not split by team. Row problems are listed in Plan.errors; a file
    that cannot be read at all raises ValueError.
    """
    _, rows = csv_import.read(data, LAYOUT, required=("month", "measure", "number"))
    result = Plan(rows=len(rows))
    teams = kpi_figures.team_ids(db)
    same = csv_import.Once("the same month, team and measure")

    def check(line: int, cell: dict) -> tuple[tuple[str, int | None, str], int]:
        month = kpi_figures.month_of(cell["month"], today=today).isoformat()
        team = kpi_figures.team_of(cell["team"], teams) if cell.get("team", "").strip() else None
        measure = measure_of(cell["measure"])
        number = kpi_figures.whole_number(cell["number"], field="number")
        same.check((month, team, measure), line)
        return (month, team, measure), number

    good, result.errors = csv_import.validate(rows, check)
    result.figures = dict(figure for _, figure in good)
    if result.errors:
        result.figures = {}
        return result
    result.replaced = {m: n for m, n in db.execute(
        """select month, count(*) from recruitment_figures where superseded_by is null
           and month in (select value from json_each(:months)) group by month""",
        {"months": json.dumps(result.months)})}
    return result


def import_csv(db: sqlite_utils.Database, user: User, data: bytes | str, *, today: dt.date,
               file_name: str | None = None) -> Plan:
    """Import recruitment figures in one transaction: each month in the file replaces that month's figures.

    Nothing is written if any row has an error (ValueError listing the first few). Replaced figures are
    kept as superseded history. Audited.
    """
    return imports.run(db, user, permission="manage_kpis", plan=lambda: plan(db, data, today=today),
                       apply=lambda result: _apply(db, user, result, file_name))


def _apply(db: sqlite_utils.Database, user: User, result: Plan, file_name: str | None) -> None:
    """Write a checked plan (inside imports.run's transaction): a batch, the months' figures replaced."""
    batch = kpi_figures.new_batch(db, user, kind="recruitment", how="import", months=result.months, rows=result.rows,
                                  file_name=file_name)
    db.execute("""update recruitment_figures set superseded_by = :batch where superseded_by is null
                  and month in (select value from json_each(:months))""",
               {"batch": batch, "months": json.dumps(result.months)})
    db.conn.executemany("""insert into recruitment_figures (month, team_id, measure, number, batch_id)
                           values (?, ?, ?, ?, ?)""",
                        [(m, t, k, n, batch) for (m, t, k), n in result.figures.items()])
    history.add(db, action="import", user_id=user.id, username=user.username, entity="recruitment_figures",
                entity_id=batch, detail={"months": result.months, "figures": len(result.figures),
                                         "replaced": result.replaced, "file": file_name})


def enter_month(db: sqlite_utils.Database, user: User, *, month: Any, team_id: int | None,
                values: dict[str, Any], today: dt.date) -> dict[str, list]:
    """Set a month's recruitment figures by hand for a team (or, team_id None, the figures not split by team).

    A blank value means no figure (a current one is superseded). Returns {measure: [old, new]}; ValueError
    naming every value that is wrong, with nothing saved.
    """
    access.require(user, "manage_kpis")
    try:
        first = kpi_figures.month_of(month, today=today)
    except ValueError as exc:
        raise ValueError(str(exc)[0].upper() + str(exc)[1:] + ".") from None
    wanted, problems = {}, []
    for measure, value in values.items():
        if measure not in MEASURES:
            raise ValueError(f"There is no recruitment measure {measure}.")
        if value is None or str(value).strip() == "":
            wanted[measure] = None
            continue
        try:
            wanted[measure] = kpi_figures.whole_number(value, field=MEASURES[measure])
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("Nothing was saved: " + "; ".join(problems) + ".")
    key = first.isoformat()
    with store.write(db):
        if team_id is not None and db.execute("select 1 from teams where id = :id", {"id": team_id}).fetchone() is None:
            raise ValueError("Choose a team.")
        old = {r["measure"]: r for r in db.query(
            """select id, measure, number from recruitment_figures where superseded_by is null and month = :m
               and coalesce(team_id, 0) = coalesce(:t, 0)""", {"m": key, "t": team_id})}
        changed = {k: [old[k]["number"] if k in old else None, v] for k, v in wanted.items()
                   if (old[k]["number"] if k in old else None) != v}
        if not changed:
            return {}
        batch = kpi_figures.new_batch(db, user, kind="recruitment", how="manual", months=[key], rows=len(changed))
        for measure, (before, after) in changed.items():
            if before is not None:
                db.execute("update recruitment_figures set superseded_by = :b where id = :id",
                           {"b": batch, "id": old[measure]["id"]})
            if after is not None:
                db.execute("""insert into recruitment_figures (month, team_id, measure, number, batch_id)
                              values (:m, :t, :k, :n, :b)""",
                           {"m": key, "t": team_id, "k": measure, "n": after, "b": batch})
        diff = {MEASURES[k]: v for k, v in changed.items()}
        history.add(db, action="update", user_id=user.id, username=user.username, entity="recruitment_figures",
                    entity_id=batch, detail={"month": key, "team_id": team_id, "how": "manual", **diff})
    return diff


def figures(db: sqlite_utils.Database, user: User, months: Sequence[dt.date], *, team_id: int | None = None
            ) -> list[tuple[dt.date, dict[str, int | None]]]:
    """Each month's recruitment figures for the whole service (every row summed) or one team; None where a
    measure has no figure that month."""
    access.require(user, "view_kpis")
    keys = [m.replace(day=1).isoformat() for m in months]
    found: dict[str, dict[str, int]] = {}
    for row in db.query(
        """select month, measure, sum(number) as number from recruitment_figures
           where superseded_by is null and month in (select value from json_each(:months))
             and (:team is null or team_id = :team) group by month, measure""",
        {"months": json.dumps(keys), "team": team_id}):
        found.setdefault(row["month"], {})[row["measure"]] = row["number"]
    return [(dt.date.fromisoformat(k), {m: found.get(k, {}).get(m) for m in MEASURES}) for k in keys]


def entered(db: sqlite_utils.Database, user: User, month: dt.date, team_id: int | None) -> dict[str, int | None]:
    """The current figures of one month for exactly this team (or, team_id None, those not split by team)."""
    access.require(user, "manage_kpis")
    found = {r["measure"]: r["number"] for r in db.query(
        """select measure, number from recruitment_figures where superseded_by is null and month = :m
           and coalesce(team_id, 0) = coalesce(:t, 0)""", {"m": month.replace(day=1).isoformat(), "t": team_id})}
    return {m: found.get(m) for m in MEASURES}


def batches(db: sqlite_utils.Database, user: User) -> list[dict]:
    return kpi_figures.batches(db, user, "recruitment")


TEMPLATE = (
    "month,team,measure,number\n"
    "2026-04,,Enquiries,23\n"
    "2026-04,,Assessments started,4\n"
    "2026-04,,Approvals,2\n"
    "2026-04,Kinship Team,Regulation 24 placements,3\n"
)


# ---- The register's figures ----------------------------------------------------------------------


def _status_events(db) -> dict[int, list[tuple[str, str | None, str]]]:
    """Each household's status changes from history, as (day, old status, new status), oldest first."""
    events: dict[int, list] = {}
    # Sorted here, not by SQL: "order by at" would lead SQLite to walk the whole history in time order.
    for row in sorted(db.query(
        """select id, entity_id, action, at, detail from history where entity = 'households'
           and action in ('create', 'update') and detail like '%"status"%'"""), key=lambda r: (r["at"], r["id"])):
        try:
            status = json.loads(row["detail"]).get("status")
        except (TypeError, ValueError, AttributeError):
            continue
        if isinstance(status, list) and len(status) == 2:
            old, new = status
        elif isinstance(status, str):
            old, new = None, status
        else:
            continue
        if row["entity_id"] and str(row["entity_id"]).isdigit():
            events.setdefault(int(row["entity_id"]), []).append((row["at"][:10], old, new))
    return events


def _status_on(day: str, events: list, now: str) -> str:
    """A household's status at the end of a day, from its status changes (its current status when it has none)."""
    before = [e for e in events if e[0] <= day]
    if before:
        return before[-1][2]
    if events:
        return events[0][1] or events[0][2]
    return now


def register_position(db: sqlite_utils.Database, user: User, on: dt.date) -> dict[tuple[str, str], int]:
    """Approved households on the register at the end of a day, as {(team, cohort): number}.

    A household counts from its approval date (or, without one, from when it entered the app) while it
    is active; team and cohort are as the register has them now. A household with no team is under "No team".
    """
    return {key: len(ids) for key, ids in register_households(db, user, on).items()}


def register_households(db: sqlite_utils.Database, user: User, on: dt.date) -> dict[tuple[str, str], set[int]]:
    """The households register_position counts, by (team, cohort): their ids."""
    access.require(user, "view_kpis")
    events, day = _status_events(db), on.isoformat()
    found: dict[tuple[str, str], set[int]] = {}
    for row in db.query(
        """select h.id, h.cohort, h.status, h.approval_on, substr(h.created_at, 1, 10) as created_on,
                  coalesce(t.name, 'No team') as team
           from households h left join teams t on t.id = h.team_id"""):
        start = row["approval_on"] or row["created_on"]
        if start <= day and _status_on(day, events.get(row["id"], []), row["status"]) == "active":
            found.setdefault((row["team"], row["cohort"]), set()).add(row["id"])
    return found


def register_movement(db: sqlite_utils.Database, user: User, months: Sequence[dt.date]
                      ) -> list[tuple[dt.date, dict[str, int]]]:
    """Per month: households approved (by approval date) and de-registered (made inactive), each by cohort.

    Returns [(month, {"approved_mainstream", "approved_kinship", "deregistered_mainstream",
    "deregistered_kinship"})].
    """
    access.require(user, "view_kpis")
    keys = {m.replace(day=1).isoformat()[:7]: m.replace(day=1) for m in months}
    found = {k: {f"{what}_{cohort}": 0 for what in ("approved", "deregistered") for cohort in ("mainstream", "kinship")}
             for k in keys}
    cohorts = {}
    for row in db.query("select id, cohort, approval_on from households"):
        cohorts[row["id"]] = row["cohort"]
        if row["approval_on"] and row["approval_on"][:7] in found:
            found[row["approval_on"][:7]][f"approved_{row['cohort']}"] += 1
    for household, events in _status_events(db).items():
        for day, old, new in events:
            if old == "active" and new == "inactive" and day[:7] in found and household in cohorts:
                found[day[:7]][f"deregistered_{cohorts[household]}"] += 1
    return [(month, found[key]) for key, month in keys.items()]
