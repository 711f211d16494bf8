"""The report's "Case-file audits" section: moderated grades, voices heard, actions closed, learning themes and
targeted audits, from audits.findings' true counts, with small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from lib import dates, disclosure, redaction
from lib.audits import casefile, findings
from lib.audits import targeted as targeted_audits
from lib.report.model import Table

# ---- The quarterly report's part ----------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    summary: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


def report_part(db: sqlite_utils.Database, start: dt.date, end: dt.date, led: disclosure.Ledger,
                names: dict[str, str], redact_names: frozenset[str]) -> Part:
    """The audit programme's tables for the published report, with small numbers suppressed.

    Percentages are shown with their base, never beside the count they come from, so a hidden
    count cannot be worked out from its percentage. Targeted audits' learning is redacted.
    """
    found = findings.figures(db, start, end)
    summary: list[str] = []
    tables: list[Table] = []
    # Each stage of the programme is some of the one before: drawn, submitted, moderated, reviewed.
    stages = [led.atom(n) for n in (found.cases, found.submitted, found.moderated, found.reviewed)]
    for whole, part in zip(stages, stages[1:]):
        led.part(whole, part)
    moderated = led.count(stages[2], label="Moderated audits")
    if found.cases:
        progress = Table("The case-file audit programme", ("Cases", "Number"), tuple(
            (words, led.count(terms, label=f"Audit programme: {words.lower()}")) for words, terms in zip(
                ("Drawn for audit", "Submitted by the auditors", "Moderated", "Eight-week review recorded"), stages)),
            note="A case belongs to the quarter of its programme. Only moderated audits count in the grades below.")
        tables.append(progress)
    if found.moderated:
        shown = led.table([[found.grades[d][g] for g in findings.GRADE_ORDER] for d in casefile.GRADED],
                          row_totals=True, label="Moderated grades by domain", rows=list(casefile.GRADED.values()),
                          columns=list(casefile.GRADES.values()))
        for i, domain in enumerate(casefile.GRADED):  # every moderated audit has one grade in every domain
            graded_here = shown.terms[(i, len(findings.GRADE_ORDER))]
            if sum(found.grades[domain].values()) == found.moderated:
                led.same(graded_here, stages[2])
            else:
                led.part(stages[2], graded_here)
        tables.append(Table("Moderated grades by domain", ("Domain", *casefile.GRADES.values(), "Audits"), tuple(
            (casefile.GRADED[d], *shown.cells[i], shown.row_totals[i]) for i, d in enumerate(casefile.GRADED)),
            note="The grade after moderation by a senior manager."))
        tables.append(Table("Who the peer auditor spoke to", ("Person", "% of moderated audits"), tuple(
            (words, led.percent(found.spoken[who], found.moderated, base_of=moderated,
                                label=f"Audits where the auditor spoke to: {words.lower()}"))
            for who, words in casefile.SPOKEN_TO.items()), note=f"Base: {moderated} moderated audits."))
        summary.append(f"{moderated} audits were moderated. The child's voice was heard directly in "
                       f"{led.percent(found.spoken['child'], found.moderated, base_of=moderated, label='Child heard')}"
                       f" of them.")
        # Every moderated audit has one grade per domain, so the number of grades is that number seven times over.
        graded = led.count({atom: len(casefile.GRADED) for atom in stages[2]}, label="Grades given")
        changes = led.count(sum(found.changed.values()), label="Grades changed at moderation")
        led.part(led.terms(graded), led.terms(changes))
        summary.append(f"Grades changed at moderation: {changes} of {graded}.")
        if found.actions_reviewed:
            reviewed = led.count(found.actions_reviewed, label="Actions reviewed")
            summary.append(f"Actions complete at the eight-week review: "
                           f"{led.percent(found.actions_complete, found.actions_reviewed, base_of=reviewed, label='Actions complete')} "
                           f"(of {reviewed} actions reviewed).")
        elif found.actions:
            summary.append("No eight-week review of these audits' actions has been recorded yet.")
    top = sorted(found.themes.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    if top:
        tables.append(Table("Themes in audit learning", ("Theme", "Audits"),
                            tuple((names.get(t, t), led.count(n, label=f"Audit learning about {names.get(t, t)}"))
                                  for t, n in top),
                            note="Learning from moderated case-file audits and targeted audits, coded with the "
                                 "theme codebook."))
    targeted = targeted_audits.for_period(db, start, end)
    if targeted:
        tables.append(Table("Targeted audits", ("Completed", "Topic", "Why chosen", "Learning"), tuple(
            (dates.month(t["completed_on"]),
             redaction.redact(t["topic"], names=redact_names).text, targeted_audits.REASONS[t["reason"]],
             redaction.redact(t["learning"], names=redact_names).text) for t in reversed(targeted)),
            text_columns=(1, 3)))
    return Part(tuple(summary), tuple(tables))
