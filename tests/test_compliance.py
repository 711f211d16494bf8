import datetime as dt

import pytest

from lib import periods
from lib.access import PermissionDenied
from lib.capture import compliance, feedback
from lib.people import accounts
from lib.store import settings
from tests.conftest import add_user
from tests.fixtures import add_household, add_team

TODAY = dt.date(2026, 2, 15)


def call(db, user, home, day, form="carer", outcome="completed"):
    entry = {"household_id": home, "contact_on": day, "method": "phone", "outcome": outcome,
             "relationship": "mother"}
    if outcome == "completed":
        entry["answers"] = {"CAR01": "4", "CAR18": "yes"} if form == "carer" else {"PAR01": "4"}
    return feedback.record(db, user, form, entry, today=TODAY)


@pytest.fixture
def team(db):
    home = add_household(db)
    ann = add_user(db, "bso", username="ann")
    bob = add_user(db, "bso", username="bob")
    idle = add_user(db, "bso", username="cat")
    db.execute("update users set created_at = '2020-01-01T00:00:00+00:00'")
    return home, ann, bob, idle


def table(db, user, first, last):
    rows = compliance.table(db, user, first=first, last=last, today=TODAY)
    return {(r.name, r.month.strftime("%Y-%m")): (r.carers, r.parents, r.attempts, r.status) for r in rows}


