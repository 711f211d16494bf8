"""Key performance indicators ("How much are we doing"): measures as data, monthly figures from the
case-management system's extract (or typed in by hand), and the KPI table with its RAG indicator.

The measures start from data/kpi_measures.toml and are versioned in the database like the theme
codebook: every change QA makes is a new version, and a retired measure keeps its figures. Figures are
kept per month, team and measure; a re-import of a month, or a correction by hand, supersedes the
figures it replaces (superseded_by) and never deletes them, so every month keeps its history.
The whole service's figure for a measure is the sum of its teams' figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.store import history, records, shipped

MEASURES_FILE = store.ROOT / "data" / "kpi_measures.toml"
SHIPPED = shipped.Data(MEASURES_FILE, "kpi_measure_versions", "select * from kpi_measures order by position, id")
RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
# A shape as well as a word, so the indicator never relies on colour (the chart uses the same shapes).
RAG_SYMBOLS = {"green": "●", "amber": "▲", "red": "■"}
NO_DATA = "no data"


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
    version: str = field(default="", compare=False)  # records.version() of its row, for an edit form

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
                   row["amber_from"], row["position"], row["status"], records.version(row))


def _snapshot(db, user: User | None, note: str) -> int:
    return shipped.snapshot(db, SHIPPED, user, note)


def ensure(db: sqlite_utils.Database) -> int:
    """The current measure-definitions version, loading data/kpi_measures.toml into a new database first."""

    def install(data: dict) -> str:
        now = store.stamp()
        for position, (measure_id, spec) in enumerate(data["measures"].items(), start=1):
            green, amber = thresholds(spec["green_from"], spec["amber_from"])
            db.execute(
                """insert into kpi_measures (id, name, description, aliases, green_from, amber_from, position,
                     updated_at) values (:id, :name, :description, :aliases, :green, :amber, :position, :now)""",
                {"id": measure_id, "name": spec["name"], "description": spec.get("description", ""),
                 "aliases": json.dumps(spec.get("aliases", []), ensure_ascii=False), "green": green, "amber": amber,
                 "position": position, "now": now})
        return f"Default measures (data/kpi_measures.toml version {data.get('version', 1)})"

    return shipped.ensure(db, SHIPPED, install)


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
    return shipped.versions(db, SHIPPED)


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
    aliases: Iterable[str] = (), green_from: Any, amber_from: Any, expected: str | None = None,
) -> str:
    """Add a measure (measure_id None) or change one; makes a new definitions version. Returns the measure id.

    Raises ValueError for a missing name, bad thresholds, or a name or alias another measure already uses
    (a file's measure must match exactly one). With expected (the measure's version when the form was
    opened), a change another QA officer saved in between is refused with records.StaleEdit.
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
    def unique(rows: dict) -> None:
        taken = {}
        for other in rows.values():
            if other["id"] != measure_id:
                for word in (other["id"], other["name"], *json.loads(other["aliases"])):
                    taken.setdefault(name_key(word), other["name"])
        for word in (clean_name, *clean_aliases):
            if name_key(word) in taken:
                raise ValueError(f"'{word}' is already the name or another name of the measure "
                                 f"'{taken[name_key(word)]}'; a file's measure must match exactly one.")

    def all_rows() -> dict:
        return {r["id"]: r for r in db.query("select * from kpi_measures")}

    if measure_id is not None:
        shipped.edit(db, user, SHIPPED, "kpi_measures", measure_id, clean=lambda _before: unique(all_rows()) or values,
                     expected=expected, what="measure",
                     note=lambda changed: f"Changed {clean_name}: {_change_words(changed)}")
        return measure_id
    with store.write(db):
        rows = all_rows()
        unique(rows)
        base = measure_id = _slug(clean_name)
        number = 2
        while measure_id in rows:
            measure_id, number = f"{base}_{number}", number + 1
        position = max((r["position"] for r in rows.values()), default=0) + 1
        db.execute(
            """insert into kpi_measures (id, name, description, aliases, green_from, amber_from, position,
                 updated_at) values (:id, :name, :description, :aliases, :green_from, :amber_from, :position, :now)""",
            {**values, "id": measure_id, "position": position, "now": store.stamp()})
        version = _snapshot(db, user, f"Added {clean_name}")
        history.add(db, action="create", user_id=user.id, username=user.username, entity="kpi_measures",
                    entity_id=measure_id, detail={"version": version, **values})
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
        history.add(db, action="update", user_id=user.id, username=user.username, entity="kpi_measures",
                    entity_id=measure_id, detail={"version": version, "status": [row[1], status]})
    return version
