"""The quarter's case-file audit programme: drawing the sample, auditors, circulation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from typing import Any

import sqlite_utils

from lib import access, dates, store, text
from lib.access import User
from lib.audits import casefile, sampling
from lib.periods import Quarter
from lib.store import history, records, settings


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
             programme_id: int | None = None) -> tuple[list[sampling.Candidate], int]:
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
        found.append(sampling.Candidate(row["id"], row["reference"], row["team_id"], row["cohort"]))
    return found, excluded


def _managers(db) -> list[sampling.Manager]:
    return [sampling.Manager(r[0], r[1]) for r in db.execute(
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
    day = value if isinstance(value, dt.date) else casefile.date_field(value, "The circulation date", today=dt.date.max)
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
    size = casefile.whole_field(size, "The sample size", 1, 500)
    seed = casefile.whole_field(seed, "The seed", 0, 2**31 - 1)
    exclusion_months = casefile.whole_field(exclusion_months, "The months since a household's last audit", 0, 60)
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
        sample = sampling.draw(candidates, size, seed)
        pairs = sampling.assign_auditors(sample, _managers(db))
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
        history.add(db, action="draw", user_id=user.id, username=user.username, entity="audit_programmes",
                    entity_id=programme_id, detail=detail)
    return summary


def _insert_case(db, programme_id: int, quarter: Quarter, number: int, case: sampling.Candidate,
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
        (lead, peer), = sampling.assign_auditors([case], _managers(db), leads=leads, load=load)
        number = db.execute("select count(*) from case_audits where programme_id = :p",
                            {"p": programme_id}).fetchone()[0] + 1
        at = store.stamp()
        audit_id = _insert_case(db, programme_id, Quarter.parse(programme["quarter"]), number, case, lead, peer,
                                dt.date.fromisoformat(programme["due_on"]), at)
        history.add(db, action="create", user_id=user.id, username=user.username, entity="case_audits",
                    entity_id=audit_id, detail={"programme": programme["quarter"], "household": case.reference,
                                                "lead_auditor_id": lead, "peer_auditor_id": peer})
    return audit_id


def assign(db: sqlite_utils.Database, user: User, audit_id: int, *, lead_id: Any, peer_id: Any, due_on: Any,
           today: dt.date, expected: str | None = None) -> dict:
    """Change a case's lead and peer auditors and due date (QA, until the audit is submitted); returns the changes.

    With expected (the audit's records.version() when the form was opened), a change saved by anyone in
    between (an auditor starting the audit, another QA officer) is refused with records.StaleEdit.
    """
    access.require(user, "plan_audits")

    def clean(before: dict) -> dict:
        if before["deleted_at"]:
            raise ValueError("This case is withdrawn; restore it first.")
        if before["completed_on"]:
            raise ValueError("This audit has been submitted; its auditors are the ones who did it.")
        lead = casefile.valid_manager(db, lead_id, "The lead auditor")
        peer = casefile.valid_manager(db, peer_id, "The peer auditor")
        if lead == peer:
            raise ValueError("The lead auditor and the peer auditor must be different people.")
        due = casefile.date_field(due_on, "The due date", today=dt.date.max, required=True)
        circulate_on = casefile.audit_row(db, audit_id)["circulate_on"]
        casefile.check_after(due, circulate_on, "The due date", "the circulation date")
        return {"lead_auditor_id": lead, "peer_auditor_id": peer, "due_on": due.isoformat()}

    return records.edit(db, user, "case_audits", audit_id, clean=clean, expected=expected, what="audit",
                        action="assign")


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
        history.add(db, action="circulate", user_id=user.id, username=user.username, entity="audit_programmes",
                    entity_id=programme_id, detail={"status": ["draft", "circulated"], "cases": len(cases),
                                                    "circulate_on": programme["circulate_on"]})
    return len(cases)


def withdraw(db: sqlite_utils.Database, user: User, audit_id: int, reason: str) -> None:
    """Take a case out of the programme (a soft delete with a reason); a moderated audit cannot be withdrawn."""
    access.require(user, "plan_audits")
    reason = text.clean(reason, field="Reason for withdrawing", max_length=500, required=True)
    with store.write(db):
        row = casefile.audit_row(db, audit_id)
        if row["moderated_on"]:
            raise ValueError("This audit has been moderated and counts in the reports; it cannot be withdrawn.")
        records.soft_delete(db, "case_audits", row, user=user, reason=reason)


def restore(db: sqlite_utils.Database, user: User, audit_id: int) -> None:
    """Bring a withdrawn case back into its programme (QA)."""
    access.require(user, "plan_audits")
    with store.write(db):
        row = casefile.audit_row(db, audit_id)
        if not row["deleted_at"]:
            raise ValueError("This entry is not deleted.")
        if db.execute("""select 1 from case_audits where programme_id = :p and household_id = :h and id != :id
                         and deleted_at is null""", {"p": row["programme_id"], "h": row["household_id"],
                                                     "id": audit_id}).fetchone():
            raise ValueError("That household is in the programme again as another case.")
        records.restore(db, "case_audits", row, user=user)


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
    rows = db.query(casefile.LIST_SQL + " where a.programme_id = :p and (a.deleted_at is not null) = :w order by a.reference",
                    {"p": programme_id, "w": int(withdrawn)})
    return [casefile.decorate(r, today) | {"version": records.current(db, "case_audits", r["id"])} for r in rows]


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
            row["team"] or "", row["lead_auditor"] or "", row["peer_auditor"] or "",
            dates.day(programme["circulate_on"]), dates.day(row["due_on"]), casefile.STAGES[row["stage"]])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
