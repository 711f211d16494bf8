"""Key performance indicators ("How much are we doing"): measures as data, monthly figures from the
case-management system's extract (or typed in by hand), and the KPI table with its RAG indicator.

The measures start from data/kpi_measures.toml and are versioned in the database like the theme
codebook: every change QA makes is a new version, and a retired measure keeps its figures. Figures are
kept per month, team and measure; a re-import of a month, or a correction by hand, supersedes the
figures it replaces (superseded_by) and never deletes them, so every month keeps its history.
The whole service's figure for a measure is the sum of its teams' figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pandas as pd
import sqlite_utils

from lib import access, csv_import, suppression, text
from lib import db as store
from lib.access import User

MEASURES_FILE = store.ROOT / "data" / "kpi_measures.toml"
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
# A shape as well as a word, so the indicator never relies on colour (the chart uses the same shapes).
RAG_SYMBOLS = {"green": "●", "amber": "▲", "red": "■"}
NO_DATA = "no data"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COUNT = 999_999
EARLIEST = text.EARLIEST
UNREADABLE = csv_import.UNREADABLE


# ---- Pure: percentages and the RAG indicator ---------------------------------------------------


def percent(in_time: int, out_of_time: int) -> int | None:
    """The % in time as a whole number, rounded half up; None when there is nothing to count (no data, never 0%)."""
    total = in_time + out_of_time
    if total == 0:
        return None
    return (200 * in_time + total) // (2 * total)


def rag(pct: int | None, *, green_from: int, amber_from: int) -> str | None:
    """'green' at or above green_from, 'amber' at or above amber_from, else 'red'; None for no data.

    It is decided on the whole percentage as shown, so a reader can check every row against the thresholds.
    """
    if pct is None:
        return None
    if pct >= green_from:
        return "green"
    if pct >= amber_from:
        return "amber"
    return "red"


def indicator(value: str | None) -> str:
    """The RAG indicator in words with its shape, e.g. '▲ Amber'; 'no data' when there is none."""
    return f"{RAG_SYMBOLS[value]} {RAG_WORDS[value]}" if value else NO_DATA


def month_label(month: dt.date) -> str:
    return month.strftime("%B %Y")


def month_end(month: dt.date) -> dt.date:
    """The last day of the month a date is in."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """The first days of `count` calendar months ending with last's month, oldest first."""
    months = [last.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months[::-1]


# ---- The measures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    description: str
    aliases: tuple[str, ...]
    green_from: int
    amber_from: int
    position: int
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"

    def rag(self, pct: int | None) -> str | None:
        return rag(pct, green_from=self.green_from, amber_from=self.amber_from)

    @property
    def thresholds(self) -> str:
        return f"Green from {self.green_from}%, Amber from {self.amber_from}%, Red below {self.amber_from}%"


def _as_measure(row: dict) -> Measure:
    return Measure(row["id"], row["name"], row["description"], tuple(json.loads(row["aliases"])), row["green_from"],
                   row["amber_from"], row["position"], row["status"])


def _snapshot(db, user: User | None, note: str) -> int:
    version = (db.execute("select max(version) from kpi_measure_versions").fetchone()[0] or 0) + 1
    rows = list(db.query("select * from kpi_measures order by position, id"))
    db.execute("""insert into kpi_measure_versions (version, content, note, created_at, created_by)
                  values (:v, :c, :n, :at, :u)""",
               {"v": version, "c": json.dumps(rows, ensure_ascii=False), "n": note, "at": store.stamp(),
                "u": user.id if user else None})
    return version


def ensure(db: sqlite_utils.Database) -> int:
    """The current measure-definitions version, loading data/kpi_measures.toml into a new database first."""
    row = db.execute("select max(version) from kpi_measure_versions").fetchone()
    if row[0] is not None:
        return row[0]
    with open(MEASURES_FILE, "rb") as handle:
        data = tomllib.load(handle)
    with store.write(db):
        found = db.execute("select max(version) from kpi_measure_versions").fetchone()[0]
        if found is not None:
            return found
        now = store.stamp()
        for position, (measure_id, spec) in enumerate(data["measures"].items(), start=1):
            green, amber = thresholds(spec["green_from"], spec["amber_from"])
            db.execute(
                """insert into kpi_measures (id, name, description, aliases, green_from, amber_from, position,
                     updated_at) values (:id, :name, :description, :aliases, :green, :amber, :position, :now)""",
                {"id": measure_id, "name": spec["name"], "description": spec.get("description", ""),
                 "aliases": json.dumps(spec.get("aliases", []), ensure_ascii=False), "green": green, "amber": amber,
                 "position": position, "now": now})
        return _snapshot(db, None, f"Default measures (data/kpi_measures.toml version {data.get('version', 1)})")


def current_version(db: sqlite_utils.Database) -> int:
    return ensure(db)


def measures(db: sqlite_utils.Database, *, include_retired: bool = True) -> list[Measure]:
    """The measures in table order, active ones first within it when retired ones are included."""
    ensure(db)
    found = [_as_measure(r) for r in db.query("select * from kpi_measures order by position, id")]
    return [m for m in found if include_retired or m.active]


def versions(db: sqlite_utils.Database) -> list[dict]:
    """Every measure-definitions version with its note, who made it and when, newest first."""
    ensure(db)
    return list(db.query(
        """select v.version, v.note, v.created_at, u.display_name as by from kpi_measure_versions v
           left join users u on u.id = v.created_by order by v.version desc"""))


def thresholds(green_from: Any, amber_from: Any) -> tuple[int, int]:
    """Both thresholds as whole percentages; ValueError naming the threshold that does not fit."""
    values = []
    for label, value in (("Green from", green_from), ("Amber from", amber_from)):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{label} must be a whole percentage from 0 to 100.")
        try:
            number = int(str(int(value) if isinstance(value, float) else value).strip())
        except (TypeError, ValueError):
            raise ValueError(f"{label} must be a whole percentage from 0 to 100.") from None
        if not 0 <= number <= 100:
            raise ValueError(f"{label} must be a whole percentage from 0 to 100, not {number}.")
        values.append(number)
    if values[1] > values[0]:
        raise ValueError(f"Amber from ({values[1]}%) cannot be above Green from ({values[0]}%).")
    return values[0], values[1]


def name_key(value: str) -> str:
    """A name as matched: lower case, letters and digits only."""
    return "".join(ch for ch in (value or "").casefold() if ch.isalnum())


def _slug(name: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))[:40].strip("_") or "measure"


