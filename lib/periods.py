"""UK financial-year quarters (Q1 Apr–Jun, Q2 Jul–Sep, Q3 Oct–Dec, Q4 Jan–Mar) and financial years."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from lib import dates

_QUARTER_LABEL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR_LABEL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*$")


def _year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _parse_year(first: str, second: str, text: str) -> int:
    start = int(first)
    if (start + 1) % 100 != int(second):
        raise ValueError(f"'{text}' is not a financial year: the second year must follow the first, as in 2025/26.")
    return start


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A UK local-government financial year, 1 April to 31 March, labelled like 2025/26."""

    start_year: int

    @property
    def label(self) -> str:
        return _year_label(self.start_year)

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def quarters(self) -> tuple["Quarter", ...]:
        return tuple(Quarter(self.start_year, n) for n in (1, 2, 3, 4))

    @property
    def previous(self) -> "FinancialYear":
        return FinancialYear(self.start_year - 1)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label

    @classmethod
    def containing(cls, day: dt.date) -> "FinancialYear":
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> "FinancialYear":
        match = _YEAR_LABEL.match(text or "")
        if not match:
            raise ValueError(f"'{text}' is not a financial year; write it like 2025/26.")
        return cls(_parse_year(match[1], match[2], text))


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: start_year is the year the financial year begins (2025 for 2025/26)."""

    start_year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError(f"A quarter number is 1 to 4, not {self.number}.")

    @property
    def year(self) -> FinancialYear:
        return FinancialYear(self.start_year)

    @property
    def label(self) -> str:
        return f"{self.year.label} Q{self.number}"

    @property
    def slug(self) -> str:
        """The label as typed on a command line: 2025/26-Q4."""
        return f"{self.year.label}-Q{self.number}"

    @property
    def file_stem(self) -> str:
        """The label in a form fit for file names: 2025-26-Q4."""
        return self.slug.replace("/", "-")

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        year = self.start_year
        if month > 12:
            month -= 12
            year += 1
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        return self.next.start - dt.timedelta(days=1)

    @property
    def months(self) -> tuple[dt.date, ...]:
        """The first day of each of the quarter's three months."""
        first = self.start
        return tuple(dt.date(first.year + (first.month + i - 1) // 12, (first.month + i - 1) % 12 + 1, 1) for i in range(3))

    @property
    def previous(self) -> "Quarter":
        if self.number == 1:
            return Quarter(self.start_year - 1, 4)
        return Quarter(self.start_year, self.number - 1)

    @property
    def next(self) -> "Quarter":
        if self.number == 4:
            return Quarter(self.start_year + 1, 1)
        return Quarter(self.start_year, self.number + 1)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label

    @classmethod
    def containing(cls, day: dt.date) -> "Quarter":
        start_year = day.year if day.month >= 4 else day.year - 1
        number = ((day.month - 4) % 12) // 3 + 1
        return cls(start_year, number)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """Read '2025/26 Q4' or '2025/26-Q4'; raise ValueError with an example otherwise."""
        match = _QUARTER_LABEL.match(text or "")
        if not match:
            raise ValueError(f"'{text}' is not a financial quarter; write it like 2025/26 Q4.")
        return cls(_parse_year(match[1], match[2], text), int(match[3]))


def recent(today: dt.date, count: int) -> list[Quarter]:
    """The quarter containing today and the count-1 before it, newest first."""
    quarters = [Quarter.containing(today)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous)
    return quarters


def month_label(month: dt.date) -> str:
    return dates.month(month)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month a date is in."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """The first days of `count` calendar months ending with last's month, oldest first."""
    months = [last.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months[::-1]


@dataclass(frozen=True)
class Period:
    """What a page or the report looks at: a financial quarter, a financial year or a run of quarters, with the
    period of the same length just before it (for comparisons)."""

    key: str  # 2025/26-Q3, 2025/26, or 2025/26-Q1..2025/26-Q3
    short: str  # 2025/26 Q3, 2025/26, or 2025/26 Q1 to 2025/26 Q3
    label: str
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    previous_label: str

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)


def of_quarter(quarter: Quarter) -> Period:
    """A quarter as a Period, compared with the quarter before."""
    months = f"{calendar.month_name[quarter.start.month]} to {calendar.month_name[quarter.end.month]} {quarter.end.year}"
    return Period(quarter.slug, quarter.label, f"{quarter.label} ({months})", quarter.start, quarter.end,
                  quarter.previous.start, quarter.previous.end, quarter.previous.label)


def of_year(year: FinancialYear) -> Period:
    """A financial year as a Period, compared with the year before."""
    return Period(year.label, year.label, f"{year.label} (April {year.start_year} to March {year.start_year + 1})",
                  year.start, year.end, year.previous.start, year.previous.end, year.previous.label)


def of_quarters(first: Quarter, last: Quarter) -> Period:
    """A run of quarters (first to last, inclusive) as a Period, compared with as many quarters just before it."""
    if last < first:
        first, last = last, first
    count, walk = 1, first
    while walk < last:
        walk, count = walk.next, count + 1
    earlier = recent(first.previous.end, count)
    if count == 1:
        return of_quarter(first)
    short = f"{first.label} to {last.label}"
    return Period(f"{first.slug}..{last.slug}", short, short, first.start, last.end, earlier[-1].start,
                  earlier[0].end, f"{earlier[-1].label} to {earlier[0].label}")


def period(text: str) -> Period:
    """A financial quarter ('2025/26-Q3', '2025/26 Q3') or year ('2025/26'); ValueError otherwise."""
    text = (text or "").strip()
    try:
        return of_quarter(Quarter.parse(text))
    except ValueError:
        pass
    try:
        return of_year(FinancialYear.parse(text))
    except ValueError:
        raise ValueError(f"'{text}' is not a financial quarter or year; write it like 2025/26-Q3 or 2025/26.") from None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every calendar month from first's month to last's month, inclusive."""
    months, current = [], month_start(first)
    while current <= month_start(last):
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months
