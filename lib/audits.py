"""The quarterly case-file audit programme: the sample, the audit form, the action plan, moderation and review.

QA draws a quarter's sample from the active register (lib/audit_sampling.py), checks the auditors
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

import csv
import datetime as dt
import io
import secrets
from typing import Any

import sqlite_utils

from lib import access, audit_sampling, coding, settings, text, themes
from lib import db as store
from lib.access import User
from lib.quarters import Quarter

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


def _after(value: dt.date | None, earliest: dt.date | str | None, field: str, what: str) -> None:
    """Dates in order: ValueError if value is before earliest."""
    if value is None or earliest is None:
        return
    earliest = dt.date.fromisoformat(earliest) if isinstance(earliest, str) else earliest
    if value < earliest:
        raise ValueError(f"{field} cannot be before {what} ({earliest:%d/%m/%Y}).")


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


def _grade(value: Any, field: str, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError(f"Give a grade for {field}.")
        return None
    if not isinstance(value, str) or value not in GRADES:
        raise ValueError(f"The grade for {field} must be one of: {', '.join(GRADES.values())}.")
    return value


def _text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    return text.clean(value, field=field, max_length=limit, multiline=True, required=required) or None


def _manager(db, user_id: Any, field: str) -> int:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValueError(f"{field} must be chosen from the list of managers.")
    row = db.execute("""select 1 from users u join user_roles r on r.user_id = u.id and r.role = 'manager'
                        where u.id = :id and u.active = 1""", {"id": user_id}).fetchone()
    if row is None:
        raise ValueError(f"{field} must be an active user with the manager role.")
    return user_id


def _first_of_month_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def suggest_seed() -> int:
    """A fresh random seed for a draw (QA may type their own to repeat one)."""
    return secrets.randbelow(1_000_000)


# ---- Drawing and circulating the programme ------------------------------------------------------


def _programme(db, programme_id: int) -> dict:
    rows = list(db.query("select * from audit_programmes where id = :id", {"id": programme_id}))
    if not rows:
        raise ValueError(f"There is no audit programme #{programme_id}.")
    return rows[0]


def eligible(db: sqlite_utils.Database, *, circulate_on: dt.date, exclusion_months: int,
             programme_id: int | None = None) -> tuple[list[audit_sampling.Candidate], int]:
    """Active households that may be sampled, and how many active ones were left out as recently audited.

    A household counts as audited on its audit date, or on its programme's circulation date until
    the audit is done; any audit in another programme (not withdrawn) on or after the cutoff
    (the circulation date less exclusion_months) leaves it out.
    """
    cutoff = _first_of_month_back(circulate_on, exclusion_months) if exclusion_months else None
    recent = set()
    if cutoff is not None:
        recent = {r[0] for r in db.execute(
            """select a.household_id from case_audits a join audit_programmes p on p.id = a.programme_id
               where a.deleted_at is null and p.id != coalesce(:pid, -1)
                 and coalesce(a.audited_on, p.circulate_on) >= :cutoff""",
            {"pid": programme_id, "cutoff": cutoff.isoformat()})}
    found, excluded = [], 0
    for row in db.query("select id, reference, team_id, cohort from households where status = 'active' order by id"):
        if row["id"] in recent:
            excluded += 1
            continue
        found.append(audit_sampling.Candidate(row["id"], row["reference"], row["team_id"], row["cohort"]))
    return found, excluded


def _managers(db) -> list[audit_sampling.Manager]:
    return [audit_sampling.Manager(r[0], r[1]) for r in db.execute(
        """select u.id, u.team_id from users u join user_roles r on r.user_id = u.id and r.role = 'manager'
           where u.active = 1 order by u.id""")]


def _loads(db, programme_id: int) -> tuple[dict[int, int], dict[int, int]]:
    leads: dict[int, int] = {}
    load: dict[int, int] = {}
    for lead, peer in db.execute("""select lead_auditor_id, peer_auditor_id from case_audits
                                    where programme_id = :p and deleted_at is null""", {"p": programme_id}):
        for who in (lead, peer):
            if who is not None:
                load[who] = load.get(who, 0) + 1
        if lead is not None:
            leads[lead] = leads.get(lead, 0) + 1
    return leads, load


def _circulation(quarter: Quarter, value: Any, today: dt.date) -> dt.date:
    if value in (None, ""):
        raise ValueError("The circulation date is required.")
    day = value if isinstance(value, dt.date) else date_field(value, "The circulation date", today=dt.date.max)
    if day not in quarter.months:
        months = ", ".join(f"{m.day} {m:%B %Y}" for m in quarter.months)
        raise ValueError(f"The circulation date must be the 1st of a month in {quarter.label}: {months}.")
    return day


def draw(db: sqlite_utils.Database, user: User, quarter: str, *, size: Any, seed: Any, exclusion_months: Any,
         circulate_on: Any, today: dt.date) -> dict:
    """Draw (or redraw, while it is a draft) a quarter's sample and propose its auditors; returns a summary.

    The summary says how many were drawn of those asked for, how many households were eligible and
    excluded, and how many cases still need an auditor chosen by hand. Raises ValueError for a bad
    setting or a programme that has already been circulated.
    """
    access.require(user, "plan_audits")
    chosen = Quarter.parse(quarter)
    size = whole_field(size, "The sample size", 1, 500)
    seed = whole_field(seed, "The seed", 0, 2**31 - 1)
    exclusion_months = whole_field(exclusion_months, "The months since a household's last audit", 0, 60)
    circulate = _circulation(chosen, circulate_on, today)
    due = circulate + dt.timedelta(days=settings.get(db, "audit_due_days"))
    with store.write(db):
        existing = next(iter(db.query("select * from audit_programmes where quarter = :q", {"q": chosen.slug})), None)
        if existing and existing["status"] != "draft":
            raise ValueError(f"The {chosen.label} programme has already been circulated; withdraw or add single "
                             "cases instead of drawing again.")
        candidates, excluded = eligible(db, circulate_on=circulate, exclusion_months=exclusion_months,
                                        programme_id=existing["id"] if existing else None)
        if not candidates:
            raise ValueError("No active household on the register can be sampled: every one was audited recently "
                             "or the register is empty.")
        sample = audit_sampling.draw(candidates, size, seed)
        pairs = audit_sampling.assign_auditors(sample, _managers(db))
        at = store.stamp()
        values = {"quarter": chosen.slug, "seed": seed, "sample_size": size, "exclusion_months": exclusion_months,
                  "eligible": len(candidates), "excluded": excluded, "circulate_on": circulate.isoformat(),
                  "due_on": due.isoformat(), "drawn_at": at, "drawn_by": user.id}
        if existing:
            db.execute("delete from case_audits where programme_id = :p", {"p": existing["id"]})
            db.execute(f"update audit_programmes set {', '.join(f'{k} = :{k}' for k in values)} where id = :id",
                       {**values, "id": existing["id"]})
            programme_id = existing["id"]
        else:
            programme_id = db.execute(f"insert into audit_programmes ({', '.join(values)}) values "
                                      f"({', '.join(':' + k for k in values)})", values).lastrowid
        for number, (case, (lead, peer)) in enumerate(zip(sample, pairs), start=1):
            _insert_case(db, programme_id, chosen, number, case, lead, peer, due, at)
        summary = {"programme_id": programme_id, "quarter": chosen.slug, "requested": size, "drawn": len(sample),
                   "eligible": len(candidates), "excluded": excluded,
                   "without_lead": sum(1 for lead, _ in pairs if lead is None),
                   "without_peer": sum(1 for _, peer in pairs if peer is None)}
        detail = {**summary, "seed": seed, "exclusion_months": exclusion_months, "circulate_on": circulate.isoformat(),
                  "households": [c.reference for c in sample]}
        if existing:
            detail["replaced"] = {k: existing[k] for k in ("seed", "sample_size", "exclusion_months", "circulate_on")}
        store.audit(db, action="draw", user_id=user.id, username=user.username, entity="audit_programmes",
                    entity_id=programme_id, detail=detail)
    return summary


def _insert_case(db, programme_id: int, quarter: Quarter, number: int, case: audit_sampling.Candidate,
                 lead: int | None, peer: int | None, due: dt.date, at: str) -> int:
    return db.execute(
        """insert into case_audits (programme_id, reference, household_id, team_id, cohort, lead_auditor_id,
                                    peer_auditor_id, due_on, created_at, updated_at)
           values (:p, :ref, :h, :t, :c, :lead, :peer, :due, :at, :at)""",
        {"p": programme_id, "ref": f"CFA-{quarter.file_stem}-{number:02d}", "h": case.household_id,
         "t": case.team_id, "c": case.cohort, "lead": lead, "peer": peer, "due": due.isoformat(), "at": at},
    ).lastrowid


def add_case(db: sqlite_utils.Database, user: User, programme_id: int, household_id: Any, *, today: dt.date) -> int:
    """Add one household to a programme (e.g. in place of a withdrawn case), with auditors proposed; returns its id."""
    access.require(user, "plan_audits")
    with store.write(db):
        programme = _programme(db, programme_id)
        if isinstance(household_id, bool) or not isinstance(household_id, int):
            raise ValueError("Household must be chosen from the register.")
        candidates, _ = eligible(db, circulate_on=dt.date.fromisoformat(programme["circulate_on"]),
                                 exclusion_months=programme["exclusion_months"], programme_id=programme_id)
        case = next((c for c in candidates if c.household_id == household_id), None)
        status = db.execute("select status from households where id = :id", {"id": household_id}).fetchone()
        if status is None or status[0] != "active":
            raise ValueError("That household is not active on the register.")
        if db.execute("""select 1 from case_audits where programme_id = :p and household_id = :h
                         and deleted_at is null""", {"p": programme_id, "h": household_id}).fetchone():
            raise ValueError("That household is already in this programme.")
        if case is None:
            raise ValueError(f"That household was audited in the {programme['exclusion_months']} months before this "
                             "programme; choose another.")
        leads, load = _loads(db, programme_id)
        (lead, peer), = audit_sampling.assign_auditors([case], _managers(db), leads=leads, load=load)
        number = db.execute("select count(*) from case_audits where programme_id = :p",
                            {"p": programme_id}).fetchone()[0] + 1
        at = store.stamp()
        audit_id = _insert_case(db, programme_id, Quarter.parse(programme["quarter"]), number, case, lead, peer,
                                dt.date.fromisoformat(programme["due_on"]), at)
        store.audit(db, action="create", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail={"programme": programme["quarter"], "household": case.reference,
                                                "lead_auditor_id": lead, "peer_auditor_id": peer})
    return audit_id


def assign(db: sqlite_utils.Database, user: User, audit_id: int, *, lead_id: Any, peer_id: Any, due_on: Any,
           today: dt.date) -> dict:
    """Change a case's lead and peer auditors and due date (QA, until the audit is submitted); returns the changes."""
    access.require(user, "plan_audits")
    with store.write(db):
        before = _row(db, audit_id)
        if before["deleted_at"]:
            raise ValueError("This case is withdrawn; restore it first.")
        if before["completed_on"]:
            raise ValueError("This audit has been submitted; its auditors are the ones who did it.")
        lead = _manager(db, lead_id, "The lead auditor")
        peer = _manager(db, peer_id, "The peer auditor")
        if lead == peer:
            raise ValueError("The lead auditor and the peer auditor must be different people.")
        due = date_field(due_on, "The due date", today=dt.date.max, required=True)
        _after(due, before["circulate_on"], "The due date", "the circulation date")
        after = {"lead_auditor_id": lead, "peer_auditor_id": peer, "due_on": due.isoformat()}
        diff = store.changes({k: before[k] for k in after}, after)
        if diff:
            db.execute("""update case_audits set lead_auditor_id = :lead_auditor_id, peer_auditor_id = :peer_auditor_id,
                          due_on = :due_on, updated_at = :at, updated_by = :u where id = :id""",
                       {**after, "at": store.stamp(), "u": user.id, "id": audit_id})
            store.audit(db, action="assign", user_id=user.id, username=user.username, entity="case_audits",
                        entity_id=audit_id, detail=diff)
    return diff


