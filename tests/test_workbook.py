"""The report's Excel workbook as data: one table per sheet, numbers as numbers, a status word where the report shows
none, the README describing every column, the marking on every printed page, and no cell ever a formula."""

import io
import re

import pytest
from openpyxl import load_workbook

from lib import periods, text
from lib.report import build as report
from lib.report import xlsx
from lib.report.model import Chart, Quote, Report, Section, Table
from lib.ui import session

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_LABEL = "=cmd|' /C calc'!A0"

HEADLINES = Table("Feedback received", ("Measure", "2025/26 Q3", "2025/26 Q2"), (
    ("Carer feedback calls completed", "1,234", "58"),
    ("Birth-parent feedback calls completed", "c", "0"),
    (HOSTILE_LABEL, "–", "12"),
))
POSITIVE = Table("% positive by question", ("Question", "Mainstream n", "Mainstream % positive", "Kinship n",
                                            "Kinship % positive"), (
    ("CAR01 Overall support", "42", "67%", "13", "c"),
    ("CAR02 Easy to reach", "37", "100%", "not asked", ""),
    ("CAR03 Out of hours", "0", "–", "11", "12.5%"),
), note="% positive = the top two answers over valid answers.")
CHILDREN = Table("What children said, by age band (% positive, n)", ("Measure", "Under 8", "8 to 11"), (
    ("Feel safe where they live", "c (n=8)", "64% (n=14)"),
    ("Have a say", "not asked", "c"),
))
TREND = Table("% in time month by month (whole service)", ("Measure", "Jul 2026", "Aug 2026", "Sep 2026"), (
    ("Support visits in time", "95% ● Green", "c", "no data"),
    ("Annual review in time", "81% ▲ Amber", "74% ■ Red", "no data"),
    ("Management supervision", "not begun", "not begun", "not begun"),
))
CALLS = Table("BSOs against the monthly minimum", ("Month", "BSOs", "Below it", "Carer feedback"), (
    ("November 2025", "9", "3", "23"),
    ("December 2025 (to date)", "9", "in progress", "16"),
    ("All months", "", "", "39"),
), note="Counts of staff are not suppressed; counts of families are.")
LEARNING = Table("Learning from complaints", ("Month", "What we learned", "Ref"), (
    ("October 2025", "-5", "12"),
    ("November 2025", "=1+1", "007"),
    ("December 2025", "@SUM(A1) then +44 7700 \x07 and a bell", "12"),
), text_columns=(1,))
REPORT = Report(
    service="Fostering Service", title="Feedback report", period_key="2025/26-Q3",
    period_label="2025/26 Q3 (October to December 2025)", previous_label="2025/26 Q2", marking="OFFICIAL-SENSITIVE",
    as_of="2026-01-05T09:00:00+00:00", version=None, footnotes=("Counts of 1 to 5 are shown as c.",),
    sections=(
        Section("headlines", "Headline numbers", summary=("58 carer calls were completed.",), tables=(HEADLINES,),
                narrative="=HYPERLINK(\"http://x\")\n+44 then @SUM(A1)"),
        Section("carers", "Foster carers' views", tables=(POSITIVE,),
                charts=(Chart("% positive by question", "{}", alt="Bars: the share positive.", note="c is not drawn."),),
                quotes=(Quote("=2+2 was the best bit", "A kinship carer"),)),
        Section("children", "Children's views", tables=(CHILDREN,)),
        Section("kpis", "How much are we doing", tables=(TREND,)),
        Section("compliance", "Business support calls", tables=(CALLS,)),
        Section("complaints", "Complaints", tables=(LEARNING,)),
        Section("audits", "Case-file audits", empty="No case-file audit was drawn in this period."),
    ))


def book_of(value: Report = REPORT, **options):
    return load_workbook(io.BytesIO(xlsx.render(value, **options)))


