"""The performance dashboard and the performance-figures page, through AppTest on the demo database."""

from lib import periods
from lib.kpis import figures, measures, performance
from lib.ui import session
from tests.conftest import by_label, no_exceptions
from tests.fixtures import user

INDICATORS = {"● Green", "▲ Amber", "■ Red", "no data"}


def dashboard(app, db, role="manager"):
    at = app(user(db, role))
    at.switch_page("app_pages/kpis/kpi_dashboard.py").run()
    assert no_exceptions(at) == []
    return at


def figures_page(app, db, view):
    at = app(user(db, "qa"))
    at.switch_page("app_pages/kpis/kpi_data.py")
    at.session_state["kpi_data_view"] = view
    at.run()
    assert no_exceptions(at) == []
    return at


def kpi_rows(at):
    frame = at.dataframe[0].value
    return {row["Measure"]: row for row in frame.to_dict("records")}


def test_a_manager_sees_the_latest_months_kpi_table_as_the_framework_shows_it(demo_db, app):
    at = dashboard(app, demo_db)
    manager = user(demo_db, "manager")
    latest = performance.months_with_data(demo_db)[0]
    assert by_label(at.selectbox, "Month").value == latest
    rows = kpi_rows(at)
    assert list(next(iter(rows.values())))[:5] == ["Measure", "In time / completed", "Out of time / not completed", "%",
                                                   "Indicator"]
    for figure in performance.table(demo_db, manager, latest):
        row = rows[figure.measure.name]
        assert (row["In time / completed"], row["%"], row["Indicator"]) == (
            f"{figure.in_time:,}", figure.shown_percent, figure.indicator)
    assert {r["Indicator"] for r in rows.values()} <= INDICATORS
    assert len(at.get("vega_lite_chart")) == 1


def test_a_month_missing_a_measure_shows_no_data_for_it_never_zero_percent(demo_db, app):
    manager = user(demo_db, "manager")
    gap = next(m for m in performance.months_with_data(demo_db)
               if any(f.in_time is None for f in performance.table(demo_db, manager, m)))
    at = dashboard(app, demo_db)
    by_label(at.selectbox, "Month").set_value(gap).run()
    assert no_exceptions(at) == []
    missing = [f.measure.name for f in performance.table(demo_db, manager, gap) if f.in_time is None]
    rows = kpi_rows(at)
    for name in missing:
        assert (rows[name]["%"], rows[name]["Indicator"], rows[name]["In time / completed"]) == ("no data", "no data",
                                                                                                "–")
    assert all(r["%"] != "0%" for r in rows.values())


def test_choosing_a_team_shows_that_teams_figures_rather_than_the_whole_service(demo_db, app):
    manager = user(demo_db, "manager")
    latest = performance.months_with_data(demo_db)[0]
    kinship = next(t for t, name in figures.team_names(demo_db).items() if name == "Kinship Team")
    at = dashboard(app, demo_db)
    by_label(at.selectbox, "Whole service or a team").set_value(kinship).run()
    rows = kpi_rows(at)
    team = performance.table(demo_db, manager, latest, team_id=kinship)
    assert [rows[f.measure.name]["In time / completed"] for f in team] == [f"{f.in_time:,}" for f in team]
    assert team != performance.table(demo_db, manager, latest) and "Teams" not in next(iter(rows.values()))


def test_qa_enters_a_teams_month_by_hand_and_the_dashboard_shows_it(demo_db, app):
    at = figures_page(app, demo_db, "Enter a month by hand")
    assert by_label(at.selectbox, "Month").value == periods.months_back(session.today(), 2)[0]  # last month's extract is late
    month = session.today().replace(day=1)  # nothing imported yet, so the form starts empty
    by_label(at.selectbox, "Month").set_value(month).run()
    team = by_label(at.selectbox, "Team").value
    base = f"kpi_manual_{month:%Y%m}_{team}_0"
    assert at.number_input(key=f"{base}_support_visits_in").value is None
    at.number_input(key=f"{base}_support_visits_in").set_value(50)
    at.number_input(key=f"{base}_support_visits_out").set_value(0)
    at.button(key=f"FormSubmitter:{base}-Save figures").click().run()
    assert no_exceptions(at) == [] and at.error == []
    assert at.success[0].value == f"Saved 1 change(s) for {figures.team_names(demo_db)[team]}, {periods.month_label(month)}."
    mine = {f.measure.id: f for f in performance.table(demo_db, user(demo_db, "qa"), month, team_id=team)}
    assert (mine["support_visits"].in_time, mine["support_visits"].out_of_time) == (50, 0)
    assert mine["kit_call"].in_time is None
    at = dashboard(app, demo_db)
    assert by_label(at.selectbox, "Month").value == month
    assert kpi_rows(at)["Support visits in time"]["%"] == "100%"


def test_a_half_filled_pair_is_refused_on_screen_and_nothing_is_saved(demo_db, app):
    at = figures_page(app, demo_db, "Enter a month by hand")
    month = session.today().replace(day=1)
    by_label(at.selectbox, "Month").set_value(month).run()
    team = by_label(at.selectbox, "Team").value
    before = demo_db.execute("select count(*) from kpi_figures").fetchone()[0]
    base = f"kpi_manual_{month:%Y%m}_{team}_0"
    at.number_input(key=f"{base}_annual_review_in").set_value(12)
    at.button(key=f"FormSubmitter:{base}-Save figures").click().run()
    assert at.error[0].value == "Nothing was saved: Annual review in time: out of time is missing."
    assert at.number_input(key=f"{base}_annual_review_in").value == 12  # what was typed is kept
    assert demo_db.execute("select count(*) from kpi_figures").fetchone()[0] == before


def test_qa_raises_a_threshold_and_the_dashboards_indicator_follows(demo_db, app):
    manager = user(demo_db, "manager")
    latest = performance.months_with_data(demo_db)[0]
    before = {f.measure.id: f for f in performance.table(demo_db, manager, latest)}["support_visits"]
    assert before.percent < 100
    at = figures_page(app, demo_db, "Measures")
    by_label(at.selectbox, "Measure").set_value("support_visits").run()
    by_label(at.number_input, "Green from (%)").set_value(100)
    by_label(at.number_input, "Amber from (%)").set_value(100)
    at.button(key="FormSubmitter:kpi_measure_support_visits_0-Save measure").click().run()
    assert no_exceptions(at) == [] and at.success[0].value == "Measure saved as a new version."
    assert measures.current_version(demo_db) == 2
    rows = kpi_rows(dashboard(app, demo_db))
    assert rows["Support visits in time"]["Indicator"] == "■ Red"


def test_a_measure_name_that_looks_like_markup_shows_as_plain_text(demo_db, app):
    name = "**Visits** :red[now] <b>x</b> [link](http://x)"
    measures.save_measure(demo_db, user(demo_db, "qa"), "support_visits", name=name, green_from=90, amber_from=80)
    at = dashboard(app, demo_db)
    assert name in kpi_rows(at)
    assert not any("Visits" in m.value for m in at.markdown)


def test_the_history_lists_each_import_with_how_many_figures_are_still_current(demo_db, app):
    at = figures_page(app, demo_db, "History")
    kpi_history = at.dataframe[0].value
    assert list(kpi_history["How"]) == ["import", "import"]
    assert kpi_history["Still current"].iloc[1] < kpi_history["Figures"].iloc[1]  # the corrected month replaced some
