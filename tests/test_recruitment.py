"""Recruitment figures imported like the KPIs, and the register's own figures (households held, approvals,
de-registrations) worked out from the register and its import history."""

import datetime as dt
import json

import pytest

from lib import store
from lib.kpis import recruitment
from lib.people import accounts, register
from lib.store import history

TODAY = dt.date(2026, 5, 20)
APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


@pytest.fixture
def teams(db, qa):
    return {name: accounts.create_team(db, qa, name) for name in ("North Team", "Kinship Team")}


def csv(*rows: str) -> str:
    return "\n".join(("month,team,measure,number", *rows)) + "\n"


def test_recruitment_figures_import_with_an_optional_team_and_add_up_to_the_whole_service(db, qa, teams):
    recruitment.import_csv(db, qa, csv("2026-04,,Enquiries,23", "2026-04,,assessments started,4",
                                       "2026-04,Kinship Team,Reg 24,3", "2026-04,,Regulation 24 placements,1",
                                       "2026-05,North Team,Approvals,2"), today=TODAY)
    service = dict(recruitment.figures(db, qa, [APRIL, MAY]))
    assert service[APRIL] == {"enquiries": 23, "assessments_started": 4, "approvals": None, "reg24_placements": 4,
                             "annual_reviews_held": None}
    assert service[MAY] == {"enquiries": None, "assessments_started": None, "approvals": 2, "reg24_placements": None,
                           "annual_reviews_held": None}
    kinship = dict(recruitment.figures(db, qa, [APRIL], team_id=teams["Kinship Team"]))
    assert kinship[APRIL]["reg24_placements"] == 3 and kinship[APRIL]["enquiries"] is None


@pytest.mark.parametrize("row, reason", [
    ("2026-04,,Hugs,3", "measure 'Hugs' is not a recruitment measure"),
    ("2026-04,Nowhere,Enquiries,3", "team 'Nowhere' is not a team in this app"),
    ("2026-04,,Enquiries,-3", "number -3 is negative"),
    ("2026-04,,Enquiries,2.5", "number '2.5' is not a whole number"),
    ("2026-08,,Enquiries,3", "month August 2026 is in the future"),
    ("2026-04,,enquiries,9", "the same month, team and measure is also on line 2"),
])
def test_a_bad_recruitment_row_is_listed_and_nothing_is_imported(db, qa, teams, row, reason):
    data = csv("2026-04,,Enquiries,20", row)
    assert [(e.line, e.reason[:len(reason)]) for e in recruitment.plan(db, data, today=TODAY).errors] == [(3, reason)]
    with pytest.raises(ValueError, match="Nothing was imported"):
        recruitment.import_csv(db, qa, data, today=TODAY)
    assert db.execute("select count(*) from recruitment_figures").fetchone()[0] == 0


def test_reimporting_a_month_of_recruitment_replaces_it_and_keeps_the_old_figures(db, qa, teams):
    recruitment.import_csv(db, qa, csv("2026-04,,Enquiries,20", "2026-04,,Approvals,2"), today=TODAY)
    assert recruitment.plan(db, csv("2026-04,,Enquiries,25"), today=TODAY).replaced == {"2026-04-01": 2}
    recruitment.import_csv(db, qa, csv("2026-04,,Enquiries,25"), today=TODAY)
    assert dict(recruitment.figures(db, qa, [APRIL]))[APRIL]["enquiries"] == 25
    assert dict(recruitment.figures(db, qa, [APRIL]))[APRIL]["approvals"] is None
    assert db.execute("select count(*) from recruitment_figures where superseded_by is not null").fetchone()[0] == 2


