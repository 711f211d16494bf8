"""Published reports: sign-off, a frozen snapshot per export (value, narrative, quotes, PDF and workbook bytes),
and withdrawal.

QA downloads the live report as a draft (watermarked DRAFT) and asks the Registered Manager to approve it as it
stands; the request keeps the report value asked about and its fingerprint. The Registered Manager reads that
value, approves it or declines it with a reason; nobody approves their own request. QA may publish only while
the live report's fingerprint equals an approved one's: a change to the data or the draft since then needs a
new approval.

A published version never changes: later data edits make the live report differ, and the page says so, but
version N downloads byte for byte as it was. Publishing a new version supersedes the older live ones; QA can
also withdraw or supersede a version with a reason. A withdrawn or superseded version stays stored, marked
with who, when and why, and downloads only for QA, for the record. Every request, decision, publish, change of
status and download is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, fields

import sqlite_utils

from lib import access, dates, periods, store, text
from lib.access import User
from lib.report import build as report
from lib.report import drafts
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from lib.report.model import Chart, Quote, Report, Section, Table
from lib.store import history

PUBLISH_TRIES = 3
KINDS = ("pdf", "xlsx")
REASON_LIMIT = 2_000
STATUS_WORDS = {"live": "Live", "withdrawn": "Withdrawn", "superseded": "Superseded"}


# ---- Drafts: the live report, watermarked, before it is published ------------------------------


def render_draft(value: Report, kind: str, *, now: dt.datetime | None = None) -> bytes:
    """A report value as a draft PDF or workbook: every page and sheet says DRAFT – not for circulation."""
    _kind(kind)
    if kind == "pdf":
        return report_pdf.render(value, creation_date=now, draft=True)[0]
    return report_xlsx.render(value, created=now, draft=True)


def draft_file(db: sqlite_utils.Database, user: User, period_key: str, kind: str, *, today: dt.date,
               now: dt.datetime | None = None) -> bytes:
    """The live report of a period as a draft PDF or workbook (watermarked DRAFT); the download is audited."""
    access.require(user, "build_report")
    _kind(kind)
    chosen = periods.period(period_key)
    moment = now or store.utcnow()
    value = report.build(db, user, chosen.key, today=today, as_of=store.stamp(moment))
    data = render_draft(value, kind, now=moment)
    with store.write(db):
        history.add(db, action="export", user_id=user.id, username=user.username, entity="report_drafts",
                    entity_id=chosen.key, detail={"draft": kind, "bytes": len(data),
                                                  "fingerprint": report.fingerprint(value)})
    return data


def _kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError("A report downloads as pdf or xlsx.")


def value_from(data: dict) -> Report:
    """A report value back from its stored JSON (a request for approval, a published version)."""
    def make(cls, item: dict, **nested):
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in item.items() if k in known}
        for name, value in values.items():
            if isinstance(value, list):
                values[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        return cls(**{**values, **nested})

    sections = tuple(make(Section, s, tables=tuple(make(Table, t) for t in s.get("tables", [])),
                          charts=tuple(make(Chart, c) for c in s.get("charts", [])),
                          quotes=tuple(make(Quote, q) for q in s.get("quotes", [])))
                     for s in data.get("sections", []))
    return make(Report, data, sections=sections)


# ---- Approval by the Registered Manager -------------------------------------------------------


def refuse_leaks(value, what: str) -> None:
    """ValueError listing what the pre-publish disclosure audit found, if anything: such a report is not `what`."""
    if value.leaks:
        raise ValueError(f"The {value.period_label} report cannot be {what}: the disclosure check found "
                         f"{len(value.leaks)} place(s) where a reader could work out or narrow a hidden number. "
                         + " ".join(f"({n}) {leak}." for n, leak in enumerate(value.leaks, 1)))


def ask_for_approval(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date,
                     now: dt.datetime | None = None) -> dict:
    """Ask the Registered Manager to approve the period's report as it stands now; returns the request.

    The request keeps the report value (what the Registered Manager reads) and its fingerprint. An earlier
    request for the period that is still waiting, or approved but not published, is replaced. Raises
    ValueError when the report as it stands is already approved and waits to be published, or is already the
    live published version (there is nothing new to approve).
    """
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    moment = now or store.utcnow()
    value = report.build(db, user, chosen.key, today=today, as_of=store.stamp(moment))
    refuse_leaks(value, "asked about")
    fingerprint = report.fingerprint(value)
    with store.write(db):
        if db.execute("""select 1 from report_approvals where period_key = :k and status = 'approved'
                         and fingerprint = :f""", {"k": chosen.key, "f": fingerprint}).fetchone():
            raise ValueError(f"The {chosen.short} report as it stands is already approved: publish it.")
        live = db.execute("""select version from report_versions where period_key = :k and status = 'live'
                             and fingerprint = :f""", {"k": chosen.key, "f": fingerprint}).fetchone()
        if live:
            raise ValueError(f"Version {live[0]} of the {chosen.short} report is the report as it stands and is "
                             "live: there is nothing new to approve.")
        replaced = [r[0] for r in db.execute(
            "select id from report_approvals where period_key = :k and status in ('pending', 'approved')",
            {"k": chosen.key})]
        db.execute("update report_approvals set status = 'replaced' where period_key = :k "
                   "and status in ('pending', 'approved')", {"k": chosen.key})
        request_id = db.execute(
            """insert into report_approvals (period_key, fingerprint, value, status, asked_at, asked_by)
               values (:k, :f, :value, 'pending', :at, :u)""",
            {"k": chosen.key, "f": fingerprint, "value": json.dumps(asdict(value), ensure_ascii=False),
             "at": store.stamp(moment), "u": user.id}).lastrowid
        history.add(db, action="create", user_id=user.id, username=user.username, entity="report_approvals",
                    entity_id=request_id, detail={"period": chosen.key, "asked": True, "fingerprint": fingerprint,
                                                  "replaced": replaced}, at=moment)
    return approval(db, request_id)


_APPROVAL = """select a.id, a.period_key, a.fingerprint, a.status, a.asked_at, a.asked_by,
                      asker.display_name as asked_by_name, a.decided_at, a.decided_by,
                      decider.display_name as decided_by_name, a.decline_reason, a.version
               from report_approvals a join users asker on asker.id = a.asked_by
               left join users decider on decider.id = a.decided_by"""


def approval(db: sqlite_utils.Database, request_id: int) -> dict:
    """One request for approval, without the value asked about; ValueError if there is none."""
    rows = list(db.query(f"{_APPROVAL} where a.id = :id", {"id": request_id}))
    if not rows:
        raise ValueError(f"There is no request for approval #{request_id}.")
    return {**rows[0], "period": periods.period(rows[0]["period_key"]).short}


def approval_state(db: sqlite_utils.Database, user: User, period_key: str, fingerprint: str) -> dict:
    """Where the period's report stands on sign-off, for the live report with this fingerprint.

    Returns {"state": ..., "request": the latest request or None}, the state one of: "none" (never asked),
    "pending" (waiting, for this report), "approved" (for this report: it may be published), "declined",
    "changed" (waiting or approved, but the report has changed since it was asked about), "published" (this
    report was published with its approval, and that version is live). A version withdrawn or superseded since
    leaves the state "none": QA may ask again.
    """
    access.require(user, "build_report")
    key = periods.period(period_key).key
    rows = list(db.query(f"{_APPROVAL} where a.period_key = :k and a.status != 'replaced' order by a.id desc "
                         "limit 1", {"k": key}))
    if not rows:
        return {"state": "none", "request": None}
    request = {**rows[0], "period": periods.period(key).short}
    same = request["fingerprint"] == fingerprint
    if request["status"] in ("pending", "approved") and not same:
        return {"state": "changed", "request": request}
    if request["status"] == "published":
        live = db.execute("select 1 from report_versions where period_key = :k and version = :v and status = 'live'",
                          {"k": key, "v": request["version"]}).fetchone()
        if not (same and live):
            return {"state": "none", "request": request}
    return {"state": request["status"], "request": request}


def pending_approvals(db: sqlite_utils.Database, user: User) -> list[dict]:
    """Requests waiting for the Registered Manager's decision, oldest first (without the value asked about)."""
    access.require(user, "approve_report")
    return [{**row, "period": periods.period(row["period_key"]).short}
            for row in db.query(f"{_APPROVAL} where a.status = 'pending' order by a.id")]


