"""Compliments, comments and complaints: the log, statutory complaint stages and their working-day deadlines.

Complaints follow the children's statutory procedure: stage 1 local resolution, stage 2
investigation, stage 3 review panel, then the Ombudsman. Deadlines count working days (weekends
and England & Wales bank holidays excluded); the limits are settings. Edits keep history in the
history; deletion is a soft delete with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from lib import access, store, text, working_days
from lib.access import User
from lib.store import history, records, settings
from lib.themes import codebook, coding

KINDS = {"compliment": "Compliment", "comment": "Comment", "complaint": "Complaint"}
FROM = {"child": "Child or young person", "birth_parent": "Birth parent", "foster_carer": "Foster carer",
        "kinship_carer": "Kinship carer", "professional": "Professional", "other": "Other"}
ROLES = {"ssw": "Supervising social worker", "csw": "Child's social worker", "bso": "Business support",
         "manager": "Manager", "panel": "Fostering panel", "carer": "A carer household", "other": "Other"}
AREAS = {"support": "Support to carers", "kinship": "Kinship assessment and support", "finance": "Allowances and fees",
         "placements": "Placements and matching", "training": "Training", "out_of_hours": "Out of hours",
         "family_time": "Family time and contact", "communication": "Communication", "other": "Other"}
OUTCOMES = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "not_upheld": "Not upheld",
            "withdrawn": "Withdrawn", "resolved": "Resolved"}
STAGES = {1: "Stage 1: local resolution", 2: "Stage 2: investigation", 3: "Stage 3: review panel", 4: "Ombudsman"}
DATE_FIELDS = ("received_on", "stage1_responded_on", "stage2_opened_on", "stage2_responded_on",
               "stage3_requested_on", "stage3_responded_on", "ombudsman_on", "noted_on_record_on")
COMPLAINT_ONLY = ("stage1_responded_on", "stage2_opened_on", "stage2_responded_on", "stage3_requested_on",
                  "stage3_responded_on", "ombudsman_on", "outcome")
# (this field, must not be before these fields, in words)
ORDER = (("stage1_responded_on", ("received_on",), "Stage 1 response"),
         ("stage2_opened_on", ("received_on", "stage1_responded_on"), "Stage 2 opening"),
         ("stage2_responded_on", ("stage2_opened_on",), "Stage 2 response"),
         ("stage3_requested_on", ("stage2_responded_on", "stage2_opened_on"), "Stage 3 request"),
         ("stage3_responded_on", ("stage3_requested_on",), "Stage 3 panel"),
         ("ombudsman_on", ("stage3_requested_on", "stage2_opened_on"), "Referral to the Ombudsman"))
LABELS = {"received_on": "the date received", "stage1_responded_on": "the stage 1 response",
          "stage2_opened_on": "stage 2 opening", "stage2_responded_on": "the stage 2 response",
          "stage3_requested_on": "the stage 3 request", "stage3_responded_on": "the stage 3 panel"}


def _date(value, field: str, today: dt.date, *, required: bool = False) -> str | None:
    day = text.clean_date(value, field, today=today, required=required)
    return day.isoformat() if day else None


def _choice(value, options: dict, field: str, *, required: bool = False):
    return text.clean_choice(value, options, field, required=required)


def validate(db: sqlite_utils.Database, user: User, entry: dict, *, today: dt.date) -> dict:
    """Check and clean one log entry; ValueError naming the field for the first problem."""
    kind = _choice(entry.get("kind"), KINDS, "Type", required=True)
    if kind == "complaint" and not access.can(user, "record_complaint"):
        raise access.PermissionDenied("You can record compliments and comments; a manager or QA records complaints.")
    clean: dict[str, Any] = {"kind": kind}
    clean["from_who"] = _choice(entry.get("from_who"), FROM, "From", required=True)
    clean["cohort"] = _choice(entry.get("cohort"), {"mainstream": "Mainstream", "kinship": "Kinship"}, "Cohort")
    household = entry.get("household_id")
    if household not in (None, ""):
        if isinstance(household, bool) or not isinstance(household, int):
            raise ValueError("Household must be chosen from the register.")
        row = db.execute("select cohort from households where id = :id", {"id": household}).fetchone()
        if row is None:
            raise ValueError("That household is not in the register.")
        clean["cohort"] = clean["cohort"] or row[0]
    clean["household_id"] = household or None
    team = entry.get("about_team_id")
    if team not in (None, "") and not db.execute("select 1 from teams where id = :id", {"id": team}).fetchone():
        raise ValueError("That team does not exist.")
    clean["about_team_id"] = team or None
    clean["about_role"] = _choice(entry.get("about_role"), ROLES, "Who it is about")
    clean["about_area"] = _choice(entry.get("about_area"), AREAS, "Service area")
    clean["summary"] = text.clean(entry.get("summary"), field="Summary", max_length=5000, required=True,
                                  multiline=True)
    clean["consent_to_quote"] = int(bool(entry.get("consent_to_quote")))
    for field in ("advocacy_offered", "advocacy_taken"):
        value = entry.get(field)
        clean[field] = None if value is None else int(bool(value))
    if clean["from_who"] != "child" and (clean["advocacy_offered"] or clean["advocacy_taken"]):
        raise ValueError("Advocacy is recorded for children and young people only.")
    if clean["advocacy_taken"] and not clean["advocacy_offered"]:
        raise ValueError("Advocacy cannot be taken up without being offered.")
    for field in DATE_FIELDS:
        words = LABELS.get(field, field.replace("_", " ").replace(" on", ""))
        clean[field] = _date(entry.get(field), words[0].upper() + words[1:], today, required=field == "received_on")
    clean["outcome"] = _choice(entry.get("outcome"), OUTCOMES, "Outcome")
    clean["stage1_extended"] = int(bool(entry.get("stage1_extended")))
    clean["stage2_extended"] = int(bool(entry.get("stage2_extended")))
    if kind != "complaint":
        extra = [f for f in COMPLAINT_ONLY if clean[f]] + [f for f in ("stage1_extended", "stage2_extended") if clean[f]]
        if extra:
            raise ValueError("Stages, responses and outcomes are recorded for complaints only.")
    for field, after, words in ORDER:
        if clean[field]:
            for earlier in after:
                if clean[earlier] and clean[field] < clean[earlier]:
                    raise ValueError(f"{words} cannot be before {LABELS[earlier]}.")
            if field in ("stage2_responded_on", "stage3_responded_on") and not clean[after[0]]:
                raise ValueError(f"{words} needs the date the stage opened.")
    if clean["stage3_requested_on"] and not clean["stage2_opened_on"]:
        raise ValueError("A stage 3 review panel follows stage 2: record when stage 2 opened.")
    clean["stage"] = None
    if kind == "complaint":
        clean["stage"] = 4 if clean["ombudsman_on"] else 3 if clean["stage3_requested_on"] else \
            2 if clean["stage2_opened_on"] else 1
    status = _choice(entry.get("status") or "open", {"open": "Open", "closed": "Closed"}, "Status")
    if status == "closed" and kind == "complaint" and not clean["outcome"]:
        raise ValueError("Give the outcome before closing a complaint.")
    clean["status"] = status
    holder = entry.get("holder_id")
    if holder not in (None, "") and not db.execute("select 1 from users where id = :id and active = 1",
                                                   {"id": holder}).fetchone():
        raise ValueError("The person holding it must be an active user.")
    clean["holder_id"] = holder or None
    clean["learning"] = text.clean(entry.get("learning"), field="Learning", max_length=5000, multiline=True) or None
    clean["action_taken"] = text.clean(entry.get("action_taken"), field="Action taken", max_length=5000,
                                       multiline=True) or None
    return clean


def record(db: sqlite_utils.Database, user: User, entry: dict, *, today: dt.date) -> int:
    """Log a compliment, comment or complaint (coded with the theme codebook); returns its id."""
    access.require(user, "record_representation")
    codebook.ensure(db)
    with store.write(db):
        clean = validate(db, user, entry, today=today)
        at = store.stamp()
        values = {**clean, "author_id": user.id, "created_at": at, "updated_at": at}
        rid = db.execute(f"insert into representations ({', '.join(values)}) values "
                         f"({', '.join(':' + k for k in values)})", values).lastrowid
        coding.code(db, "representations", [rid])
        history.add(db, action="create", user_id=user.id, username=user.username, entity="representations",
                    entity_id=rid, detail={"kind": clean["kind"], "stage": clean["stage"]})
    return rid


def _row(db, representation_id: int) -> dict:
    rows = list(db.query("select * from representations where id = :id", {"id": representation_id}))
    if not rows:
        raise ValueError(f"There is no log entry #{representation_id}.")
    return rows[0]


def update(db: sqlite_utils.Database, user: User, representation_id: int, entry: dict, *, today: dt.date,
           expected: str | None = None) -> dict:
    """Change a log entry (escalate, respond, close…); returns the changes, which its history row keeps.

    With expected (the entry's records.version() when the form was opened), a change someone else saved in
    between is refused with records.StaleEdit, never overwritten.
    """
    access.require(user, "edit_representation")

    def clean(before: dict) -> dict:
        if before["deleted_at"]:
            raise ValueError("This entry is deleted; QA can restore it first.")
        return validate(db, user, entry, today=today)

    def recode(before: dict, values: dict) -> dict:
        if (values["summary"], values.get("learning")) != (before["summary"], before["learning"]):
            coding.code(db, "representations", [representation_id])
        return {}

    return records.edit(db, user, "representations", representation_id, clean=clean, expected=expected,
                        what="log entry", also=recode)


def soft_delete(db: sqlite_utils.Database, user: User, representation_id: int, reason: str) -> None:
    access.require(user, "edit_representation")
    reason = text.clean(reason, field="Reason for deleting", max_length=500, required=True)
    with store.write(db):
        records.soft_delete(db, "representations", _row(db, representation_id), user=user, reason=reason)


def restore(db: sqlite_utils.Database, user: User, representation_id: int) -> None:
    """Bring back a soft-deleted log entry (QA only)."""
    access.require(user, "view_deleted_entries")
    with store.write(db):
        records.restore(db, "representations", _row(db, representation_id), user=user)


def get(db: sqlite_utils.Database, user: User, representation_id: int) -> dict:
    access.require(user, "view_representations")
    row = _row(db, representation_id)
    return row | {"version": records.version(row)}


@dataclass(frozen=True)
class Tracked:
    id: int
    received_on: dt.date
    stage: int
    due: dt.date
    days_left: int
    status: str  # overdue / due soon / on track
    summary: str
    from_who: str
    team: str | None
    holder: str | None
    themes: tuple[str, ...]


def current_deadline(row: dict, limits: dict, *, today: dt.date) -> working_days.Deadline | None:
    """The deadline of the stage a complaint is in (None once it is with the Ombudsman)."""
    if row["stage"] == 1 or row["stage"] is None:
        limit = limits["stage1_extended_days"] if row["stage1_extended"] else limits["stage1_days"]
        return working_days.deadline(dt.date.fromisoformat(row["received_on"]), limit, today=today,
                                     responded=_day(row["stage1_responded_on"]))
    if row["stage"] == 2:
        limit = limits["stage2_extended_days"] if row["stage2_extended"] else limits["stage2_days"]
        return working_days.deadline(dt.date.fromisoformat(row["stage2_opened_on"]), limit, today=today,
                                     responded=_day(row["stage2_responded_on"]))
    if row["stage"] == 3:
        return working_days.deadline(dt.date.fromisoformat(row["stage3_requested_on"]), limits["stage3_days"],
                                     today=today, responded=_day(row["stage3_responded_on"]))
    return None


def due_now(db: sqlite_utils.Database, representation_id: int, *, today: dt.date) -> tuple[int, dt.date] | None:
    """The stage an open complaint is in and the date its response is due, for a save message; None for a
    compliment or comment, a closed complaint, or one with the Ombudsman."""
    row = _row(db, representation_id)
    if row["kind"] != "complaint" or row["status"] == "closed":
        return None
    deadline = current_deadline(row, settings.current(db), today=today)
    return None if deadline is None or deadline.status.startswith("responded") else (row["stage"] or 1, deadline.due)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def tracker(db: sqlite_utils.Database, user: User, *, today: dt.date, stage: int | None = None,
            team_id: int | None = None, theme_id: str | None = None) -> list[Tracked]:
    """Open complaints with the working days left (negative: overdue), most urgent first."""
    access.require(user, "view_representations")
    limits = settings.current(db)
    rows = list(db.query(
        """select p.*, t.name as team, u.display_name as holder,
                  (select group_concat(theme_id) from representation_themes x where x.representation_id = p.id) as theme_ids
           from representations p left join teams t on t.id = p.about_team_id left join users u on u.id = p.holder_id
           where p.kind = 'complaint' and p.status = 'open' and p.deleted_at is null
             and (:stage is null or p.stage = :stage) and (:team is null or p.about_team_id = :team)""",
        {"stage": stage, "team": team_id}))
    found = []
    for row in rows:
        ids = tuple(t for t in (row["theme_ids"] or "").split(",") if t)
        if theme_id and theme_id not in ids:
            continue
        deadline = current_deadline(row, limits, today=today)
        if deadline is None:
            continue
        found.append(Tracked(row["id"], dt.date.fromisoformat(row["received_on"]), row["stage"], deadline.due,
                             deadline.days_left, deadline.status, row["summary"], row["from_who"], row["team"],
                             row["holder"], ids))
    return sorted(found, key=lambda t: (t.status not in ("overdue",), t.days_left, t.id))


def entries(db: sqlite_utils.Database, user: User, *, kind: str | None = None, start: dt.date | None = None,
            end: dt.date | None = None, deleted: bool = False) -> list[dict]:
    access.require(user, "view_representations")
    return list(db.query(
        """select p.id, p.kind, p.received_on, p.from_who, p.cohort, p.stage, p.status, p.outcome, p.summary,
                  p.consent_to_quote, t.name as team, p.about_role, p.about_area, p.noted_on_record_on,
                  h.reference as household, p.delete_reason,
                  (select group_concat(theme_id) from representation_themes x where x.representation_id = p.id) as theme_ids
           from representations p left join teams t on t.id = p.about_team_id
             left join households h on h.id = p.household_id
           where (:kind is null or p.kind = :kind) and (:start is null or p.received_on >= :start)
             and (:end is null or p.received_on <= :end) and (p.deleted_at is not null) = :deleted
           order by p.received_on desc, p.id desc limit 1000""",
        {"kind": kind, "start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
         "deleted": int(deleted)}))


def counts(db: sqlite_utils.Database, start: dt.date, end: dt.date, *, today: dt.date) -> dict:
    """What the log shows for a period: received by type, stage, source and cohort; responded in time; outcomes; themes;
    and how many children were offered an advocate and took one up."""
    rows = list(db.query(
        """select * from representations where deleted_at is null and received_on >= :s and received_on <= :e""",
        {"s": start.isoformat(), "e": end.isoformat()}))
    limits = settings.current(db)
    result = {"by_kind": {k: 0 for k in KINDS}, "by_stage": {s: 0 for s in STAGES}, "by_source": {f: 0 for f in FROM},
              "by_cohort": {"mainstream": 0, "kinship": 0, "none": 0}, "outcomes": {o: 0 for o in OUTCOMES},
              "responded": 0, "in_time": 0, "themes": {}, "learning": [], "compliments_by_role": {},
              "compliments_by_team": {}, "compliment_themes": {}, "advocacy_offered": 0, "advocacy_taken": 0}
    for row in rows:
        result["by_kind"][row["kind"]] += 1
        result["advocacy_offered"] += int(bool(row["advocacy_offered"]))
        result["advocacy_taken"] += int(bool(row["advocacy_taken"]))
        result["by_source"][row["from_who"]] += 1
        result["by_cohort"][row["cohort"] or "none"] += 1
        if row["kind"] == "compliment":
            role = ROLES.get(row["about_role"], "Not recorded")
            result["compliments_by_role"][role] = result["compliments_by_role"].get(role, 0) + 1
        if row["kind"] != "complaint":
            continue
        result["by_stage"][row["stage"]] += 1
        if row["outcome"]:
            result["outcomes"][row["outcome"]] += 1
        if row["stage1_responded_on"]:
            result["responded"] += 1
            limit = limits["stage1_extended_days"] if row["stage1_extended"] else limits["stage1_days"]
            due = working_days.add_working_days(dt.date.fromisoformat(row["received_on"]), limit)
            result["in_time"] += int(dt.date.fromisoformat(row["stage1_responded_on"]) <= due)
        if row["learning"]:
            result["learning"].append(row["learning"])
    for theme_id, n in db.execute(
        """select x.theme_id, count(*) from representation_themes x join representations p on p.id = x.representation_id
           where p.deleted_at is null and p.received_on >= :s and p.received_on <= :e group by x.theme_id""",
        {"s": start.isoformat(), "e": end.isoformat()}):
        result["themes"][theme_id] = n
    for team, n in db.execute(
        """select coalesce(t.name, 'Not recorded'), count(*) from representations p left join teams t
           on t.id = p.about_team_id where p.deleted_at is null and p.kind = 'compliment'
           and p.received_on >= :s and p.received_on <= :e group by 1""",
        {"s": start.isoformat(), "e": end.isoformat()}):
        result["compliments_by_team"][team] = n
    for theme_id, n in db.execute(
        """select x.theme_id, count(*) from representation_themes x join representations p on p.id = x.representation_id
           where p.deleted_at is null and p.kind = 'compliment' and p.received_on >= :s and p.received_on <= :e
           group by x.theme_id""", {"s": start.isoformat(), "e": end.isoformat()}):
        result["compliment_themes"][theme_id] = n
    return result
