"""The report's tables as an Excel workbook to analyse: a README sheet, one sheet per table, then the report's text.

Each table sheet has exactly one header row (frozen, with a filter on), then one row per row of the report's table.
Counts are whole-number cells and percentages fractions formatted as %, so they sort and sum. A figure the report
does not show as a number (c, –, no data, not asked, in progress) leaves its cell empty, and the status column beside
it says why in one word per reason (STATUSES). Combined cells are split: "64% (n=14)" into a % and an n column,
"95% ● Green" into a % and an indicator column. The README describes every sheet, every column and every status;
every sheet's printed header and footer carry the protective marking, the period and, for a draft, DRAFT.

No cell is ever written as a formula: text that starts like one (=, +, -, @, tab, CR) carries a leading ', and the
report's free-text columns stay text even when they look like numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lib import analysis, dates, suppression, text
from lib.kpis import measures as kpi_measures
from lib.report.model import Report, Section, Table

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot hold: one of them in a cell makes the whole workbook unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DRAFT_LINE = "DRAFT – not for circulation"
README = "README"
TEXT_SHEET = "Report text"

# ---- Statuses: why a figure's cell is empty, one word per reason across the workbook ------------

SUPPRESSED = "suppressed"
NO_DATA = "no data"
NOT_ASKED = "not asked"
IN_PROGRESS = "in progress"
NOT_BEGUN = "not begun"
NOT_APPLICABLE = "not applicable"
STATUSES = {
    SUPPRESSED: ("Hidden to protect privacy: a small count, a figure from which a hidden one could be worked out, "
                 "or a percentage on too small a base (see the note on small numbers above).",
                 f"{suppression.SUPPRESSED}, or {analysis.HIDDEN_MOVEMENT}"),
    NO_DATA: ("Nothing to count: nobody answered, or no figures were recorded for that month or period.",
              f"{suppression.NO_BASE}, or {kpi_measures.NO_DATA}"),
    NOT_ASKED: ("The question is not asked of this group.", "not asked"),
    IN_PROGRESS: ("The month is not over yet, so the figure is not final and is not shown.", "in progress"),
    NOT_BEGUN: ("The period has not begun yet, so there is nothing to count.", "not begun"),
    NOT_APPLICABLE: ("No figure belongs in this cell: a total of staff across months, say, or the % of a question "
                     "not asked.", "(blank)"),
}
# The report's display for each status. Case matters: an action's status "In progress" is a value, not a marker.
_MARKERS = {suppression.SUPPRESSED: SUPPRESSED, analysis.HIDDEN_MOVEMENT: SUPPRESSED,
            suppression.NO_BASE: NO_DATA, kpi_measures.NO_DATA: NO_DATA,
            "not asked": NOT_ASKED, "in progress": IN_PROGRESS, "not begun": NOT_BEGUN}

# ---- One display string as a cell ----------------------------------------------------------------

COUNT_FORMAT = "#,##0"
# ASCII digits only ("١٢" is text); no leading zeros ("007" is a code, not 7); at most 15 digits (Excel's precision).
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,14})")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]{0,11})\.([0-9]{1,3})")
_PERCENT = re.compile(r"-?(?:0|[1-9][0-9]{0,3})(?:\.([0-9]{1,3}))?%")
_RAG = re.compile("[" + "".join(kpi_measures.RAG_SYMBOLS.values()) + "] ("
                  + "|".join(kpi_measures.RAG_WORDS.values()) + ")")
_WITH_N = re.compile(r"(.+) \(n=([^()]+)\)")  # "64% (n=14)", "c (n=8)"
_WITH_RAG = re.compile(r"(\S+) (" + _RAG.pattern + ")")  # "95% ● Green"


@dataclass(frozen=True)
class Parsed:
    """A cell as the workbook holds it: a number with its format, text, or nothing with the status saying why."""

    value: int | float | str | None = None
    number_format: str | None = None
    status: str | None = None


def parse(display: str) -> Parsed:
    """One display string as a cell: "1,234" an int, "67%" 0.67 formatted 0%, "1.5" a float, "c" no value with
    status suppressed (and the other markers likewise), "● Green" the word Green; anything else stays text as it is."""
    if display in _MARKERS:
        return Parsed(status=_MARKERS[display])
    if _INTEGER.fullmatch(display):
        return Parsed(int(display.replace(",", "")), COUNT_FORMAT)
    if found := _DECIMAL.fullmatch(display):
        return Parsed(float(display.replace(",", "")), "0." + "0" * len(found[1]))
    if found := _PERCENT.fullmatch(display):
        places = len(found[1] or "")
        return Parsed(float(Decimal(display[:-1]) / 100), "0" + ("." + "0" * places if places else "") + "%")
    if found := _RAG.fullmatch(display):
        return Parsed(found[1])  # the shape is for the printed page; the word is what a filter wants
    return Parsed(display)


def _is_figure(parsed: Parsed) -> bool:
    return parsed.status is not None or isinstance(parsed.value, (int, float))


def _with_n(display: str) -> tuple[Parsed, Parsed] | None:
    """ "64% (n=14)" as the % and its n; None unless both parts are figures."""
    found = _WITH_N.fullmatch(display)
    if not found:
        return None
    main, n = parse(found[1]), parse(found[2])
    return (main, n) if _is_figure(main) and _is_figure(n) else None


def _with_rag(display: str) -> tuple[Parsed, str] | None:
    """ "95% ● Green" as the % and the indicator word; None unless the first part is a number."""
    found = _WITH_RAG.fullmatch(display)
    if not found:
        return None
    main = parse(found[1])
    return (main, found[3]) if isinstance(main.value, (int, float)) else None


# ---- A report table as columns of cells ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    heading: str
    meaning: str
    cells: tuple[Parsed, ...]
    wide: bool = False  # text that wraps: free text and row labels


def _status_cells(parsed: list[Parsed]) -> tuple[Parsed, ...]:
    return tuple(Parsed(p.status) if p.status else Parsed() for p in parsed)


def _status_column(heading: str, parsed: list[Parsed]) -> Column:
    return Column(f"{heading} status", f"Why “{heading}” is empty, as a status word (see below); "
                                       f"empty when it holds a figure.", _status_cells(parsed))


def _kind_of_figures(parsed: list[Parsed]) -> str:
    formats = {p.number_format for p in parsed if p.number_format}
    if formats and all(f.endswith("%") for f in formats):
        return "a percentage, stored as a fraction from 0 to 1 and formatted as %"
    if formats == {COUNT_FORMAT}:
        return "a count (a whole number)"
    if formats:
        return "a figure (a count, or a percentage stored as a fraction from 0 to 1, as each cell's format shows)"
    return "a figure (none is shown this period; the status column says why)"


def _columns(table: Table) -> list[Column]:
    """The table's columns as the sheet holds them: the first (what each row is) and the free-text columns as text,
    each column of figures as numbers with a status column beside it, combined cells split into their parts."""
    width = len(table.columns)
    rows = [tuple(row) + ("",) * (width - len(row)) for row in table.rows]
    out: list[Column] = []
    for index, heading in enumerate(table.columns):
        displays = [str(row[index]) for row in rows]
        if index == 0 or index in table.text_columns:
            what = ("What each row is" if index == 0 else "Free text, redacted as published; always text, even "
                    "where it looks like a number")
            out.append(Column(heading, f"{what}.", tuple(Parsed(d) for d in displays), wide=True))
            continue
        plain = [parse(d) for d in displays]
        # A column with no figure at all (a month with no data) is not split: nothing says what its parts would be.
        kind = _combined(displays)
        with_n = [_with_n(d) for d in displays]
        with_rag = [_with_rag(d) for d in displays]
        if kind == "n":
            main = [pair[0] if pair else p for pair, p in zip(with_n, plain)]
            n = [pair[1] if pair else Parsed() for pair in with_n]
            out += [Column(f"{heading} %", f"The percentage in the report's “{heading}” column: "
                                           f"{_kind_of_figures(main)}.", tuple(_figure(p) for p in main)),
                    Column(f"{heading} n", f"The base of “{heading} %”: how many answered, a count.",
                           tuple(_figure(p) for p in n)),
                    _status_column(f"{heading} %", main)]
        elif kind == "indicator":
            main = [pair[0] if pair else p for pair, p in zip(with_rag, plain)]
            words = [Parsed(pair[1]) if pair else Parsed() for pair in with_rag]
            out += [Column(f"{heading} %", f"The percentage in the report's “{heading}” column: "
                                           f"{_kind_of_figures(main)}.", tuple(_figure(p) for p in main)),
                    Column(f"{heading} indicator", f"The indicator beside “{heading} %”: Green, Amber or Red "
                                                   f"against the measure's thresholds.", tuple(words)),
                    _status_column(f"{heading} %", main)]
        elif any(_is_figure(p) for p in plain) and all(_is_figure(p) or d == "" for p, d in zip(plain, displays)):
            cells = [p if d else Parsed(status=NOT_APPLICABLE) for p, d in zip(plain, displays)]
            out += [Column(heading, f"The report's “{heading}”: {_kind_of_figures(cells)}.",
                           tuple(_figure(p) for p in cells)), _status_column(heading, cells)]
        else:  # words (an indicator, a movement, a month): text, with a status column only if one is needed
            cells = [p if p.status or isinstance(p.value, str) else Parsed(d) for p, d in zip(plain, displays)]
            out.append(Column(heading, f"The report's “{heading}”, as text.",
                              tuple(Parsed(None) if p.status else p for p in cells)))
            if any(p.status for p in cells):
                out.append(_status_column(heading, cells))
    return _unique(out)


def _combined(displays: list[str]) -> str | None:
    """ "n" for a column of "64% (n=14)", "indicator" for one of "95% ● Green", else None."""
    if any(_with_n(d) for d in displays):
        return "n"
    if any(_with_rag(d) for d in displays):
        return "indicator"
    return None


def _figure(parsed: Parsed) -> Parsed:
    return Parsed() if parsed.status else parsed


def _unique(columns: list[Column]) -> list[Column]:
    """Headings made unique (two teams of one name, say), so every column can be told apart by its heading."""
    seen: set[str] = set()
    out = []
    for column in columns:
        heading, n = column.heading, 2
        while heading.lower() in seen:
            heading, n = f"{column.heading} ({n})", n + 1
        seen.add(heading.lower())
        out.append(column if heading == column.heading else Column(heading, column.meaning, column.cells, column.wide))
    return out


# ---- Sheet names --------------------------------------------------------------------------------

SHEETS = {"headlines": "Headlines", "kpis": "KPIs", "compliance": "BSO calls", "carers": "Carers",
          "parents": "Birth parents", "children": "Children", "audits": "Audits", "direct_work": "Direct work",
          "complaints": "Complaints", "actions": "You said we did", "methods": "Methods"}
# A short name for each of the report's tables, by section and the start of its title (some titles carry a date);
# the first that fits is used, so a longer title comes before one it starts with.
TABLE_SHEETS = (
    ("kpis", "Key performance indicators", "KPI position"), ("kpis", "% in time", "KPI trend"),
    ("kpis", "By team", "KPI by team"), ("kpis", "Approved households on the register", "Register"),
    ("kpis", "Households approved and de-registered", "Approved and de-registered"),
    ("kpis", "Foster carer recruitment", "Recruitment"), ("kpis", "Measures and thresholds", "KPI thresholds"),
    ("compliance", "BSOs against the monthly minimum, by team", "BSO calls by team"),
    ("compliance", "BSOs against the monthly minimum", "BSO calls"),
    *((key, title, f"{name} {short}") for key, name in (("carers", "Carers"), ("parents", "Parents"))
      for title, short in (("Completed feedback by placement type", "responses"),
                           ("% positive by question", "% positive"), ("% positive over time", "trend"),
                           ("Top strengths and areas for improvement", "themes"))),
    ("children", "Children's views by age band", "Children responses"),
    ("children", "What children said, by age band", "Children % positive"),
    ("children", "What children said most", "Children themes"),
    ("audits", "The case-file audit programme", "Audit programme"), ("audits", "Moderated grades", "Audit grades"),
    ("audits", "Who the peer auditor spoke to", "Audit spoke to"),
    ("audits", "Themes in audit learning", "Audit learning themes"), ("audits", "Targeted audits", "Targeted audits"),
    ("audits", "Audit feedback by who was asked", "Audit feedback"),
    ("audits", "Themes in audit feedback", "Audit feedback themes"),
    ("complaints", "Received", "Complaints received"), ("complaints", "Who they came from", "Complaints from"),
    ("complaints", "Complaints by the stage", "Complaint stages"),
    ("complaints", "Complaint outcomes", "Complaint outcomes"),
    ("complaints", "Most common themes", "Complaint themes"),
    ("complaints", "Learning from complaints", "Complaint learning"),
    ("actions", "Opened this period", "Actions opened"), ("actions", "Closed this period", "Actions closed"),
    ("actions", "Still open and overdue", "Actions overdue"),
)


def _sheet_name(section: Section, index: int, table: Table, used: set[str]) -> str:
    """A short name Excel accepts (31 characters, none of []:*?/\\, no leading or trailing '), unique in the book."""
    def clean(wanted: str) -> str:
        return " ".join(_BAD_SHEET_CHARS.sub(" ", _NOT_XML.sub("", wanted)).split())[:31].strip(" '") or "Sheet"

    base = clean(SHEETS.get(section.key, section.title))
    known = [name for key, start, name in TABLE_SHEETS if key == section.key and table.title.startswith(start)]
    name = known[0] if known else base if len(section.tables) == 1 else base[:27].rstrip(" '") + f" {index + 1}"
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate = f"{name[:27].rstrip()} {n}"
        n += 1
    used.add(candidate.lower())
    return candidate


# ---- Writing ------------------------------------------------------------------------------------


def _safe(value: object) -> str:
    return text.spreadsheet_safe(_NOT_XML.sub("\ufffd", "" if value is None else str(value)))


def _put(sheet, row: int, column: int, parsed: Parsed, *, bold: bool = False, wrap: bool = False):
    """Write a cell as data: a number with its format, or text that is never a formula; None leaves it empty."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(parsed.value, (int, float)) and not isinstance(parsed.value, bool):
        cell.value = parsed.value
        cell.number_format = parsed.number_format or "General"
    elif parsed.value is not None and parsed.value != "":
        # A string cell, and text that starts as a formula would (=, +, -, @) gets a leading ', as the CSV
        # exports do: stored as text it is inert, but edited in the cell or saved as CSV it would run.
        cell.value = _safe(parsed.value)
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    if wrap or bold:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _text(sheet, row: int, column: int, value: str, **style):
    return _put(sheet, row, column, Parsed(value), **style)


def _header_text(value: str, limit: int) -> str:
    """Text for a printed header or footer: one line, & escaped (it starts Excel's codes), short enough to print."""
    plain = " ".join(_NOT_XML.sub("", value).split())
    plain = plain if len(plain) <= limit else plain[:limit - 1].rstrip() + "…"
    return plain.replace("&", "&&")


def _print_marks(sheet, report: Report, what: str, draft: bool):
    """The marking centred at the top and bottom of every printed page; the period, what the sheet is, the version
    (or DRAFT) and the page number round it."""
    marking = _header_text(report.marking, 50)
    sheet.oddHeader.left.text = _header_text(what, 70)
    sheet.oddHeader.center.text = marking
    sheet.oddHeader.right.text = _header_text(report.period_label, 80) + (f" – {DRAFT_LINE}" if draft else "")
    sheet.oddFooter.left.text = _header_text(report.service, 50) + " – " + (
        DRAFT_LINE if draft else f"version {report.version}")
    sheet.oddFooter.center.text = marking
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_table(sheet, columns: list[Column], rows: int):
    """One header row, frozen, with a filter on; then the rows."""
    for number, column in enumerate(columns, start=1):
        _text(sheet, 1, number, column.heading, bold=True)
        for row, parsed in enumerate(column.cells, start=2):
            _put(sheet, row, number, parsed, wrap=column.wide)
        longest = max([len(str(p.value)) for p in column.cells if p.value is not None] or [0])
        width = min(60, max(12, longest + 2)) if column.wide else min(24, max(10, len(column.heading) // 2 + 4))
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(columns)))}{rows + 1}"
    sheet.print_title_rows = "1:1"  # the headings on every printed page


def _text_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """Everything in the report that is words, not a table: summaries, notes, charts (as their description),
    commentary and quotes, as (section, part, text, quote source)."""
    rows = []
    for section in report.sections:
        rows += [(section.title, "Summary", sentence, "") for sentence in section.summary]
        if section.empty:
            rows.append((section.title, "Nothing to report", section.empty, ""))
        rows += [(section.title, "Chart", f"{chart.title}. {chart.alt} {chart.note}".strip(), "")
                 for chart in section.charts]
        if section.narrative:
            rows.append((section.title, "Commentary", section.narrative, ""))
        rows += [(section.title, "Quote", quote.text, quote.source) for quote in section.quotes]
    return rows


TEXT_COLUMNS = (("Section", "The section of the report."),
                ("Part", "Summary (sentences worked out from the data), Nothing to report, Chart (what the chart "
                         "shows, in words), Commentary (QA's commentary) or Quote."),
                ("Text", "The words, as published (redacted)."),
                ("Quote source", "Who a quote is from, in plain words; empty for anything but a quote."))


def render(report: Report, *, created: dt.datetime | None = None, draft: bool = False) -> bytes:
    """The workbook's bytes. A draft (asked for, or a report with no version) says DRAFT – not for circulation in
    its title property, the README's first line and every sheet's printed header and footer."""
    draft = draft or report.version is None
    book = Workbook()
    readme = book.active
    readme.title = README
    used = {README.lower(), TEXT_SHEET.lower()}
    tables = []  # (sheet, section, table, columns)
    for section in report.sections:
        for index, table in enumerate(section.tables):
            sheet = book.create_sheet(_sheet_name(section, index, table, used))
            columns = _columns(table)
            _write_table(sheet, columns, len(table.rows))
            _print_marks(sheet, report, f"{SHEETS.get(section.key, section.title)}: {table.title}", draft)
            tables.append((sheet.title, section, table, columns))
    words = _text_rows(report)
    sheet = book.create_sheet(TEXT_SHEET)
    _write_table(sheet, [Column(heading, meaning, tuple(Parsed(row[i]) for row in words), wide=True)
                         for i, (heading, meaning) in enumerate(TEXT_COLUMNS)], len(words))
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 30, 16
    _print_marks(sheet, report, "The report's text", draft)
    _readme(readme, report, tables, draft)
    _print_marks(readme, report, README, draft)

    stamp = created or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    book.properties.created = book.properties.modified = stamp.replace(tzinfo=None)
    book.properties.creator = _NOT_XML.sub("\ufffd", report.service)
    book.properties.title = _NOT_XML.sub("\ufffd", ("DRAFT: " if draft else "")
                                         + f"{report.title}, {report.period_label}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _readme(sheet, report: Report, tables: list, draft: bool):
    """What the workbook is, then a table of its sheets, one of every sheet's columns and one of the status words."""
    lines = [
        *([(DRAFT_LINE, True)] if draft else []),
        (f"{report.service}: {report.title}", True),
        (f"Period: {report.period_label}", False),
        (f"Version {report.version}" if report.version else "Draft (not published)", False),
        (f"Protective marking: {report.marking}", True),
        (f"Data as of {dates.moment(report.as_of, zone=True)}", False),
        ("", False),
        ("The report's tables as data, one table per sheet. The first row of each sheet is its column headings; "
         "numbers are numbers (percentages are fractions from 0 to 1 formatted as %), so they sort, filter and sum. "
         "Where the report shows no number, the cell is empty and the status column beside it says why. The "
         "report's other words (summaries, charts described in words, commentary and quotes) are on the sheet "
         f"“{TEXT_SHEET}”. Figures are exactly as published, with the same small-number suppression:", False),
        *[(note, False) for note in report.footnotes],
    ]
    row = 0
    for row, (line, bold) in enumerate(lines, start=1):
        _text(sheet, row, 1, line, bold=bold, wrap=True)
        # Across the README's columns, so a long paragraph reads as one; Excel sizes no merged row, so it is sized here.
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = 15 * (1 + len(line) // 150)

    def block(title: str, headings: tuple[str, ...], values: list[tuple[str, ...]]):
        nonlocal row
        row += 2
        _text(sheet, row, 1, title, bold=True)
        row += 1
        for number, heading in enumerate(headings, start=1):
            _text(sheet, row, number, heading, bold=True)
        for cells in values:
            row += 1
            for number, value in enumerate(cells, start=1):
                _put(sheet, row, number, Parsed(value) if isinstance(value, str) else Parsed(value, COUNT_FORMAT),
                     wrap=True)

    block("Sheets", ("Sheet", "Section", "Table", "Note", "Rows"),
          [(name, section.title, table.title, table.note, len(table.rows)) for name, section, table, _ in tables]
          + [(TEXT_SHEET, "", "The report's text: everything that is words, not a table", "",
              len(_text_rows(report)))])
    block("Columns", ("Sheet", "Column", "Meaning"),
          [(name, column.heading, column.meaning) for name, _, _, columns in tables for column in columns]
          + [(TEXT_SHEET, heading, meaning) for heading, meaning in TEXT_COLUMNS])
    block("Status words", ("Status", "Meaning", "Shown in the report as"),
          [(word, meaning, shown) for word, (meaning, shown) in STATUSES.items()])
    for letter, width in zip("ABCDE", (28, 36, 60, 60, 8)):
        sheet.column_dimensions[letter].width = width