def test_recruitment_entered_by_hand_replaces_only_that_teams_figures(db, qa, teams):
    recruitment.import_csv(db, qa, csv("2026-04,,Enquiries,20", "2026-04,Kinship Team,Enquiries,5"), today=TODAY)
    diff = recruitment.enter_month(db, qa, month=APRIL, team_id=None, values={"enquiries": 22, "approvals": "1"},
                                   today=TODAY)
    assert diff == {"Enquiries": [20, 22], "Approvals": [None, 1]}
    assert recruitment.entered(db, qa, APRIL, None) == {"enquiries": 22, "assessments_started": None,
                                                        "approvals": 1, "reg24_placements": None,
                                                        "annual_reviews_held": None}
    assert recruitment.entered(db, qa, APRIL, teams["Kinship Team"])["enquiries"] == 5
    with pytest.raises(ValueError, match="Nothing was saved: Enquiries -1 is negative"):
        recruitment.enter_month(db, qa, month=APRIL, team_id=None, values={"enquiries": -1}, today=TODAY)


def test_the_register_position_counts_approved_households_active_on_the_day(db, qa):
    today = store.utcnow().date()
    register.import_csv(db, qa, "reference,name,cohort,team,approval date\n"
                                f"LL1,A,mainstream,North Team,{today - dt.timedelta(days=400):%Y-%m-%d}\n"
                                f"LL2,B,kinship,North Team,{today - dt.timedelta(days=30):%Y-%m-%d}\n"
                                "LL3,C,kinship,,\n", today=today)
    register.import_csv(db, qa, "reference,name,cohort,team,approval date\n"
                                f"LL2,B,kinship,North Team,{today - dt.timedelta(days=30):%Y-%m-%d}\n"
                                "LL3,C,kinship,,\n", today=today)
    before = today - dt.timedelta(days=1)
    assert recruitment.register_position(db, qa, before) == {("North Team", "mainstream"): 1,
                                                              ("North Team", "kinship"): 1}
    assert recruitment.register_position(db, qa, today) == {("North Team", "kinship"): 1, ("No team", "kinship"): 1}
    assert recruitment.register_position(db, qa, today - dt.timedelta(days=100)) == {("North Team", "mainstream"): 1}


def test_register_movement_counts_approvals_by_date_and_deregistrations_from_the_import_history(db, qa):
    with store.write(db):
        for ref, cohort, approved in (("LL1", "mainstream", "2026-04-03"), ("LL2", "kinship", "2026-04-28"),
                                      ("LL3", "kinship", "2026-05-02"), ("LL4", "mainstream", "2020-01-01")):
            db.execute("""insert into households (reference, display_name, cohort, approval_on, status, created_at,
                          updated_at) values (:r, :r, :c, :a, 'active', 'now', 'now')""",
                       {"r": ref, "c": cohort, "a": approved})
        gone = db.execute("select id from households where reference = 'LL4'").fetchone()[0]
        history.add(db, action="update", user_id=qa.id, entity="households", entity_id=gone,
                    detail={"status": ["active", "inactive"]}, at=dt.datetime(2026, 5, 9, 12, tzinfo=dt.timezone.utc))
        history.add(db, action="update", user_id=qa.id, entity="households", entity_id=gone,
                    detail={"display_name": ["x", "y"]}, at=dt.datetime(2026, 5, 10, 12, tzinfo=dt.timezone.utc))
    found = dict(recruitment.register_movement(db, qa, [APRIL, MAY]))
    assert found[APRIL] == {"approved_mainstream": 1, "approved_kinship": 1, "deregistered_mainstream": 0,
                            "deregistered_kinship": 0}
    assert found[MAY] == {"approved_mainstream": 0, "approved_kinship": 1, "deregistered_mainstream": 1,
                          "deregistered_kinship": 0}
    assert json.loads(db.execute("select detail from history order by id desc").fetchone()[0])["display_name"]


@pytest.mark.parametrize("name", ["Annual Reviews held", "annual reviews", "Foster carer reviews held"])
def test_annual_reviews_held_import_with_the_recruitment_figures_under_their_usual_names(db, qa, teams, name):
    recruitment.import_csv(db, qa, csv(f"2026-04,,{name},17"), today=TODAY)
    assert dict(recruitment.figures(db, qa, [APRIL]))[APRIL]["annual_reviews_held"] == 17
