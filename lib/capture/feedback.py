"""Feedback responses: validation, recording, correcting, soft deletion and reading back.

One response is one conversation (or one attempt at one): its record-level fields, its answers
to rating questions, its free-text comments (each with consent to quote) and any follow-ups
(call-back, safeguarding). Every write is one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.capture import questions
from lib.store import history, records, settings
from lib.themes import coding

OUTCOMES = {"completed": "Completed", "no_answer": "No answer", "declined": "Declined",
            "wrong_number": "Wrong number"}
METHODS = {"phone": "Phone", "email": "E-mail", "visit": "Visit", "text": "Text message"}
# How a placing authority's view reaches the service: a returned questionnaire, or asked at a meeting or review.
PLACING_METHODS = {"survey": "Survey return", "meeting": "At a meeting or review", "email": "E-mail", "phone": "Phone"}
METHOD_LABELS = {**METHODS, **PLACING_METHODS}
# Who from the placing authority gave the view: by role, never by name.
PROFESSIONAL_ROLES = {"social_worker": "Child's social worker", "iro": "Independent Reviewing Officer (IRO)",
                      "other": "Other professional from the placing authority"}
RELATIONSHIPS = {"mother": "Mother", "father": "Father", "other": "Other relative or carer"}
HELPERS = {"alone": "On their own", "social_worker": "With their social worker", "carer": "With their carer",
           "advocate": "With an advocate or independent adult"}
PLACING_AUTHORITY_SOURCE = "placing_authority_survey"  # the source of every placing authority feedback entry
SOURCES = {"bso_call": "BSO call", "annual_review": "Annual Review", "case_audit": "Case-file audit",
           "direct_work": "Direct work", PLACING_AUTHORITY_SOURCE: "Placing authority survey"}
FORM_ACTIONS = {"carer": "record_carer_feedback", "parent": "record_parent_feedback",
                "child": "record_child_feedback", "audit": "record_audit_feedback",
                "direct_work": "record_direct_work", questions.PLACING_AUTHORITY: "record_placing_authority_feedback"}
DATE_LABELS = {"child": "Annual Review date", "audit": "Audit date", questions.PLACING_AUTHORITY: "Date of the feedback"}
METHOD_FIELDS = {questions.PLACING_AUTHORITY: "How it was given"}
MAX_COMMENT = 5000
MAX_AUTHORITY = 80
# A pseudonymous reference as case-management systems issue them: up to three letters, then digits
# (C123456, LL-004512, P/99881), so a name ("JamieSmith1", "Jamie-Smith-2014") cannot pass.
_REFERENCE = re.compile(r"^[A-Za-z]{0,3}[-/]?\d{3,}(?:[-/]\d+)*[A-Za-z]?$")
RECORD_FIELDS = ("household_id", "cohort", "contact_on", "method", "outcome", "relationship", "parent_reference",
                 "child_reference", "age_band", "helped_by", "audit_reference", "title", "respondent",
                 "professional_role", "placing_authority")


def methods_for(form_name: str) -> dict[str, str]:
    """The contact methods a form offers: a placing authority's return or meeting, else a call, visit or message."""
    return PLACING_METHODS if form_name == questions.PLACING_AUTHORITY else METHODS


def _choice(value: Any, options: dict, field: str, *, required: bool) -> str | None:
    return text.clean_choice(value, options, field, required=required)


def _date(value: Any, field: str, today: dt.date) -> str:
    return text.clean_date(value, field, today=today, required=True).isoformat()


def _reference(value: Any, field: str, *, required: bool) -> str | None:
    cleaned = text.clean(value, field=field, max_length=30)
    if not cleaned:
        if required:
            raise ValueError(f"{field} is required.")
        return None
    if not _REFERENCE.match(cleaned):
        raise ValueError(
            f"{field} must be a case-management reference such as C123456 (up to three letters, then at least "
            "three digits, no spaces), never a name."
        )
    return cleaned


