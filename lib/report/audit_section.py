"""The report's "Case-file audits" section: moderated grades, voices heard, actions closed, learning themes and
targeted audits, from audits.findings' true counts, with small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from lib import dates, redaction, suppression
from lib.audits import casefile, findings
from lib.audits import targeted as targeted_audits
from lib.report.model import Table

# ---- The quarterly report's part ----------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    summary: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


def report_part(db: sqlite_utils.Database, start: dt.date, end: dt.date, r: suppression.Rules,
                names: dict[str, str], redact_names: frozenset[str]) -> Part:
    """The audit programme's tables for the published report, with small numbers suppressed.

    Percentages are shown with their base, never beside the count they come from, so a hidden
    count cannot be worked out from its percentage. Targeted audits' learning is redacted.
    """
    found = findings.figures(db, start, end)
    summary: list[str] = []
    tables: list[Table] = []
    if found.cases:
        progress = Table("The case-file audit programme", ("Cases", "Number"), (
            ("Drawn for audit", suppression.count(found.cases, r)),
            ("Submitted by the auditors", suppression.count(found.submitted, r)),
            ("Moderated", suppression.count(found.moderated, r)),
            ("Eight-week review recorded", suppression.count(found.reviewed, r))),
            note="A case belongs to the quarter of its programme. Only moderated audits count in the grades below.")
        tables.append(progress)
    if found.moderated:
        shown = suppression.table([[found.grades[d][g] for g in findings.GRADE_ORDER] for d in casefile.GRADED], r,
                                  row_totals=True)
        tables.append(Table("Moderated grades by domain", ("Domain", *casefile.GRADES.values(), "Audits"), tuple(
            (casefile.GRADED[d], *shown.cells[i], shown.row_totals[i]) for i, d in enumerate(casefile.GRADED)),
            note="The grade after moderation by a senior manager."))
        base = suppression.count(found.moderated, r)
        tables.append(Table("Who the peer auditor spoke to", ("Person", "% of moderated audits"), tuple(
            (words, suppression.percent(found.spoken[who], found.moderated, r)) for who, words in
            casefile.SPOKEN_TO.items()), note=f"Base: {base} moderated audits."))
        changes = sum(found.changed.values())
        summary.append(f"{base} audits were moderated. The child's voice was heard directly in "
                       f"{suppression.percent(found.spoken['child'], found.moderated, r)} of them.")
        # Every moderated audit has one grade per domain, so the number of grades would give away a hidden
        # number of audits (7 grades is 1 audit): it is hidden whenever that number is.
        graded = (suppression.SUPPRESSED if base == suppression.SUPPRESSED
                  else suppression.count(found.moderated * len(casefile.GRADED), r))
        summary.append(f"Grades changed at moderation: {suppression.count(changes, r)} of {graded}.")
        if found.actions_reviewed:
            summary.append(f"Actions complete at the eight-week review: "
                           f"{suppression.percent(found.actions_complete, found.actions_reviewed, r)} "
                           f"(of {suppression.count(found.actions_reviewed, r)} actions reviewed).")
        elif found.actions:
            summary.append("No eight-week review of these audits' actions has been recorded yet.")
    top = sorted(found.themes.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    if top:
        tables.append(Table("Themes in audit learning", ("Theme", "Audits"),
                            tuple((names.get(t, t), suppression.count(n, r)) for t, n in top),
                            note="Learning from moderated case-file audits and targeted audits, coded with the "
                                 "theme codebook."))
    targeted = targeted_audits.for_period(db, start, end)
    if targeted:
        tables.append(Table("Targeted audits", ("Completed", "Topic", "Why chosen", "Learning"), tuple(
            (dates.month(t["completed_on"]),
             redaction.redact(t["topic"], names=redact_names).text, targeted_audits.REASONS[t["reason"]],
             redaction.redact(t["learning"], names=redact_names).text) for t in reversed(targeted))))
    return Part(tuple(summary), tuple(tables))