def circulate(db: sqlite_utils.Database, user: User, programme_id: int, *, today: dt.date) -> int:
    """Circulate a drawn programme: each auditor sees their cases from its circulation date; returns the case count.

    Refused while any case lacks a lead or peer auditor.
    """
    access.require(user, "plan_audits")
    with store.write(db):
        programme = _programme(db, programme_id)
        if programme["status"] != "draft":
            raise ValueError("This programme has already been circulated.")
        cases = list(db.query("select reference, lead_auditor_id, peer_auditor_id from case_audits "
                              "where programme_id = :p and deleted_at is null", {"p": programme_id}))
        if not cases:
            raise ValueError("This programme has no cases to circulate.")
        missing = [c["reference"] for c in cases if c["lead_auditor_id"] is None or c["peer_auditor_id"] is None]
        if missing:
            raise ValueError(f"Choose a lead and a peer auditor for {', '.join(missing)} before circulating.")
        db.execute("""update audit_programmes set status = 'circulated', circulated_at = :at, circulated_by = :u
                      where id = :id""", {"at": store.stamp(), "u": user.id, "id": programme_id})
        store.audit(db, action="circulate", user_id=user.id, username=user.username, entity="audit_programmes",
                    entity_id=programme_id, detail={"status": ["draft", "circulated"], "cases": len(cases),
                                                    "circulate_on": programme["circulate_on"]})
    return len(cases)