def decisions(db: sqlite_utils.Database, user: User, *, limit: int = 20) -> list[dict]:
    """The latest decided requests (approved, declined, published with their approval), newest first."""
    access.require(user, "approve_report")
    return [{**row, "period": periods.period(row["period_key"]).short}
            for row in db.query(f"{_APPROVAL} where a.decided_at is not null order by a.decided_at desc, a.id desc "
                                "limit :n", {"n": limit})]


def requested_value(db: sqlite_utils.Database, user: User, request_id: int) -> Report:
    """The report value a request asked about, as the Registered Manager reads it."""
    if not (access.can(user, "approve_report") or access.can(user, "build_report")):
        access.require(user, "approve_report")
    row = db.execute("select value from report_approvals where id = :id", {"id": request_id}).fetchone()
    if row is None:
        raise ValueError(f"There is no request for approval #{request_id}.")
    return value_from(json.loads(row[0]))


def requested_file(db: sqlite_utils.Database, user: User, request_id: int, kind: str, *,
                   now: dt.datetime | None = None) -> bytes:
    """The report a request asked about, as a draft PDF or workbook (watermarked DRAFT); the download is audited."""
    access.require(user, "approve_report")
    value = requested_value(db, user, request_id)
    data = render_draft(value, kind, now=now)
    with store.write(db):
        history.add(db, action="export", user_id=user.id, username=user.username, entity="report_approvals",
                    entity_id=request_id, detail={"draft": kind, "bytes": len(data), "period": value.period_key})
    return data