def _authority(db, value: Any, *, existing: int | None) -> str:
    """The placing authority's name, cleaned; spelt as another entry first recorded it when only the case differs,
    so one authority is counted once. ValueError for an empty name or one holding contact details."""
    cleaned = text.clean(value, field="Placing authority", max_length=MAX_AUTHORITY, required=True)
    if "@" in cleaned or any(ch.isdigit() for ch in cleaned):
        raise ValueError("Placing authority is the authority's name, such as Northshire County Council: no e-mail "
                         "address, phone number or reference, and never a person's name.")
    known = db.execute(
        """select placing_authority from responses where form = :form and placing_authority = :v collate nocase
           and id is not :own order by id limit 1""",
        {"form": questions.PLACING_AUTHORITY, "v": cleaned, "own": existing}).fetchone()
    return known[0] if known else cleaned


def _household(db, value: Any, *, required: bool, existing: int | None) -> dict | None:
    if value is None or value == "":
        if required:
            raise ValueError("Household is required: choose the carer household from the register.")
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise ValueError("Household must be chosen from the register.")
    household_id = int(value)
    rows = list(db.query("select id, cohort, status from households where id = :id", {"id": household_id}))
    if not rows:
        raise ValueError("That household is not in the register.")
    if rows[0]["status"] != "active" and household_id != existing:
        raise ValueError("That household is inactive in the register; check the reference.")
    return rows[0]


