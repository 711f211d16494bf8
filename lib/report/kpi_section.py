"""The report's "How much are we doing" section: the KPI table for the period's months and its position,
by team, with the register's and recruitment's figures, suppressed like every other published number.

The period's position for a measure is its figure in the last month of the period that has one: the
measures count what is in time at a point (e.g. supervision in the last 12 weeks), so months are not
added up. lib/report.py calls section() and renders the result like any other section.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import pandas as pd
import sqlite_utils

from lib import charts, dates, disclosure, periods, suppression
from lib.access import User
from lib.kpis import figures, performance, recruitment
from lib.kpis import measures as kpi_measures
from lib.report.model import Chart, Section, Table

COHORTS = ("mainstream", "kinship")


def position(series: Sequence[tuple[dt.date, Sequence[performance.Figure]]]) -> list[tuple[performance.Figure, dt.date | None]]:
    """Pure: each measure's latest figure in the series with the month it is from (no data: the last month, None)."""
    found = []
    for index, figure in enumerate(series[-1][1]):
        latest = next(((month, figures[index]) for month, figures in reversed(series)
                       if figures[index].in_time is not None), None)
        found.append((latest[1], latest[0]) if latest else (figure, None))
    return found


def _figure_cells(led: disclosure.Ledger, figure: performance.Figure, cells: tuple[str, str, str, str], where: str
                  ) -> tuple[str, str, str, str]:
    """A KPI figure's cells (performance.cells) as ledger tokens: (in time, out of time, %, indicator)."""
    if figure.in_time is None:
        return cells
    hide = suppression.SUPPRESSED in cells[:2]
    in_time = led.count(figure.in_time, label=f"{where}: in time", hide=hide)
    out_of_time = led.count(figure.out_of_time, label=f"{where}: out of time", hide=hide)
    if not cells[2].endswith("%"):
        return in_time, out_of_time, led.beside(in_time, cells[2]), led.beside(in_time, cells[3])
    pct = led.percent(figure.in_time, figure.in_time + figure.out_of_time, label=f"{where}: %", text=cells[2])
    return in_time, out_of_time, pct, led.beside(pct, cells[3])


def _shown_pct(led: disclosure.Ledger, figure: performance.Figure, where: str) -> str:
    _, _, pct, mark = performance.cells(figure, led.rules)
    if figure.in_time is None or not pct.endswith("%"):
        return pct
    shown = led.percent(figure.in_time, figure.in_time + figure.out_of_time, label=f"{where}: %", text=pct)
    return led.beside(shown, f"{shown} {mark}")


def _kpi_tables(series, columns: list[dt.date], led: disclosure.Ledger, label: str) -> tuple[list[Table], list[str]]:
    rows, marks = [], {}
    for figure, month in position(series):
        shown = performance.cells(figure, led.rules)
        rows.append((figure.measure.name, *_figure_cells(led, figure, shown, f"{figure.measure.name}, {label}"),
                     dates.short_month(month) if month else ""))
        mark = shown[3]
        if mark != suppression.SUPPRESSED:
            marks[mark] = marks.get(mark, 0) + 1
    main = Table(f"Key performance indicators: the position at the end of {label} (whole service)",
                 ("Measure", "In time / completed", "Out of time / not completed", "%", "Indicator", "As at"),
                 tuple(rows), note="The position is each measure's figure for the last month of the period that has "
                                   "one. Indicator: ● Green, ▲ Amber, ■ Red against the thresholds below.")
    by_month = {month: figures for month, figures in series}
    monthly = Table("% in time month by month (whole service)" if len(columns) == len(series)
                    else "% in time at the end of each quarter (whole service)",
                    ("Measure", *(dates.short_month(m) for m in columns)),
                    tuple((figure.measure.name, *(_shown_pct(led, by_month[m][i], f"{figure.measure.name}, "
                                                                                 f"{dates.short_month(m)}")
                                                  for m in columns))
                          for i, figure in enumerate(series[-1][1])))
    order = [kpi_measures.indicator(v) for v in kpi_measures.RAG_WORDS] + [kpi_measures.NO_DATA]
    words = [f"{led.public(marks[k])} {k.split(' ', 1)[-1] if k != kpi_measures.NO_DATA else 'with no data'}"
             for k in order if k in marks]  # numbers of measures, not of people
    summary = [f"At the end of {label}: " + ", ".join(words) + "."] if words else []
    return [main, monthly], summary