def headings(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def column(sheet, heading: str) -> list:
    """The cells of a column below its heading."""
    index = headings(sheet).index(heading)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def values(sheet, heading: str) -> list:
    return [cell.value for cell in column(sheet, heading)]


def readme_block(book, title: str) -> list[tuple]:
    """A table on the README sheet, below its bold title, as rows of values without the heading row."""
    rows = list(book["README"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == title) + 2
    end = next((i for i in range(start, len(rows)) if not any(rows[i])), len(rows))
    return rows[start:end]


def sheet_of(book, table_title: str):
    return book[next(row[0] for row in readme_block(book, "Sheets") if row[2] == table_title)]


@pytest.mark.parametrize("display, value, number_format, status", [
    ("58", 58, "#,##0", None),
    ("12,345", 12345, "#,##0", None),
    ("0", 0, "#,##0", None),
    ("-5", -5, "#,##0", None),
    ("1.5", 1.5, "0.0", None),
    ("100%", 1.0, "0%", None),
    ("0%", 0.0, "0%", None),
    ("67%", 0.67, "0%", None),
    ("12.5%", 0.125, "0.0%", None),
    ("c", None, None, "suppressed"),
    ("hidden (small number)", None, None, "suppressed"),
    ("–", None, None, "no data"),
    ("no data", None, None, "no data"),
    ("not asked", None, None, "not asked"),
    ("in progress", None, None, "in progress"),
    ("not begun", None, None, "not begun"),
    ("● Green", "Green", None, None),
    ("▲ Amber", "Amber", None, None),
    ("", "", None, None),
    ("C", "C", None, None),  # the marker is a lower-case c
    ("In progress", "In progress", None, None),  # an action's status, not a marker
    ("=1+1", "=1+1", None, None),  # text: it is made inert when it is written
    ("007", "007", None, None),  # a code, not 7
    ("12,34", "12,34", None, None),
    ("1,2345", "1,2345", None, None),
    ("١٢", "١٢", None, None),  # Arabic-Indic digits are text
    ("1e5", "1e5", None, None),
    ("1_000", "1_000", None, None),
    ("nan", "nan", None, None),
    ("inf", "inf", None, None),
    (" 58", " 58", None, None),
    ("58%%", "58%%", None, None),
    ("1234567890123456", "1234567890123456", None, None),  # more digits than Excel keeps
    ("Formal supervision in the last 12 weeks", "Formal supervision in the last 12 weeks", None, None),
    ("64% (n=14)", "64% (n=14)", None, None),  # combined cells are split by column, not here
])
def test_a_display_string_parses_to_one_value_format_and_status(display, value, number_format, status):
    parsed = xlsx.parse(display)
    assert (parsed.value, parsed.number_format, parsed.status) == (value, number_format, status)
    assert type(parsed.value) is type(value)


def test_counts_are_whole_number_cells_and_percentages_fractions_formatted_as_percent():
    book = book_of()
    headline = sheet_of(book, "Feedback received")
    assert values(headline, "2025/26 Q2") == [58, 0, 12]
    assert all(type(v) is int for v in values(headline, "2025/26 Q2"))
    assert sum(values(headline, "2025/26 Q2")) == sum(int(row[2]) for row in HEADLINES.rows)  # it sums
    assert values(headline, "2025/26 Q3")[0] == 1234 and column(headline, "2025/26 Q3")[0].number_format == "#,##0"
    positive = sheet_of(book, "% positive by question")
    cells = column(positive, "Mainstream % positive")
    assert [c.value for c in cells] == [0.67, 1.0, None] and [c.number_format for c in cells[:2]] == ["0%", "0%"]
    assert column(positive, "Kinship % positive")[2].value == 0.125
    assert column(positive, "Kinship % positive")[2].number_format == "0.0%"
    assert values(positive, "Mainstream n") == [42, 37, 0]
    assert all(c.data_type == "n" for c in cells[:2])


def test_every_table_sheet_has_exactly_one_header_row_frozen_below_it_and_a_filter_over_the_table():
    book = book_of()
    tables = [t for s in REPORT.sections for t in s.tables]
    data = book.worksheets[1:]
    assert len(data) == len(tables) + 1  # one sheet per table, then the report's text
    for sheet, table in zip(data, tables + [None]):
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(isinstance(h, str) and h for h in headings(sheet)), sheet.title
        assert len(set(h.lower() for h in headings(sheet))) == len(headings(sheet))  # told apart by heading
        assert all(c.font.b for c in sheet[1]) and not any(c.font.b for row in sheet.iter_rows(min_row=2) for c in row)
        if table is not None:
            assert sheet.max_row == len(table.rows) + 1, sheet.title  # no title, note or second table in the sheet
            assert headings(sheet)[0] == table.columns[0]


def test_a_figure_the_report_does_not_show_leaves_its_cell_empty_and_the_status_column_says_why():
    book = book_of()
    headline = sheet_of(book, "Feedback received")
    assert values(headline, "2025/26 Q3") == [1234, None, None]
    assert values(headline, "2025/26 Q3 status") == [None, "suppressed", "no data"]
    positive = sheet_of(book, "% positive by question")
    assert values(positive, "Kinship n status") == [None, "not asked", None]
    assert values(positive, "Kinship % positive status") == ["suppressed", "not applicable", None]
    assert values(positive, "Mainstream % positive status") == [None, None, "no data"]
    calls = sheet_of(book, "BSOs against the monthly minimum")
    assert values(calls, "Below it") == [3, None, None]
    assert values(calls, "Below it status") == [None, "in progress", "not applicable"]
    trend = sheet_of(book, "% in time month by month (whole service)")
    assert values(trend, "Sep 2026 status") == ["no data", "no data", "not begun"]
    assert values(trend, "Sep 2026") == [None, None, None]
    statuses = {v for sheet in book.worksheets[1:] for h in headings(sheet) if h.endswith(" status")
                for v in values(sheet, h)} - {None}
    assert statuses == set(xlsx.STATUSES)  # one word per reason, and each is described


def test_combined_cells_are_split_into_a_percentage_its_base_and_the_indicator():
    book = book_of()
    children = sheet_of(book, "What children said, by age band (% positive, n)")
    assert headings(children) == ["Measure", "Under 8 %", "Under 8 n", "Under 8 % status",
                                  "8 to 11 %", "8 to 11 n", "8 to 11 % status"]
    assert [c.value for c in children[2]] == ["Feel safe where they live", None, 8, "suppressed", 0.64, 14, None]
    assert [c.value for c in children[3]] == ["Have a say", None, None, "not asked", None, None, "suppressed"]
    assert children["E2"].number_format == "0%" and children["F2"].number_format == "#,##0"
    trend = sheet_of(book, "% in time month by month (whole service)")
    assert values(trend, "Jul 2026 %") == [0.95, 0.81, None]
    assert values(trend, "Jul 2026 indicator") == ["Green", "Amber", None]
    assert values(trend, "Aug 2026 %") == [None, 0.74, None] and values(trend, "Aug 2026 indicator") == [None, "Red", None]
    assert values(trend, "Aug 2026 % status") == ["suppressed", None, "not begun"]


def test_the_marking_period_and_draft_are_in_every_sheets_printed_header_and_footer():
    book = book_of(REPORT)
    assert book.properties.title.startswith("DRAFT") and book["README"]["A1"].value == xlsx.DRAFT_LINE
    for sheet in book.worksheets:
        assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE" == sheet.oddFooter.center.text, sheet.title
        assert REPORT.period_label in sheet.oddHeader.right.text
        assert xlsx.DRAFT_LINE in sheet.oddHeader.right.text and xlsx.DRAFT_LINE in sheet.oddFooter.left.text
    assert sheet_of(book, "Feedback received").oddHeader.left.text == "Headlines: Feedback received"


def test_a_published_version_carries_its_version_and_no_draft_mark_anywhere():
    published = Report(**{**REPORT.__dict__, "version": 3, "marking": "OFFICIAL"})
    book = book_of(published)
    everything = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row]
    everything += [str(getattr(sheet, part)) for sheet in book for part in ("oddHeader", "oddFooter")]
    assert not [v for v in everything if "DRAFT" in v] and not book.properties.title.startswith("DRAFT")
    assert "Version 3" in everything
    assert all(sheet.oddHeader.center.text == "OFFICIAL" and "version 3" in sheet.oddFooter.left.text
               for sheet in book)
    # Asking for a draft marks even a versioned report.
    assert book_of(published, draft=True)["README"]["A1"].value == xlsx.DRAFT_LINE


def test_an_ampersand_in_the_marking_prints_as_itself_and_not_as_a_header_code():
    book = book_of(Report(**{**REPORT.__dict__, "marking": "OFFICIAL & PERSONAL\nLINE"}))
    assert all(sheet.oddHeader.center.text == "OFFICIAL && PERSONAL LINE" for sheet in book)


def test_the_readme_comes_first_and_describes_every_column_of_every_sheet_and_every_status_word():
    book = book_of()
    assert book.sheetnames[0] == "README"
    described = {(sheet, heading): meaning for sheet, heading, meaning, *_ in readme_block(book, "Columns")}
    present = {(sheet.title, heading) for sheet in book.worksheets[1:] for heading in headings(sheet)}
    assert set(described) == present
    assert all(isinstance(meaning, str) and len(meaning) > 10 for meaning in described.values())
    assert "percentage" in described[(sheet_of(book, "% positive by question").title, "Mainstream % positive")]
    assert "count" in described[(sheet_of(book, "Feedback received").title, "2025/26 Q2")]
    words = {row[0]: row[1] for row in readme_block(book, "Status words")}
    assert set(words) == set(xlsx.STATUSES) and all(words.values())
    readme = " ".join(str(v) for row in book["README"].iter_rows(values_only=True) for v in row if v)
    for fact in (REPORT.period_label, "OFFICIAL-SENSITIVE", *REPORT.footnotes, "5 Jan 2026, 09:00 GMT"):
        assert fact in readme


def test_the_readme_lists_every_tables_sheet_section_title_note_and_rows():
    book = book_of()
    listed = readme_block(book, "Sheets")
    tables = [(s, t) for s in REPORT.sections for t in s.tables]
    assert [row[:5] for row in listed[:len(tables)]] == [
        (name, s.title, t.title, t.note or None, len(t.rows)) for name, (s, t) in zip(book.sheetnames[1:], tables)]
    assert listed[-1][0] == xlsx.TEXT_SHEET and len(listed) == len(tables) + 1


def test_formula_looking_text_is_inert_and_free_text_stays_text_even_where_it_looks_like_a_number():
    book = book_of()
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)]
    learning = sheet_of(book, "Learning from complaints")
    learned = column(learning, "What we learned")
    assert [c.value for c in learned[:2]] == ["'-5", "'=1+1"] and all(c.data_type == "s" for c in learned)
    assert learned[2].value == "'@SUM(A1) then +44 7700 \ufffd and a bell"  # XML cannot hold the bell
    assert values(learning, "Ref") == ["12", "007", "12"]  # a column that is not all figures stays text
    assert values(sheet_of(book, "Feedback received"), "Measure")[2] == text.spreadsheet_safe(HOSTILE_LABEL)
    words = values(book[xlsx.TEXT_SHEET], "Text")
    assert "'=HYPERLINK(\"http://x\")\n+44 then @SUM(A1)" in words and "'=2+2 was the best bit" in words


