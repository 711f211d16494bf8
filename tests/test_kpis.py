"""KPIs as data: the RAG indicator at its edges, percentages of nothing, the import's validation and month
replacement, hand entry, and how teams roll up to the whole service."""

import datetime as dt
import json

import pandas as pd
import pytest

from lib import periods, suppression
from lib.access import PermissionDenied
from lib.kpis import figures, measures, performance
from lib.people import accounts, register
from tests.conftest import add_user

TODAY = dt.date(2026, 5, 20)
APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


@pytest.fixture
def teams(db, qa):
    return {name: accounts.create_team(db, qa, name) for name in ("North Team", "South Team")}


def csv(*rows: str, header: str = "month,team,measure,in time,out of time") -> str:
    return "\n".join((header, *rows)) + "\n"


def current(db, month=None):
    return {(r["month"], r["team_id"], r["measure_id"]): (r["in_time"], r["out_of_time"]) for r in db.query(
        "select * from kpi_figures where superseded_by is null and (:m is null or month = :m)",
        {"m": month.isoformat() if month else None})}


def count(db, table):
    return db.execute(f"select count(*) from {table}").fetchone()[0]


def by_measure(figures):
    return {f.measure.id: f for f in figures}


# ---- Pure: the percentage and the indicator ----------------------------------------------------


@pytest.mark.parametrize("pct, expected", [
    (100, "green"), (90, "green"), (89, "amber"), (80, "amber"), (79, "red"), (0, "red"), (None, None),
])
def test_the_indicator_turns_at_each_threshold_exactly(pct, expected):
    assert measures.rag(pct, green_from=90, amber_from=80) == expected


@pytest.mark.parametrize("in_time, out_of_time, shown, expected", [
    (169, 31, 85, "green"),  # 84.5% is shown as 85%, and 85% is Green: the reader can check the row
    (1689, 311, 84, "amber"),  # 84.45% is shown as 84%
    (17, 3, 85, "green"),
    (1, 7, 13, "red"),  # 12.5% rounds half up
])
def test_the_indicator_is_decided_on_the_whole_percentage_as_shown(in_time, out_of_time, shown, expected):
    assert measures.percent(in_time, out_of_time) == shown
    assert measures.rag(measures.percent(in_time, out_of_time), green_from=85, amber_from=70) == expected


def test_equal_thresholds_leave_no_amber_band_and_zero_thresholds_make_everything_green():
    assert [measures.rag(p, green_from=80, amber_from=80) for p in (80, 79)] == ["green", "red"]
    assert measures.rag(0, green_from=0, amber_from=0) == "green"


def test_a_percentage_of_nothing_is_no_data_never_zero_percent():
    measure = measures.Measure("m", "Visits", "", (), 90, 80, 1)
    nothing = performance.Figure(measure, 0, 0, 1)
    missing = performance.Figure(measure, None, None, 0)
    none_in_time = performance.Figure(measure, 0, 12, 1)
    assert measures.percent(0, 0) is None
    assert (nothing.shown_percent, nothing.indicator, nothing.rag) == ("no data", "no data", None)
    assert (missing.shown_percent, missing.indicator) == ("no data", "no data")
    assert (none_in_time.shown_percent, none_in_time.indicator) == ("0%", "■ Red")
    assert performance.cells(nothing) == ("0", "0", "no data", "no data")
    assert performance.cells(missing) == ("–", "–", "no data", "no data")


def test_the_indicator_is_a_word_with_its_own_shape_not_a_colour_alone():
    shown = [measures.indicator(v) for v in ("green", "amber", "red")]
    assert shown == ["● Green", "▲ Amber", "■ Red"]
    assert len({s.split()[0] for s in shown}) == 3


@pytest.mark.parametrize("green, amber, message", [
    (101, 80, "Green from must be a whole percentage from 0 to 100, not 101"),
    (90, -1, "Amber from must be a whole percentage from 0 to 100, not -1"),
    (90.5, 80, "Green from must be a whole percentage"),
    ("ninety", 80, "Green from must be a whole percentage"),
    (80, 90, r"Amber from \(90%\) cannot be above Green from \(80%\)"),
])
def test_thresholds_must_be_whole_percentages_with_amber_not_above_green(green, amber, message):
    with pytest.raises(ValueError, match=message):
        measures.thresholds(green, amber)