def save_measure(
    db: sqlite_utils.Database, user: User, measure_id: str | None, *, name: str, description: str = "",
    aliases: Iterable[str] = (), green_from: Any, amber_from: Any,
) -> str:
    """Add a measure (measure_id None) or change one; makes a new definitions version. Returns the measure id.

    Raises ValueError for a missing name, bad thresholds, or a name or alias another measure already uses
    (a file's measure must match exactly one).
    """
    access.require(user, "manage_kpis")
    ensure(db)
    clean_name = text.clean(name, field="Measure name", max_length=100, required=True)
    clean_aliases: list[str] = []
    for alias in aliases:
        cleaned = text.clean(alias, field="An other name", max_length=100)
        known = {name_key(a) for a in clean_aliases} | {name_key(clean_name)}
        if cleaned and name_key(cleaned) and name_key(cleaned) not in known:
            clean_aliases.append(cleaned)
    if not name_key(clean_name):
        raise ValueError("Measure name needs at least one letter or digit, so a file can name it.")
    green, amber = thresholds(green_from, amber_from)
    values = {"name": clean_name, "description": text.clean(description, field="Description", max_length=300),
              "aliases": json.dumps(clean_aliases, ensure_ascii=False), "green_from": green, "amber_from": amber}
    with store.write(db):
        rows = {r["id"]: r for r in db.query("select * from kpi_measures")}
        if measure_id is not None and measure_id not in rows:
            raise ValueError(f"There is no measure {measure_id}.")
        taken = {}
        for other in rows.values():
            if other["id"] != measure_id:
                for word in (other["id"], other["name"], *json.loads(other["aliases"])):
                    taken.setdefault(name_key(word), other["name"])
        for word in (clean_name, *clean_aliases):
            if name_key(word) in taken:
                raise ValueError(f"'{word}' is already the name or another name of the measure "
                                 f"'{taken[name_key(word)]}'; a file's measure must match exactly one.")
        now = store.stamp()
        if measure_id is None:
            base = measure_id = _slug(clean_name)
            number = 2
            while measure_id in rows:
                measure_id, number = f"{base}_{number}", number + 1
            position = max((r["position"] for r in rows.values()), default=0) + 1
            db.execute(
                """insert into kpi_measures (id, name, description, aliases, green_from, amber_from, position,
                     updated_at) values (:id, :name, :description, :aliases, :green_from, :amber_from, :position, :now)""",
                {**values, "id": measure_id, "position": position, "now": now})
            action, note, detail = "create", f"Added {clean_name}", values
        else:
            diff = store.changes(rows[measure_id], values)
            if not diff:
                return measure_id
            db.execute(
                """update kpi_measures set name = :name, description = :description, aliases = :aliases,
                     green_from = :green_from, amber_from = :amber_from, updated_at = :now where id = :id""",
                {**values, "id": measure_id, "now": now})
            action, note, detail = "update", f"Changed {clean_name}: {_change_words(diff)}", diff
        version = _snapshot(db, user, note)
        store.audit(db, action=action, user_id=user.id, username=user.username, entity="kpi_measures",
                    entity_id=measure_id, detail={"version": version, **detail})
    return measure_id


