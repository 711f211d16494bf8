"""The quarterly case-file audit programme: the sample, the audit form, the action plan, moderation and review.

QA draws a quarter's sample from the active register (lib/sampling.py), checks the auditors
and circulates it; each lead auditor (the household's team manager) and peer auditor (another
team manager) sees their audits from the circulation date (the 1st of a month). They grade six
domains and an overall grade on the Ofsted-style scale with evidence, record who was spoken to
(or why not), the case discussion with the supervising social worker and an action plan, then
submit it. A senior manager who was not one of its auditors moderates it: agrees or changes each
grade with a reason (both kept) and records the learning, coded with the theme codebook. Eight
weeks later (a setting) the advanced practitioners' review is due: whether each action is
complete, with evidence, and the date it was recorded on the carer's file.

Every write is one transaction with an audit-log row (entity case_audits, or audit_programmes for
a whole programme) holding the old and new values. A case can be withdrawn (a soft delete with a
reason) and restored by QA; only moderated audits count in reports (lib/audit_report.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlite_utils

from lib import access, dates, text
from lib.access import User
from lib.store import records

GRADES = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
          "inadequate": "Inadequate"}
DOMAINS = {"voice": "Voice of the child", "support": "Support and supervision to the carer",
           "safer_caring": "Safer caring plans and risk assessments", "matching": "Quality of matching",
           "approval": "Approval, annual reviews, panel and agency decision maker",
           "oversight": "Management oversight"}
OVERALL = "overall"
GRADED = {**DOMAINS, OVERALL: "Overall grade"}
SPOKEN_TO = {"child": "The child or young person", "parent": "The birth parent", "carer": "The carer"}
ACTION_STATUSES = {"open": "Not started", "in_progress": "In progress", "done": "Done"}
OWNERS = ("Supervising social worker", "Team manager", "Child's social worker", "Business support",
          "Fostering panel adviser", "The carer, with their supervising social worker")
STAGES = {"drawn": "Drawn, not yet circulated", "scheduled": "Circulated, not yet open", "to_do": "To do",
          "in_progress": "In progress", "awaiting_moderation": "Awaiting moderation",
          "moderated": "Moderated, review pending", "reviewed": "Reviewed", "withdrawn": "Withdrawn"}
MAX_TEXT = 5000
SOON_DAYS = 14  # a review due within this many days is listed as due soon


# ---- Small validators ---------------------------------------------------------------------------


def date_field(value: Any, field: str, *, today: dt.date, required: bool = False) -> dt.date | None:
    return text.clean_date(value, field, today=today, required=required)


def check_after(value: dt.date | None, earliest: dt.date | str | None, field: str, what: str) -> None:
    """Dates in order: ValueError if value is before earliest."""
    if value is None or earliest is None:
        return
    earliest = dt.date.fromisoformat(earliest) if isinstance(earliest, str) else earliest
    if value < earliest:
        raise ValueError(f"{field} cannot be before {what} ({dates.day(earliest)}).")


def whole_field(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a whole number.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a whole number.") from None
    if not low <= number <= high:
        raise ValueError(f"{field} must be between {low:,} and {high:,}.")
    return number


def clean_grade(value: Any, field: str, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError(f"Give a grade for {field}.")
        return None
    if not isinstance(value, str) or value not in GRADES:
        raise ValueError(f"The grade for {field} must be one of: {', '.join(GRADES.values())}.")
    return value


def clean_text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    return text.clean(value, field=field, max_length=limit, multiline=True, required=required) or None


def valid_manager(db, user_id: Any, field: str) -> int:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValueError(f"{field} must be chosen from the list of managers.")
    row = db.execute("""select 1 from users u join user_roles r on r.user_id = u.id and r.role = 'manager'
                        where u.id = :id and u.active = 1""", {"id": user_id}).fetchone()
    if row is None:
        raise ValueError(f"{field} must be an active user with the manager role.")
    return user_id


# ---- Reading ------------------------------------------------------------------------------------

LIST_SQL = """
    select a.*, p.quarter, p.status as programme_status, p.circulate_on, h.reference as household_reference,
           h.display_name as household_name, t.name as team, lead.display_name as lead_auditor,
           peer.display_name as peer_auditor,
           (select count(*) from case_audit_grades g where g.audit_id = a.id
              and (g.grade is not null or g.evidence is not null)) as graded,
           (select count(*) from case_audit_actions x where x.audit_id = a.id) as actions,
           (select count(*) from case_audit_actions x where x.audit_id = a.id and x.status != 'done') as open_actions,
           (select coalesce(g.moderated_grade, g.grade) from case_audit_grades g where g.audit_id = a.id
              and g.domain = 'overall') as overall
    from case_audits a join audit_programmes p on p.id = a.programme_id
      join households h on h.id = a.household_id left join teams t on t.id = a.team_id
      left join users lead on lead.id = a.lead_auditor_id left join users peer on peer.id = a.peer_auditor_id