def validate(
    db: sqlite_utils.Database, bank: questions.Bank, form_name: str, entry: dict, *, today: dt.date,
    existing: dict | None = None,
) -> dict:
    """Check and clean one entry for a form; returns the clean record, answers, comments and follow-ups.

    Raises ValueError with a sentence naming the field for the first problem found. The same
    rules apply whatever path the data arrives by.
    """
    if form_name not in bank.forms:
        raise ValueError(f"Unknown form '{form_name}'.")
    form = bank.forms[form_name]
    fields = set(form.fields)
    record: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    record["respondent"] = form.respondent
    if "respondent" in fields:
        record["respondent"] = _choice(entry.get("respondent"), questions.RESPONDENTS, "Respondent", required=True)
    child = record["respondent"] == "child"
    household = None
    if "household" in fields:
        household = _household(db, entry.get("household_id"), required=form_name != "direct_work",
                               existing=(existing or {}).get("household_id"))
        record["household_id"] = household["id"] if household else None
    if "cohort" in fields:
        cohort = entry.get("cohort") or (household["cohort"] if household else None)
        record["cohort"] = _choice(cohort, questions.COHORTS, "Cohort", required=household is not None)
    record["contact_on"] = _date(entry.get("contact_on"), DATE_LABELS.get(form_name, "Contact date"), today)
    if "method" in fields:
        record["method"] = _choice(entry.get("method"), methods_for(form_name),
                                   METHOD_FIELDS.get(form_name, "Contact method"), required=True)
    if "professional_role" in fields:
        record["professional_role"] = _choice(entry.get("professional_role"), PROFESSIONAL_ROLES,
                                              "Who gave the feedback", required=True)
    if "placing_authority" in fields:
        record["placing_authority"] = _authority(db, entry.get("placing_authority"),
                                                 existing=(existing or {}).get("id"))
    record["outcome"] = "completed"
    if "outcome" in fields:
        record["outcome"] = _choice(entry.get("outcome"), OUTCOMES, "Outcome", required=True)
    if "relationship" in fields:
        record["relationship"] = _choice(entry.get("relationship"), RELATIONSHIPS, "Relationship to the child",
                                         required=True)
    if "parent_reference" in fields:
        record["parent_reference"] = _reference(entry.get("parent_reference"), "Parent reference", required=False)
    if "child_reference" in fields:
        record["child_reference"] = _reference(entry.get("child_reference"), "Child reference", required=True)
    if "age_band" in fields:
        record["age_band"] = _choice(entry.get("age_band"), questions.AGE_BANDS, "Age band",
                                     required=child) if child else None
    if "helped_by" in fields:
        record["helped_by"] = _choice(entry.get("helped_by"), HELPERS, "Who helped", required=True)
    if "audit_reference" in fields:
        record["audit_reference"] = text.clean(entry.get("audit_reference"), field="Audit reference", max_length=40,
                                               required=True)
    if "title" in fields:
        record["title"] = text.clean(entry.get("title"), field="Title", max_length=120, required=True)

    items = {item.id: item for item in form.items_for(cohort=record["cohort"], age_band=record["age_band"],
                                                       respondent=record["respondent"])}
    if not isinstance(entry.get("answers") or {}, dict) or not isinstance(entry.get("comments") or {}, dict):
        raise ValueError("Answers and comments must each be given question by question.")
    raw_answers = {k: v for k, v in (entry.get("answers") or {}).items() if v is not None and v != ""}
    raw_comments = entry.get("comments") or {}
    completed = record["outcome"] == "completed"
    answers: dict[str, str] = {}
    for item_id, value in raw_answers.items():
        item = items.get(item_id)
        if item is None or item.scale.is_text:
            raise ValueError(f"Question {item_id} is not on this form for this respondent.")
        code = value if isinstance(value, str) else None
        if code not in {o.code for o in item.scale.options}:
            raise ValueError(f"'{value}' is not an answer to “{item.text}”.")
        answers[item_id] = code
    comments: dict[str, dict] = {}
    for item_id, comment in raw_comments.items():
        if isinstance(comment, str):
            comment = {"text": comment, "consent": False}
        if not isinstance(comment, dict):
            raise ValueError(f"The answer to question {item_id} must be text.")
        item = items.get(item_id)
        if item is None or not item.scale.is_text:
            raise ValueError(f"Question {item_id} is not a free-text question on this form for this respondent.")
        body = text.clean(comment.get("text"), field=f"The answer to “{item.text}”", max_length=MAX_COMMENT,
                          multiline=True)
        if body:
            comments[item_id] = {"text": body, "consent": bool(comment.get("consent"))}
    if not completed and (answers or comments):
        raise ValueError("Answers can only be recorded for a completed contact; this one is saved as an attempt.")
    if completed:
        missing = [item for item in items.values() if item.required and item.id not in answers
                   and item.id not in comments]
        if missing:
            raise ValueError("Please answer: " + "; ".join(f"“{item.text}”" for item in missing))
    for tick, fields_ in (("callback", ("callback_note",)), ("safeguarding", ("safeguarding_note", "safeguarding_told"))):
        if not entry.get(tick) and any(str(entry.get(f) or "").strip() for f in fields_):
            what = "They asked for a call-back" if tick == "callback" else "This contains a safeguarding concern"
            raise ValueError(f"Tick “{what}” to keep the note you wrote for it, or clear the note.")
    follow_ups = []
    if entry.get("callback"):
        follow_ups.append({"kind": "callback", "note": text.clean(entry.get("callback_note"), field="Call-back note",
                                                                   max_length=1000, multiline=True) or None,
                           "told_whom": None})
    if entry.get("safeguarding"):
        follow_ups.append({"kind": "safeguarding",
                           "note": text.clean(entry.get("safeguarding_note"), field="Safeguarding note",
                                              max_length=MAX_COMMENT, multiline=True) or None,
                           "told_whom": text.clean(entry.get("safeguarding_told"), field="Who you told",
                                                   max_length=200) or None})
    return {"form": form, "record": record, "answers": answers, "comments": comments, "follow_ups": follow_ups,
            "callback": bool(entry.get("callback")), "safeguarding": bool(entry.get("safeguarding"))}


def saved_with(db: sqlite_utils.Database, user: User, submission_key: str | None) -> dict | None:
    """The entry this person saved with this submission token, if any: how a form that lost its connection
    mid-save (a server restart) can tell them it did land, rather than have them type it again."""
    if not submission_key:
        return None
    return next(iter(db.query(
        """select id, form, created_at from responses where submission_key = :k and author_id = :u
           and deleted_at is null""", {"k": submission_key, "u": user.id})), None)