def _change_words(diff: dict) -> str:
    """A version note's account of a measure's changes, in the words of the Measures form."""
    words = []
    for name, (old, new) in diff.items():
        if name in ("green_from", "amber_from"):
            words.append(f"{'Green' if name == 'green_from' else 'Amber'} from {old}% to {new}%")
        elif name == "name":
            words.append(f"renamed from {old}")
        else:
            words.append({"description": "what it counts", "aliases": "other names in files"}.get(name, name))
    return ", ".join(words)


def set_status(db: sqlite_utils.Database, user: User, measure_id: str, status: str) -> int:
    """Retire a measure (no new figures; its history stays) or reinstate it. Returns the new definitions version."""
    access.require(user, "manage_kpis")
    if status not in ("active", "retired"):
        raise ValueError("A measure is either active or retired.")
    ensure(db)
    with store.write(db):
        row = db.execute("select name, status from kpi_measures where id = :id", {"id": measure_id}).fetchone()
        if row is None:
            raise ValueError(f"There is no measure {measure_id}.")
        if row[1] == status:
            raise ValueError(f"'{row[0]}' is already {status}.")
        db.execute("update kpi_measures set status = :s, updated_at = :now where id = :id",
                   {"s": status, "now": store.stamp(), "id": measure_id})
        version = _snapshot(db, user, f"{'Retired' if status == 'retired' else 'Reinstated'} {row[0]}")
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="kpi_measures",
                    entity_id=measure_id, detail={"version": version, "status": [row[1], status]})
    return version


# ---- Reading a monthly extract -------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int  # the line in the file, counting the header as line 1
    reason: str


def shown(value: object, limit: int = 40) -> str:
    """A cell as it may appear in a message: cleaned of control characters and cut short."""
    raw = "" if value is None else str(value)
    cleaned = text.clean(raw, field="cell", max_length=len(raw) + 1)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def read_rows(data: bytes | str, columns: dict[str, tuple[str, ...]]) -> tuple[set[str], list[tuple[int, dict]]]:
    """The columns found (by their accepted spellings) and every non-blank row as (line, {column: cell})."""
    return csv_import.read_rows(data, columns, name_key, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)


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
        raise ValueError(f"month {month_label(month)} is in the future")
    if month < EARLIEST:
        raise ValueError(f"month {month_label(month)} is before 2000")
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
    return {name_key(r["name"]): r["id"] for r in db.query("select id, name from teams")}


def team_names(db: sqlite_utils.Database) -> dict[int, str]:
    return {r["id"]: r["name"] for r in db.query("select id, name from teams order by name collate nocase")}


def team_of(cell: str, teams: dict[str, int]) -> int:
    """The id of the team a cell names; ValueError if it is missing or unknown."""
    if not cell.strip():
        raise ValueError("team is missing")
    found = teams.get(name_key(cell))
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
        return ", ".join(month_label(dt.date.fromisoformat(m)) for m in self.months)

    def by_month(self) -> list[dict]:
        """One line per month: how many teams and figures it has, and how many current figures it replaces."""
        return [{"month": month_label(dt.date.fromisoformat(m)),
                 "teams": len({t for mm, t, _ in self.figures if mm == m}),
                 "figures": sum(1 for mm, _, _ in self.figures if mm == m),
                 "replaces": self.replaced.get(m, 0)} for m in self.months]


def _measure_lookup(found: Sequence[Measure]) -> dict[str, Measure]:
    lookup: dict[str, Measure] = {}
    for measure in found:
        for word in (measure.id, measure.name, *measure.aliases):
            lookup.setdefault(name_key(word), measure)
    return lookup


