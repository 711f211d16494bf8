"""Pure: the one way the app writes dates and times, in UK style and UK time (Europe/London).

Every page, the PDF, the workbook and the CSVs use these, so a date reads the same everywhere:
a day is `2 Dec 2026`, a month `December 2026`, a time `14:05` (24-hour), a moment
`2 Dec 2026, 14:05`. Stored timestamps are UTC (ISO-8601); they are shown in UK time, with
GMT or BST where a reader outside the app needs to know which.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/London")


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return local(value).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if "T" in text or len(text) > 10:
        return local(text).date()
    return dt.date.fromisoformat(text)


def local(value: dt.datetime | str) -> dt.datetime:
    """A UTC timestamp (ISO text or an aware datetime) as UK local time; naive values are taken as UTC."""
    moment_ = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment_.tzinfo is None:
        moment_ = moment_.replace(tzinfo=dt.timezone.utc)
    return moment_.astimezone(LOCAL)


def day(value: dt.date | dt.datetime | str | None) -> str:
    """`2 Dec 2026` (empty for None or an empty string)."""
    if value is None or value == "":
        return ""
    d = _as_date(value)
    return f"{d.day} {d:%b %Y}"


def long_day(value: dt.date | dt.datetime | str | None) -> str:
    """`2 December 2026`, for sentences and titles."""
    if value is None or value == "":
        return ""
    d = _as_date(value)
    return f"{d.day} {d:%B %Y}"


def month(value: dt.date | str) -> str:
    """`December 2026`."""
    return f"{_as_date(value):%B %Y}"


def short_month(value: dt.date | str) -> str:
    """`Dec 2026`, for column headings."""
    return f"{_as_date(value):%b %Y}"


def time(value: dt.datetime | str | None) -> str:
    """`14:05` in UK time."""
    return "" if not value else f"{local(value):%H:%M}"


def moment(value: dt.datetime | str | None, *, zone: bool = False) -> str:
    """`2 Dec 2026, 14:05` in UK time; with zone, `2 Dec 2026, 14:05 GMT` (or BST). Text that is not a
    timestamp is returned as it is (a report's "as of" can come from a hand-made value)."""
    if not value:
        return ""
    try:
        here = local(value)
    except ValueError:
        return str(value)
    return f"{here.day} {here:%b %Y}, {here:%H:%M}" + (f" {here.tzname()}" if zone else "")
