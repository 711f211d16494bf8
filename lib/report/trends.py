"""% positive over time: each rating question against the previous quarter and the same quarter last year, or
each quarter of a year; and the facts the key findings are chosen from.

Each base is a named atom of the report's ledger (answer_key), so the current period's n here is the same figure
as in the section's own % positive table, shown or hidden alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from lib import analysis, dates, disclosure, periods, suppression
from lib.access import User
from lib.capture import questions
from lib.report.model import Table
from lib.themes import explorer

NO_DATA = "no data"
NOT_BEGUN = "not begun"
BIG_CHANGE = analysis.MOVEMENT_POINTS  # points of % positive that make a change rising or falling


@dataclass(frozen=True)
class Column:
    heading: str
    start: dt.date
    end: dt.date
    status: str = ""  # NO_DATA or NOT_BEGUN where nothing can be counted


@dataclass(frozen=True)
class Fact:
    """One % positive the key findings may pick from: tokens for its figures, and the values to rank by."""

    form: str
    item_id: str
    question: str
    group: str  # a cohort's or age band's name, or "All"
    percent: str  # the % token
    n: str  # the base's token
    value: float | None  # the % as the rule shows it (None where the rule withholds it)
    base: int
    before: float | None = None  # the compared period's %, where shown by the rule
    before_pct: str | None = None


def answer_key(form: str, item_id: str, group: str, start: dt.date, end: dt.date) -> str:
    """The ledger atom of the number who answered a question validly, in a group, over a range of days."""
    return f"answered:{form}:{item_id}:{group}:{start.isoformat()}:{end.isoformat()}"


def columns(chosen: periods.Period, today: dt.date, first_data: dt.date | None) -> tuple[list[Column], int, int]:
    """The periods a trend table compares, the index of the period reported on and of the one its change is
    measured against.

    A quarter: itself, the quarter before, the same quarter a year before (changes against the quarter before).
    A year: each quarter, then the year and the year before (changes against the year before)."""
    def column(heading: str, start: dt.date, end: dt.date) -> Column:
        if start > today:
            return Column(heading, start, end, NOT_BEGUN)
        if first_data is None or end < first_data:
            return Column(heading, start, end, NO_DATA)
        # A period still running is counted to date (nothing is recorded ahead of today) and labelled so.
        return Column(heading + (" (to date)" if end > today else ""), start, end)

    try:
        quarter = periods.Quarter.parse(chosen.key)
    except ValueError:
        quarter = None
    if quarter is not None:
        last_year = periods.Quarter(quarter.start_year - 1, quarter.number)
        return [column(quarter.label, quarter.start, quarter.end),
                column(quarter.previous.label, quarter.previous.start, quarter.previous.end),
                column(last_year.label, last_year.start, last_year.end)], 0, 1
    year = periods.FinancialYear.parse(chosen.key)
    found = [column(q.label.split(" ")[-1], q.start, q.end) for q in year.quarters]
    found += [column(year.label, year.start, year.end), column(year.previous.label, year.previous.start, year.previous.end)]
    return found, 4, 5


def positive_by_item(db: sqlite_utils.Database, user: User, form: str, items: list, start: dt.date, end: dt.date, *,
                     pooled: bool, source: str = "bso_call") -> dict[tuple[str, str], tuple[int, int]]:
    """{(item_id, cohort or 'all'): (positive, valid answers)} for a form's answers over a range of days."""
    counts = explorer.answer_counts(db, user, explorer.Filters(start, end, source=source), form)
    by_key: dict[tuple[str, str], dict[str, int]] = {}
    for row in counts:
        group = "all" if pooled else row["cohort"]
        slot = by_key.setdefault((row["item_id"], group), {})
        slot[row["value"]] = slot.get(row["value"], 0) + row["n"]
    found = {}
    for item in items:
        for (item_id, group), answers in by_key.items():
            if item_id == item.id:
                summary = analysis.likert(item.id, answers, positive=item.scale.positive, excluded=item.scale.excluded)
                if summary.base:
                    found[(item_id, group)] = (summary.positive, summary.base)
    return found


def child_answers(db: sqlite_utils.Database, start: dt.date, end: dt.date) -> dict[tuple[str, str], dict[str, int]]:
    """{(age band, item_id): {answer code: n}} for children's views over a range of days."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for row in db.query(
        """select r.age_band, a.item_id, a.value, count(*) as n from answers a join responses r on r.id = a.response_id
           where r.deleted_at is null and r.form = 'child' and r.contact_on >= :s and r.contact_on <= :e
           group by 1, 2, 3""", {"s": start.isoformat(), "e": end.isoformat()}):
        found.setdefault((row["age_band"], row["item_id"]), {})[row["value"]] = row["n"]
    return found


def positive_by_band(db: sqlite_utils.Database, bank: questions.Bank, measures: dict[str, tuple], bands: tuple,
                     start: dt.date, end: dt.date) -> dict[tuple[str, str], tuple[int, int]]:
    """{(item_id, band): (positive, valid answers)} for the children's measures compared across bands."""
    answers = child_answers(db, start, end)
    found = {}
    for items in measures.values():
        for band, item_id in zip(bands, items):
            if item_id is None:
                continue
            scale = bank.items[item_id].scale
            summary = analysis.likert(item_id, answers.get((band, item_id), {}), positive=scale.positive,
                                      excluded=scale.excluded)
            if summary.base:
                found[(item_id, band)] = (summary.positive, summary.base)
    return found