def measure_of(cell: str, lookup: dict[str, Measure]) -> Measure:
    """The active measure a cell names; ValueError if it is missing, unknown or retired."""
    if not cell.strip():
        raise ValueError("measure is missing")
    found = lookup.get(name_key(cell))
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
    found, rows = read_rows(data, KPI_COLUMNS)
    if "out_of_time" in found:
        shape, required = "counts", ("month", "team", "measure", "in_time", "out_of_time")
    elif "household" in found:
        shape, required = "households", ("month", "measure", "household", "in_time")
    else:
        raise ValueError("The file has no 'out of time' column (for counts) and no 'household' column (for one row "
                         "per household). The first line must name the columns: month, team, measure, in time, "
                         "out of time; or month, team, measure, household, in time.")
    names = {"month": "month", "team": "team", "measure": "measure", "in_time": "in time", "household": "household",
             "out_of_time": "out of time"}
    missing = [names[c] for c in required if c not in found]
    if missing:
        raise ValueError("The file has no " + " or ".join(f"'{m}'" for m in missing) + " column.")
    if not rows:
        raise ValueError("The file has a header but no rows.")
    result = Plan(shape=shape, rows=len(rows), teams=team_names(db))
    teams, lookup = team_ids(db), _measure_lookup(measures(db))
    register = {r["reference"].casefold(): r["team_id"] for r in db.query("select reference, team_id from households")}
    seen: dict[tuple, int] = {}
    counts: dict[tuple[str, int, str], list[int]] = {}
    for line, cell in rows:
        try:
            month = month_of(cell["month"], today=today).isoformat()
            measure = measure_of(cell["measure"], lookup)
            if shape == "counts":
                team = team_of(cell["team"], teams)
                key = (month, team, measure.id)
                values = (whole_number(cell["in_time"], field="in time"),
                          whole_number(cell["out_of_time"], field="out of time"))
            else:
                reference = text.clean(cell["household"], field="household", max_length=len(cell["household"]) + 1)
                if not reference:
                    raise ValueError("household is missing")
                if len(reference) > 40:
                    raise ValueError("household reference is longer than 40 characters")
                duplicate = (month, measure.id, reference.casefold())
                if duplicate in seen:
                    raise ValueError(f"the same month, measure and household is also on line {seen[duplicate]}")
                seen[duplicate] = line
                team_cell = cell.get("team", "")
                if team_cell.strip():
                    team = team_of(team_cell, teams)
                elif reference.casefold() not in register:
                    raise ValueError(f"household {shown(reference)} is not in the carer register and the row names "
                                     "no team")
                elif register[reference.casefold()] is None:
                    raise ValueError(f"household {shown(reference)} has no team in the register and the row names "
                                     "none")
                else:
                    team = register[reference.casefold()]
                answer = name_key(cell["in_time"])
                if answer not in _YES | _NO:
                    raise ValueError(f"in time '{shown(cell['in_time']) or '(empty)'}' is not yes or no")
                key = (month, team, measure.id)
                values = (1, 0) if answer in _YES else (0, 1)
        except ValueError as exc:
            result.errors.append(RowError(line, str(exc)))
            continue
        if shape == "counts":
            if key in seen:
                result.errors.append(RowError(line, f"the same month, team and measure is also on line {seen[key]}"))
                continue
            seen[key] = line
            if values == (0, 0):
                result.notes.append(f"Line {line}: 0 in time and 0 out of time, so {measure.name} shows as no data "
                                    f"for {result.teams[team]} in {month_label(dt.date.fromisoformat(month))}.")
        total = counts.setdefault(key, [0, 0])
        total[0] += values[0]
        total[1] += values[1]
    if result.errors:
        return result
    result.figures = {key: (a, b) for key, (a, b) in counts.items()}
    active, active_teams = [m for m in measures(db) if m.active], _active_teams(db)
    for month in result.months:
        label = month_label(dt.date.fromisoformat(month))
        in_month = {t for m, t, _ in result.figures if m == month}
        for team in sorted(in_month, key=lambda t: result.teams[t].casefold()):
            gaps = [m.name for m in active if (month, team, m.id) not in result.figures]
            if gaps:
                result.notes.append(f"{label}, {result.teams[team]}: no figures for {', '.join(gaps)} (shown as no "
                                    "data).")
        absent = [name for tid, name in result.teams.items() if tid not in in_month and tid in active_teams]
        if absent:
            result.notes.append(f"{label}: no figures for {', '.join(absent)}.")
    result.replaced = {m: n for m, n in db.execute(
        """select month, count(*) from kpi_figures where superseded_by is null
           and month in (select value from json_each(:months)) group by month""",
        {"months": json.dumps(result.months)})}
    return result


