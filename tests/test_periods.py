import datetime as dt

import pytest

from lib import periods
from lib.periods import FinancialYear, Quarter, recent


@pytest.mark.parametrize(
    "day, label, start, end",
    [
        ("2026-03-31", "2025/26 Q4", "2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026/27 Q1", "2026-04-01", "2026-06-30"),
        ("2025-06-30", "2025/26 Q1", "2025-04-01", "2025-06-30"),
        ("2025-07-01", "2025/26 Q2", "2025-07-01", "2025-09-30"),
        ("2025-09-30", "2025/26 Q2", "2025-07-01", "2025-09-30"),
        ("2025-10-01", "2025/26 Q3", "2025-10-01", "2025-12-31"),
        ("2025-12-31", "2025/26 Q3", "2025-10-01", "2025-12-31"),
        ("2026-01-01", "2025/26 Q4", "2026-01-01", "2026-03-31"),
        ("2026-02-15", "2025/26 Q4", "2026-01-01", "2026-03-31"),
        ("2000-01-01", "1999/00 Q4", "2000-01-01", "2000-03-31"),
        ("2024-02-29", "2023/24 Q4", "2024-01-01", "2024-03-31"),
    ],
)
def test_a_day_falls_in_its_financial_quarter(day, label, start, end):
    quarter = Quarter.containing(dt.date.fromisoformat(day))
    assert quarter.label == label
    assert quarter.start == dt.date.fromisoformat(start)
    assert quarter.end == dt.date.fromisoformat(end)
    assert dt.date.fromisoformat(day) in quarter


@pytest.mark.parametrize(
    "label, previous",
    [("2025/26 Q1", "2024/25 Q4"), ("2025/26 Q2", "2025/26 Q1"), ("2025/26 Q4", "2025/26 Q3"),
     ("2000/01 Q1", "1999/00 Q4")],
)
def test_the_previous_quarter_crosses_financial_years(label, previous):
    assert Quarter.parse(label).previous.label == previous
    assert Quarter.parse(previous).next.label == label


def test_the_quarter_of_15_february_2026_belongs_to_financial_year_2025_26():
    quarter = Quarter.containing(dt.date(2026, 2, 15))
    assert quarter.year == FinancialYear(2025)
    assert quarter.year.label == "2025/26"
    assert quarter.year.start == dt.date(2025, 4, 1) and quarter.year.end == dt.date(2026, 3, 31)


def test_a_financial_year_has_four_quarters_that_tile_it_without_gaps():
    year = FinancialYear.parse("2025/26")
    quarters = year.quarters
    assert [q.label for q in quarters] == ["2025/26 Q1", "2025/26 Q2", "2025/26 Q3", "2025/26 Q4"]
    assert quarters[0].start == year.start and quarters[-1].end == year.end
    for earlier, later in zip(quarters, quarters[1:]):
        assert later.start - earlier.end == dt.timedelta(days=1)


def test_a_quarter_lists_its_three_months():
    assert Quarter.parse("2025/26 Q4").months == (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert Quarter.parse("2025/26 Q3").months == (dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1))


@pytest.mark.parametrize("text", ["2025/26-Q4", "2025/26 q4", " 2025/26 Q4 ", "2025/26Q4"])
def test_quarter_labels_are_read_in_the_forms_people_type(text):
    assert Quarter.parse(text) == Quarter(2025, 4)
    assert Quarter(2025, 4).slug == "2025/26-Q4"
    assert Quarter(2025, 4).file_stem == "2025-26-Q4"


@pytest.mark.parametrize("text", ["", "2025 Q4", "2025/27 Q1", "2025/26 Q5", "Q4 2025/26", "2025/26"])
def test_a_label_that_is_not_a_quarter_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="2025/26"):
        Quarter.parse(text)


def test_a_quarter_number_outside_one_to_four_is_refused():
    with pytest.raises(ValueError):
        Quarter(2025, 0)


def test_recent_quarters_run_newest_first():
    assert [q.label for q in recent(dt.date(2025, 5, 1), 3)] == ["2025/26 Q1", "2024/25 Q4", "2024/25 Q3"]


def test_a_run_of_quarters_is_compared_with_as_many_quarters_just_before_it():
    first, last = Quarter.parse("2025/26-Q2"), Quarter.parse("2025/26-Q4")
    chosen = periods.of_quarters(first, last)
    assert (chosen.start, chosen.end, chosen.short) == (dt.date(2025, 7, 1), dt.date(2026, 3, 31),
                                                        "2025/26 Q2 to 2025/26 Q4")
    assert (chosen.previous_start, chosen.previous_end) == (dt.date(2024, 10, 1), dt.date(2025, 6, 30))
    assert chosen.previous_label == "2024/25 Q3 to 2025/26 Q1"
    assert periods.of_quarters(last, first) == chosen
    assert periods.of_quarters(first, first) == periods.period("2025/26-Q2")


def test_a_quarter_and_a_year_read_the_same_from_text_and_from_their_values():
    assert periods.period("2025/26 Q3") == periods.of_quarter(Quarter.parse("2025/26-Q3"))
    year = periods.period("2025/26")
    assert (year.start, year.end, year.previous_label) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31), "2024/25")
    assert len(year.months) == 12
    with pytest.raises(ValueError, match="not a financial quarter or year"):
        periods.period("Q3")