def _team_table(measures: Sequence[kpi_measures.Measure], team_series: list[tuple[str, list]], led: disclosure.Ledger,
                label: str) -> Table | None:
    if not team_series:
        return None
    positions = [(team, {figure.measure.id: figure for figure, _ in position(series)}) for team, series in team_series]
    rows = tuple((m.name, *(_shown_pct(led, found[m.id], f"{m.name}, {team}") if m.id in found else kpi_measures.NO_DATA
                            for team, found in positions)) for m in measures)
    r = led.rules
    return Table(f"By team: the position at the end of {label} (% in time)",
                 ("Measure", *(team for team, _ in positions)), rows,
                 note=f"A team's % is shown as c when either of its counts is {led.public(r.suppress_min)} to "
                      f"{led.public(r.suppress_max)} or its base is under {led.public(r.min_base)}: with the team's households in the register table, the % "
                      "would give the small count away.")


def register_key(team: str, cohort: str, at: dt.date) -> str:
    """The ledger atom of the households on the register in a team and cohort on a day (the coverage table's base)."""
    return f"register:{team}:{cohort}:{at.isoformat()}"


def _register_tables(db, user: User, period: periods.Period, led: disclosure.Ledger, today: dt.date | None = None
                     ) -> tuple[list[Table], list[str]]:
    at = min(period.end, today) if today else period.end  # a period in progress: the register as it is today
    held = recruitment.register_position(db, user, at)
    teams = sorted({team for team, _ in held}, key=str.casefold)
    tables, summary = [], []
    if teams:
        grid = led.table([[held.get((t, c), 0) for c in COHORTS] for t in teams], row_totals=True, column_totals=True,
                         label="Approved households on the register", rows=teams, columns=COHORTS,
                         names=[[register_key(t, c, at) for c in COHORTS] for t in teams])
        rows = tuple((t, *grid.cells[i], grid.row_totals[i]) for i, t in enumerate(teams))
        rows += (("All teams", *grid.column_totals, grid.grand_total),)
        tables.append(Table(f"Approved households on the register at {dates.long_day(at)}",
                            ("Team", "Mainstream", "Kinship", "Total"), rows,
                            note="From the carer register: households approved by that date and active on it, with "
                                 "their team and placement type as the register has them now."))
        when = "at the end of the period" if at == period.end else f"on {dates.long_day(at)} (the period is in progress)"
        summary.append(f"Approved households on the register {when}: {grid.grand_total}.")
    movement = recruitment.register_movement(db, user, period.months)
    keys = [f"{w}_{c}" for w in ("approved", "deregistered") for c in COHORTS]
    grid = led.table([[found[k] for k in keys] for _, found in movement], column_totals=True,
                     label="Households approved and de-registered", rows=[dates.month(m) for m, _ in movement],
                     columns=keys)
    rows = tuple((dates.month(m), *grid.cells[i]) for i, (m, _) in enumerate(movement))
    rows += (("Period total", *grid.column_totals),)
    tables.append(Table("Households approved and de-registered",
                        ("Month", "Approved: mainstream", "Approved: kinship", "De-registered: mainstream",
                         "De-registered: kinship"), rows,
                        note="Approved: by approval date in the register. De-registered: made inactive by a register "
                             "import."))
    # The summary's numbers are sums of the table's columns, so they are tied to the cells they add up.
    approved = led.count(disclosure.plus(*(grid.terms[(len(movement), c)] for c in (0, 1))),
                         label="Households approved in the period")
    gone = led.count(disclosure.plus(*(grid.terms[(len(movement), c)] for c in (2, 3))),
                     label="Households de-registered in the period")
    summary.append(f"Households approved in the period: {approved}; de-registered: {gone}.")
    return tables, summary


def recruitment_key(measure: str, month: dt.date) -> str:
    """The ledger atom of a recruitment figure for a month (coverage sets children's views against reviews held)."""
    return f"recruitment:{measure}:{month.isoformat()}"