def _active_teams(db) -> set[int]:
    return {r[0] for r in db.execute("select id from teams where active = 1")}


def refuse(errors: list[RowError]) -> None:
    shown_errors = "; ".join(f"line {e.line}: {e.reason}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    raise ValueError(f"Nothing was imported: {len(errors)} row(s) need fixing. {shown_errors}{more}.")


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
    access.require(user, "manage_kpis")
    with store.write(db):
        result = plan(db, data, today=today)
        if result.errors:
            refuse(result.errors)
        if not result.figures:
            raise ValueError("Nothing was imported: the file has no figures.")
        batch = new_batch(db, user, kind="kpi", how="import", months=result.months, rows=result.rows,
                          households=result.rows if result.shape == "households" else None, file_name=file_name)
        db.execute("""update kpi_figures set superseded_by = :batch where superseded_by is null
                      and month in (select value from json_each(:months))""",
                   {"batch": batch, "months": json.dumps(result.months)})
        db.conn.executemany(
            """insert into kpi_figures (month, team_id, measure_id, in_time, out_of_time, batch_id)
               values (?, ?, ?, ?, ?, ?)""",
            [(m, t, k, a, b, batch) for (m, t, k), (a, b) in sorted(result.figures.items())])
        store.audit(db, action="import", user_id=user.id, username=user.username, entity="kpi_figures",
                    entity_id=batch, detail={"months": result.months, "figures": len(result.figures),
                                             "rows": result.rows, "shape": result.shape, "replaced": result.replaced,
                                             "file": file_name})
    return result


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
    by_id = {m.id: m for m in measures(db)}
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
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="kpi_figures",
                    entity_id=batch, detail={"month": key, "team": team[0], "how": "manual", **diff})
    return diff


# ---- The KPI table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measure's figure for a month at one level: a team, or the whole service (its teams summed)."""

    measure: Measure
    in_time: int | None  # None: no figure at all
    out_of_time: int | None
    teams: int = 0  # how many teams' figures are in it

    @property
    def percent(self) -> int | None:
        return None if self.in_time is None else percent(self.in_time, self.out_of_time)

    @property
    def rag(self) -> str | None:
        return self.measure.rag(self.percent)

    @property
    def indicator(self) -> str:
        return indicator(self.rag)

    @property
    def shown_percent(self) -> str:
        return NO_DATA if self.percent is None else f"{self.percent}%"


def roll_up(found: Sequence[Measure], figures: Iterable[tuple[str, int, int]]) -> list[Figure]:
    """Pure: figures (measure id, in time, out of time) summed per measure, in measure order.

    Every active measure appears (with no figure: no data); a retired one only when it has figures.
    """
    sums: dict[str, list[int]] = {}
    for measure_id, in_time, out_of_time in figures:
        total = sums.setdefault(measure_id, [0, 0, 0])
        total[0] += in_time
        total[1] += out_of_time
        total[2] += 1
    return [Figure(m, *sums[m.id]) if m.id in sums else Figure(m, None, None, 0)
            for m in found if m.active or m.id in sums]


def _current(db, months: Sequence[str], team_id: int | None = None) -> list[dict]:
    return list(db.query(
        """select month, team_id, measure_id, in_time, out_of_time from kpi_figures
           where superseded_by is null and month in (select value from json_each(:months))
             and (:team is null or team_id = :team)""",
        {"months": json.dumps(list(months)), "team": team_id}))


def table(db: sqlite_utils.Database, user: User, month: dt.date, *, team_id: int | None = None) -> list[Figure]:
    """The KPI table for a month: one team's figures, or (team_id None) the whole service's."""
    access.require(user, "view_kpis")
    rows = _current(db, [month.replace(day=1).isoformat()], team_id)
    return roll_up(measures(db), ((r["measure_id"], r["in_time"], r["out_of_time"]) for r in rows))


def by_team(db: sqlite_utils.Database, user: User, month: dt.date) -> list[tuple[str, list[Figure]]]:
    """Every active team's KPI table for a month (and any inactive team with figures), by team name."""
    access.require(user, "view_kpis")
    rows = _current(db, [month.replace(day=1).isoformat()])
    found, names, active = measures(db), team_names(db), _active_teams(db)
    shown_teams = [t for t in names if t in active or any(r["team_id"] == t for r in rows)]
    return [(names[t], roll_up(found, ((r["measure_id"], r["in_time"], r["out_of_time"]) for r in rows
                                       if r["team_id"] == t))) for t in shown_teams]


