"""The report's "How much are we doing" section, on a small hand-built set where every number is known."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from lib import store, suppression
from lib.kpis import figures, measures, performance, recruitment
from lib.people import accounts
from lib.report import build as report
from lib.report import kpi_section
from lib.report import pdf as report_pdf

TODAY = dt.date(2026, 4, 15)
Q4 = "2025/26-Q4"  # January to March 2026
DFE = suppression.PRESETS["dfe"]


@pytest.fixture
def world(db, qa):
    for name in ("North Team", "South Team"):
        accounts.create_team(db, qa, name)
    figures.import_csv(db, qa, "month,team,measure,in time,out of time\n"
                            "2026-01,North Team,Support visits in time,40,8\n2026-01,South Team,Support visits in time,30,7\n"
                            "2026-01,North Team,Annual review in time,20,10\n2026-01,South Team,Annual review in time,25,5\n"
                            "2026-02,North Team,Support visits in time,41,7\n2026-02,South Team,Support visits in time,33,6\n"
                            "2026-02,North Team,Annual review in time,22,8\n2026-02,South Team,Annual review in time,26,6\n"
                            # March: no support visits (a late extract); a KIT call figure too small to publish.
                            "2026-03,North Team,Annual review in time,24,6\n2026-03,South Team,Annual review in time,27,7\n"
                            "2026-03,North Team,KIT call in the last 4 weeks,3,9\n", today=TODAY)
    recruitment.import_csv(db, qa, "month,team,measure,number\n2026-01,,Enquiries,20\n2026-01,,Assessments started,3\n"
                                   "2026-02,,Enquiries,15\n", today=TODAY)
    with store.write(db):
        north = db.execute("select id from teams where name = 'North Team'").fetchone()[0]
        for n in range(12):
            db.execute("""insert into households (reference, display_name, cohort, team_id, approval_on, status,
                          created_at, updated_at) values (:r, :r, 'mainstream', :t, '2020-06-01', 'active', 'now', 'now')""",
                       {"r": f"LL{n}", "t": north})
    return qa


def kpi_part(db, qa):
    return next(s for s in report.build(db, qa, Q4, today=TODAY).sections if s.key == "kpis")


def rows_of(section, title_start):
    return next(t for t in section.tables if t.title.startswith(title_start)).rows


def test_the_position_is_each_measures_last_month_with_figures_with_small_counts_suppressed(db, world):
    section = kpi_part(db, world)
    assert section.title == "How much are we doing"
    rows = {r[0]: r[1:] for r in rows_of(section, "Key performance indicators: the position")}
    assert rows["Support visits in time"] == ("74", "13", "85%", "▲ Amber", "Feb 2026")  # March had none
    assert rows["Annual review in time"] == ("51", "13", "80%", "▲ Amber", "Mar 2026")  # 79.7% shows as 80%
    assert rows["KIT call in the last 4 weeks"] == ("c", "c", "c", "c", "Mar 2026")  # 3 in time: hidden, and 9 too
    assert rows["Unannounced visits in time"] == ("–", "–", "no data", "no data", "")
    assert section.summary[0] == "At the end of 2025/26 Q4: 2 Amber, 5 with no data."


def test_the_three_months_show_each_months_percentage_and_no_data_for_a_missing_month(db, world):
    rows = {r[0]: r[1:] for r in rows_of(kpi_part(db, world), "% in time month by month")}
    assert rows["Support visits in time"] == ("82% ▲ Amber", "85% ▲ Amber", "no data")
    assert rows["Annual review in time"] == ("75% ■ Red", "77% ■ Red", "80% ▲ Amber")
    assert rows["KIT call in the last 4 weeks"] == ("no data", "no data", "c")


def test_each_teams_position_is_shown_beside_the_others(db, world):
    section = kpi_part(db, world)
    table = next(t for t in section.tables if t.title.startswith("By team"))
    assert table.columns == ("Measure", "North Team", "South Team")
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Support visits in time"] == ("85% ▲ Amber", "85% ▲ Amber")
    assert rows["Annual review in time"] == ("80% ▲ Amber", "79% ■ Red")
    assert rows["KIT call in the last 4 weeks"] == ("c", "no data")


def test_register_and_recruitment_figures_are_suppressed_like_every_other_count(db, world):
    section = kpi_part(db, world)
    assert rows_of(section, "Approved households on the register at 31 March 2026") == (
        ("North Team", "12", "0", "12"), ("All teams", "12", "0", "12"))
    assert rows_of(section, "Foster carer recruitment and Annual Reviews") == (
        ("January 2026", "20", "c", "no data", "no data", "no data"),
        ("February 2026", "15", "no data", "no data", "no data", "no data"),
        ("March 2026", "no data", "no data", "no data", "no data", "no data"),
        ("Period total", "35", "c", "no data", "no data", "no data"))
    assert "Households approved in the period: 0; de-registered: 0." in section.summary
    assert "Approved households on the register at the end of the period: 12." in section.summary


def test_the_chart_is_the_dashboards_chart_with_hidden_points_noted(db, world):
    chart = kpi_part(db, world).charts[0]
    assert '"facet"' in chart.spec and "Support visits in time" in chart.spec
    assert "1 point(s) on a small base are not drawn (marked c)" in chart.note
    assert '"in_time": "3"' not in chart.spec  # the hidden count is not in the chart's data either


def test_a_period_without_kpi_figures_says_so_and_still_reports_the_register(db, world):
    section = next(s for s in report.build(db, world, "2025/26-Q3", today=TODAY).sections if s.key == "kpis")
    assert "No KPI figures have been imported for this period." in section.summary
    assert "No recruitment figures have been imported for this period." in section.summary
    assert not section.charts and any(t.title.startswith("Approved households") for t in section.tables)


def test_the_position_picks_the_latest_month_with_a_figure_for_each_measure():
    measure = measures.Measure("m", "M", "", (), 90, 80, 1)
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    assert kpi_section.position([(jan, [performance.Figure(measure, 5, 5)]), (feb, [performance.Figure(measure, None, None)])]) == [
        (performance.Figure(measure, 5, 5), jan)]
    assert kpi_section.position([(jan, [performance.Figure(measure, None, None)])]) == [(performance.Figure(measure, None, None), None)]


@pytest.mark.parametrize("in_time, out_of_time, expected", [
    (45, 12, ("45", "12", "79%", "■ Red")),
    (3, 50, ("c", "c", "c", "c")),  # with the % and 50, the 3 could be worked out
    (50, 3, ("c", "c", "c", "c")),
    (7, 0, ("7", "0", "c", "c")),  # a base under 10: no %
    (0, 0, ("0", "0", "no data", "no data")),
    (0, 12, ("0", "12", "0%", "■ Red")),
])
def test_a_published_kpi_row_hides_small_counts_and_the_percentage_they_would_give_away(in_time, out_of_time, expected):
    figure = performance.Figure(measures.Measure("m", "M", "", (), 90, 80, 1), in_time, out_of_time)
    assert performance.cells(figure, DFE) == expected


def test_the_section_is_in_the_pdf_and_new_figures_change_the_reports_fingerprint(db, world):
    value = report.build(db, world, Q4, today=TODAY)
    pdf, warnings = report_pdf.render(value)
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "How much are we doing" in words and "Support visits in time" in words and "Amber" in words
    assert not [w for w in warnings if "How much" in w]
    figures.enter_month(db, world, month=dt.date(2026, 3, 1), team_id=1, values={"support_visits": (40, 8)}, today=TODAY)
    assert report.fingerprint(report.build(db, world, Q4, today=TODAY)) != report.fingerprint(value)


def test_a_report_built_mid_quarter_does_not_call_months_still_to_come_missing(db, world):
    def missing_note(today):
        section = next(s for s in report.build(db, world, "2026/27-Q1", today=today).sections if s.key == "kpis")
        return next((s for s in section.summary if s.startswith("No KPI figures were imported for")), "")

    figures.import_csv(db, world, "month,team,measure,in time,out of time\n2026-04,North Team,Support visits in time,40,8\n",
                    today=dt.date(2026, 5, 2))
    assert missing_note(dt.date(2026, 5, 20)) == ""  # May has not ended, June has not begun
    assert missing_note(dt.date(2026, 7, 2)) == "No KPI figures were imported for May 2026, June 2026."


def test_a_period_in_progress_reads_the_register_as_it_is_today_not_at_a_date_to_come(demo_db):
    import datetime as dt

    from lib import periods
    from lib.report import build as report
    from tests.fixtures import user

    quarter = periods.recent(dt.date.today(), 1)[0]  # the demo's latest quarter, read three weeks in
    today = quarter.start + dt.timedelta(days=20)
    value = report.build(demo_db, user(demo_db, "qa"), quarter.slug, today=today)
    kpis = next(s for s in value.sections if s.key == "kpis")
    day = f"{today.day} {today:%B %Y}"
    assert f"Approved households on the register at {day}" in [t.title for t in kpis.tables]
    assert f"Approved households on the register on {day} (the period is in progress): " in "\n".join(kpis.summary)
    assert value.period_label.endswith(f", to date ({day})")