# ---- The measures, versioned ------------------------------------------------------------------------


def test_a_new_database_gets_the_frameworks_eight_measures_as_version_1(db):
    found = measures.measures(db)
    assert [m.id for m in found] == ["support_visits", "unannounced_visits", "annual_review", "formal_supervision",
                                     "management_supervision", "training", "kit_call", "notifications"]
    assert all(m.active and 0 <= m.amber_from <= m.green_from <= 100 for m in found)
    assert measures.current_version(db) == 1 and measures.versions(db)[0]["note"].startswith("Default measures")


def test_qa_changes_adds_retires_and_reinstates_measures_each_as_a_new_version(db, qa):
    measures.save_measure(db, qa, "kit_call", name="KIT call in the last 4 weeks", aliases=["Keeping in touch"],
                      green_from=75, amber_from=50)
    added = measures.save_measure(db, qa, None, name="Placement stability meetings in time", green_from=85, amber_from=70)
    measures.set_status(db, qa, "notifications", "retired")
    measures.set_status(db, qa, "notifications", "active")
    assert added == "placement_stability_meetings_in_time"
    assert measures.current_version(db) == 5
    found = {m.id: m for m in measures.measures(db)}
    assert (found["kit_call"].green_from, found["kit_call"].amber_from) == (75, 50)
    assert found["kit_call"].aliases == ("Keeping in touch",) and found["notifications"].active
    first = json.loads(db.execute("select content from kpi_measure_versions where version = 1").fetchone()[0])
    assert next(m for m in first if m["id"] == "kit_call")["green_from"] == 80  # version 1 is kept as it was
    assert count(db, "history") == 4
    assert measures.save_measure(db, qa, added, name="Placement stability meetings in time", green_from=85,
                             amber_from=70) == added
    assert measures.current_version(db) == 5  # saving without a change makes no version


def test_a_versions_note_says_what_changed_in_the_words_of_the_form(db, qa):
    before = next(m for m in measures.measures(db) if m.id == "annual_review")
    measures.save_measure(db, qa, "annual_review", name="Annual reviews held in time", aliases=["Annual review in time"],
                      description=before.description, green_from=85, amber_from=75)
    note = measures.versions(db)[0]["note"]
    assert note == ("Changed Annual reviews held in time: renamed from Annual review in time, other names in files, "
                    "Green from 90% to 85%, Amber from 80% to 75%")
    assert "green_from" not in note and "aliases" not in note


@pytest.mark.parametrize("name, aliases, message", [
    ("Annual review in time", [], "'Annual review in time' is already the name or another name of the measure"),
    ("New one", ["Covid-19 KIT Call in last 4 weeks"], "another name of the measure 'KIT call in the last 4 weeks'"),
    ("  ", [], "Measure name is required"),
    ("!!!", [], "at least one letter or digit"),
])
def test_a_measure_name_a_file_could_not_tell_apart_is_refused(db, qa, name, aliases, message):
    with pytest.raises(ValueError, match=message):
        measures.save_measure(db, qa, None, name=name, aliases=aliases, green_from=90, amber_from=80)
    assert measures.current_version(db) == 1


def test_a_retired_measure_takes_no_new_figures_but_keeps_the_ones_it_has(db, qa, teams):
    figures.import_csv(db, qa, csv("2026-04,North Team,KIT call in the last 4 weeks,5,5"), today=TODAY)
    measures.set_status(db, qa, "kit_call", "retired")
    april = by_measure(performance.table(db, qa, APRIL))
    assert april["kit_call"].percent == 50 and not april["kit_call"].measure.active
    assert "kit_call" not in by_measure(performance.table(db, qa, MAY))
    result = figures.plan(db, csv("2026-05,North Team,KIT call in the last 4 weeks,5,5"), today=TODAY)
    assert result.errors == [figures.RowError(2, "measure 'KIT call in the last 4 weeks' is retired; reinstate it on "
                                              "the Measures tab to import it")]


# ---- Importing the monthly extract --------------------------------------------------------------


