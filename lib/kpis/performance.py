"""The KPI table: figures rolled up by measure, team and month, with their RAG indicator."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd
import sqlite_utils

from lib import access, dates, periods, suppression, text
from lib.access import User
from lib.kpis import figures, measures

# ---- The KPI table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measure's figure for a month at one level: a team, or the whole service (its teams summed)."""

    measure: measures.Measure
    in_time: int | None  # None: no figure at all
    out_of_time: int | None
    teams: int = 0  # how many teams' figures are in it

    @property
    def percent(self) -> int | None:
        return None if self.in_time is None else measures.percent(self.in_time, self.out_of_time)

    @property
    def rag(self) -> str | None:
        return self.measure.rag(self.percent)

    @property
    def indicator(self) -> str:
        return measures.indicator(self.rag)

    @property
    def shown_percent(self) -> str:
        return measures.NO_DATA if self.percent is None else f"{self.percent}%"


def roll_up(found: Sequence[measures.Measure], figures: Iterable[tuple[str, int, int]]) -> list[Figure]:
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
    return roll_up(measures.measures(db), ((r["measure_id"], r["in_time"], r["out_of_time"]) for r in rows))


def by_team(db: sqlite_utils.Database, user: User, month: dt.date) -> list[tuple[str, list[Figure]]]:
    """Every active team's KPI table for a month (and any inactive team with figures), by team name."""
    access.require(user, "view_kpis")
    rows = _current(db, [month.replace(day=1).isoformat()])
    found, names, active = measures.measures(db), figures.team_names(db), figures.active_teams(db)
    shown_teams = [t for t in names if t in active or any(r["team_id"] == t for r in rows)]
    return [(names[t], roll_up(found, ((r["measure_id"], r["in_time"], r["out_of_time"]) for r in rows
                                       if r["team_id"] == t))) for t in shown_teams]


def trend(db: sqlite_utils.Database, user: User, months: Sequence[dt.date], *, team_id: int | None = None
          ) -> list[tuple[dt.date, list[Figure]]]:
    """The KPI table for each month, oldest first (a month without figures has every measure as no data)."""
    access.require(user, "view_kpis")
    keys = [m.replace(day=1).isoformat() for m in months]
    rows = _current(db, keys, team_id)
    found = measures.measures(db)
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
        return "–", "–", measures.NO_DATA, measures.NO_DATA
    if rules is None:
        return f"{figure.in_time:,}", f"{figure.out_of_time:,}", figure.shown_percent, figure.indicator
    in_shown, out_shown = suppression.count(figure.in_time, rules), suppression.count(figure.out_of_time, rules)
    if figure.percent is None:
        return in_shown, out_shown, measures.NO_DATA, measures.NO_DATA
    base = figure.in_time + figure.out_of_time
    if suppression.SUPPRESSED in (in_shown, out_shown) or base < rules.min_base:
        c = suppression.SUPPRESSED
        return (c, c, c, c) if suppression.SUPPRESSED in (in_shown, out_shown) else (in_shown, out_shown, c, c)
    return in_shown, out_shown, figure.shown_percent, figure.indicator


def trend_frame(series: Sequence[tuple[dt.date, Sequence[Figure]]], *, rules: suppression.Rules | None = None
                ) -> pd.DataFrame:
    """The rows charts.kpi_trend draws: one per month and measure, with no data (or a hidden %) as an empty point."""
    rows = []
    for month, shown in series:
        for figure in shown:
            in_shown, out_shown, pct, _ = cells(figure, rules)
            visible = pct.endswith("%")
            rows.append({
                "measure": figure.measure.name, "month": dates.short_month(month),
                "percent": float(figure.percent) if visible else None,
                "indicator": measures.RAG_WORDS[figure.rag] if visible else None,
                "note": None if visible else pct, "in_time": in_shown, "out_of_time": out_shown,
                "green_from": figure.measure.green_from, "amber_from": figure.measure.amber_from,
            })
    return pd.DataFrame(rows, columns=["measure", "month", "percent", "indicator", "note", "in_time", "out_of_time",
                                       "green_from", "amber_from"])


def table_csv(figures: Sequence[Figure], *, month: dt.date, level: str) -> bytes:
    """The KPI table as CSV (UTF-8 with a byte-order mark, for Excel), every cell safe from formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Month", "Level", "Measure", "In time / completed", "Out of time / not completed", "%",
                     "Indicator", "Green from", "Amber from"])
    for f in figures:
        writer.writerow([text.spreadsheet_safe(v) for v in (
            periods.month_label(month), level, f.measure.name, "" if f.in_time is None else f.in_time,
            "" if f.out_of_time is None else f.out_of_time, "" if f.percent is None else f.percent,
            measures.RAG_WORDS[f.rag] if f.rag else measures.NO_DATA, f.measure.green_from, f.measure.amber_from)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
