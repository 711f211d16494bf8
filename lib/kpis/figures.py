"""Monthly KPI figures: imported from the case-management extract or typed in by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import sqlite_utils

from lib import access, csv_import, dates, periods, store, text
from lib.access import User
from lib.kpis import measures
from lib.store import history, imports

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COUNT = 999_999
EARLIEST = text.EARLIEST
UNREADABLE = csv_import.UNREADABLE


# ---- Reading a monthly extract -------------------------------------------------------------------


RowError = csv_import.RowError
shown = csv_import.shown


_MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y/%m/%d", "%m/%Y", "%m-%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y",
                  "%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%b-%y", "%b %y", "%Y%m")


def month_of(value: Any, *, today: dt.date) -> dt.date:
    """The first day of the month a cell or date names; ValueError if it is not a month, is in the future,
    or is before 2000."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        month = value.replace(day=1)
    else:
        cell = " ".join(str(value or "").split())
        if not cell:
            raise ValueError("month is missing")
        for fmt in _MONTH_FORMATS:
            try:
                month = dt.datetime.strptime(cell, fmt).date().replace(day=1)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"month '{shown(cell)}' is not a month (write it like 2026-04 or April 2026)")
    if month > today.replace(day=1):
        raise ValueError(f"month {periods.month_label(month)} is in the future")
    if month < EARLIEST:
        raise ValueError(f"month {periods.month_label(month)} is before 2000")
    return month


