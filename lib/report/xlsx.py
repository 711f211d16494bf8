"""The report's tables as an Excel workbook: a README sheet, then one sheet per section.

Every cell holds text or a number exactly as the report shows it (suppression already applied);
no cell is ever written as a formula, and text that starts like one (=, +, -, @) carries a leading '.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lib import dates, text
from lib.report.model import Report

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot hold: one of them in a cell makes the whole workbook unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
SHEETS = {"headlines": "Headlines", "compliance": "BSO calls", "carers": "Carers", "parents": "Birth parents",
          "children": "Children", "audits": "Case-file audits", "direct_work": "Direct work",
          "complaints": "Complaints", "actions": "You said we did", "methods": "Methods"}


def _cell(sheet, row: int, column: int, value: object, *, bold: bool = False):
    """Write a value as data: numbers as numbers, everything else as text, never as a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str) and _NUMBER.match(value) and len(value) < 15:
        plain = value.replace(",", "")
        cell.value = float(plain) if "." in plain else int(plain)
    else:
        # A string cell, and text that starts as a formula would (=, +, -, @) gets a leading ', as the CSV
        # exports do: stored as text it is inert, but edited in the cell or saved as CSV it would run.
        cell.value = "" if value is None else text.spreadsheet_safe(_NOT_XML.sub("\ufffd", str(value)))
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _sheet_name(title: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", title)[:31].strip() or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate = f"{name[:28]} {n}"
        n += 1
    used.add(candidate.lower())
    return candidate


DRAFT_LINE = "DRAFT – not for circulation"


def render(report: Report, *, created: dt.datetime | None = None, draft: bool = False) -> bytes:
    """The workbook's bytes. With draft, the title property, the README's first line, each sheet's title cell
    and its printed header say DRAFT – not for circulation."""
    book = Workbook()
    readme = book.active
    readme.title = "README"
    lines = [
        *([(DRAFT_LINE, True)] if draft else []),
        (f"{report.service}: {report.title}", True),
        (f"Period: {report.period_label}", False),
        ("Version " + str(report.version) if report.version else "Draft (not published)", False),
        (f"Protective marking: {report.marking}", True),
        (f"Data as of {dates.moment(report.as_of, zone=True)}", False),
        ("", False),
        ("One sheet per section of the report. Figures are exactly as published: small numbers are suppressed "
         "(shown as c) and percentages on small bases are not shown.", False),
        *[(note, False) for note in report.footnotes],
    ]
    for row, (line, bold) in enumerate(lines, start=1):
        _cell(readme, row, 1, line, bold=bold)
    readme.column_dimensions["A"].width = 110
    used = {"readme"}
    for section in report.sections:
        sheet = book.create_sheet(_sheet_name(SHEETS.get(section.key, section.title), used))
        row = 1
        _cell(sheet, row, 1, f"{DRAFT_LINE}: {section.title}" if draft else section.title, bold=True)
        row += 1
        for sentence in section.summary:
            _cell(sheet, row, 1, sentence)
            row += 1
        if section.empty:
            _cell(sheet, row, 1, section.empty)
            row += 1
        for table in section.tables:
            row += 1
            _cell(sheet, row, 1, table.title, bold=True)
            row += 1
            for column, heading in enumerate(table.columns, start=1):
                _cell(sheet, row, column, heading, bold=True)
            for values in table.rows:
                row += 1
                for column, value in enumerate(values, start=1):
                    _cell(sheet, row, column, value)
            if table.note:
                row += 1
                _cell(sheet, row, 1, table.note)
            row += 1
        for chart in section.charts:
            _cell(sheet, row, 1, f"Chart: {chart.title}. {chart.alt} {chart.note}".strip())
            row += 1
        if section.narrative:
            row += 1
            _cell(sheet, row, 1, "Commentary", bold=True)
            _cell(sheet, row + 1, 1, section.narrative)
            row += 2
        if section.quotes:
            row += 1
            _cell(sheet, row, 1, "Quotes", bold=True)
            for quote in section.quotes:
                row += 1
                _cell(sheet, row, 1, quote.text)
                _cell(sheet, row, 2, quote.source)
        widths = [60] + [18] * 8
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    stamp = created or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    book.properties.created = book.properties.modified = stamp.replace(tzinfo=None)
    book.properties.creator = _NOT_XML.sub("\ufffd", report.service)
    if draft:
        book.properties.title = _NOT_XML.sub("\ufffd", f"DRAFT: {report.title}, {report.period_label}")
        for sheet in book.worksheets:
            sheet.oddHeader.center.text = DRAFT_LINE  # printed at the top of every page
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