def approve(db: sqlite_utils.Database, user: User, request_id: int, *, now: dt.datetime | None = None) -> dict:
    """Approve a waiting request: QA may then publish the report exactly as it was asked about. Audited.

    Raises PermissionDenied for one's own request (someone else must approve it) and ValueError for a request
    no longer waiting.
    """
    return _decide(db, user, request_id, approved=True, reason="", now=now)


def decline(db: sqlite_utils.Database, user: User, request_id: int, reason: str, *,
            now: dt.datetime | None = None) -> dict:
    """Decline a waiting request with a reason (plain text, required) QA reads on the report page. Audited."""
    return _decide(db, user, request_id, approved=False, reason=reason, now=now)


def _decide(db, user: User, request_id: int, *, approved: bool, reason: str, now: dt.datetime | None) -> dict:
    access.require(user, "approve_report")
    if not approved:
        reason = _reason(reason, "The reason for declining")
    moment = now or store.utcnow()
    with store.write(db):
        request = approval(db, request_id)
        if request["asked_by"] == user.id:
            raise access.PermissionDenied("You asked for this approval, so someone else must approve or decline it: "
                                          "the person who signs a report off is not the one who prepared it.")
        if request["status"] != "pending":
            raise ValueError(f"This request for the {request['period']} report is no longer waiting "
                             f"(it was {request['status']}); there is nothing to decide.")
        db.execute("""update report_approvals set status = :s, decided_at = :at, decided_by = :u, decline_reason = :r
                      where id = :id""", {"s": "approved" if approved else "declined", "at": store.stamp(moment),
                                          "u": user.id, "r": reason or None, "id": request_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="report_approvals",
                    entity_id=request_id, detail={"period": request["period_key"],
                                                  "status": ["pending", "approved" if approved else "declined"],
                                                  **({"reason": reason} if reason else {})}, at=moment)
    return approval(db, request_id)


def _reason(value: object, field: str) -> str:
    return text.clean(value, field=field, max_length=REASON_LIMIT, required=True, multiline=True)


# ---- Publishing ---------------------------------------------------------------------------------


def _approval_for(db, period: periods.Period, fingerprint: str) -> dict:
    """The approval that lets this report (by its fingerprint) be published; ValueError saying why not."""
    rows = list(db.query(f"{_APPROVAL} where a.period_key = :k and a.status != 'replaced' order by a.id desc "
                         "limit 1", {"k": period.key}))
    latest = rows[0] if rows else None
    if latest and latest["status"] == "approved" and latest["fingerprint"] == fingerprint:
        return latest
    if latest is None or latest["status"] == "published":
        raise ValueError("Publishing needs the Registered Manager's approval of the report as it stands: "
                         "ask for approval first.")
    if latest["fingerprint"] != fingerprint:
        raise ValueError(f"The data or the draft has changed since approval was asked for on "
                         f"{dates.moment(latest['asked_at'])}, so this is not the report the Registered Manager "
                         f"{'approved' if latest['status'] == 'approved' else 'was asked to approve'}. "
                         "Ask for approval again.")
    if latest["status"] == "pending":
        raise ValueError("The report is waiting for the Registered Manager's approval; publish it once approved.")
    raise ValueError(f"{latest['decided_by_name']} declined the report on {dates.moment(latest['decided_at'])}: "
                     f"{latest['decline_reason']} Change it and ask for approval again.")


def _approved_line(request: dict) -> str:
    return (f"Approved for publication by {request['decided_by_name']}, Registered Manager, "
            f"{dates.moment(request['decided_at'], zone=True)}")


def _quoted_comment_ids(db, user: User, period_key: str) -> list[int]:
    """The comments the report quotes: the draft's quotes whose comment may still be quoted (consented, not
    flagged, not deleted), as the report itself chooses them."""
    chosen = [int(q["comment_id"]) for quotes in drafts.draft(db, user, period_key)["quotes"].values() for q in quotes]
    if not chosen:
        return []
    rows = db.execute(
        """select c.id from comments c join responses r on r.id = c.response_id
           where c.id in (select value from json_each(:ids)) and c.consent_to_quote = 1 and r.safeguarding = 0
             and r.deleted_at is null""", {"ids": json.dumps(chosen)})
    return sorted({row[0] for row in rows})


def publish(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date,
            now: dt.datetime | None = None) -> dict:
    """Build the report, render the PDF and workbook, and store them as the next version for the period.

    Refused (ValueError saying why) unless the Registered Manager has approved the report exactly as it now
    stands. The version records who approved it and when, and the comments it quotes; older live versions of
    the period become superseded. The long work (reading, charts, PDF) happens outside the write lock, so saves
    elsewhere never wait for it; the version is then stored in one short write, and only if no data changed
    meanwhile (else the report is built again, a few times at most, then ValueError asks to publish again).
    """
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    for _ in range(PUBLISH_TRIES):
        moment = now or store.utcnow()
        seen = store.data_version(db)
        version = _next_version(db, chosen.key)
        value = report.build(db, user, chosen.key, today=today, as_of=store.stamp(moment), version=version)
        refuse_leaks(value, "published")
        fingerprint = report.fingerprint(value)
        approved = _approval_for(db, chosen, fingerprint)  # refused before the slow rendering
        pdf, warnings = report_pdf.render(value, creation_date=moment, approved=_approved_line(approved))
        xlsx = report_xlsx.render(value, created=moment)
        with store.write(db):
            if store.data_version(db) != seen or _next_version(db, chosen.key) != version:
                continue  # someone saved while it was being built: build it again from the new data
            approved = _approval_for(db, chosen, fingerprint)
            quoted = _quoted_comment_ids(db, user, chosen.key)
            superseded = [r[0] for r in db.execute(
                "select version from report_versions where period_key = :k and status = 'live'", {"k": chosen.key})]
            db.execute(
                """update report_versions set status = 'superseded', status_at = :at, status_by = :u, status_reason = :why
                   where period_key = :k and status = 'live'""",
                {"k": chosen.key, "at": store.stamp(moment), "u": user.id, "why": f"Superseded by version {version}."})
            db.execute(
                """insert into report_versions (period_key, version, value, fingerprint, pdf, xlsx, created_at,
                                                created_by, approval_id, approved_at, approved_by, quoted_comment_ids)
                   values (:k, :v, :value, :f, :pdf, :xlsx, :at, :u, :approval, :approved_at, :approved_by, :quoted)""",
                {"k": chosen.key, "v": version, "value": json.dumps(asdict(value), ensure_ascii=False),
                 "f": fingerprint, "pdf": pdf, "xlsx": xlsx, "at": store.stamp(moment), "u": user.id,
                 "approval": approved["id"], "approved_at": approved["decided_at"],
                 "approved_by": approved["decided_by"], "quoted": json.dumps(quoted)})
            db.execute("update report_approvals set status = 'published', version = :v where id = :id",
                       {"v": version, "id": approved["id"]})
            history.add(db, action="export", user_id=user.id, username=user.username, entity="report_versions",
                        entity_id=f"{chosen.key} v{version}",
                        detail={"published": True, "pdf_bytes": len(pdf), "xlsx_bytes": len(xlsx),
                                "warnings": warnings, "approval": approved["id"],
                                "approved_by": approved["decided_by_name"], "superseded": superseded}, at=moment)
        return {"version": version, "warnings": warnings + list(value.warnings), "superseded": superseded}
    raise ValueError("The data kept changing while the report was being built, so it was not published. "
                     "Publish it again in a quieter moment.")


def _next_version(db, period_key: str) -> int:
    return (db.execute("select max(version) from report_versions where period_key = :k",
                       {"k": period_key}).fetchone()[0] or 0) + 1


def versions(db: sqlite_utils.Database, user: User, period_key: str) -> list[dict]:
    """Published versions of a period, newest first (without their bytes), each with its status (live,
    withdrawn or superseded: by whom, when and why) and who approved it and when (None before sign-off began)."""
    access.require(user, "view_published_reports")
    return list(db.query(
        """select v.version, v.created_at, u.display_name as by, v.fingerprint, length(v.pdf) as pdf_bytes,
                  length(v.xlsx) as xlsx_bytes, v.status, v.status_at, s.display_name as status_by,
                  v.status_reason, v.approved_at, a.display_name as approved_by
           from report_versions v join users u on u.id = v.created_by
           left join users s on s.id = v.status_by left join users a on a.id = v.approved_by
           where v.period_key = :k order by v.version desc""", {"k": periods.period(period_key).key}))


def status_line(row: dict) -> str:
    """A version's status in words: "Live", or "Withdrawn on 2 Dec 2026, 14:05 by Ann Smith: <reason>"."""
    if row["status"] == "live":
        return STATUS_WORDS["live"]
    by = f" by {row['status_by']}" if row.get("status_by") else ""
    return f"{STATUS_WORDS[row['status']]} on {dates.moment(row['status_at'])}{by}: {row['status_reason'] or ''}".strip()


def withdraw(db: sqlite_utils.Database, user: User, period_key: str, version: int, reason: str, *,
             now: dt.datetime | None = None) -> None:
    """Withdraw a live version with a reason (plain text, required): it stays stored, marked withdrawn with who,
    when and why, and downloads only for QA, for the record. Audited."""
    _end(db, user, period_key, version, reason, status="withdrawn", now=now)


def supersede(db: sqlite_utils.Database, user: User, period_key: str, version: int, reason: str, *,
              now: dt.datetime | None = None) -> None:
    """Mark a live version superseded with a reason (plain text, required), e.g. by a corrected report to come;
    kept like a withdrawn one. (Publishing a newer version supersedes the older ones by itself.) Audited."""
    _end(db, user, period_key, version, reason, status="superseded", now=now)


def _end(db, user: User, period_key: str, version: int, reason: str, *, status: str, now: dt.datetime | None) -> None:
    access.require(user, "withdraw_report")
    reason = _reason(reason, {"withdrawn": "The reason for withdrawing it",
                              "superseded": "The reason for marking it superseded"}[status])
    chosen = periods.period(period_key)
    moment = now or store.utcnow()
    with store.write(db):
        row = db.execute("select status from report_versions where period_key = :k and version = :v",
                         {"k": chosen.key, "v": version}).fetchone()
        if row is None:
            raise ValueError(f"There is no version {version} of the {chosen.short} report.")
        if row[0] != "live":
            raise ValueError(f"Version {version} of the {chosen.short} report is already {row[0]}.")
        db.execute("""update report_versions set status = :s, status_at = :at, status_by = :u, status_reason = :r
                      where period_key = :k and version = :v""",
                   {"s": status, "at": store.stamp(moment), "u": user.id, "r": reason, "k": chosen.key, "v": version})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="report_versions",
                    entity_id=f"{chosen.key} v{version}", detail={"status": ["live", status], "reason": reason},
                    at=moment)