def record(
    db: sqlite_utils.Database, user: User, form_name: str, entry: dict, *, today: dt.date,
    submission_key: str | None = None, bank: questions.Bank | None = None, now: dt.datetime | None = None,
) -> int:
    """Save one response (or contact attempt) with its answers, comments, follow-ups and audit row; return its id.

    A repeated submission_key (double click, rerun, browser back) returns the first response's id
    and writes nothing. Raises PermissionDenied or ValueError; nothing is saved on error.
    """
    if form_name not in FORM_ACTIONS:
        raise ValueError(f"Unknown form '{form_name}'.")
    access.require(user, FORM_ACTIONS[form_name])
    bank = bank or questions.current(db)
    questions.install(db, bank)
    at = store.stamp(now)
    with store.write(db):
        if submission_key:
            row = db.execute("select id from responses where submission_key = :k", {"k": submission_key}).fetchone()
            if row:
                return row[0]
        clean = validate(db, bank, form_name, entry, today=today)
        values = {**clean["record"], "form": form_name, "source": clean["form"].source, "bank_version": bank.version,
                  "callback_requested": int(clean["callback"]), "safeguarding": int(clean["safeguarding"]),
                  "author_id": user.id, "created_at": at, "updated_at": at, "submission_key": submission_key}
        columns = ", ".join(values)
        response_id = db.execute(
            f"insert into responses ({columns}) values ({', '.join(':' + c for c in values)})", values
        ).lastrowid
        _write_answers(db, response_id, clean)
        _open_follow_ups(db, user, response_id, clean["follow_ups"], at)
        history.add(db, action="create", user_id=user.id, username=user.username, entity="responses",
                    entity_id=response_id, at=now,
                    detail={"form": form_name, "outcome": values["outcome"], "answers": len(clean["answers"]),
                            "comments": len(clean["comments"]), "safeguarding": clean["safeguarding"],
                            "callback": clean["callback"]})
    return response_id


def _open_follow_ups(db, user: User, response_id: int, follow_ups: list[dict], at: str) -> None:
    for follow_up in follow_ups:
        db.execute(
            """insert into follow_ups (response_id, kind, note, told_whom, told_at, created_at, created_by)
               values (:rid, :kind, :note, :told_whom, :told_at, :at, :uid)""",
            {**follow_up, "rid": response_id, "at": at, "uid": user.id,
             "told_at": at if follow_up["told_whom"] else None},
        )


def _write_answers(db, response_id: int, clean: dict) -> None:
    """Store answers and comments (replacing the answers; comments are kept in place so their theme
    decisions survive a correction) and code new or changed comments."""
    db.execute("delete from answers where response_id = :id", {"id": response_id})
    for item_id, value in clean["answers"].items():
        db.execute("insert into answers (response_id, item_id, value) values (:r, :i, :v)",
                   {"r": response_id, "i": item_id, "v": value})
    existing = {r["item_id"]: r for r in db.query(
        "select id, item_id, body, consent_to_quote from comments where response_id = :id", {"id": response_id})}
    to_code = []
    for item_id, old in existing.items():
        if item_id not in clean["comments"]:
            db.execute("delete from comment_themes where comment_id = :id", {"id": old["id"]})
            db.execute("delete from comments where id = :id", {"id": old["id"]})
    for item_id, comment in clean["comments"].items():
        old = existing.get(item_id)
        if old is None:
            to_code.append(db.execute(
                "insert into comments (response_id, item_id, body, consent_to_quote) values (:r, :i, :b, :c)",
                {"r": response_id, "i": item_id, "b": comment["text"], "c": int(comment["consent"])}).lastrowid)
        elif (old["body"], bool(old["consent_to_quote"])) != (comment["text"], comment["consent"]):
            db.execute("update comments set body = :b, consent_to_quote = :c where id = :id",
                       {"b": comment["text"], "c": int(comment["consent"]), "id": old["id"]})
            if old["body"] != comment["text"]:
                to_code.append(old["id"])
    coding.code_comments(db, to_code)