def whole_number(value: Any, *, field: str) -> int:
    """A count: a whole number from 0 to 999,999; ValueError naming the field otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{field} {value:g} is not a whole number")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        cell = str(value if value is not None else "").strip()
        if not cell:
            raise ValueError(f"{field} is missing")
        if re.fullmatch(r"-\s*\d+(\.\d*)?", cell):
            raise ValueError(f"{field} {shown(cell)} is negative")
        if not re.fullmatch(r"\d+", cell):
            raise ValueError(f"{field} '{shown(cell)}' is not a whole number")
        if len(cell.lstrip("0")) > 6:
            raise ValueError(f"{field} {shown(cell)} is too large for a month's count")
        number = int(cell)
    if number < 0:
        raise ValueError(f"{field} {number} is negative")
    if number > MAX_COUNT:
        raise ValueError(f"{field} {number:,} is too large for a month's count")
    return number


def team_ids(db: sqlite_utils.Database) -> dict[str, int]:
    """Teams by their name as matched (case, spaces and punctuation ignored)."""
    return {measures.name_key(r["name"]): r["id"] for r in db.query("select id, name from teams")}


def team_names(db: sqlite_utils.Database) -> dict[int, str]:
    return {r["id"]: r["name"] for r in db.query("select id, name from teams order by name collate nocase")}


def team_of(cell: str, teams: dict[str, int]) -> int:
    """The id of the team a cell names; ValueError if it is missing or unknown."""
    if not cell.strip():
        raise ValueError("team is missing")
    found = teams.get(measures.name_key(cell))
    if found is None:
        raise ValueError(f"team '{shown(cell)}' is not a team in this app (check the spelling, or add the team on "
                         "Users and teams)")
    return found


KPI_COLUMNS = {
    "month": ("month", "period", "reportingmonth", "monthending", "monthend", "date"),
    "team": ("team", "teamname", "fosteringteam"),
    "measure": ("measure", "kpi", "indicator", "measurename", "performanceindicator"),
    "in_time": ("intime", "intimecompleted", "completed", "intimeorcompleted", "intimeyesno"),
    "out_of_time": ("outoftime", "outoftimenotcompleted", "notcompleted", "outoftimeornotcompleted"),
    "household": ("household", "householdreference", "reference", "ref", "carerid", "liquidlogicid", "lcsid",
                  "carerreference"),
}
KPI_LAYOUT = csv_import.Layout(
    columns=KPI_COLUMNS, key=measures.name_key, max_rows=MAX_ROWS, max_bytes=MAX_BYTES,
    names={"month": "month", "team": "team", "measure": "measure", "in_time": "in time", "household": "household",
           "out_of_time": "out of time"},
    hint="The first line must name the columns: month, team, measure, in time, out of time; or month, team, "
         "measure, household, in time.")
_YES = {"yes", "y", "true", "1", "intime", "completed"}
_NO = {"no", "n", "false", "0", "outoftime", "notcompleted", "late"}


@dataclass
class Plan:
    """What an import would do, worked out before anything is written."""

    shape: str = "counts"  # 'counts': one row per month, team and measure; 'households': one row per household
    figures: dict[tuple[str, int, str], tuple[int, int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)  # month -> current figures this import supersedes
    rows: int = 0
    teams: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.figures)

    @property
    def months(self) -> list[str]:
        return sorted({month for month, _, _ in self.figures})

    @property
    def month_words(self) -> str:
        return ", ".join(periods.month_label(dt.date.fromisoformat(m)) for m in self.months)

    def by_month(self) -> list[dict]:
        """One line per month: how many teams and figures it has, and how many current figures it replaces."""
        return [{"month": periods.month_label(dt.date.fromisoformat(m)),
                 "teams": len({t for mm, t, _ in self.figures if mm == m}),
                 "figures": sum(1 for mm, _, _ in self.figures if mm == m),
                 "replaces": self.replaced.get(m, 0)} for m in self.months]


def _measure_lookup(found: Sequence[measures.Measure]) -> dict[str, measures.Measure]:
    lookup: dict[str, measures.Measure] = {}
    for measure in found:
        for word in (measure.id, measure.name, *measure.aliases):
            lookup.setdefault(measures.name_key(word), measure)
    return lookup


def measure_of(cell: str, lookup: dict[str, measures.Measure]) -> measures.Measure:
    """The active measure a cell names; ValueError if it is missing, unknown or retired."""
    if not cell.strip():
        raise ValueError("measure is missing")
    found = lookup.get(measures.name_key(cell))
    if found is None:
        raise ValueError(f"measure '{shown(cell)}' is not one of the measures (see the Measures tab for their names)")
    if not found.active:
        raise ValueError(f"measure '{found.name}' is retired; reinstate it on the Measures tab to import it")
    return found


def plan(db: sqlite_utils.Database, data: bytes | str, *, today: dt.date) -> Plan:
    """Work out what importing this KPI extract would change, without writing anything.

    Two shapes are read: counts (month, team, measure, in time, out of time) or one row per household
    (month, measure, household, in time yes/no, and optionally team; the team comes from the register when
    the row has none), whose counts are worked out here. Row problems are listed in Plan.errors; a file
    that cannot be read at all raises ValueError.
    """
    found, rows = csv_import.read(data, KPI_LAYOUT)
    if "out_of_time" in found:
        shape, required = "counts", ("month", "team", "measure", "in_time", "out_of_time")
    elif "household" in found:
        shape, required = "households", ("month", "measure", "household", "in_time")
    else:
        raise ValueError("The file has no 'out of time' column (for counts) and no 'household' column (for one row "
                         "per household). " + KPI_LAYOUT.hint)
    csv_import.require(found, rows, KPI_LAYOUT, required)
    result = Plan(shape=shape, rows=len(rows), teams=team_names(db))
    teams, lookup = team_ids(db), _measure_lookup(measures.measures(db))
    register = {r["reference"].casefold(): r["team_id"] for r in db.query("select reference, team_id from households")}
    same_figure = csv_import.Once("the same month, team and measure")
    same_household = csv_import.Once("the same month, measure and household")

    def check(line: int, cell: dict) -> tuple[tuple[str, int, str], tuple[int, int], measures.Measure]:
        month = month_of(cell["month"], today=today).isoformat()
        measure = measure_of(cell["measure"], lookup)
        if shape == "counts":
            team = team_of(cell["team"], teams)
            values = (whole_number(cell["in_time"], field="in time"),
                      whole_number(cell["out_of_time"], field="out of time"))
            same_figure.check((month, team, measure.id), line)
            return (month, team, measure.id), values, measure
        reference = text.clean(cell["household"], field="household", max_length=len(cell["household"]) + 1)
        if not reference:
            raise ValueError("household is missing")
        if len(reference) > 40:
            raise ValueError("household reference is longer than 40 characters")
        same_household.check((month, measure.id, reference.casefold()), line)
        team_cell = cell.get("team", "")
        if team_cell.strip():
            team = team_of(team_cell, teams)
        elif reference.casefold() not in register:
            raise ValueError(f"household {shown(reference)} is not in the carer register and the row names no team")
        elif register[reference.casefold()] is None:
            raise ValueError(f"household {shown(reference)} has no team in the register and the row names none")
        else:
            team = register[reference.casefold()]
        answer = measures.name_key(cell["in_time"])
        if answer not in _YES | _NO:
            raise ValueError(f"in time '{shown(cell['in_time']) or '(empty)'}' is not yes or no")
        return (month, team, measure.id), ((1, 0) if answer in _YES else (0, 1)), measure

    good, result.errors = csv_import.validate(rows, check)
    counts: dict[tuple[str, int, str], list[int]] = {}
    for line, (key, values, measure) in good:
        if shape == "counts" and values == (0, 0):
            month, team, _ = key
            result.notes.append(f"Line {line}: 0 in time and 0 out of time, so {measure.name} shows as no data "
                                f"for {result.teams[team]} in {periods.month_label(dt.date.fromisoformat(month))}.")
        total = counts.setdefault(key, [0, 0])
        total[0] += values[0]
        total[1] += values[1]
    if result.errors:
        return result
    result.figures = {key: (a, b) for key, (a, b) in counts.items()}
    active, teams_open = [m for m in measures.measures(db) if m.active], active_teams(db)
    for month in result.months:
        label = periods.month_label(dt.date.fromisoformat(month))
        in_month = {t for m, t, _ in result.figures if m == month}
        for team in sorted(in_month, key=lambda t: result.teams[t].casefold()):
            gaps = [m.name for m in active if (month, team, m.id) not in result.figures]
            if gaps:
                result.notes.append(f"{label}, {result.teams[team]}: no figures for {', '.join(gaps)} (shown as no "
                                    "data).")
        absent = [name for tid, name in result.teams.items() if tid not in in_month and tid in teams_open]
        if absent:
            result.notes.append(f"{label}: no figures for {', '.join(absent)}.")
    result.replaced = {m: n for m, n in db.execute(
        """select month, count(*) from kpi_figures where superseded_by is null
           and month in (select value from json_each(:months)) group by month""",
        {"months": json.dumps(result.months)})}
    return result


def active_teams(db) -> set[int]:
    return {r[0] for r in db.execute("select id from teams where active = 1")}


def new_batch(db, user: User, *, kind: str, how: str, months: Sequence[str], rows: int,
              households: int | None = None, file_name: str | None = None) -> int:
    """Record one import or manual entry (call inside write()); its figures point at it."""
    name = text.clean(file_name, field="File name", max_length=len(file_name or "") + 1)[:200] if file_name else None
    return db.execute(
        """insert into figure_batches (kind, how, months, rows, households, file_name, created_at, created_by)
           values (:kind, :how, :months, :rows, :households, :file_name, :at, :by)""",
        {"kind": kind, "how": how, "months": json.dumps(sorted(months)), "rows": rows, "households": households,
         "file_name": name or None, "at": store.stamp(), "by": user.id}).lastrowid


def import_csv(db: sqlite_utils.Database, user: User, data: bytes | str, *, today: dt.date,
               file_name: str | None = None) -> Plan:
    """Import a KPI extract in one transaction: each month in the file replaces that month's figures.

    Nothing is written if any row has an error (ValueError listing the first few; plan() has them all).
    The figures replaced are kept, marked as superseded by this import. Audited.
    """
    return imports.run(db, user, permission="manage_kpis", plan=lambda: plan(db, data, today=today),
                       guard=_has_figures, apply=lambda result: _apply(db, user, result, file_name))


def _has_figures(result: Plan) -> None:
    if not result.figures:
        raise ValueError("Nothing was imported: the file has no figures.")


def _apply(db: sqlite_utils.Database, user: User, result: Plan, file_name: str | None) -> None:
    """Write a checked plan (inside imports.run's transaction): a batch, the months' figures replaced."""
    batch = new_batch(db, user, kind="kpi", how="import", months=result.months, rows=result.rows,
                      households=result.rows if result.shape == "households" else None, file_name=file_name)
    db.execute("""update kpi_figures set superseded_by = :batch where superseded_by is null
                  and month in (select value from json_each(:months))""",
               {"batch": batch, "months": json.dumps(result.months)})
    db.conn.executemany(
        """insert into kpi_figures (month, team_id, measure_id, in_time, out_of_time, batch_id)
           values (?, ?, ?, ?, ?, ?)""",
        [(m, t, k, a, b, batch) for (m, t, k), (a, b) in sorted(result.figures.items())])
    history.add(db, action="import", user_id=user.id, username=user.username, entity="kpi_figures",
                entity_id=batch, detail={"months": result.months, "figures": len(result.figures),
                                         "rows": result.rows, "shape": result.shape, "replaced": result.replaced,
                                         "file": file_name})


def enter_month(db: sqlite_utils.Database, user: User, *, month: Any, team_id: int,
                values: dict[str, tuple[Any, Any] | None], today: dt.date) -> dict[str, list]:
    """Set one team's figures for a month by hand; returns {measure name: [old, new]} for what changed.

    values maps a measure id to (in time, out of time); None or two blanks means no figure (a current
    one is superseded, so the measure shows as no data). Figures replaced are kept as history. Nothing is
    saved if any value is wrong: ValueError naming every measure that needs fixing.
    """
    access.require(user, "manage_kpis")
    try:
        first = month_of(month, today=today)
    except ValueError as exc:
        raise ValueError(str(exc)[0].upper() + str(exc)[1:] + ".") from None
    by_id = {m.id: m for m in measures.measures(db)}
    problems, wanted = [], {}
    for measure_id, pair in values.items():
        measure = by_id.get(measure_id)
        if measure is None:
            raise ValueError(f"There is no measure {measure_id}.")
        blank = pair is None or all(v is None or str(v).strip() == "" for v in pair)
        if blank:
            wanted[measure_id] = None
            continue
        if not measure.active:
            problems.append(f"{measure.name} is retired")
            continue
        try:
            wanted[measure_id] = (whole_number(pair[0], field="in time"), whole_number(pair[1], field="out of time"))
        except ValueError as exc:
            problems.append(f"{measure.name}: {exc}")
    if problems:
        raise ValueError("Nothing was saved: " + "; ".join(problems) + ".")
    key = first.isoformat()
    with store.write(db):
        team = db.execute("select name from teams where id = :id", {"id": team_id}).fetchone()
        if team is None:
            raise ValueError("Choose a team.")
        old = {r["measure_id"]: r for r in db.query(
            """select id, measure_id, in_time, out_of_time from kpi_figures where superseded_by is null
               and month = :m and team_id = :t""", {"m": key, "t": team_id})}
        changed = {}
        for measure_id, pair in wanted.items():
            before = (old[measure_id]["in_time"], old[measure_id]["out_of_time"]) if measure_id in old else None
            if before != pair:
                changed[measure_id] = [before, pair]
        if not changed:
            return {}
        batch = new_batch(db, user, kind="kpi", how="manual", months=[key], rows=len(changed))
        for measure_id, (before, after) in changed.items():
            if before is not None:
                db.execute("update kpi_figures set superseded_by = :b where id = :id",
                           {"b": batch, "id": old[measure_id]["id"]})
            if after is not None:
                db.execute("""insert into kpi_figures (month, team_id, measure_id, in_time, out_of_time, batch_id)
                              values (:m, :t, :k, :a, :o, :b)""",
                           {"m": key, "t": team_id, "k": measure_id, "a": after[0], "o": after[1], "b": batch})
        diff = {by_id[k].name: [list(a) if a else None, list(b) if b else None] for k, (a, b) in changed.items()}
        history.add(db, action="update", user_id=user.id, username=user.username, entity="kpi_figures",
                    entity_id=batch, detail={"month": key, "team": team[0], "how": "manual", **diff})
    return diff


# ---- History and templates -------------------------------------------------------------------------


def batches(db: sqlite_utils.Database, user: User, kind: str = "kpi") -> list[dict]:
    """Every import and manual entry of figures, newest first, with who, when, and how many figures are still current."""
    access.require(user, "manage_kpis")
    table_name = {"kpi": "kpi_figures", "recruitment": "recruitment_figures"}[kind]
    rows = list(db.query(
        f"""select b.id, b.how, b.months, b.rows, b.households, b.file_name, b.created_at, u.display_name as by,
                  (select count(*) from {table_name} f where f.batch_id = b.id) as figures,
                  (select count(*) from {table_name} f where f.batch_id = b.id and f.superseded_by is null) as current
           from figure_batches b join users u on u.id = b.created_by where b.kind = :kind order by b.id desc""",
        {"kind": kind}))
    for row in rows:
        months = [dates.short_month(m) for m in json.loads(row["months"])]
        row["months"] = ", ".join(months) if len(months) <= 3 else f"{months[0]} to {months[-1]} ({len(months)} months)"
    return rows


TEMPLATE = (
    "month,team,measure,in time,out of time\n"
    "2026-04,North Fostering Team,Support visits in time,41,3\n"
    "2026-04,North Fostering Team,Unannounced visits in time,38,6\n"
    "2026-04,Kinship Team,Support visits in time,29,5\n"
)
HOUSEHOLD_TEMPLATE = (
    "month,team,measure,household,in time\n"
    "2026-04,North Fostering Team,Annual review in time,LL123456,yes\n"
    "2026-04,North Fostering Team,Annual review in time,LL123457,no\n"
    "2026-04,,Annual review in time,LL123458,yes\n"
)