def download(db: sqlite_utils.Database, user: User, period_key: str, version: int, kind: str, *,
             for_the_record: bool = False) -> bytes:
    """The stored bytes of a published PDF or workbook, exactly as published; the download is audited.

    A withdrawn or superseded version is no longer a report to hand out: it downloads only for QA and only
    asked for_the_record, and its history row says so with the reason it was withdrawn.
    """
    access.require(user, "view_published_reports")
    _kind(kind)
    chosen = periods.period(period_key)
    query = {"pdf": "select pdf, status, status_at, status_reason from report_versions where period_key = :k and version = :v",
             "xlsx": "select xlsx, status, status_at, status_reason from report_versions where period_key = :k and version = :v"}[kind]
    row = db.execute(query, {"k": chosen.key, "v": version}).fetchone()
    if row is None:
        raise ValueError(f"There is no version {version} of the {chosen.key} report.")
    data, status, status_at, reason = row
    detail: dict = {"downloaded": kind}
    if status != "live":
        if not access.can(user, "build_report"):
            raise access.PermissionDenied(f"Version {version} of the {chosen.short} report was {status}; only QA can "
                                          "download it, for the record.")
        if not for_the_record:
            raise ValueError(f"Version {version} of the {chosen.short} report was {status} on "
                             f"{dates.moment(status_at)}, so it is no longer handed out; download it for the record.")
        detail.update(for_the_record=True, status=status, reason=reason)
    with store.write(db):
        history.add(db, action="export", user_id=user.id, username=user.username, entity="report_versions",
                    entity_id=f"{chosen.key} v{version}", detail=detail)
    return data


def changed_since_published(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date) -> bool | None:
    """Whether the live report differs from the newest published version (None if none is published)."""
    latest = versions(db, user, period_key)
    if not latest:
        return None
    live = report.build(db, user, period_key, today=today)
    return report.fingerprint(live) != latest[0]["fingerprint"]