def withdraw(db: sqlite_utils.Database, user: User, audit_id: int, reason: str) -> None:
    """Take a case out of the programme (a soft delete with a reason); a moderated audit cannot be withdrawn."""
    access.require(user, "plan_audits")
    reason = text.clean(reason, field="Reason for withdrawing", max_length=500, required=True)
    with store.write(db):
        row = _row(db, audit_id)
        if row["moderated_on"]:
            raise ValueError("This audit has been moderated and counts in the reports; it cannot be withdrawn.")
        store.soft_delete_row(db, "case_audits", row, user=user, reason=reason)


def restore(db: sqlite_utils.Database, user: User, audit_id: int) -> None:
    """Bring a withdrawn case back into its programme (QA)."""
    access.require(user, "plan_audits")
    with store.write(db):
        row = _row(db, audit_id)
        if not row["deleted_at"]:
            raise ValueError("This entry is not deleted.")
        if db.execute("""select 1 from case_audits where programme_id = :p and household_id = :h and id != :id
                         and deleted_at is null""", {"p": row["programme_id"], "h": row["household_id"],
                                                     "id": audit_id}).fetchone():
            raise ValueError("That household is in the programme again as another case.")
        store.restore_row(db, "case_audits", row, user=user)


def managers(db: sqlite_utils.Database, user: User) -> list[dict]:
    """Active managers with their team, to choose lead and peer auditors from."""
    access.require(user, "plan_audits")
    return list(db.query(
        """select u.id, u.display_name, t.name as team from users u join user_roles r on r.user_id = u.id
           and r.role = 'manager' left join teams t on t.id = u.team_id where u.active = 1
           order by u.display_name collate nocase"""))