def _load(db, response_id: int) -> dict:
    rows = list(db.query(
        """select r.*, h.reference as household_reference, h.display_name as household_name,
                  u.display_name as author_name
           from responses r left join households h on h.id = r.household_id join users u on u.id = r.author_id
           where r.id = :id""", {"id": response_id}))
    if not rows:
        raise ValueError(f"There is no entry #{response_id}.")
    row = rows[0]
    row["answers"] = {r["item_id"]: r["value"] for r in db.query(
        "select item_id, value from answers where response_id = :id", {"id": response_id})}
    row["comments"] = {r["item_id"]: {"text": r["body"], "consent": bool(r["consent_to_quote"])} for r in db.query(
        "select item_id, body, consent_to_quote from comments where response_id = :id order by id", {"id": response_id})}
    row["follow_ups"] = list(db.query("select * from follow_ups where response_id = :id order by id", {"id": response_id}))
    return row


def _may_see(user: User, row: dict) -> bool:
    return row["author_id"] == user.id or access.can(user, "view_all_entries")


def _visible(db, user: User, response_id: int) -> dict:
    """The response, if this user may see it (their own, or all for managers and QA)."""
    access.require(user, "view_entries")
    row = _load(db, response_id)
    if not _may_see(user, row):
        raise access.PermissionDenied("You do not have permission to see this entry.")
    return row | {"version": records.current(db, "responses", response_id)}


def get(db: sqlite_utils.Database, user: User, response_id: int) -> dict:
    """One response with answers, comments and follow-ups, if the user may see it (their own, or all for managers and QA)."""
    row = _visible(db, user, response_id)
    if row["deleted_at"] and not access.can(user, "view_deleted_entries"):
        raise access.PermissionDenied("You do not have permission to see this entry.")
    return row


def edit_refusal(db: sqlite_utils.Database, user: User, row: dict, *, now: dt.datetime | None = None) -> str | None:
    """Why this user may not correct this entry now, or None if they may."""
    if row["deleted_at"]:
        return "This entry is deleted; restore it before correcting it."
    if access.can(user, "edit_any_entry"):
        return None
    if row["author_id"] != user.id or not access.can(user, FORM_ACTIONS[row["form"]]):
        return "Only the author, a manager or QA can correct this entry."
    days = settings.get(db, "author_edit_days")
    created = dt.datetime.fromisoformat(row["created_at"])
    if (now or store.utcnow()) - created > dt.timedelta(days=days):
        return f"Authors can correct an entry for {days} days after saving it; ask a manager or QA."
    return None


def update(
    db: sqlite_utils.Database, user: User, response_id: int, entry: dict, *, today: dt.date,
    now: dt.datetime | None = None, expected: str | None = None,
) -> dict:
    """Correct a response; returns the changes ({field: [old, new]}), which its history row keeps.

    The answers are checked against the question-bank version the response was first saved with.
    With expected (the response's records.version() when the editor opened it), a change saved by
    someone else in between is refused with records.StaleEdit rather than overwritten. Raises
    PermissionDenied (not the author within the edit window, nor a manager or QA) or ValueError.
    """
    seen: dict = {}

    def clean(row: dict) -> dict:
        before = _visible(db, user, response_id)
        refusal = edit_refusal(db, user, before, now=now)
        if refusal:
            raise access.PermissionDenied(refusal)
        bank = questions.version(db, before["bank_version"])
        cleaned = validate(db, bank, before["form"], entry, today=today, existing=before)
        seen.update(before=before, clean=cleaned)
        return {**cleaned["record"], "callback_requested": int(cleaned["callback"]) or before["callback_requested"],
                "safeguarding": int(cleaned["safeguarding"]) or before["safeguarding"]}

    def answers_and_follow_ups(row: dict, values: dict) -> dict:
        before, cleaned = seen["before"], seen["clean"]
        diff = {}
        for kind in ("answers", "comments"):
            for item_id in sorted(set(before[kind]) | set(cleaned[kind])):
                old, new = before[kind].get(item_id), cleaned[kind].get(item_id)
                if old != new:
                    diff[f"{kind[:-1]} {item_id}"] = [old, new]
        new_follow_ups = [f for f in cleaned["follow_ups"]
                          if not any(o["kind"] == f["kind"] for o in before["follow_ups"])]
        if diff or any(values[k] != row[k] for k in values):  # a new cohort re-codes the comments too
            _write_answers(db, response_id, cleaned)
        _open_follow_ups(db, user, response_id, new_follow_ups, store.stamp(now))
        for follow_up in new_follow_ups:
            diff[f"follow-up {follow_up['kind']}"] = [None, "opened"]
        return diff

    return records.edit(db, user, "responses", response_id, clean=clean, expected=expected, what="entry",
                        also=answers_and_follow_ups, now=now)