def test_a_counts_file_imports_each_month_team_and_measure_matching_names_loosely(db, qa, teams):
    data = csv("2026-04,North Team,Support Visits in Time,40,3",
               "April 2026,NORTH  team,Covid-19 KIT Call in last 4 weeks,29,216",
               "01/05/2026,South Team,annual_review,185,60",
               "Apr-26,south team,Training Support & Development,181,64")
    result = figures.import_csv(db, qa, data, today=TODAY, file_name="extract.csv")
    north, south = teams["North Team"], teams["South Team"]
    assert current(db) == {("2026-04-01", north, "support_visits"): (40, 3),
                           ("2026-04-01", north, "kit_call"): (29, 216),
                           ("2026-05-01", south, "annual_review"): (185, 60),
                           ("2026-04-01", south, "training"): (181, 64)}
    assert result.months == ["2026-04-01", "2026-05-01"] and result.shape == "counts"
    logged = json.loads(db.execute("select detail from history where action = 'import'").fetchone()[0])
    assert logged["figures"] == 4 and logged["file"] == "extract.csv"


@pytest.mark.parametrize("row, reason", [
    ("2026-04,Nowhere Team,Support visits in time,1,2", "team 'Nowhere Team' is not a team in this app"),
    ("2026-04,,Support visits in time,1,2", "team is missing"),
    ("2026-04,North Team,Hugs given,1,2", "measure 'Hugs given' is not one of the measures"),
    ("2026-04,North Team,Support visits in time,-4,2", "in time -4 is negative"),
    ("2026-04,North Team,Support visits in time,4,-2", "out of time -2 is negative"),
    ("2026-04,North Team,Support visits in time,4.5,2", "in time '4.5' is not a whole number"),
    ("2026-04,North Team,Support visits in time,four,2", "in time 'four' is not a whole number"),
    ("2026-04,North Team,Support visits in time,,2", "in time is missing"),
    ("2026-04,North Team,Support visits in time,1000000,2", "in time 1000000 is too large"),
    ("2026-06,North Team,Support visits in time,4,2", "month June 2026 is in the future"),
    ("Spring,North Team,Support visits in time,4,2", "month 'Spring' is not a month"),
    ("1999-12,North Team,Support visits in time,4,2", "month December 1999 is before 2000"),
    ("2026-04,North Team,support visits IN TIME,9,9", "the same month, team and measure is also on line 2"),
])
def test_a_bad_row_is_listed_with_its_line_and_reason_and_nothing_is_imported(db, qa, teams, row, reason):
    data = csv("2026-04,North Team,Support visits in time,40,3", row)
    result = figures.plan(db, data, today=TODAY)
    assert len(result.errors) == 1 and result.errors[0].line == 3 and reason in result.errors[0].reason
    assert not result.ok and result.figures == {}
    with pytest.raises(ValueError, match=r"Nothing was imported: 1 row needs fixing\. line 3: "):
        figures.import_csv(db, qa, data, today=TODAY)
    assert count(db, "kpi_figures") == 0 and count(db, "figure_batches") == 0


def test_every_bad_row_is_listed_and_a_clean_reimport_is_not_half_applied(db, qa, teams):
    figures.import_csv(db, qa, csv("2026-04,North Team,Support visits in time,40,3"), today=TODAY)
    before = current(db)
    data = csv("2026-04,South Team,Support visits in time,30,3", "2026-04,Mars,Support visits in time,1,1",
               "2026-04,South Team,Annual review in time,x,1", "2026-07,South Team,Annual review in time,1,1")
    assert [e.line for e in figures.plan(db, data, today=TODAY).errors] == [3, 4, 5]
    with pytest.raises(ValueError, match=r"3 rows need fixing"):
        figures.import_csv(db, qa, data, today=TODAY)
    assert current(db) == before and count(db, "kpi_figures") == 1