def households_to_add(db: sqlite_utils.Database, user: User, programme_id: int) -> list[dict]:
    """Active households that could join a programme: not in it already and not audited recently."""
    access.require(user, "plan_audits")
    programme = _programme(db, programme_id)
    found, _ = eligible(db, circulate_on=dt.date.fromisoformat(programme["circulate_on"]),
                        exclusion_months=programme["exclusion_months"], programme_id=programme_id)
    taken = {r[0] for r in db.execute("select household_id from case_audits where programme_id = :p "
                                      "and deleted_at is null", {"p": programme_id})}
    ids = [c.household_id for c in found if c.household_id not in taken]
    return list(db.query(f"""select id, reference, display_name, cohort from households where id in
                             ({','.join(map(str, ids)) or 'null'}) order by display_name collate nocase, reference"""))


# ---- Reading ------------------------------------------------------------------------------------

_LIST = """
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


def _decorate(row: dict, today: dt.date) -> dict:
    row["stage"] = stage(row, today)
    row["overdue"] = row["stage"] in ("to_do", "in_progress") and row["due_on"] < today.isoformat()
    return row


def _row(db, audit_id: int) -> dict:
    rows = list(db.query(_LIST + " where a.id = :id", {"id": audit_id}))
    if not rows:
        raise ValueError(f"There is no case-file audit #{audit_id}.")
    return rows[0]


def programmes(db: sqlite_utils.Database, user: User) -> list[dict]:
    """Every programme, newest quarter first, with its case counts."""
    access.require(user, "view_audit_programme")
    rows = list(db.query(
        """select p.*, (select count(*) from case_audits a where a.programme_id = p.id and a.deleted_at is null)
                  as cases,
                  (select count(*) from case_audits a where a.programme_id = p.id and a.deleted_at is null
                     and a.moderated_on is not null) as moderated
           from audit_programmes p"""))
    return sorted(rows, key=lambda r: Quarter.parse(r["quarter"]), reverse=True)


def programme_for(db: sqlite_utils.Database, user: User, quarter: str) -> dict | None:
    """The programme for a quarter, or None if it has not been drawn."""
    access.require(user, "view_audit_programme")
    return next(iter(db.query("select * from audit_programmes where quarter = :q",
                              {"q": Quarter.parse(quarter).slug})), None)


def cases(db: sqlite_utils.Database, user: User, programme_id: int, *, today: dt.date,
          withdrawn: bool = False) -> list[dict]:
    """A programme's cases (or its withdrawn ones) with their stage and auditors, in reference order."""
    access.require(user, "view_audit_programme")
    rows = db.query(_LIST + " where a.programme_id = :p and (a.deleted_at is not null) = :w order by a.reference",
                    {"p": programme_id, "w": int(withdrawn)})
    return [_decorate(r, today) for r in rows]


