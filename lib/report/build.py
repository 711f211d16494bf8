"""The quarterly (or annual) feedback report: one frozen value computed from the database.

build() reads everything the report needs for a financial quarter or year, applies small-number
suppression, and returns a report_model.Report. The preview, the PDF and the workbook render that
one value. Run `python -m lib.report --db PATH --period 2025/26-Q3 --out report.pdf [--xlsx FILE]`
to write the same report from the command line (with the saved narrative and quotes, if any).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import asdict

import sqlite_utils

from lib import access, dates, disclosure, periods, redaction, store, suppression
from lib.access import User
from lib.capture import feedback, questions
from lib.report import coverage, drafts, findings, kpi_section, reg35, sections, trends
from lib.report.model import Report, Section
from lib.store import settings
from lib.themes import codebook

TITLE = "Feedback report"


def rules(db: sqlite_utils.Database) -> suppression.Rules:
    """The suppression rules in force (a preset, or QA's custom thresholds)."""
    values = settings.current(db)
    if values["suppression_preset"] in suppression.PRESETS:
        return dataclasses.replace(suppression.PRESETS[values["suppression_preset"]],
                                   protection=values["disclosure_protection"])
    return suppression.Rules(suppress_max=values["suppress_max"], min_base=values["min_base"],
                             rounding=values["rounding"] or None, protection=values["disclosure_protection"])


def build(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date, as_of: str | None = None,
          version: int | None = None) -> Report:
    """The report for a period, from the database, with the saved narrative and quotes; value.leaks lists
    what the disclosure audit found (a report with any is not published)."""
    return build_with_ledger(db, user, period_key, today=today, as_of=as_of, version=version)[0]


def build_with_ledger(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date,
                      as_of: str | None = None, version: int | None = None) -> tuple[Report, disclosure.Ledger]:
    """build(), with the settled ledger of every figure in the report (for the audit and its tests)."""
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    r = rules(db)
    as_of = as_of or store.stamp()
    saved = drafts.draft(db, user, chosen.key)
    names = codebook.names(db)
    bank = questions.current(db)
    redact_names = sections.redaction_names(db)
    warnings: list[str] = []
    led = disclosure.Ledger(r)
    facts: list = []  # the % positive figures the key findings pick from
    makers = {
        "headlines": lambda: sections.headlines(db, chosen, led, today),
        "kpis": lambda: kpi_section.section(db, user, chosen, led, key="kpis", title=sections.SECTIONS["kpis"],
                                            today=today),
        "compliance": lambda: sections.bso_compliance(db, user, chosen, led, today),
        "coverage": lambda: coverage.section(db, user, chosen, led, today, heard=sections.headline("carer"),
                                             children=sections.headline("child")),
        "carers": lambda: sections.views(db, user, chosen, led, bank, names, key="carers", form="carer",
                                         respondent="carer", today=today, facts=facts),
        "parents": lambda: sections.views(db, user, chosen, led, bank, names, key="parents", form="parent",
                                          respondent="birth_parent", today=today, facts=facts),
        "children": lambda: sections.children(db, user, chosen, led, bank, names, today, facts),
        "placing": lambda: sections.views(db, user, chosen, led, bank, names, key="placing",
                                          form=questions.PLACING_AUTHORITY, respondent=questions.PLACING_AUTHORITY,
                                          source=feedback.PLACING_AUTHORITY_SOURCE, today=today, facts=facts),
        "audits": lambda: sections.case_file_audits(db, user, chosen, led, names, redact_names),
        "direct_work": lambda: sections.direct_work(db, chosen, led, redact_names),
        "complaints": lambda: sections.complaints(db, chosen, led, names, today, redact_names),
        "actions": lambda: sections.you_said_we_did(db, user, chosen, led, names, today, redact_names),
        "methods": lambda: sections.methods(db, chosen, led, as_of),
    }
    review = reg35.is_review(chosen)  # a year's report is the quality-of-care review, with its own outline
    if review:
        makers.update({
            "purpose": lambda: reg35.purpose(chosen, led),
            "consultation": lambda: reg35.consultation(
                led, {form: sections.headline(form) for form in sections.HEADLINE_FORMS},
                placing=bool(db.execute("select 1 from responses where form = :f and deleted_at is null and contact_on "
                                        ">= :s and contact_on <= :e limit 1",
                                        {"f": questions.PLACING_AUTHORITY, "s": chosen.start.isoformat(),
                                         "e": chosen.end.isoformat()}).fetchone())),
            **{key: (lambda k=key: reg35.written(k)) for key in reg35.WRITTEN_BY_HAND}})
    running = chosen.start <= today < chosen.end
    label_to_date = f"to {dates.long_day(today)}"
    built = []
    for key, make in makers.items():
        led.section = key
        section = make()
        quotes = sections.quotes(db, section.key, saved["quotes"].get(section.key, []), warnings)
        # QA's commentary leaves the app too: it is redacted as quotes are (names, schools, places, numbers...).
        narrative = redaction.redact(saved["narrative"].get(section.key, ""), names=redact_names).text
        empty = "" if narrative and section.key in reg35.WRITTEN_BY_HAND else section.empty
        # A chart of a period still running says so in its title, as the cover and the headline do.
        drawn = tuple(dataclasses.replace(c, title=f"{c.title} ({label_to_date})") for c in section.charts) \
            if running else section.charts
        built.append(Section(section.key, section.title, section.summary, section.tables, drawn,
                             narrative, quotes, empty))
    # Key findings come first, chosen from the figures the sections registered.
    led.section = "findings"
    cols, _, against = trends.columns(chosen, today, sections.first_entry(db))
    picked = findings.candidates(db, user, chosen, led, facts, cols[against].heading, today)
    page, editing = findings.section(led, picked, saved["findings"], warnings,
                                     redact=lambda words: redaction.redact(words, names=redact_names).text)
    narrative = redaction.redact(saved["narrative"].get("findings", ""), names=redact_names).text
    built.insert(0, dataclasses.replace(page, narrative=narrative))
    if review:
        if not saved["narrative"].get("judgement"):
            warnings.append("The Registered Manager's judgement and recommendations are not written yet: the "
                            "quality-of-care review needs them before it is approved.")
        built.append(reg35.mapping({s.key: s.title for s in built}, led))
        built.sort(key=lambda s: reg35.OUTLINE.index(s.key))
    # Decide what is hidden across the whole report at once, then read it as an informed reader would.
    led.settle()
    leaks = tuple(str(leak) for leak in disclosure.audit(led, built))
    # A period still running is said to be one, on the cover and wherever the label goes.
    label = chosen.label if chosen.end <= today else f"{chosen.label}, to date ({dates.long_day(today)})"
    return Report(settings.get(db, "service_name"), reg35.TITLE if review else TITLE, chosen.key, label,
                  chosen.previous_label,
                  settings.get(db, "report_marking"), as_of, version,
                  tuple(findings.kept(s) if s.key == "findings" else s for s in disclosure.show_all(led, tuple(built))),
                  (suppression.footnote(r),), tuple(warnings), leaks,
                  tuple({**row, "generated": led.show(row["generated"])} for row in editing)), led


def fingerprint(report: Report) -> str:
    """A hash of the report's data (not its as-of time or version), to tell whether the live data has changed."""
    value = asdict(report)
    for key in ("as_of", "version", "warnings", "leaks", "findings"):
        value.pop(key, None)
    methods = [s for s in value["sections"] if s["key"] == "methods"]
    for section in methods:
        section["summary"] = [line for line in section["summary"] if not line.startswith("Data as of")]
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
