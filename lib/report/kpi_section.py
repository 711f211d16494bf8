"""The report's "How much are we doing" section: the KPI table for the period's months and its position,
by team, with the register's and recruitment's figures, suppressed like every other published number.

The period's position for a measure is its figure in the last month of the period that has one: the
measures count what is in time at a point (e.g. supervision in the last 12 weeks), so months are not
added up. lib/report.py calls section() and renders the result like any other section.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import sqlite_utils

from lib import charts, dates, periods, suppression
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


def _shown_pct(figure: performance.Figure, r: suppression.Rules) -> str:
    _, _, pct, mark = performance.cells(figure, r)
    return pct if not pct.endswith("%") else f"{pct} {mark}"


def _kpi_tables(series, columns: list[dt.date], r: suppression.Rules, label: str) -> tuple[list[Table], list[str]]:
    rows, marks = [], {}
    for figure, month in position(series):
        cells = performance.cells(figure, r)
        rows.append((figure.measure.name, *cells, dates.short_month(month) if month else ""))
        if cells[3] != suppression.SUPPRESSED:
            marks[cells[3]] = marks.get(cells[3], 0) + 1
    main = Table(f"Key performance indicators: the position at the end of {label} (whole service)",
                 ("Measure", "In time / completed", "Out of time / not completed", "%", "Indicator", "As at"),
                 tuple(rows), note="The position is each measure's figure for the last month of the period that has "
                                   "one. Indicator: ● Green, ▲ Amber, ■ Red against the thresholds below.")
    by_month = {month: figures for month, figures in series}
    monthly = Table("% in time month by month (whole service)" if len(columns) == len(series)
                    else "% in time at the end of each quarter (whole service)",
                    ("Measure", *(dates.short_month(m) for m in columns)),
                    tuple((figure.measure.name, *(_shown_pct(by_month[m][i], r) for m in columns))
                          for i, figure in enumerate(series[-1][1])))
    order = [kpi_measures.indicator(v) for v in kpi_measures.RAG_WORDS] + [kpi_measures.NO_DATA]
    words = [f"{marks[k]} {k.split(' ', 1)[-1] if k != kpi_measures.NO_DATA else 'with no data'}" for k in order if k in marks]
    summary = [f"At the end of {label}: " + ", ".join(words) + "."] if words else []
    return [main, monthly], summary


def _team_table(measures: Sequence[kpi_measures.Measure], team_series: list[tuple[str, list]], r: suppression.Rules,
                label: str) -> Table | None:
    if not team_series:
        return None
    positions = [(team, {figure.measure.id: figure for figure, _ in position(series)}) for team, series in team_series]
    rows = tuple((m.name, *(_shown_pct(found[m.id], r) if m.id in found else kpi_measures.NO_DATA for _, found in positions))
                 for m in measures)
    return Table(f"By team: the position at the end of {label} (% in time)",
                 ("Measure", *(team for team, _ in positions)), rows,
                 note=f"A team's % is shown as c when either of its counts is {r.suppress_min} to {r.suppress_max} "
                      f"or its base is under {r.min_base}: with the team's households in the register table, the % "
                      "would give the small count away.")


def _register_tables(db, user: User, period: periods.Period, r: suppression.Rules) -> tuple[list[Table], list[str]]:
    held = recruitment.register_position(db, user, period.end)
    teams = sorted({team for team, _ in held}, key=str.casefold)
    tables, summary = [], []
    if teams:
        grid = suppression.table([[held.get((t, c), 0) for c in COHORTS] for t in teams], r, row_totals=True,
                                 column_totals=True)
        rows = tuple((t, *grid.cells[i], grid.row_totals[i]) for i, t in enumerate(teams))
        rows += (("All teams", *grid.column_totals, grid.grand_total),)
        tables.append(Table(f"Approved households on the register at {period.end.day} {period.end:%B %Y}",
                            ("Team", "Mainstream", "Kinship", "Total"), rows,
                            note="From the carer register: households approved by that date and active on it, with "
                                 "their team and placement type as the register has them now."))
        summary.append(f"Approved households on the register at the end of the period: {grid.grand_total}.")
    movement = recruitment.register_movement(db, user, period.months)
    keys = [f"{w}_{c}" for w in ("approved", "deregistered") for c in COHORTS]
    grid = suppression.table([[found[k] for k in keys] for _, found in movement], r, column_totals=True)
    rows = tuple((dates.month(m), *grid.cells[i]) for i, (m, _) in enumerate(movement))
    rows += (("Period total", *grid.column_totals),)
    tables.append(Table("Households approved and de-registered",
                        ("Month", "Approved: mainstream", "Approved: kinship", "De-registered: mainstream",
                         "De-registered: kinship"), rows,
                        note="Approved: by approval date in the register. De-registered: made inactive by a register "
                             "import."))
    approved = sum(found[k] for _, found in movement for k in keys[:2])
    gone = sum(found[k] for _, found in movement for k in keys[2:])
    summary.append(f"Households approved in the period: {suppression.count(approved, r)}; de-registered: "
                   f"{suppression.count(gone, r)}.")
    return tables, summary


def _recruitment_table(db, user: User, period: periods.Period, r: suppression.Rules) -> Table | None:
    found = recruitment.figures(db, user, period.months)
    if not any(v is not None for _, values in found for v in values.values()):
        return None
    codes = list(recruitment.MEASURES)
    grid = suppression.table([[values[k] or 0 for k in codes] for _, values in found], r, column_totals=True)
    rows = tuple((dates.month(m), *(kpi_measures.NO_DATA if values[k] is None else grid.cells[i][j]
                                         for j, k in enumerate(codes))) for i, (m, values) in enumerate(found))
    empty = [all(values[k] is None for _, values in found) for k in codes]
    rows += (("Period total", *(kpi_measures.NO_DATA if empty[j] else total for j, total in enumerate(grid.column_totals))),)
    return Table("Foster carer recruitment", ("Month", *recruitment.MEASURES.values()), rows,
                 note="From the recruitment figures QA imports each month; 'no data' means none were imported.")


def section(db: sqlite_utils.Database, user: User, period: periods.Period, r: suppression.Rules, *, key: str, title: str,
            today: dt.date | None = None) -> Section:
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
        kpi_tables, kpi_summary = _kpi_tables(series, columns, r, label)
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
        team_table = _team_table([f.measure for f in series[-1][1]], team_series, r, label)
        if team_table:
            tables.append(team_table)
        frame = performance.trend_frame(series, rules=r)
        hidden = int((frame["note"] == suppression.SUPPRESSED).sum())
        found_charts = (Chart("% in time by month, with the Green and Amber thresholds",
                              charts.spec(charts.kpi_trend(frame)),
                              alt="One small chart per measure: the whole service's % in time each month as points "
                                  "shaped by indicator (circle Green, triangle Amber, square Red), with dashed lines at "
                                  "the Green and Amber thresholds.",
                              note="Months with no figures are marked 'no data'." + (
                                  f" {hidden} point(s) on a small base are not drawn (marked c)." if hidden else "")),)
    else:
        summary.append("No KPI figures have been imported for this period.")
    register_tables, register_summary = _register_tables(db, user, period, r)
    summary += register_summary
    tables += register_tables
    recruited = _recruitment_table(db, user, period, r)
    if recruited:
        tables.append(recruited)
    else:
        summary.append("No recruitment figures have been imported for this period.")
    found = kpi_measures.measures(db)
    tables.append(Table(f"Measures and thresholds (definitions version {kpi_measures.current_version(db)})",
                        ("Measure", "Green from", "Amber from", "Status"),
                        tuple((m.name, f"{m.green_from}%", f"{m.amber_from}%", "active" if m.active else "retired")
                              for m in found if m.active or any(f.measure.id == m.id for f in series[-1][1]))))
    return Section(key, title, summary=tuple(summary), tables=tuple(tables), charts=found_charts)