def test_the_report_text_sheet_keeps_summaries_charts_commentary_quotes_and_empty_sections():
    sheet = book_of()[xlsx.TEXT_SHEET]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert ("Headline numbers", "Summary", "58 carer calls were completed.", None) in rows
    assert ("Foster carers' views", "Chart", "% positive by question. Bars: the share positive. c is not drawn.",
            None) in rows
    assert ("Foster carers' views", "Quote", "'=2+2 was the best bit", "A kinship carer") in rows
    assert ("Case-file audits", "Nothing to report", "No case-file audit was drawn in this period.", None) in rows
    assert [r[1] for r in rows].count("Commentary") == 1


def test_sheet_names_are_short_valid_and_unique_whatever_the_titles():
    odd = Section("odd:key", "A [very]: long/section\\title*? that goes on 'and on'", tables=tuple(
        Table(title, ("Thing", "Number"), (("x", "1"),)) for title in ("Same", "Same", "Other/one", "")))
    again = Section("complaints", "Complaints", tables=(Table("Received", ("Type", "Number"), ()),
                                                       Table("Received", ("Type", "Number"), ())))
    book = book_of(Report(**{**REPORT.__dict__, "sections": (odd, odd, again)}))
    names = book.sheetnames
    assert len(names) == 1 + 8 + 2 + 1 and len({n.lower() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) and not name.startswith("'"), name
    assert names[-3:-1] == ["Complaints received", "Complaints received 2"]
    empty = book[names[-2]]
    assert empty.max_row == 1 and empty.auto_filter.ref == "A1:B1"  # a table with no rows keeps its headings


def test_the_demo_report_reads_back_from_the_workbook_as_numbers_with_one_word_per_status(demo_db):
    from tests.fixtures import user

    qa = user(demo_db, "qa")
    today = session.today()
    for period in (periods.Quarter.containing(today).previous.slug, periods.Quarter.containing(today).slug):
        value = report.build(demo_db, qa, period, today=today)
        book = book_of(value)
        checked, split, statuses = 0, 0, set()
        listed = iter(readme_block(book, "Sheets"))
        for section in value.sections:
            for table in section.tables:
                name, section_title, title, *_ = next(listed)
                assert (section_title, title) == (section.title, table.title)
                sheet = book[name]
                heads = headings(sheet)
                assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:"), sheet.title
                assert sheet.oddHeader.center.text == value.marking == sheet.oddFooter.center.text
                rows = list(sheet.iter_rows(min_row=2))
                assert len(rows) == len(table.rows)
                for j, heading in enumerate(table.columns):
                    if j == 0 or j in table.text_columns:
                        continue
                    for row, shown in zip(rows, (r[j] for r in table.rows)):
                        at = {h: row[i] for i, h in enumerate(heads)}
                        whole = re.fullmatch(r"([0-9]+)% (?:\(n=([0-9,]+)\)|[●▲■] (Green|Amber|Red))", shown)
                        if whole and f"{heading} %" in at:  # a combined cell, split into its parts
                            assert at[f"{heading} %"].value == pytest.approx(int(whole[1]) / 100)
                            assert at[f"{heading} %"].number_format == "0%" and at[f"{heading} % status"].value is None
                            if whole[2]:
                                assert at[f"{heading} n"].value == int(whole[2].replace(",", ""))
                            else:
                                assert at[f"{heading} indicator"].value == whole[3]
                            split += 1
                        elif f"{heading} status" in at:
                            cell, status = at[heading], at[f"{heading} status"].value
                            parsed = xlsx.parse(shown)
                            expected = (parsed.value, parsed.status) if shown else (None, xlsx.NOT_APPLICABLE)
                            assert (cell.value, status) == expected, (sheet.title, heading, shown)
                            if isinstance(cell.value, (int, float)):
                                assert cell.number_format == parsed.number_format
                                checked += 1
                            statuses.add(status)
                # Outside the row labels and free text, no cell holds a figure as text.
                for index, heading in enumerate(heads[1:], start=1):
                    if heading.endswith(" status") or index in [heads.index(table.columns[j])
                                                                for j in table.text_columns]:
                        continue
                    as_text = [c.value for c in column(sheet, heading) if isinstance(c.value, str)]
                    assert not [v for v in as_text if xlsx.parse(v).number_format], (sheet.title, heading)
                    assert not [v for v in as_text if xlsx.parse(v).status], (sheet.title, heading)
        assert checked > 100 and split > 10 and {"suppressed", None} <= statuses <= {None, *xlsx.STATUSES}
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert not [c for c in cells if c.data_type == "f"]
