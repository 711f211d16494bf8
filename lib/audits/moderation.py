"""Moderation of completed case-file audits by a senior manager."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from lib import access
from lib.access import User
from lib.audits import casefile
from lib.store import records, settings
from lib.themes import codebook, coding


def awaiting_moderation(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[dict]:
    """Submitted audits not yet moderated (and moderated ones still open to change), oldest first."""
    access.require(user, "moderate_audits")
    rows = db.query(casefile.LIST_SQL + """ where a.deleted_at is null and a.completed_on is not null and a.reviewed_on is null
                                order by a.moderated_on is not null, a.completed_on, a.reference""")
    return [casefile.decorate(r, today) for r in rows]


def moderate(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date,
             expected: str | None = None) -> dict:
    """A senior manager's moderation: agree or change each grade (a change needs a reason) and record the learning.

    The auditors' grades are kept beside the moderated ones. Moderating again before the review
    changes it, with the old values in history. Returns the changes. A senior manager who
    audited the case cannot moderate it. With expected (the audit's records.version() when the
    form was opened), a change saved by anyone in between is refused with records.StaleEdit.
    """
    access.require(user, "moderate_audits")
    codebook.ensure(db)
    moderated_grades: dict[str, tuple[str, str]] = {}

    def clean(_stored: dict) -> dict:
        row = casefile.audit_row(db, audit_id)
        if row["deleted_at"]:
            raise ValueError("This case has been withdrawn from the programme.")
        if not row["completed_on"]:
            raise ValueError("This audit has not been submitted by its auditors yet.")
        if row["reviewed_on"]:
            raise ValueError("The eight-week review has been recorded; the moderation can no longer change.")
        if user.id in (row["lead_auditor_id"], row["peer_auditor_id"]):
            raise access.PermissionDenied("You audited this case; another senior manager moderates it.")
        moderated = casefile.date_field(entry.get("moderated_on"), "The moderation date", today=today, required=True)
        casefile.check_after(moderated, row["completed_on"], "The moderation date", "the date the audit was submitted")
        learning = casefile.clean_text(entry.get("learning"), "The learning", required=True)
        given = entry.get("grades") or {}
        if not isinstance(given, dict) or any(d not in casefile.GRADED for d in given):
            raise ValueError("Moderated grades must be given for the audit's domains.")
        auditors = casefile.grades_of(db, audit_id)
        for domain, words in casefile.GRADED.items():
            choice = given.get(domain) or {}
            if not isinstance(choice, dict):
                raise ValueError(f"The moderated grade for {words} must be given with its reason.")
            grade = casefile.clean_grade(choice.get("grade"), f"{words} (moderated)", required=True)
            reason = casefile.clean_text(choice.get("reason"), f"The reason for the moderated grade for {words}", limit=2000)
            auditor = auditors[domain]["grade"]
            if grade != auditor and not reason:
                raise ValueError(f"Give a reason for changing the grade for {words} from {casefile.GRADES[auditor]} to "
                                 f"{casefile.GRADES[grade]}.")
            moderated_grades[domain] = (grade, reason)
        review_due = moderated + dt.timedelta(weeks=settings.get(db, "audit_review_weeks"))
        return {"moderated_on": moderated.isoformat(), "learning": learning, "review_due_on": review_due.isoformat(),
                "moderated_by": user.id}

    def write_grades(before: dict, values: dict) -> dict:
        stored = casefile.grades_of(db, audit_id)
        diff: dict[str, list] = {}
        for domain, (grade, reason) in moderated_grades.items():
            for field, old, new in (("moderated grade", stored[domain]["moderated_grade"], grade),
                                    ("moderation reason", stored[domain]["moderation_reason"], reason)):
                if old != new:
                    diff[f"{field} {domain}"] = [old, new]
            db.execute("""update case_audit_grades set moderated_grade = :g, moderation_reason = :r
                          where audit_id = :a and domain = :d""", {"g": grade, "r": reason, "a": audit_id, "d": domain})
        if before["learning"] != values["learning"]:
            coding.code(db, "case_audits", [audit_id])
        return diff

    return records.edit(db, user, "case_audits", audit_id, clean=clean, expected=expected, what="audit",
                        also=write_grades, action="moderate")