def shown_percent(positive: int, base: int, rules: suppression.Rules) -> float | None:
    """The % the rule would print, as a number (None where it withholds it)."""
    text = suppression.percent(positive, base, rules)
    return float(text.rstrip("%")) if text.endswith("%") else None


@dataclass(frozen=True)
class Cell:
    display: str  # "64% (n=14)" as a token, or a status word
    pct: str | None = None  # the % token
    n: str | None = None  # the base's token
    value: float | None = None  # the % as the rule shows it, None where withheld
    base: int = 0


def cell(led: disclosure.Ledger, form: str, item_id: str, group: str, column: Column,
         found: dict[tuple[str, str], tuple[int, int]] | None, label: str) -> Cell:
    """A trend cell ("64% (n=14)") with its tokens, or a status word."""
    if column.status:
        return Cell(column.status)
    positive, base = (found or {}).get((item_id, group), (0, 0))
    if not base:
        return Cell(NO_DATA)
    n = led.count(led.atom(base, answer_key(form, item_id, group, column.start, column.end)), label=f"{label} (n)")
    pct = led.percent(positive, base, base_of=n, label=label)
    return Cell(led.beside(n, f"{pct} (n={n})"), pct, n, shown_percent(positive, base, led.rules), base)


def change(led: disclosure.Ledger, now: Cell, before: Cell) -> str:
    """How % positive moved between two cells, in points; words where either is not shown."""
    if now.pct is None or before.pct is None:
        return NO_DATA
    if now.value is None or before.value is None:
        return analysis.HIDDEN_MOVEMENT
    points = round(now.value - before.value)
    sign = "+" if points > 0 else "−" if points < 0 else "±"
    words = "▲ up" if points >= BIG_CHANGE else "▼ down" if points <= -BIG_CHANGE else "steady,"
    # The change is worked out from two printed percentages, so it says nothing they do not.
    text = f"{words} {sign}{led.public(abs(points), label='points between two printed percentages')} points"
    return led.beside(now.pct, led.beside(before.pct, text, hidden=analysis.HIDDEN_MOVEMENT),
                      hidden=analysis.HIDDEN_MOVEMENT)


def table(led: disclosure.Ledger, *, title: str, form: str, rows: list[tuple[str, str, str, str]],
          cols: list[Column], now: int, against: int, found: list[dict | None], facts: list[Fact],
          group_heading: str, today: dt.date) -> Table:
    """rows: (item_id, question wording, group key, group name); found: per column, positive_by_* or None.
    Each row's change is column `now` against column `against`; each row's current % is added to facts.
    Where the columns before `now` are its parts (a year's quarters), the reader can add their n up: so can
    the ledger."""
    out = []
    for item_id, question, group, group_name in rows:
        cells = [cell(led, form, item_id, group, column, found[i], f"% positive: {question}, {group_name}, "
                                                                    f"{column.heading}") for i, column in enumerate(cols)]
        if all(c.pct is None for c in cells):
            continue
        parts = [c.n for c in cells[:now] if c.n is not None]
        if now and cells[now].n is not None and parts:
            led.same(led.terms(cells[now].n), disclosure.plus(*(led.terms(n) for n in parts), led.atom(
                cells[now].base - sum(c.base for c in cells[:now]))))
        out.append((question, group_name, *(c.display for c in cells), change(led, cells[now], cells[against])))
        if cells[now].pct is not None:
            facts.append(Fact(form, item_id, question, group_name, cells[now].pct, cells[now].n, cells[now].value,
                              cells[now].base, cells[against].value, cells[against].pct))
    note = ("% positive = the top two answers over valid answers; n is that base. A change is in percentage points "
            f"(▲/▼ at {led.public(int(BIG_CHANGE))} points or more). ‘{NO_DATA}’: nothing to count (before the "
            f"first entry, or nobody answered); ‘{analysis.HIDDEN_MOVEMENT}’: a figure it depends on is hidden.")
    running = in_progress(cols, today)
    return Table(title, ("Question", group_heading, *(c.heading for c in cols), f"Change since {cols[against].heading}"),
                 tuple(out), note=note + (" " + running if running else ""), text_columns=(1,))


def in_progress(cols: list[Column], today: dt.date) -> str:
    """The note that says a column is counted to date, not like for like, where one is."""
    running = [c for c in cols if c.heading.endswith("(to date)")]
    if not running:
        return ""
    return (f"{running[0].heading.removesuffix(' (to date)')} is counted to {dates.long_day(today)}: its % positive "
            "covers the days so far and the other columns are whole periods (a share, so it compares like for like "
            "as answers come in).")