def test_a_bso_who_recorded_nothing_appears_as_zero_and_non_compliant(db, team, qa):
    home, ann, bob, idle = team
    for form in ("carer", "carer", "parent", "parent"):
        call(db, ann, home, dt.date(2026, 1, 10), form)
    call(db, bob, home, dt.date(2026, 1, 11), "carer")
    call(db, bob, home, dt.date(2026, 1, 12), "parent", outcome="no_answer")
    rows = table(db, qa, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert rows == {("Ann", "2026-01"): (2, 2, 0, "green"), ("Bob", "2026-01"): (1, 0, 1, "amber"),
                    ("Cat", "2026-01"): (0, 0, 0, "red")}


def test_months_are_calendar_months_split_at_midnight_on_the_first(db, team, qa):
    home, ann, *_ = team
    call(db, ann, home, dt.date(2025, 12, 31))
    call(db, ann, home, dt.date(2026, 1, 1))
    call(db, ann, home, dt.date(2026, 1, 31))
    call(db, ann, home, dt.date(2026, 2, 1))
    rows = table(db, qa, dt.date(2025, 12, 1), dt.date(2026, 2, 28))
    assert [rows[("Ann", m)][0] for m in ("2025-12", "2026-01", "2026-02")] == [1, 2, 1]
    assert len(rows) == 9  # 3 BSOs x 3 months, every cell present


def test_attempts_and_deleted_entries_do_not_count_towards_the_minimum(db, team, qa):
    home, ann, *_ = team
    call(db, ann, home, dt.date(2026, 1, 5), outcome="declined")
    doomed = call(db, ann, home, dt.date(2026, 1, 6))
    feedback.soft_delete(db, ann, doomed, "duplicate")
    assert table(db, qa, dt.date(2026, 1, 1), dt.date(2026, 1, 1))[("Ann", "2026-01")] == (0, 0, 1, "red")


def test_the_minimum_is_a_setting(db, team, qa):
    home, ann, *_ = team
    call(db, ann, home, dt.date(2026, 1, 5))
    call(db, ann, home, dt.date(2026, 1, 6), "parent")
    settings.update(db, qa, {"monthly_minimum_carers": 1, "monthly_minimum_parents": 1})
    assert table(db, qa, dt.date(2026, 1, 1), dt.date(2026, 1, 1))[("Ann", "2026-01")][3] == "green"


def test_a_deactivated_bso_with_entries_in_the_range_stays_in_the_table(db, team, qa):
    home, ann, bob, idle = team
    call(db, bob, home, dt.date(2026, 1, 5))
    accounts.set_active(db, qa, bob.id, False)
    accounts.set_active(db, qa, idle.id, False)
    names = {name for name, _ in table(db, qa, dt.date(2026, 1, 1), dt.date(2026, 1, 1))}
    assert names == {"Ann", "Bob"}


def test_my_month_shows_a_bso_their_own_standing_this_month(db, team):
    home, ann, bob, _ = team
    call(db, ann, home, dt.date(2026, 2, 2))
    call(db, ann, home, dt.date(2026, 1, 30))
    call(db, bob, home, dt.date(2026, 2, 3))
    mine = compliance.my_month(db, ann, today=TODAY)
    assert (mine.carers, mine.parents, mine.status, mine.in_progress) == (1, 0, "amber", True)


@pytest.mark.parametrize("role", ["bso", "social_worker"])
def test_only_managers_and_qa_see_the_compliance_table(db, role):
    with pytest.raises(PermissionDenied):
        compliance.table(db, add_user(db, role), first=TODAY, last=TODAY, today=TODAY)


def test_a_range_that_runs_backwards_is_refused(db, qa):
    with pytest.raises(ValueError, match="must not be after"):
        compliance.table(db, qa, first=dt.date(2026, 2, 1), last=dt.date(2026, 1, 1), today=TODAY)


@pytest.mark.parametrize(
    "first, last, expected",
    [("2025-11-15", "2026-02-01", ["2025-11", "2025-12", "2026-01", "2026-02"]), ("2026-02-01", "2026-01-31", []), ("2026-01-31", "2026-01-01", ["2026-01"]),
     ("2024-02-29", "2024-03-01", ["2024-02", "2024-03"])],
)
def test_months_between_lists_every_calendar_month(first, last, expected):
    months = periods.months_between(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    assert [m.strftime("%Y-%m") for m in months] == expected


def test_months_before_a_bsos_account_began_are_left_out(db, team, qa):
    home, ann, *_ = team
    call(db, team[2], home, dt.date(2025, 11, 3))  # the service's first call, by Bob
    db.execute("update users set created_at = '2026-01-20T09:00:00+00:00' where id = :id", {"id": ann.id})
    rows = table(db, qa, dt.date(2025, 12, 1), dt.date(2026, 1, 31))
    assert ("Ann", "2025-12") not in rows and rows[("Ann", "2026-01")] == (0, 0, 0, "red")


def test_months_before_the_services_first_call_are_no_data_neither_met_nor_missed(db, team, qa):
    home, ann, bob, idle = team
    call(db, ann, home, dt.date(2025, 12, 31), form="carer", outcome="no_answer")  # the first call of all
    found = compliance.table(db, qa, first=dt.date(2025, 10, 1), last=dt.date(2026, 1, 31), today=TODAY)
    status = {(r.name, r.month.strftime("%Y-%m")): r.status for r in found}
    assert {status[(name, m)] for name in ("Ann", "Bob", "Cat") for m in ("2025-10", "2025-11")} == {"no_data"}
    assert status[("Ann", "2025-12")] == "red" and status[("Cat", "2026-01")] == "red"
    assert not any(r.met or r.counted for r in found if r.no_data)
    assert "No data (before the first call recorded)" in compliance.as_csv(found).decode("utf-8-sig")


def test_months_not_begun_yet_are_left_out_of_the_compliance_table(db, team, qa):
    home, ann, *_ = team
    call(db, ann, home, dt.date(2026, 1, 5))
    found = compliance.table(db, qa, first=dt.date(2026, 1, 1), last=dt.date(2026, 4, 30), today=TODAY)
    assert sorted({r.month for r in found}) == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert all(r.in_progress == (r.month == dt.date(2026, 2, 1)) for r in found)


def test_each_bso_row_carries_the_bsos_team(db, team, qa):
    home, ann, *_ = team
    db.execute("update users set team_id = :t where id = :id", {"t": add_team(db, "North"), "id": ann.id})
    call(db, ann, home, dt.date(2026, 1, 5))
    found = compliance.table(db, qa, first=dt.date(2026, 1, 1), last=dt.date(2026, 1, 31), today=TODAY)
    assert {r.name: r.team for r in found} == {"Ann": "North", "Bob": None, "Cat": None}


def test_the_compliance_csv_names_each_month_in_words_as_the_page_does(db, team, qa):
    import csv
    import io

    home, ann, *_ = team
    call(db, ann, home, dt.date(2026, 1, 5))
    rows = compliance.table(db, qa, first=dt.date(2025, 12, 1), last=dt.date(2026, 1, 31), today=TODAY)
    cells = list(csv.DictReader(io.StringIO(compliance.as_csv(rows).decode("utf-8-sig"))))
    assert {c["Month"] for c in cells} == {"December 2025", "January 2026"}
    assert next(c for c in cells if c["BSO"] == "Ann" and c["Month"] == "January 2026")["Carer feedback"] == "1"