"""


def stage(row: dict, today: dt.date) -> str:
    """Where a case is: drawn, scheduled, to do, in progress, awaiting moderation, moderated, reviewed or withdrawn."""
    if row["deleted_at"]:
        return "withdrawn"
    if row["programme_status"] == "draft":
        return "drawn"
    if row["circulate_on"] > today.isoformat():
        return "scheduled"
    if row["reviewed_on"]:
        return "reviewed"
    if row["moderated_on"]:
        return "moderated"
    if row["completed_on"]:
        return "awaiting_moderation"
    started = row.get("graded") or row["audited_on"] or row["ssw_discussion"]
    return "in_progress" if started else "to_do"


def decorate(row: dict, today: dt.date) -> dict:
    row["stage"] = stage(row, today)
    row["overdue"] = row["stage"] in ("to_do", "in_progress") and row["due_on"] < today.isoformat()
    return row


def audit_row(db, audit_id: int) -> dict:
    rows = list(db.query(LIST_SQL + " where a.id = :id", {"id": audit_id}))
    if not rows:
        raise ValueError(f"There is no case-file audit #{audit_id}.")
    return rows[0]


def my_audits(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[dict]:
    """The cases this manager leads or peers, once circulated and open: oldest due first, with their part in each."""
    access.require(user, "record_case_audit")
    rows = db.query(LIST_SQL + """ where (a.lead_auditor_id = :u or a.peer_auditor_id = :u) and a.deleted_at is null
                                and p.status = 'circulated' and p.circulate_on <= :today
                                order by a.reviewed_on is not null, a.moderated_on is not null, a.due_on, a.reference""",
                    {"u": user.id, "today": today.isoformat()})
    found = []
    for row in rows:
        row["part"] = "Lead auditor" if row["lead_auditor_id"] == user.id else "Peer auditor"
        found.append(decorate(row, today))
    return found


def _may_see(user: User, row: dict, today: dt.date) -> bool:
    if access.can(user, "view_audit_programme") or access.can(user, "moderate_audits") \
            or access.can(user, "review_audit_actions"):
        return True
    return access.can(user, "record_case_audit") and user.id in (row["lead_auditor_id"], row["peer_auditor_id"]) \
        and row["programme_status"] == "circulated" and row["circulate_on"] <= today.isoformat()


def get(db: sqlite_utils.Database, user: User, audit_id: int, *, today: dt.date) -> dict:
    """One case with its grades, actions and linked audit feedback, if the user may see it.

    Its auditors (once circulated), senior managers, advanced practitioners and QA may.
    """
    access.require(user, "use_app")
    row = audit_row(db, audit_id)
    if not _may_see(user, row, today):
        raise access.PermissionDenied("You do not have permission to see this audit.")
    decorate(row, today)
    row["version"] = records.current(db, "case_audits", audit_id)
    row["grades"] = {g["domain"]: g for g in db.query(
        "select * from case_audit_grades where audit_id = :id", {"id": audit_id})}
    row["actions"] = [action | {"version": records.version(action)} for action in db.query(
        "select * from case_audit_actions where audit_id = :id order by id", {"id": audit_id})]
    row["feedback"] = linked_feedback(db, row["reference"])
    row["themes"] = [r[0] for r in db.execute("select theme_id from case_audit_themes where audit_id = :id "
                                              "order by theme_id", {"id": audit_id})]
    return row


def linked_feedback(db: sqlite_utils.Database, reference: str) -> list[dict]:
    """Audit feedback entries (the case-file audit feedback form) that carry this audit's reference."""
    return list(db.query(
        """select id, contact_on, respondent, outcome from responses where form = 'audit' and deleted_at is null
           and upper(audit_reference) = upper(:ref) order by contact_on, id""", {"ref": reference}))