def soft_delete(db: sqlite_utils.Database, user: User, response_id: int, reason: str) -> None:
    """Hide a response from every count and list, keeping it for QA to see and restore. A reason is required."""
    reason = text.clean(reason, field="Reason for deleting", max_length=500, required=True)
    with store.write(db):
        row = _visible(db, user, response_id)
        refusal = None if row["deleted_at"] else edit_refusal(db, user, row)
        if refusal:
            raise access.PermissionDenied(refusal)
        records.soft_delete(db, "responses", row, user=user, reason=reason)


def restore(db: sqlite_utils.Database, user: User, response_id: int) -> None:
    """Bring back a soft-deleted response (QA only)."""
    access.require(user, "view_deleted_entries")
    with store.write(db):
        records.restore(db, "responses", _load(db, response_id), user=user)


def mark_copied(db: sqlite_utils.Database, user: User, response_id: int, copied_on: dt.date | None) -> None:
    """Record that the entry has been copied to the carer's case record (or clear it with None)."""
    with store.write(db):
        row = _visible(db, user, response_id)
        if row["deleted_at"]:
            raise ValueError("This entry is deleted; restore it first.")
        value = copied_on.isoformat() if copied_on else None
        if row["copied_to_record_on"] == value:
            return
        db.execute("update responses set copied_to_record_on = :v where id = :id", {"v": value, "id": response_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="responses",
                    entity_id=response_id, detail={"copied_to_record_on": [row["copied_to_record_on"], value]})


def record_history(db: sqlite_utils.Database, user: User, response_id: int) -> list[dict]:
    """Who did what to a response and when, oldest first, with the changed values."""
    get(db, user, response_id)
    return list(db.query(
        """select at, username, action, detail from history
           where entity = 'responses' and entity_id = :id order by id""", {"id": str(response_id)}))


def entries(
    db: sqlite_utils.Database, user: User, *, form: str | None = None, since: dt.date | None = None,
    until: dt.date | None = None, author_id: int | None = None, deleted: bool = False, limit: int = 500,
) -> list[dict]:
    """Responses the user may see, newest first: their own, or everyone's for managers and QA.

    With deleted=True, only soft-deleted ones (QA only).
    """
    access.require(user, "view_entries")
    if deleted:
        access.require(user, "view_deleted_entries")
    if not access.can(user, "view_all_entries"):
        author_id = user.id
    return list(db.query(
        """select r.id, r.form, r.contact_on, r.respondent, r.cohort, r.outcome, r.age_band,
                  h.reference as household, u.display_name as author, r.author_id, r.created_at,
                  r.safeguarding, r.callback_requested, r.copied_to_record_on, r.deleted_at, r.delete_reason,
                  (select count(*) from comments c where c.response_id = r.id) as comments
           from responses r left join households h on h.id = r.household_id join users u on u.id = r.author_id
           where (:form is null or r.form = :form)
             and (:since is null or r.contact_on >= :since) and (:until is null or r.contact_on <= :until)
             and (:author is null or r.author_id = :author)
             and (r.deleted_at is not null) = :deleted
           order by r.contact_on desc, r.id desc limit :limit""",
        {"form": form, "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
         "author": author_id, "deleted": int(deleted), "limit": limit},
    ))


def households_to_choose(db: sqlite_utils.Database, user: User) -> list[dict]:
    """Active households for a form's type-ahead picker (anyone who records or corrects feedback)."""
    if not any(access.can(user, action) for action in (*FORM_ACTIONS.values(), "edit_any_entry")):
        raise access.PermissionDenied("You do not have permission to record feedback.")
    return list(db.query(
        """select id, reference, display_name, cohort from households where status = 'active'
           order by display_name collate nocase, reference"""
    ))
