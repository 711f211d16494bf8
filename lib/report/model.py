"""The quarterly (or annual) feedback report as one frozen value.

lib/report.py computes it from the database; the on-screen preview, the PDF (lib/report_pdf.py)
and the Excel workbook (lib/report_xlsx.py) all render this same value, so they cannot disagree.
Every number in it is already a display string with small-number suppression applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A table as it is published: column headings and rows of display strings (suppression applied)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    text_columns: tuple[int, ...] = ()  # columns of free text (redacted), not figures


@dataclass(frozen=True)
class Chart:
    """A chart as a Vega-Lite JSON spec with its data inline: the same Altair chart the app shows."""

    title: str
    spec: str
    alt: str = ""  # a one-sentence text description, for accessibility and for the workbook
    note: str = ""


@dataclass(frozen=True)
class Quote:
    """A quote chosen by QA: consented, redacted (as QA approved the redaction), with a plain source line."""

    text: str
    source: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    summary: tuple[str, ...] = ()  # plain sentences worked out from the data
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    narrative: str = ""  # QA's commentary, plain text (paragraphs separated by blank lines)
    quotes: tuple[Quote, ...] = ()
    empty: str = ""  # shown instead of tables and charts when there is nothing to report


@dataclass(frozen=True)
class Report:
    service: str
    title: str  # e.g. "Feedback report"
    period_key: str  # "2025/26-Q3" or "2025/26"
    period_label: str  # "2025/26 Q3 (October to December 2025)"
    previous_label: str
    marking: str  # protective marking, e.g. "OFFICIAL-SENSITIVE"
    as_of: str  # when the data was read, UTC ISO-8601
    version: int | None = None  # the published version, or None for a draft
    sections: tuple[Section, ...] = ()
    footnotes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # What the pre-publish disclosure audit found (lib/disclosure.audit): a report with any is not published.
    leaks: tuple[str, ...] = field(default=(), compare=False)
    # The key findings as the report builder edits them: {key, template, places, generated (as shown), choice}.
    findings: tuple[dict, ...] = field(default=(), compare=False)