def my_audits(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[dict]:
    """The cases this manager leads or peers, once circulated and open: oldest due first, with their part in each."""
    access.require(user, "record_case_audit")
    rows = db.query(_LIST + """ where (a.lead_auditor_id = :u or a.peer_auditor_id = :u) and a.deleted_at is null
                                and p.status = 'circulated' and p.circulate_on <= :today
                                order by a.reviewed_on is not null, a.moderated_on is not null, a.due_on, a.reference""",
                    {"u": user.id, "today": today.isoformat()})
    found = []
    for row in rows:
        row["part"] = "Lead auditor" if row["lead_auditor_id"] == user.id else "Peer auditor"
        found.append(_decorate(row, today))
    return found


def awaiting_moderation(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[dict]:
    """Submitted audits not yet moderated (and moderated ones still open to change), oldest first."""
    access.require(user, "moderate_audits")
    rows = db.query(_LIST + """ where a.deleted_at is null and a.completed_on is not null and a.reviewed_on is null
                                order by a.moderated_on is not null, a.completed_on, a.reference""")
    return [_decorate(r, today) for r in rows]


def follow_ups(db: sqlite_utils.Database, user: User, *, today: dt.date, reviewed: bool = False) -> list[dict]:
    """Moderated audits whose eight-week review is not recorded: overdue, due soon or upcoming, soonest first.

    With reviewed=True, those whose review is recorded instead, most recently reviewed first.
    """
    if not (access.can(user, "view_audit_programme") or access.can(user, "review_audit_actions")):
        access.require(user, "view_audit_programme")
    rows = list(db.query(_LIST + f""" where a.deleted_at is null and a.moderated_on is not null
                                      and a.reviewed_on is {'not ' if reviewed else ''}null
                                      order by {'a.reviewed_on desc' if reviewed else 'a.review_due_on'}, a.reference"""))
    for row in rows:
        _decorate(row, today)
        due = dt.date.fromisoformat(row["review_due_on"])
        row["days_left"] = (due - today).days
        row["review_status"] = "overdue" if due < today else "due soon" if row["days_left"] <= SOON_DAYS else "upcoming"
    return rows


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
    row = _row(db, audit_id)
    if not _may_see(user, row, today):
        raise access.PermissionDenied("You do not have permission to see this audit.")
    _decorate(row, today)
    row["grades"] = {g["domain"]: g for g in db.query(
        "select * from case_audit_grades where audit_id = :id", {"id": audit_id})}
    row["actions"] = list(db.query("select * from case_audit_actions where audit_id = :id order by id",
                                   {"id": audit_id}))
    row["feedback"] = linked_feedback(db, row["reference"])
    row["themes"] = [r[0] for r in db.execute("select theme_id from case_audit_themes where audit_id = :id "
                                              "order by theme_id", {"id": audit_id})]
    return row


def linked_feedback(db: sqlite_utils.Database, reference: str) -> list[dict]:
    """Audit feedback entries (the case-file audit feedback form) that carry this audit's reference."""
    return list(db.query(
        """select id, contact_on, respondent, outcome from responses where form = 'audit' and deleted_at is null
           and upper(audit_reference) = upper(:ref) order by contact_on, id""", {"ref": reference}))


def history(db: sqlite_utils.Database, user: User, audit_id: int, *, today: dt.date) -> list[dict]:
    """Who did what to a case and when, oldest first, with the changed values."""
    get(db, user, audit_id, today=today)
    return list(db.query("""select at, username, action, detail from audit_log
                            where entity = 'case_audits' and entity_id = :id order by id""", {"id": str(audit_id)}))


def export_csv(db: sqlite_utils.Database, user: User, programme_id: int, *, today: dt.date) -> bytes:
    """The programme's circulation list as CSV (UTF-8 with BOM for Excel), formula-looking text neutralised."""
    programme = _programme(db, programme_id)
    rows = cases(db, user, programme_id, today=today)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Reference", "Household reference", "Household", "Placement type", "Team", "Lead auditor",
                     "Peer auditor", "Circulated on", "Due", "Stage"])
    for row in sorted(rows, key=lambda r: ((r["lead_auditor"] or "").lower(), r["reference"])):
        writer.writerow([text.spreadsheet_safe(v) for v in (
            row["reference"], row["household_reference"], row["household_name"], row["cohort"].title(),
            row["team"] or "", row["lead_auditor"] or "", row["peer_auditor"] or "", programme["circulate_on"],
            row["due_on"], STAGES[row["stage"]])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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


def _raise(refusal: str | None) -> None:
    if refusal in (AUDITORS_ONLY, LEAD_FOLLOWS_UP):
        raise access.PermissionDenied(refusal)
    if refusal:
        raise ValueError(refusal)


def _grades(db, audit_id: int) -> dict[str, dict]:
    return {g["domain"]: g for g in db.query("select * from case_audit_grades where audit_id = :id", {"id": audit_id})}


def _clean_audit(entry: dict, row: dict, *, today: dt.date, complete: bool) -> tuple[dict, dict]:
    """The audit's own fields and its grades, checked; with complete=True everything must be there.

    A value that is wrong is refused at once. What is missing from an audit being submitted is
    listed all together, so the auditor can fill in the gaps in one go rather than one submit each.
    """
    clean: dict[str, Any] = {}
    missing: list[tuple[str, str]] = []  # (the sentence when it is the only gap, the phrase in a list of gaps)
    audited = date_field(entry.get("audited_on"), "The audit date", today=today)
    _after(audited, row["circulate_on"], "The audit date", "the circulation date")
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
        grade = _grade(given.get("grade"), words, required=False)
        evidence = _text(given.get("evidence"), f"The evidence for {words}")
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
        reason = _text(entry.get(f"{who}_not_why"), f"Why {person} was not spoken to", limit=1000)
        if spoken is False and not reason:
            if not complete:
                raise ValueError(f"Say why {person} was not spoken to.")
            missing.append((f"Say why {person} was not spoken to.", f"why {person} was not spoken to"))
        if spoken is None and complete:
            missing.append((f"Say whether {person} was spoken to, or why not.", f"whether {person} was spoken to"))
        clean[f"{who}_spoken"] = None if spoken is None else int(spoken)
        clean[f"{who}_not_why"] = reason if spoken is False else None
    discussed = date_field(entry.get("ssw_discussed_on"), "The date of the case discussion", today=today)
    _after(discussed, row["circulate_on"], "The date of the case discussion", "the circulation date")
    clean["ssw_discussed_on"] = discussed.isoformat() if discussed else None
    clean["ssw_discussion"] = _text(entry.get("ssw_discussion"),
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
         expected_updated_at: str | None = None) -> dict:
    """Save the audit form (progress, or submit it for moderation with submit=True); returns the changes.

    A submitted audit stays complete: every grade, the evidence for each domain, who was spoken to
    (or why not) and the case discussion must be there. Once moderated its grades are final. With
    expected_updated_at, a change the other auditor saved in between is refused, not overwritten.
    """
    access.require(user, "record_case_audit")
    with store.write(db):
        row = _row(db, audit_id)
        _raise(form_refusal(user, row, today=today))
        if expected_updated_at and row["updated_at"] != expected_updated_at:
            raise ValueError("The other auditor changed this audit after you opened it. Open it again to see their "
                             "change, then make yours.")
        complete = submit or bool(row["completed_on"])
        clean, grades = _clean_audit(entry, row, today=today, complete=complete)
        if row["completed_on"] and clean["audited_on"] > row["completed_on"]:
            raise ValueError(f"The audit date cannot be after the date it was submitted "
                             f"({dt.date.fromisoformat(row['completed_on']):%d/%m/%Y}).")
        before_grades = _grades(db, audit_id)
        diff = store.changes({k: row[k] for k in clean}, clean)
        for domain, values in grades.items():
            old = before_grades.get(domain, {})
            for field in ("grade", "evidence"):
                if old.get(field) != values[field]:
                    diff[f"{field} {domain}"] = [old.get(field), values[field]]
        newly_complete = submit and not row["completed_on"]
        if newly_complete:
            diff["completed_on"] = [None, today.isoformat()]
        if not diff:
            return {}
        db.execute(f"""update case_audits set {', '.join(f'{k} = :{k}' for k in clean)}, updated_at = :at,
                       updated_by = :u {', completed_on = :done, completed_by = :u' if newly_complete else ''}
                       where id = :id""",
                   {**clean, "at": store.stamp(), "u": user.id, "done": today.isoformat(), "id": audit_id})
        for domain, values in grades.items():
            db.execute("""insert into case_audit_grades (audit_id, domain, grade, evidence) values (:a, :d, :g, :e)
                          on conflict (audit_id, domain) do update set grade = excluded.grade,
                          evidence = excluded.evidence""",
                       {"a": audit_id, "d": domain, "g": values["grade"], "e": values["evidence"]})
        store.audit(db, action="complete" if newly_complete else "update", user_id=user.id, username=user.username,
                    entity="case_audits", entity_id=audit_id, detail=diff)
    return diff


# ---- The action plan ------------------------------------------------------------------------------


def _action(db, action_id: int) -> dict:
    rows = list(db.query("select * from case_audit_actions where id = :id", {"id": action_id}))
    if not rows:
        raise ValueError(f"There is no audit action #{action_id}.")
    return rows[0]


def _plan_editor(db, user: User, audit_id: int, today: dt.date) -> dict:
    """The case, if this user may change its action plan now: either auditor until moderation, then the lead."""
    access.require(user, "record_case_audit")
    row = _row(db, audit_id)
    _raise(plan_refusal(user, row, today=today))
    return row


def _clean_action(entry: dict, row: dict, today: dt.date) -> dict:
    # Checked in the order of the form, so an empty form first asks for the action itself.
    action = _text(entry.get("action"), "The action", required=True, limit=2000)
    owner = text.clean(entry.get("owner"), field="Owner", max_length=80, required=True)
    if owner not in OWNERS:
        raise ValueError("Owner must be a role from the list, not a person's name.")
    due = date_field(entry.get("due_on"), "The action's due date", today=dt.date.max, required=True)
    _after(due, row["audited_on"] or row["circulate_on"], "The action's due date",
           "the audit date" if row["audited_on"] else "the circulation date")
    status = entry.get("status") or "open"
    if status not in ACTION_STATUSES:
        raise ValueError(f"The action's status must be one of: {', '.join(ACTION_STATUSES.values())}.")
    return {"action": action, "owner": owner, "due_on": due.isoformat(), "status": status}


def add_action(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date) -> int:
    """Add an action to a case's action plan; returns its id."""
    with store.write(db):
        row = _plan_editor(db, user, audit_id, today)
        clean = _clean_action(entry, row, today)
        at = store.stamp()
        action_id = db.execute(
            """insert into case_audit_actions (audit_id, action, owner, due_on, status, done_on, created_at,
                                              created_by, updated_at)
               values (:a, :action, :owner, :due_on, :status, :done, :at, :u, :at)""",
            {**clean, "a": audit_id, "done": today.isoformat() if clean["status"] == "done" else None, "at": at,
             "u": user.id}).lastrowid
        store.audit(db, action="add_action", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail={f"action #{action_id}": [None, clean]})
    return action_id


def update_action(db: sqlite_utils.Database, user: User, action_id: int, entry: dict, *, today: dt.date) -> dict:
    """Change an action (its status, due date or wording); a move to done is dated today. Returns the changes."""
    with store.write(db):
        before = _action(db, action_id)
        row = _plan_editor(db, user, before["audit_id"], today)
        clean = _clean_action(entry, row, today)
        if clean["status"] == "done":
            clean["done_on"] = before["done_on"] if before["status"] == "done" else today.isoformat()
        else:
            clean["done_on"] = None
        diff = store.changes({k: before[k] for k in clean}, clean)
        if not diff:
            return {}
        db.execute(f"update case_audit_actions set {', '.join(f'{k} = :{k}' for k in clean)}, updated_at = :at "
                   "where id = :id", {**clean, "at": store.stamp(), "id": action_id})
        store.audit(db, action="update_action", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=before["audit_id"], detail={f"action #{action_id} {k}": v for k, v in diff.items()})
    return diff


def remove_action(db: sqlite_utils.Database, user: User, action_id: int, *, today: dt.date) -> None:
    """Remove an action added by mistake, before moderation; the audit log keeps what it said."""
    with store.write(db):
        before = _action(db, action_id)
        row = _plan_editor(db, user, before["audit_id"], today)
        if row["moderated_on"]:
            raise ValueError("This audit has been moderated: mark the action done instead of removing it.")
        db.execute("delete from case_audit_actions where id = :id", {"id": action_id})
        store.audit(db, action="remove_action", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=before["audit_id"],
                    detail={f"action #{action_id}": [{k: before[k] for k in ("action", "owner", "due_on", "status")},
                                                     None]})


# ---- Moderation ------------------------------------------------------------------------------------


def code_learning(db, table: str, key: str, record_id: int, learning: str) -> None:
    _, compiled = themes.matcher(db)
    result = coding.code(learning, compiled, None)
    db.execute(f"delete from {table} where {key} = :id", {"id": record_id})
    for mention in result.mentions.values():
        db.execute(f"insert into {table} ({key}, theme_id, reading) values (:id, :t, :r)",
                   {"id": record_id, "t": mention.theme_id, "r": mention.reading})


def moderate(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date) -> dict:
    """A senior manager's moderation: agree or change each grade (a change needs a reason) and record the learning.

    The auditors' grades are kept beside the moderated ones. Moderating again before the review
    changes it, with the old values in the audit log. Returns the changes. A senior manager who
    audited the case cannot moderate it.
    """
    access.require(user, "moderate_audits")
    themes.ensure(db)
    with store.write(db):
        row = _row(db, audit_id)
        if row["deleted_at"]:
            raise ValueError("This case has been withdrawn from the programme.")
        if not row["completed_on"]:
            raise ValueError("This audit has not been submitted by its auditors yet.")
        if row["reviewed_on"]:
            raise ValueError("The eight-week review has been recorded; the moderation can no longer change.")
        if user.id in (row["lead_auditor_id"], row["peer_auditor_id"]):
            raise access.PermissionDenied("You audited this case; another senior manager moderates it.")
        moderated = date_field(entry.get("moderated_on"), "The moderation date", today=today, required=True)
        _after(moderated, row["completed_on"], "The moderation date", "the date the audit was submitted")
        learning = _text(entry.get("learning"), "The learning", required=True)
        given = entry.get("grades") or {}
        if not isinstance(given, dict) or any(d not in GRADED for d in given):
            raise ValueError("Moderated grades must be given for the audit's domains.")
        before = _grades(db, audit_id)
        diff: dict[str, list] = {}
        changes = {}
        for domain, words in GRADED.items():
            choice = given.get(domain) or {}
            if not isinstance(choice, dict):
                raise ValueError(f"The moderated grade for {words} must be given with its reason.")
            grade = _grade(choice.get("grade"), f"{words} (moderated)", required=True)
            reason = _text(choice.get("reason"), f"The reason for the moderated grade for {words}", limit=2000)
            auditor = before[domain]["grade"]
            if grade != auditor and not reason:
                raise ValueError(f"Give a reason for changing the grade for {words} from {GRADES[auditor]} to "
                                 f"{GRADES[grade]}.")
            changes[domain] = (grade, reason)
            for field, old, new in (("moderated grade", before[domain]["moderated_grade"], grade),
                                    ("moderation reason", before[domain]["moderation_reason"], reason)):
                if old != new:
                    diff[f"{field} {domain}"] = [old, new]
        review_due = moderated + dt.timedelta(weeks=settings.get(db, "audit_review_weeks"))
        after = {"moderated_on": moderated.isoformat(), "learning": learning, "review_due_on": review_due.isoformat(),
                 "moderated_by": user.id}
        diff.update(store.changes({k: row[k] for k in after}, after))
        if not diff:
            return {}
        for domain, (grade, reason) in changes.items():
            db.execute("""update case_audit_grades set moderated_grade = :g, moderation_reason = :r
                          where audit_id = :a and domain = :d""", {"g": grade, "r": reason, "a": audit_id, "d": domain})
        db.execute("""update case_audits set moderated_on = :moderated_on, learning = :learning,
                      review_due_on = :review_due_on, moderated_by = :moderated_by, updated_at = :at, updated_by = :u
                      where id = :id""", {**after, "at": store.stamp(), "u": user.id, "id": audit_id})
        if "learning" in diff:
            code_learning(db, "case_audit_themes", "audit_id", audit_id, learning)
        store.audit(db, action="moderate", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail=diff)
    return diff


# ---- The eight-week review ------------------------------------------------------------------------


def record_review(db: sqlite_utils.Database, user: User, audit_id: int, entry: dict, *, today: dt.date) -> dict:
    """The advanced practitioners' review: whether each action is complete, with evidence; returns the changes.

    entry: reviewed_on, actions {action id: {"complete": bool, "evidence": text}}, note, and
    recorded_on_file (a tick) with recorded_on_file_on (its date). Recording it again corrects it.
    """
    access.require(user, "review_audit_actions")
    with store.write(db):
        row = _row(db, audit_id)
        if row["deleted_at"]:
            raise ValueError("This case has been withdrawn from the programme.")
        if not row["moderated_on"]:
            raise ValueError("The review follows moderation, and this audit has not been moderated yet.")
        reviewed = date_field(entry.get("reviewed_on"), "The review date", today=today, required=True)
        _after(reviewed, row["moderated_on"], "The review date", "the moderation date")
        recorded = None
        if entry.get("recorded_on_file"):
            recorded = date_field(entry.get("recorded_on_file_on"), "The date it was recorded on the carer's file",
                            today=today, required=True)
            _after(recorded, reviewed, "The date it was recorded on the carer's file", "the review date")
        elif entry.get("recorded_on_file_on"):
            raise ValueError("Tick “Recorded on the carer's file” to keep its date, or clear the date.")
        after = {"reviewed_on": reviewed.isoformat(), "reviewed_by": user.id,
                 "review_note": _text(entry.get("note"), "The review note"),
                 "recorded_on_file_on": recorded.isoformat() if recorded else None}
        diff = store.changes({k: row[k] for k in after}, after)
        given = entry.get("actions") or {}
        if not isinstance(given, dict):
            raise ValueError("Give the review of each action in the plan.")
        plan = list(db.query("select * from case_audit_actions where audit_id = :id order by id", {"id": audit_id}))
        unknown = set(given) - {a["id"] for a in plan}
        if unknown:
            raise ValueError("Review only the actions in this audit's plan.")
        updates = []
        for action in plan:
            found = given.get(action["id"]) or {}
            complete = found.get("complete")
            if complete not in (True, False):
                raise ValueError(f"Say whether action #{action['id']} is complete: yes or no.")
            evidence = _text(found.get("evidence"), f"The evidence for action #{action['id']}", required=True,
                             limit=2000)
            for field, old, new in (("complete", action["review_complete"], int(complete)),
                                    ("evidence", action["review_evidence"], evidence)):
                if old != new:
                    diff[f"action #{action['id']} {field}"] = [old, new]
            updates.append({"c": int(complete), "e": evidence, "id": action["id"]})
        if not diff:
            return {}
        for update in updates:
            db.execute("update case_audit_actions set review_complete = :c, review_evidence = :e where id = :id", update)
        db.execute(f"update case_audits set {', '.join(f'{k} = :{k}' for k in after)}, updated_at = :at, "
                   "updated_by = :reviewed_by where id = :id", {**after, "at": store.stamp(), "id": audit_id})
        store.audit(db, action="review", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail=diff)
    return diff


# ---- For the home page ------------------------------------------------------------------------------


def reminders(db: sqlite_utils.Database, user: User, *, today: dt.date) -> list[str]:
    """One-line reminders for the home page: audits to do, audits to moderate, reviews due."""
    notes = []
    if access.can(user, "record_case_audit"):
        mine = [r for r in my_audits(db, user, today=today) if r["stage"] in ("to_do", "in_progress")]
        if mine:
            late = sum(1 for r in mine if r["overdue"])
            notes.append(f"You have {len(mine)} case-file audit(s) to complete" +
                         (f", {late} overdue." if late else f"; the next is due {min(r['due_on'] for r in mine)}."))
    if access.can(user, "moderate_audits"):
        waiting = [r for r in awaiting_moderation(db, user, today=today) if not r["moderated_on"]
                   and user.id not in (r["lead_auditor_id"], r["peer_auditor_id"])]
        if waiting:
            notes.append(f"{len(waiting)} submitted case-file audit(s) are waiting for moderation.")
    if access.can(user, "review_audit_actions"):
        due = [r for r in follow_ups(db, user, today=today) if r["review_status"] != "upcoming"]
        if due:
            late = sum(1 for r in due if r["review_status"] == "overdue")
            notes.append(f"{len(due)} eight-week audit review(s) are due or overdue ({late} overdue).")
    return notes