def record_history(db: sqlite_utils.Database, user: User, audit_id: int, *, today: dt.date) -> list[dict]:
    """Who did what to a case and when, oldest first, with the changed values."""
    get(db, user, audit_id, today=today)
    return list(db.query("""select at, username, action, detail from history
                            where entity = 'case_audits' and entity_id = :id order by id""", {"id": str(audit_id)}))


# ---- The audit form ------------------------------------------------------------------------------


AUDITORS_ONLY = "Only this case's lead and peer auditors can change it, once it is circulated."
WITHDRAWN = "This case has been withdrawn from the programme."
FINAL = "This audit has been moderated; its grades are final. Keep its action plan up to date."
PLAN_CLOSED = "The eight-week review has been recorded; this action plan is closed."
LEAD_FOLLOWS_UP = "After moderation the lead auditor (the case-responsible team manager) follows up the action plan."


def _refusal(user: User, row: dict, today: dt.date) -> str | None:
    if not access.can(user, "record_case_audit") or user.id not in (row["lead_auditor_id"], row["peer_auditor_id"]) \
            or row["programme_status"] != "circulated" or row["circulate_on"] > today.isoformat():
        return AUDITORS_ONLY
    return WITHDRAWN if row["deleted_at"] else None


def form_refusal(user: User, row: dict, *, today: dt.date) -> str | None:
    """Why this user may not change this case's audit form now, or None if they may."""
    return _refusal(user, row, today) or (FINAL if row["moderated_on"] else None)


def plan_refusal(user: User, row: dict, *, today: dt.date) -> str | None:
    """Why this user may not change this case's action plan now (either auditor until moderation, then the lead)."""
    refusal = _refusal(user, row, today)
    if refusal or row["reviewed_on"]:
        return refusal or PLAN_CLOSED
    return LEAD_FOLLOWS_UP if row["moderated_on"] and user.id != row["lead_auditor_id"] else None


def refuse_if(refusal: str | None) -> None:
    if refusal in (AUDITORS_ONLY, LEAD_FOLLOWS_UP):
        raise access.PermissionDenied(refusal)
    if refusal:
        raise ValueError(refusal)


def grades_of(db, audit_id: int) -> dict[str, dict]:
    return {g["domain"]: g for g in db.query("select * from case_audit_grades where audit_id = :id", {"id": audit_id})}