def trend(db: sqlite_utils.Database, user: User, months: Sequence[dt.date], *, team_id: int | None = None
          ) -> list[tuple[dt.date, list[Figure]]]:
    """The KPI table for each month, oldest first (a month without figures has every measure as no data)."""
    access.require(user, "view_kpis")
    keys = [m.replace(day=1).isoformat() for m in months]
    rows = _current(db, keys, team_id)
    found = measures(db)
    series = [(dt.date.fromisoformat(k), roll_up(found, ((r["measure_id"], r["in_time"], r["out_of_time"])
                                                          for r in rows if r["month"] == k))) for k in keys]
    in_any = {f.measure.id for _, figures in series for f in figures if f.in_time is not None}
    # A retired measure with figures in some months appears in every month of the series, as no data elsewhere.
    keep = [m for m in found if m.active or m.id in in_any]
    return [(month, [next((f for f in figures if f.measure.id == m.id), Figure(m, None, None)) for m in keep])
            for month, figures in series]


def months_with_data(db: sqlite_utils.Database) -> list[dt.date]:
    """Months that have any current KPI figure, newest first."""
    return [dt.date.fromisoformat(m) for (m,) in db.execute(
        "select distinct month from kpi_figures where superseded_by is null order by month desc")]


def cells(figure: Figure, rules: suppression.Rules | None = None) -> tuple[str, str, str, str]:
    """A figure as published: (in time, out of time, %, indicator), with small-number suppression if rules are given.

    No figure shows '–' counts; nothing to count shows 'no data'. With rules, a row where either count is small
    shows 'c' for both counts, the % and the indicator (with the % and one count, the other could be worked
    out), and a % on a base under the rules' minimum is 'c' too.
    """
    if figure.in_time is None:
        return "–", "–", NO_DATA, NO_DATA
    if rules is None:
        return f"{figure.in_time:,}", f"{figure.out_of_time:,}", figure.shown_percent, figure.indicator
    in_shown, out_shown = suppression.count(figure.in_time, rules), suppression.count(figure.out_of_time, rules)
    if figure.percent is None:
        return in_shown, out_shown, NO_DATA, NO_DATA
    base = figure.in_time + figure.out_of_time
    if suppression.SUPPRESSED in (in_shown, out_shown) or base < rules.min_base:
        c = suppression.SUPPRESSED
        return (c, c, c, c) if suppression.SUPPRESSED in (in_shown, out_shown) else (in_shown, out_shown, c, c)
    return in_shown, out_shown, figure.shown_percent, figure.indicator


def trend_frame(series: Sequence[tuple[dt.date, Sequence[Figure]]], *, rules: suppression.Rules | None = None
                ) -> pd.DataFrame:
    """The rows charts.kpi_trend draws: one per month and measure, with no data (or a hidden %) as an empty point."""
    rows = []
    for month, figures in series:
        for figure in figures:
            in_shown, out_shown, pct, _ = cells(figure, rules)
            visible = pct.endswith("%")
            rows.append({
                "measure": figure.measure.name, "month": month.strftime("%b %Y"),
                "percent": float(figure.percent) if visible else None,
                "indicator": RAG_WORDS[figure.rag] if visible else None,
                "note": None if visible else pct, "in_time": in_shown, "out_of_time": out_shown,
                "green_from": figure.measure.green_from, "amber_from": figure.measure.amber_from,
            })
    return pd.DataFrame(rows, columns=["measure", "month", "percent", "indicator", "note", "in_time", "out_of_time",
                                       "green_from", "amber_from"])


# ---- History and templates -------------------------------------------------------------------------


def history(db: sqlite_utils.Database, user: User, kind: str = "kpi") -> list[dict]:
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
        months = [dt.date.fromisoformat(m).strftime("%b %Y") for m in json.loads(row["months"])]
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


def table_csv(figures: Sequence[Figure], *, month: dt.date, level: str) -> bytes:
    """The KPI table as CSV (UTF-8 with a byte-order mark, for Excel), every cell safe from formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Month", "Level", "Measure", "In time / completed", "Out of time / not completed", "%",
                     "Indicator", "Green from", "Amber from"])
    for f in figures:
        writer.writerow([text.spreadsheet_safe(v) for v in (
            month_label(month), level, f.measure.name, "" if f.in_time is None else f.in_time,
            "" if f.out_of_time is None else f.out_of_time, "" if f.percent is None else f.percent,
            RAG_WORDS[f.rag] if f.rag else NO_DATA, f.measure.green_from, f.measure.amber_from)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
