"""One way to write dates and times: UK style, UK time (lib/dates.py)."""

import datetime as dt

import pytest

from lib import dates


@pytest.mark.parametrize("value, shown", [
    (dt.date(2026, 12, 2), "2 Dec 2026"), ("2026-12-02", "2 Dec 2026"), (None, ""), ("", ""),
    ("2026-06-30T23:30:00+00:00", "1 Jul 2026"),  # after 23:00 UTC in summer it is already the next day in the UK
])
def test_a_day_is_written_day_month_year_in_uk_time(value, shown):
    assert dates.day(value) == shown


@pytest.mark.parametrize("stamp, shown, zoned", [
    ("2026-12-02T14:05:00+00:00", "2 Dec 2026, 14:05", "2 Dec 2026, 14:05 GMT"),
    ("2026-07-01T13:05:00Z", "1 Jul 2026, 14:05", "1 Jul 2026, 14:05 BST"),
    ("2026-03-29T00:59:00", "29 Mar 2026, 00:59", "29 Mar 2026, 00:59 GMT"),  # naive: taken as UTC
    ("2026-03-29T01:00:00", "29 Mar 2026, 02:00", "29 Mar 2026, 02:00 BST"),  # the clocks go forward
])
def test_a_stored_utc_moment_is_written_in_uk_local_time_on_the_24_hour_clock(stamp, shown, zoned):
    assert dates.moment(stamp) == shown and dates.moment(stamp, zone=True) == zoned
    assert dates.time(stamp) == shown[-5:]


def test_months_read_in_full_or_short():
    assert dates.month("2026-12-02") == "December 2026" and dates.short_month(dt.date(2026, 12, 1)) == "Dec 2026"
    assert dates.long_day("2026-12-02") == "2 December 2026"


def test_a_table_shows_stored_dates_in_the_house_style_even_beside_blanks_and_words():
    import pandas as pd

    from lib.ui import widgets

    frame = pd.DataFrame({"Submitted": ["2026-07-06", ""], "Moderated": ["2026-11-23", "not yet"],
                          "At": ["2026-07-01T13:05:00+00:00", None], "Note": ["not a date", "x"]})
    config = widgets._uk_dates(frame)
    assert set(config) == {"Submitted", "At"}  # date columns that still sort as dates
    assert list(frame["Submitted"]) == [dt.date(2026, 7, 6), None]
    assert list(frame["Moderated"]) == ["23 Nov 2026", "not yet"]
    assert list(frame["Note"]) == ["not a date", "x"]