def _clean_audit(entry: dict, row: dict, *, today: dt.date, complete: bool) -> tuple[dict, dict]:
    """The audit's own fields and its grades, checked; with complete=True everything must be there.

    A value that is wrong is refused at once. What is missing from an audit being submitted is
    listed all together, so the auditor can fill in the gaps in one go rather than one submit each.
    """
    clean: dict[str, Any] = {}
    missing: list[tuple[str, str]] = []  # (the sentence when it is the only gap, the phrase in a list of gaps)
    audited = date_field(entry.get("audited_on"), "The audit date", today=today)
    check_after(audited, row["circulate_on"], "The audit date", "the circulation date")
    if audited is None and complete:
        missing.append(("The audit date is required.", "the audit date"))
    clean["audited_on"] = audited.isoformat() if audited else None
    grades = entry.get("grades") or {}
    if not isinstance(grades, dict) or any(d not in GRADED for d in grades):
        unknown = [d for d in grades if d not in GRADED] if isinstance(grades, dict) else []
        raise ValueError(f"Unknown audit domain: {', '.join(map(str, unknown)) or 'grades must be given by domain'}.")
    clean_grades = {}
    for domain, words in GRADED.items():
        given = grades.get(domain) or {}
        if not isinstance(given, dict):
            raise ValueError(f"The grade for {words} must be given with its evidence.")
        grade = clean_grade(given.get("grade"), words, required=False)
        evidence = clean_text(given.get("evidence"), f"The evidence for {words}")
        clean_grades[domain] = {"grade": grade, "evidence": evidence}
        if not complete:
            continue
        if domain == OVERALL:
            if grade is None:
                missing.append((f"Give a grade for {words}.", "the overall grade"))
        elif grade is None:
            missing.append((f"Give a grade for {words}.",
                            f"a grade for {words}" + (" and its evidence" if not evidence else "")))
        elif not evidence:
            missing.append((f"The evidence for {words} is required.", f"the evidence for {words}"))
    for who, words in SPOKEN_TO.items():
        person = words[0].lower() + words[1:]
        spoken = entry.get(f"{who}_spoken")
        if spoken not in (None, True, False):
            raise ValueError(f"Say whether {person} was spoken to: yes or no.")
        reason = clean_text(entry.get(f"{who}_not_why"), f"Why {person} was not spoken to", limit=1000)
        if spoken is False and not reason:
            if not complete:
                raise ValueError(f"Say why {person} was not spoken to.")
            missing.append((f"Say why {person} was not spoken to.", f"why {person} was not spoken to"))
        if spoken is None and complete:
            missing.append((f"Say whether {person} was spoken to, or why not.", f"whether {person} was spoken to"))
        clean[f"{who}_spoken"] = None if spoken is None else int(spoken)
        clean[f"{who}_not_why"] = reason if spoken is False else None
    discussed = date_field(entry.get("ssw_discussed_on"), "The date of the case discussion", today=today)
    check_after(discussed, row["circulate_on"], "The date of the case discussion", "the circulation date")
    clean["ssw_discussed_on"] = discussed.isoformat() if discussed else None
    clean["ssw_discussion"] = clean_text(entry.get("ssw_discussion"),
                                    "The case discussion with the supervising social worker")
    if complete and not clean["ssw_discussion"]:
        missing.append(("The case discussion with the supervising social worker is required.",
                        "the case discussion with the supervising social worker"))
    if len(missing) == 1:
        raise ValueError(missing[0][0])
    if missing:
        raise ValueError(f"The audit cannot be submitted yet: {len(missing)} things are missing: "
                         + "; ".join(phrase for _, phrase in missing) + ".")
    return clean, clean_grades


def save(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date, submit: bool = False,
         expected: str | None = None) -> dict:
    """Save the audit form (progress, or submit it for moderation with submit=True); returns the changes.

    A submitted audit stays complete: every grade, the evidence for each domain, who was spoken to
    (or why not) and the case discussion must be there. Once moderated its grades are final. With
    expected (the audit's records.version() when the form was opened), a change the other auditor
    saved in between is refused with records.StaleEdit, not overwritten.
    """
    access.require(user, "record_case_audit")
    seen: dict = {}

    def clean(stored: dict) -> dict:
        row = audit_row(db, audit_id)
        refuse_if(form_refusal(user, row, today=today))
        complete = submit or bool(row["completed_on"])
        values, grades = _clean_audit(entry, row, today=today, complete=complete)
        if row["completed_on"] and values["audited_on"] > row["completed_on"]:
            raise ValueError(f"The audit date cannot be after the date it was submitted "
                             f"({dates.day(row['completed_on'])}).")
        if submit and not row["completed_on"]:
            values.update(completed_on=today.isoformat(), completed_by=user.id)
        seen["grades"] = grades
        return values

    def write_grades(stored: dict, values: dict) -> dict:
        before, diff = grades_of(db, audit_id), {}
        for domain, chosen in seen["grades"].items():
            for field in ("grade", "evidence"):
                if before.get(domain, {}).get(field) != chosen[field]:
                    diff[f"{field} {domain}"] = [before.get(domain, {}).get(field), chosen[field]]
        if diff:
            for domain, chosen in seen["grades"].items():
                db.execute("""insert into case_audit_grades (audit_id, domain, grade, evidence) values (:a, :d, :g, :e)
                              on conflict (audit_id, domain) do update set grade = excluded.grade,
                              evidence = excluded.evidence""",
                           {"a": audit_id, "d": domain, "g": chosen["grade"], "e": chosen["evidence"]})
        return diff

    diff = records.edit(db, user, "case_audits", audit_id, clean=clean, expected=expected, what="audit",
                        also=write_grades,
                        action=lambda before, values: "complete" if values.get("completed_on") and not
                        before["completed_on"] else "update")
    diff.pop("completed_by", None)
    return diff
