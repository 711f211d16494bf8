import datetime as dt
import socket

import pytest

from lib import working_days
from lib.working_days import (
    Deadline,
    add_working_days,
    deadline,
    is_working_day,
    working_days_between,
)

D = dt.date.fromisoformat

# England & Wales bank holidays as published on gov.uk, typed in by hand so the tests do not trust the package.
# Only days that fall Monday to Friday (substitute days stand in for weekend ones).
BANK_HOLIDAYS = {D(day) for day in """
    2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 2021-12-27 2021-12-28
    2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19 2022-12-26 2022-12-27
    2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28 2023-12-25 2023-12-26
    2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26
    2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26
    2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28
    2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28
""".split()}
COVERED = (D("2021-01-01"), D("2027-12-31"))


def brute_force_add(start, days):
    """Walk one calendar day at a time over the hand-typed list."""
    day = start
    while days:
        day += dt.timedelta(days=1)
        assert day <= COVERED[1], "extend BANK_HOLIDAYS to cover this case"
        if day.weekday() < 5 and day not in BANK_HOLIDAYS:
            days -= 1
    return day


@pytest.mark.parametrize("day, working", [
    ("2026-03-02", True), ("2026-03-06", True),   # Monday, Friday
    ("2026-03-07", False), ("2026-03-08", False),  # Saturday, Sunday
])
def test_weekends_are_not_working_days(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize("day, working", [
    # 2021: Christmas Sat and Boxing Day Sun, substitutes Mon 27 and Tue 28; New Year 2022 Sat, substitute Mon 3 Jan.
    ("2021-12-24", True), ("2021-12-27", False), ("2021-12-28", False), ("2021-12-29", True),
    ("2021-12-31", True), ("2022-01-03", False), ("2022-01-04", True),
    # 2022: Christmas Sun, Boxing Day Mon 26, substitute for Christmas Tue 27; New Year 2023 Sun, substitute Mon 2 Jan.
    ("2022-12-26", False), ("2022-12-27", False), ("2022-12-28", True), ("2023-01-02", False), ("2023-01-03", True),
    # 2026: Christmas Fri, Boxing Day Sat, substitute Mon 28; New Year 2027 Fri.
    ("2026-12-24", True), ("2026-12-25", False), ("2026-12-28", False), ("2026-12-29", True),
    ("2026-12-31", True), ("2027-01-01", False), ("2027-01-04", True),
    # 2027: Christmas Sat and Boxing Day Sun, substitutes Mon 27 and Tue 28.
    ("2027-12-24", True), ("2027-12-27", False), ("2027-12-28", False), ("2027-12-29", True),
])
def test_christmas_and_new_year_including_substitute_days_are_not_working_days(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize("day, working", [
    ("2025-04-17", True), ("2025-04-18", False), ("2025-04-21", False), ("2025-04-22", True),
    ("2026-04-02", True), ("2026-04-03", False), ("2026-04-06", False), ("2026-04-07", True),
])
def test_good_friday_and_easter_monday_are_not_working_days(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize("day", [
    "2022-06-02", "2022-06-03",  # Spring bank holiday moved, and the Platinum Jubilee
    "2022-09-19",                # State funeral of Queen Elizabeth II
    "2023-05-08",                # Coronation of King Charles III
    "2026-05-04", "2026-05-25", "2026-08-31",
])
def test_moved_and_one_off_bank_holidays_are_not_working_days(day):
    assert not is_working_day(D(day))


def test_the_hand_typed_list_matches_the_package_for_every_weekday_it_covers():
    day = COVERED[0]
    while day <= COVERED[1]:
        if day.weekday() < 5:
            assert is_working_day(day) is (day not in BANK_HOLIDAYS), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("received, limit, due", [
    # Stage 1 (10, extendable to 20), stage 2 (25, extendable to 65), stage 3 panel (30), counted by hand.
    ("2026-12-23", 10, "2027-01-11"),
    ("2026-12-23", 20, "2027-01-25"),
    ("2026-12-23", 25, "2027-02-01"),
    ("2026-12-23", 30, "2027-02-08"),
    ("2026-12-23", 65, "2027-03-31"),  # runs past Easter 2027 (26 and 29 March)
    ("2026-12-31", 10, "2027-01-15"),
    ("2026-04-02", 10, "2026-04-20"),
    ("2026-04-02", 20, "2026-05-05"),  # skips Early May, 4 May
    ("2026-04-02", 25, "2026-05-12"),
    ("2025-04-17", 10, "2025-05-06"),  # skips Easter and Early May, 5 May
    ("2025-04-17", 30, "2025-06-04"),  # and Spring, 26 May
    ("2021-12-23", 10, "2022-01-11"),
    ("2022-12-23", 10, "2023-01-11"),
    ("2022-06-01", 10, "2022-06-17"),  # Jubilee weekend
    ("2022-09-16", 10, "2022-10-03"),  # State funeral
    ("2027-12-24", 1, "2027-12-29"),
    ("2026-04-04", 1, "2026-04-07"),   # received on Easter Saturday: counting starts on the next working day
    ("2026-04-04", 0, "2026-04-04"),
    ("2026-04-02", 0, "2026-04-02"),
])
def test_time_limits_from_just_before_bank_holidays_land_on_hand_checked_dates(received, limit, due):
    assert brute_force_add(D(received), limit) == D(due)
    assert add_working_days(D(received), limit) == D(due)


@pytest.mark.parametrize("limit", [10, 20, 25, 30, 65])
def test_every_start_day_agrees_with_the_brute_force_walk(limit):
    start = D("2021-01-01")
    while start <= D("2027-08-31"):
        assert add_working_days(start, limit) == brute_force_add(start, limit), (start, limit)
        start += dt.timedelta(days=1)


@pytest.mark.parametrize("start, end, expected", [
    ("2026-04-02", "2026-04-02", 0),
    ("2026-04-02", "2026-04-07", 1),   # Good Friday, weekend and Easter Monday in between
    ("2026-04-02", "2026-04-20", 10),
    ("2026-04-20", "2026-04-02", -10),
    ("2026-04-21", "2026-04-20", -1),  # one working day overdue
    ("2026-04-11", "2026-04-10", 0),   # Saturday after a Friday: no working day has passed
    ("2026-04-13", "2026-04-10", -1),
    ("2026-04-04", "2026-04-06", 0),   # Easter Saturday to Easter Monday
])
def test_working_days_between_counts_after_start_up_to_end_and_is_negative_backwards(start, end, expected):
    assert working_days_between(D(start), D(end)) == expected
    assert working_days_between(D(end), D(start)) == -expected


@pytest.mark.parametrize("start", ["2021-12-23", "2022-06-01", "2025-04-17", "2026-04-04", "2026-12-26"])
@pytest.mark.parametrize("days", [0, 1, 2, 5, 10, 20, 25, 30, 65])
def test_working_days_between_undoes_add_working_days(start, days):
    due = add_working_days(D(start), days)
    assert working_days_between(D(start), due) == days
    assert working_days_between(due, D(start)) == -days
    if days:
        assert is_working_day(due)


# Received Thursday 2 April 2026, 10 working days: due Monday 20 April.
@pytest.mark.parametrize("today, responded, amber, expected", [
    ("2026-04-02", None, 2, Deadline(D("2026-04-20"), 10, "on track")),
    ("2026-04-15", None, 2, Deadline(D("2026-04-20"), 3, "on track")),
    ("2026-04-16", None, 2, Deadline(D("2026-04-20"), 2, "due soon")),
    ("2026-04-17", None, 0, Deadline(D("2026-04-20"), 1, "on track")),
    ("2026-04-18", None, 2, Deadline(D("2026-04-20"), 1, "due soon")),
    ("2026-04-20", None, 2, Deadline(D("2026-04-20"), 0, "due soon")),
    ("2026-04-21", None, 2, Deadline(D("2026-04-20"), -1, "overdue")),
    ("2026-04-25", None, 2, Deadline(D("2026-04-20"), -4, "overdue")),
    ("2026-04-21", "2026-04-20", 2, Deadline(D("2026-04-20"), -1, "responded")),
    ("2026-04-10", "2026-04-09", 2, Deadline(D("2026-04-20"), 6, "responded")),
    ("2026-05-01", "2026-04-21", 2, Deadline(D("2026-04-20"), -9, "responded late")),
])
def test_a_deadline_is_on_track_due_soon_overdue_or_responded(today, responded, amber, expected):
    result = deadline(D("2026-04-02"), 10, today=D(today), responded=responded and D(responded), amber_days=amber)
    assert result == expected


def test_the_saturday_after_a_friday_due_date_is_overdue_with_no_working_days_lost():
    result = deadline(D("2026-04-09"), 1, today=D("2026-04-11"))
    assert result == Deadline(D("2026-04-10"), 0, "overdue")


@pytest.mark.parametrize("call", [
    lambda: add_working_days(D("2026-01-05"), -1),
    lambda: add_working_days(D("2026-01-05"), 1.5),
    lambda: add_working_days(D("2026-01-05"), True),
    lambda: add_working_days("2026-01-05", 1),
    lambda: add_working_days(dt.datetime(2026, 1, 5, 9, 0), 1),
    lambda: is_working_day(None),
    lambda: working_days_between(D("2026-01-05"), "2026-01-09"),
    lambda: deadline(D("2026-01-05"), -10, today=D("2026-01-05")),
    lambda: deadline(D("2026-01-05"), 10, today="today"),
    lambda: deadline(D("2026-01-05"), 10, today=D("2026-01-05"), amber_days=-1),
    lambda: deadline(D("2026-01-05"), 10, today=D("2026-01-09"), responded=D("2026-01-02")),
])
def test_bad_inputs_raise_value_error_with_a_sentence(call):
    with pytest.raises(ValueError, match=r"^The .+\.$"):
        call()


def test_bank_holidays_are_computed_without_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the holidays package tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    working_days._bank_holidays.cache_clear()
    assert not is_working_day(D("2031-12-25"))
    assert is_working_day(D("2031-12-24"))
