"""Working-day arithmetic for complaint deadlines: weekdays that are not England & Wales bank holidays.

Pure: no I/O and no clock; callers pass `today`. Bank holidays come from the `holidays` package,
which computes them offline (including substitute days and one-off holidays such as 2022's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from lib import dates

ONE_DAY = dt.timedelta(days=1)
STATUSES = ("overdue", "due soon", "on track", "responded", "responded late")


@lru_cache(maxsize=None)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share bank holidays; building the holidays object is slow, so keep one set per year.
    # expand=False keeps later look-ups from quietly adding other years to the object.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year, expand=False))


def _check_date(value: object, name: str) -> dt.date:
    # datetime is a subclass of date but mixes badly with date arithmetic and comparisons.
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"The {name} must be a date (like 2026-04-06), not {value!r}.")
    return value


def _check_count(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"The {name} must be a whole number of working days, 0 or more, not {value!r}.")
    return value


def is_working_day(day: dt.date) -> bool:
    """True if `day` is Monday to Friday and not an England & Wales bank holiday.

    Raises ValueError if `day` is not a date.
    """
    _check_date(day, "day")
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start`; `start` itself is never counted and 0 days returns `start`.

    Raises ValueError if `start` is not a date or `days` is not a whole number of 0 or more.
    """
    day = _check_date(start, "start date")
    remaining = _check_count(days, "number of days")
    while remaining:
        day += ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative (the same count, reversed) if `end` is earlier.

    So `working_days_between(today, due)` is the working days left, or minus the working days overdue,
    and `working_days_between(start, add_working_days(start, n)) == n`.
    Raises ValueError if either argument is not a date.
    """
    _check_date(start, "start date")
    _check_date(end, "end date")
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class Deadline:
    """Where a response deadline stands on a given day."""

    due: dt.date
    days_left: int  # working days from today to due; negative when overdue
    status: str  # one of STATUSES


def deadline(received: dt.date, limit_days: int, *, today: dt.date, responded: dt.date | None = None,
             amber_days: int = 2) -> Deadline:
    """The due date `limit_days` working days after `received`, and its status on `today`.

    Status: "responded" / "responded late" once `responded` is given (late if after the due date);
    otherwise "overdue" once today is past the due date, "due soon" with 0..`amber_days` working days left,
    else "on track". Overdue is decided by date, so the Saturday after a Friday due date is overdue
    although no working day has passed (days_left 0).
    Raises ValueError for non-dates, negative or non-whole day counts, or a response dated before receipt.
    """
    _check_date(received, "date received")
    _check_date(today, "date today")
    _check_count(amber_days, "amber warning period")
    due = add_working_days(received, _check_count(limit_days, "time limit"))
    days_left = working_days_between(today, due)
    if responded is not None:
        _check_date(responded, "date responded")
        if responded < received:
            raise ValueError(f"The response date {dates.day(responded)} is before the date received "
                             f"{dates.day(received)}; check both dates.")
        status = "responded" if responded <= due else "responded late"
    elif today > due:
        status = "overdue"
    elif days_left <= amber_days:
        status = "due soon"
    else:
        status = "on track"
    return Deadline(due=due, days_left=days_left, status=status)