@pytest.mark.parametrize("data, message", [
    ("", "The file is empty"),
    ("month,team,measure\n2026-04,North Team,Support visits in time\n", "no 'out of time' column"),
    ("month,team,measure,in time,out of time\n", "header but no rows"),
    ("team,measure,in time,out of time\nNorth Team,Visits,1,2\n", "The file has no 'month' column"),
    ("month,team,measure,in time,out of time\n".encode("utf-16"), "not readable text"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(db, qa, teams, data, message):
    with pytest.raises(ValueError, match=message):
        figures.import_csv(db, qa, data, today=TODAY)
    assert count(db, "figure_batches") == 0


def test_zero_in_time_and_zero_out_of_time_imports_and_shows_as_no_data(db, qa, teams):
    result = figures.import_csv(db, qa, csv("2026-04,North Team,Support visits in time,0,0"), today=TODAY)
    assert any("0 in time and 0 out of time" in note for note in result.notes)
    visits = by_measure(performance.table(db, qa, APRIL))["support_visits"]
    assert (visits.in_time, visits.out_of_time, visits.shown_percent, visits.indicator) == (0, 0, "no data", "no data")


def test_the_preview_notes_measures_and_teams_a_month_is_missing(db, qa, teams):
    result = figures.plan(db, csv("2026-04,North Team,Support visits in time,40,3"), today=TODAY)
    assert result.ok and result.by_month() == [{"month": "April 2026", "teams": 1, "figures": 1, "replaces": 0}]
    assert any(n.startswith("April 2026, North Team: no figures for Unannounced visits in time") for n in result.notes)
    assert "April 2026: no figures for South Team." in result.notes


def test_a_household_file_counts_in_time_per_team_taking_a_blank_team_from_the_register(db, qa, teams):

    register.import_csv(db, qa, "reference,name,cohort,team\nLL1,A,mainstream,North Team\nLL2,B,kinship,South Team\n"
                                "LL3,C,mainstream,North Team\n", today=TODAY)
    data = csv("2026-04,,Annual review in time,LL1,yes", "2026-04,,Annual review in time,LL3,No",
               "2026-04,,Annual review in time,LL2,Y", "2026-04,South Team,Annual review in time,LL9,yes",
               "2026-04,,KIT call in the last 4 weeks,LL1,no", header="month,team,measure,household,in time")
    result = figures.import_csv(db, qa, data, today=TODAY)
    north, south = teams["North Team"], teams["South Team"]
    assert result.shape == "households" and result.rows == 5
    assert current(db) == {("2026-04-01", north, "annual_review"): (1, 1), ("2026-04-01", south, "annual_review"): (2, 0),
                           ("2026-04-01", north, "kit_call"): (0, 1)}
    assert db.execute("select households from figure_batches").fetchone()[0] == 5


@pytest.mark.parametrize("row, reason", [
    ("2026-04,,Annual review in time,LL1,yes", "the same month, measure and household is also on line 2"),
    ("2026-04,,Annual review in time,LL7,yes", "household LL7 is not in the carer register and the row names no team"),
    ("2026-04,North Team,Annual review in time,LL8,maybe", "in time 'maybe' is not yes or no"),
    ("2026-04,North Team,Annual review in time,,yes", "household is missing"),
])
def test_a_household_file_refuses_repeats_unknown_households_and_answers_that_are_not_yes_or_no(db, qa, teams, row,
                                                                                                  reason):
    data = csv("2026-04,North Team,Annual review in time,LL1,yes", row, header="month,team,measure,household,in time")
    assert [(e.line, e.reason) for e in figures.plan(db, data, today=TODAY).errors] == [(3, reason)]


def test_reimporting_a_month_replaces_it_whole_and_keeps_the_old_figures_as_history(db, qa, teams):
    north, south = teams["North Team"], teams["South Team"]
    figures.import_csv(db, qa, csv("2026-04,North Team,Support visits in time,40,3",
                                "2026-05,North Team,Support visits in time,41,2",
                                "2026-05,South Team,Support visits in time,20,2"), today=TODAY)
    again = figures.plan(db, csv("2026-05,North Team,Support visits in time,43,0"), today=TODAY)
    assert again.replaced == {"2026-05-01": 2}
    figures.import_csv(db, qa, csv("2026-05,North Team,Support visits in time,43,0"), today=TODAY)
    assert current(db) == {("2026-04-01", north, "support_visits"): (40, 3),
                           ("2026-05-01", north, "support_visits"): (43, 0)}
    kept = list(db.query("select team_id, in_time, superseded_by from kpi_figures where superseded_by is not null "
                         "order by team_id"))
    assert kept == [{"team_id": north, "in_time": 41, "superseded_by": 2}, {"team_id": south, "in_time": 20,
                                                                              "superseded_by": 2}]
    history = figures.batches(db, qa)
    assert [(h["id"], h["figures"], h["current"]) for h in history] == [(2, 1, 1), (1, 3, 1)]
    assert by_measure(performance.table(db, qa, MAY, team_id=south))["support_visits"].shown_percent == "no data"


def test_only_qa_may_import_and_a_refused_import_writes_nothing(db, teams):
    manager = add_user(db, "manager")
    with pytest.raises(PermissionDenied):
        figures.import_csv(db, manager, csv("2026-04,North Team,Support visits in time,40,3"), today=TODAY)
    assert count(db, "kpi_figures") == 0


# ---- Entering a month by hand ------------------------------------------------------------------------


def test_a_month_entered_by_hand_replaces_and_blanks_that_teams_figures_keeping_history(db, qa, teams):
    north = teams["North Team"]
    figures.import_csv(db, qa, csv("2026-04,North Team,Support visits in time,40,3",
                                "2026-04,North Team,Annual review in time,30,3",
                                "2026-04,South Team,Annual review in time,20,3"), today=TODAY)
    diff = figures.enter_month(db, qa, month=APRIL, team_id=north, today=TODAY,
                            values={"support_visits": (42, 1), "annual_review": (None, None), "kit_call": ("5", "5"),
                                    "training": None})
    assert diff == {"Support visits in time": [[40, 3], [42, 1]], "Annual review in time": [[30, 3], None],
                    "KIT call in the last 4 weeks": [None, [5, 5]]}
    assert current(db, APRIL) == {("2026-04-01", north, "support_visits"): (42, 1),
                                  ("2026-04-01", north, "kit_call"): (5, 5),
                                  ("2026-04-01", teams["South Team"], "annual_review"): (20, 3)}
    assert count(db, "kpi_figures") == 5  # the two replaced figures are kept
    assert figures.enter_month(db, qa, month=APRIL, team_id=north, today=TODAY, values={"support_visits": (42, 1)}) == {}


@pytest.mark.parametrize("month, values, message", [
    (dt.date(2026, 6, 1), {"support_visits": (1, 1)}, "Month June 2026 is in the future."),
    (APRIL, {"support_visits": (1, None), "kit_call": (-1, 2)},
     "Nothing was saved: Support visits in time: out of time is missing; KIT call in the last 4 weeks: in time -1 is "
     "negative."),
    (APRIL, {"support_visits": (1.5, 2)}, "in time 1.5 is not a whole number"),
])
def test_a_month_entered_by_hand_with_a_mistake_saves_nothing_and_says_which_measure(db, qa, teams, month, values,
                                                                                       message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        figures.enter_month(db, qa, month=month, team_id=teams["North Team"], values=values, today=TODAY)
    assert count(db, "kpi_figures") == 0 and count(db, "figure_batches") == 0


# ---- Teams and the whole service ----------------------------------------------------------------------


def test_the_whole_service_adds_up_its_teams_counts_rather_than_averaging_their_percentages(db, qa, teams):
    figures.import_csv(db, qa, csv("2026-04,North Team,Support visits in time,90,10",
                                "2026-04,South Team,Support visits in time,1,9",
                                "2026-04,North Team,KIT call in the last 4 weeks,3,1"), today=TODAY)
    service = by_measure(performance.table(db, qa, APRIL))
    south = by_measure(performance.table(db, qa, APRIL, team_id=teams["South Team"]))
    assert (service["support_visits"].in_time, service["support_visits"].out_of_time) == (91, 19)
    assert service["support_visits"].percent == 83 and service["support_visits"].teams == 2  # not the mean, 50%
    assert (service["kit_call"].percent, service["kit_call"].teams) == (75, 1)
    assert (south["support_visits"].percent, south["support_visits"].indicator) == (10, "■ Red")
    assert south["kit_call"].shown_percent == "no data"
    assert service["annual_review"].shown_percent == "no data" and service["annual_review"].teams == 0
    per_team = dict(performance.by_team(db, qa, APRIL))
    assert by_measure(per_team["North Team"])["support_visits"].percent == 90
    assert list(per_team) == ["North Team", "South Team"]


def test_roll_up_keeps_every_active_measure_and_a_retired_one_only_with_figures():
    active = measures.Measure("a", "A", "", (), 90, 80, 1)
    retired = measures.Measure("r", "R", "", (), 90, 80, 2, "retired")
    assert [(f.measure.id, f.in_time) for f in performance.roll_up([active, retired], [])] == [("a", None)]
    rolled = performance.roll_up([active, retired], [("r", 1, 2), ("r", 3, 4)])
    assert [(f.measure.id, f.in_time, f.out_of_time, f.teams) for f in rolled] == [("a", None, None, 0), ("r", 4, 6, 2)]


def test_a_trend_has_every_month_and_a_month_with_nothing_imported_is_no_data(db, qa, teams):
    figures.import_csv(db, qa, csv("2026-03,North Team,Support visits in time,9,1",
                                "2026-05,North Team,Support visits in time,8,2"), today=TODAY)
    series = performance.trend(db, qa, periods.months_back(MAY, 3))
    assert [m for m, _ in series] == [dt.date(2026, 3, 1), APRIL, MAY]
    assert [by_measure(f)["support_visits"].shown_percent for _, f in series] == ["90%", "no data", "80%"]
    frame = performance.trend_frame(series)
    visits = frame[frame["measure"] == "Support visits in time"]
    assert visits["note"].fillna("").tolist() == ["", "no data", ""]
    assert visits["percent"].isna().tolist() == [False, True, False]


def test_the_trend_frame_hides_a_suppressed_percentage_instead_of_drawing_it(db, qa, teams):
    figures.import_csv(db, qa, csv("2026-05,North Team,Support visits in time,40,3"), today=TODAY)
    frame = performance.trend_frame(performance.trend(db, qa, [MAY]), rules=suppression.PRESETS["dfe"])
    row = frame[frame["measure"] == "Support visits in time"].iloc[0]
    assert row["note"] == "c" and row["in_time"] == "c" and pd.isna(row["percent"])


def test_the_kpi_table_download_neutralises_formulas_in_measure_and_team_names(db, qa, teams):
    measures.save_measure(db, qa, "training", name="=HYPERLINK(\"http://x\")", green_from=85, amber_from=70)
    figures.import_csv(db, qa, csv("2026-04,North Team,training,5,5"), today=TODAY)
    data = performance.table_csv(performance.table(db, qa, APRIL), month=APRIL, level="+Team").decode("utf-8-sig")
    assert "'=HYPERLINK" in data and ",'+Team," in data


def test_hostile_cells_become_short_row_errors_and_an_oversized_cell_refuses_the_file(db, qa, teams):
    long_team = "=cmd|' /C calc'!A0" + "x" * 50_000
    result = figures.plan(db, csv(f"2026-04,{long_team},Support visits in time,1,1",
                               "2026-04,North Team,Visits\x00\u202e<script>,1,1"), today=TODAY)
    first, second = result.errors
    assert first.reason.startswith("team '=cmd|' /C calc'!A0xxx") and len(first.reason) < 160
    assert second.reason.startswith("measure 'Visits\u202e<script>' is not one of the measures")
    with pytest.raises(ValueError, match="not valid CSV near line 2"):
        figures.plan(db, csv("2026-04,North Team,Support visits in time,1," + "9" * 200_000), today=TODAY)


def test_a_measure_name_is_stored_cleaned_and_still_matches_a_file_that_spells_it_plainly(db, qa, teams):
    measure = measures.save_measure(db, qa, None, name="  Foster\x07 carer\u00a0reviews  ", green_from=90, amber_from=80)
    assert {m.id: m.name for m in measures.measures(db)}[measure] == "Foster carer reviews"
    figures.import_csv(db, qa, csv("2026-04,North Team,foster-carer REVIEWS,3,1"), today=TODAY)
    assert by_measure(performance.table(db, qa, APRIL))[measure].percent == 75
