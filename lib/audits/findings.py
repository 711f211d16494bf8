"""What the audit programme found: moderated grades, voices heard, actions closed, themes in the learning.

A case belongs to the quarter of its programme, and only moderated audits count. figures() reads
true counts for the Audit findings page (managers, senior managers and QA); report_part() turns
them into the quarterly report's tables with small-number suppression, the same way the rest of
the report is published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from lib import access
from lib.access import User
from lib.audits import casefile
from lib.audits import targeted as targeted_audits
from lib.periods import Quarter

GRADE_ORDER = tuple(casefile.GRADES)


@dataclass(frozen=True)
class Figures:
    """True counts for the moderated audits of the programmes in a period."""

    quarters: tuple[Quarter, ...]
    cases: int = 0  # drawn and not withdrawn
    submitted: int = 0
    moderated: int = 0
    reviewed: int = 0
    grades: dict = field(default_factory=dict)  # {domain: {grade: n}}, the moderated (final) grade
    auditor_grades: dict = field(default_factory=dict)  # {domain: {grade: n}}, as the auditors gave them
    changed: dict = field(default_factory=dict)  # {domain: n grades the moderator changed}
    spoken: dict = field(default_factory=dict)  # {"child"|"parent"|"carer": n moderated audits where they were}
    actions: int = 0  # actions on moderated audits
    actions_reviewed: int = 0  # actions on audits whose eight-week review is recorded
    actions_complete: int = 0  # of those, complete at the review
    themes: dict = field(default_factory=dict)  # {theme_id: n} in case-audit and targeted-audit learning
    targeted: int = 0


def _programmes(db, start: dt.date, end: dt.date) -> dict[int, Quarter]:
    found = {}
    for pid, slug in db.execute("select id, quarter from audit_programmes"):
        quarter = Quarter.parse(slug)
        if start <= quarter.start <= end:
            found[pid] = quarter
    return found


def _ids(values) -> str:
    return ",".join(str(int(v)) for v in values) or "null"


def figures(db: sqlite_utils.Database, start: dt.date, end: dt.date) -> Figures:
    """The period's figures: programmes whose quarter starts in it, and targeted audits completed in it."""
    programmes = _programmes(db, start, end)
    ids = _ids(programmes)
    counts = db.execute(
        f"""select count(*), count(completed_on), count(moderated_on), count(reviewed_on) from case_audits
            where deleted_at is null and programme_id in ({ids})""").fetchone()
    grades = {d: dict.fromkeys(GRADE_ORDER, 0) for d in casefile.GRADED}
    given = {d: dict.fromkeys(GRADE_ORDER, 0) for d in casefile.GRADED}
    changed = dict.fromkeys(casefile.GRADED, 0)
    for domain, grade, final in db.execute(
            f"""select g.domain, g.grade, g.moderated_grade from case_audit_grades g
                join case_audits a on a.id = g.audit_id
                where a.deleted_at is null and a.moderated_on is not null and a.programme_id in ({ids})"""):
        grades[domain][final] += 1
        given[domain][grade] += 1
        changed[domain] += int(final != grade)
    spoken = db.execute(
        f"""select coalesce(sum(child_spoken), 0), coalesce(sum(parent_spoken), 0), coalesce(sum(carer_spoken), 0)
            from case_audits where deleted_at is null and moderated_on is not null and programme_id in ({ids})"""
    ).fetchone()
    actions = db.execute(
        f"""select count(*), count(case when a.reviewed_on is not null then 1 end),
                   coalesce(sum(case when a.reviewed_on is not null and x.review_complete = 1 then 1 end), 0)
            from case_audit_actions x join case_audits a on a.id = x.audit_id
            where a.deleted_at is null and a.moderated_on is not null and a.programme_id in ({ids})""").fetchone()
    themes: dict[str, int] = {}
    for theme_id, n in db.execute(
            f"""select theme_id, count(*) from case_audit_themes x join case_audits a on a.id = x.audit_id
                where a.deleted_at is null and a.moderated_on is not null and a.programme_id in ({ids})
                group by theme_id"""):
        themes[theme_id] = themes.get(theme_id, 0) + n
    targeted = targeted_audits.for_period(db, start, end)
    for row in targeted:
        for theme_id in row["theme_ids"]:
            themes[theme_id] = themes.get(theme_id, 0) + 1
    return Figures(tuple(sorted(set(programmes.values()))), cases=counts[0], submitted=counts[1],
                   moderated=counts[2], reviewed=counts[3], grades=grades, auditor_grades=given, changed=changed,
                   spoken=dict(zip(casefile.SPOKEN_TO, spoken)), actions=actions[0], actions_reviewed=actions[1],
                   actions_complete=actions[2], themes=themes, targeted=len(targeted))


def findings(db: sqlite_utils.Database, user: User, start: dt.date, end: dt.date) -> Figures:
    """The figures for the Audit findings page (true counts)."""
    access.require(user, "view_audit_findings")
    return figures(db, start, end)


def learning(db: sqlite_utils.Database, user: User, start: dt.date, end: dt.date) -> list[dict]:
    """The learning recorded at moderation for a period's programmes, with overall grade and themes."""
    access.require(user, "view_audit_findings")
    ids = _ids(_programmes(db, start, end))
    rows = list(db.query(
        f"""select a.id, a.reference, p.quarter, a.moderated_on, a.learning,
                   (select g.moderated_grade from case_audit_grades g where g.audit_id = a.id and g.domain = 'overall')
                     as overall,
                   (select group_concat(theme_id) from case_audit_themes x where x.audit_id = a.id) as theme_ids
            from case_audits a join audit_programmes p on p.id = a.programme_id
            where a.deleted_at is null and a.moderated_on is not null and a.programme_id in ({ids})
            order by a.moderated_on desc, a.reference"""))
    for row in rows:
        row["theme_ids"] = [t for t in (row["theme_ids"] or "").split(",") if t]
    return rows


def targeted(db: sqlite_utils.Database, user: User, start: dt.date, end: dt.date) -> list[dict]:
    """Targeted audits completed in a period, for the Audit findings page."""
    access.require(user, "view_audit_findings")
    return targeted_audits.for_period(db, start, end)


def grade_rows(found: Figures, *, which: str = "grades") -> list[dict]:
    """Long-format rows (domain, grade, n) for a chart of the grade distribution."""
    source = getattr(found, which)
    return [{"Domain": casefile.GRADED[d], "Grade": casefile.GRADES[g], "Audits": n}
            for d in casefile.GRADED for g, n in source.get(d, {}).items()]
