"""The quarterly (or annual) feedback report: one frozen value computed from the database.

build() reads everything the report needs for a financial quarter or year, applies small-number
suppression, and returns a report_model.Report. The preview, the PDF and the workbook render that
one value. Run `python -m lib.report --db PATH --period 2025/26-Q3 --out report.pdf [--xlsx FILE]`
to write the same report from the command line (with the saved narrative and quotes, if any).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict

import sqlite_utils

from lib import access, periods, redaction, store, suppression
from lib.access import User
from lib.capture import questions
from lib.report import drafts, kpi_section, sections
from lib.report.model import Report, Section
from lib.store import settings
from lib.themes import codebook

TITLE = "Feedback report"


def rules(db: sqlite_utils.Database) -> suppression.Rules:
    """The suppression rules in force (a preset, or QA's custom thresholds)."""
    values = settings.current(db)
    if values["suppression_preset"] in suppression.PRESETS:
        return suppression.PRESETS[values["suppression_preset"]]
    return suppression.Rules(suppress_max=values["suppress_max"], min_base=values["min_base"],
                             rounding=values["rounding"] or None)


def build(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date, as_of: str | None = None,
          version: int | None = None) -> Report:
    """The report for a period, from the database, with the saved narrative and quotes."""
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    r = rules(db)
    as_of = as_of or store.stamp()
    saved = drafts.draft(db, user, chosen.key)
    names = codebook.names(db)
    bank = questions.current(db)
    redact_names = sections.redaction_names(db)
    warnings: list[str] = []
    parts = [
        sections.headlines(db, chosen, r),
        kpi_section.section(db, user, chosen, r, key="kpis", title=sections.SECTIONS["kpis"], today=today),
        sections.bso_compliance(db, user, chosen, r, today),
        sections.views(db, user, chosen, r, bank, names, key="carers", form="carer", respondent="carer"),
        sections.views(db, user, chosen, r, bank, names, key="parents", form="parent", respondent="birth_parent"),
        sections.children(db, user, chosen, r, bank, names),
        sections.case_file_audits(db, user, chosen, r, names, redact_names),
        sections.direct_work(db, chosen, r, redact_names),
        sections.complaints(db, chosen, r, names, today, redact_names),
        sections.you_said_we_did(db, chosen, names, today, redact_names),
        sections.methods(db, chosen, r, as_of),
    ]
    finished = []
    for section in parts:
        quotes = sections.quotes(db, section.key, saved["quotes"].get(section.key, []), warnings)
        # QA's commentary leaves the app too: names the app knows, phone numbers, e-mails and postcodes go.
        narrative = redaction.redact(saved["narrative"].get(section.key, ""), names=redact_names).text
        finished.append(Section(section.key, section.title, section.summary, section.tables, section.charts,
                                narrative, quotes, section.empty))
    return Report(settings.get(db, "service_name"), TITLE, chosen.key, chosen.label, chosen.previous_label,
                  settings.get(db, "report_marking"), as_of, version, tuple(finished),
                  (suppression.footnote(r),), tuple(warnings))


def fingerprint(report: Report) -> str:
    """A hash of the report's data (not its as-of time or version), to tell whether the live data has changed."""
    value = asdict(report)
    for key in ("as_of", "version", "warnings"):
        value.pop(key, None)
    methods = [s for s in value["sections"] if s["key"] == "methods"]
    for section in methods:
        section["summary"] = [line for line in section["summary"] if not line.startswith("Data as of")]
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