def _recruitment_table(db, user: User, period: periods.Period, led: disclosure.Ledger) -> Table | None:
    found = recruitment.figures(db, user, period.months)
    if not any(v is not None for _, values in found for v in values.values()):
        return None
    codes = list(recruitment.MEASURES)
    grid = led.table([[values[k] or 0 for k in codes] for _, values in found], column_totals=True,
                     label="Foster carer recruitment", rows=[dates.month(m) for m, _ in found],
                     columns=list(recruitment.MEASURES.values()),
                     names=[[recruitment_key(k, m) for k in codes] for m, _ in found])
    rows = tuple((dates.month(m), *(kpi_measures.NO_DATA if values[k] is None else grid.cells[i][j]
                                         for j, k in enumerate(codes))) for i, (m, values) in enumerate(found))
    empty = [all(values[k] is None for _, values in found) for k in codes]
    rows += (("Period total", *(kpi_measures.NO_DATA if empty[j] else total for j, total in enumerate(grid.column_totals))),)
    return Table("Foster carer recruitment and Annual Reviews", ("Month", *recruitment.MEASURES.values()), rows,
                 note="From the recruitment figures QA imports each month; 'no data' means none were imported.")


def section(db: sqlite_utils.Database, user: User, period: periods.Period, led: disclosure.Ledger, *, key: str,
            title: str, today: dt.date | None = None) -> Section:
    """The "How much are we doing" section for a period (quarter or year), suppressed by the rules in force."""
    months = list(period.months)
    label = period.short
    series = performance.trend(db, user, months)
    has_kpis = any(f.in_time is not None for _, figures in series for f in figures)
    summary: list[str] = []
    tables: list[Table] = []
    found_charts: tuple[Chart, ...] = ()
    if has_kpis:
        columns = months if len(months) <= 3 else months[2::3]
        kpi_tables, kpi_summary = _kpi_tables(series, columns, led, label)
        summary += kpi_summary
        ended = [m for m in months if today is None or (m + dt.timedelta(days=32)).replace(day=1) <= today]
        missing = [dates.month(m) for m, figures in series
                   if m in ended and all(f.in_time is None for f in figures)]
        if missing:
            summary.append(f"No KPI figures were imported for {', '.join(missing)}.")
        tables += kpi_tables
        team_series = []
        for team_id, team in figures.team_names(db).items():
            team_trend = performance.trend(db, user, months, team_id=team_id)
            if any(f.in_time is not None for _, figures in team_trend for f in figures):
                team_series.append((team, team_trend))
        team_table = _team_table([f.measure for f in series[-1][1]], team_series, led, label)
        if team_table:
            tables.append(team_table)
        frame = performance.trend_frame(series, rules=led.rules)
        hidden = int((frame["note"] == suppression.SUPPRESSED).sum())
        # The points are the monthly table's own percentages (tokens), so the chart shows nothing the table hides.
        frame["percent"] = [None if pd.isna(row.percent) else led.percent(
            f.in_time, f.in_time + f.out_of_time, text=f"{f.percent}", label=f"{f.measure.name}, {row.month}: % (chart)")
            for row, f in zip(frame.itertuples(), (f for _, figures in series for f in figures))]
        frame = frame.drop(columns=["in_time", "out_of_time"])
        found_charts = (Chart("% in time by month, with the Green and Amber thresholds",
                              charts.spec(charts.kpi_trend(frame)),
                              alt="One small chart per measure: the whole service's % in time each month as points "
                                  "shaped by indicator (circle Green, triangle Amber, square Red), with dashed lines at "
                                  "the Green and Amber thresholds.",
                              note="Months with no figures are marked 'no data'." + (
                                  f" {led.public(hidden)} point(s) on a small base are not drawn (marked c)."
                                  if hidden else "")),)
    else:
        summary.append("No KPI figures have been imported for this period.")
    register_tables, register_summary = _register_tables(db, user, period, led, today)
    summary += register_summary
    tables += register_tables
    recruited = _recruitment_table(db, user, period, led)
    if recruited:
        tables.append(recruited)
    else:
        summary.append("No recruitment figures have been imported for this period.")
    found = kpi_measures.measures(db)
    tables.append(Table(f"Measures and thresholds (definitions version {led.public(kpi_measures.current_version(db))})",
                        ("Measure", "Green from", "Amber from", "Status"),
                        tuple((m.name, led.public(f"{m.green_from}%"), led.public(f"{m.amber_from}%"),
                               "active" if m.active else "retired")
                              for m in found if m.active or any(f.measure.id == m.id for f in series[-1][1]))))
    return Section(key, title, summary=tuple(summary), tables=tuple(tables), charts=found_charts)
