"""Alerts for QA: a live published version quotes an entry that may no longer be quoted.

A published version never changes, so when an entry it quotes has its consent withdrawn, is flagged for
safeguarding or is deleted (or the comment is gone), QA is told on Home and on the report page to withdraw or
supersede that version. Each version keeps the ids of the comments it quotes (report_versions.quoted_comment_ids,
stored when it was published); entries anonymised under the retention policy are left alone, since retention
keeps published versions as the service's record.
"""

from __future__ import annotations

import json

import sqlite_utils

from lib import access, dates, periods
from lib.access import User


def alerts(db: sqlite_utils.Database, user: User) -> list[dict]:
    """One alert per live version and quoted comment that may no longer be quoted, newest version first.

    Each is {"period_key", "version", "comment_id", "response_id", "problems": [(what, when)], "message"}, the
    message a plain sentence: "Version 2 of the 2026/27 Q2 report quotes an entry whose consent was withdrawn on
    2 Dec 2026 — withdraw or supersede it."
    """
    access.require(user, "build_report")
    found = []
    for period_key, version, quoted in db.execute(
            """select period_key, version, quoted_comment_ids from report_versions where status = 'live'
               order by created_at desc, id desc"""):
        for comment_id in json.loads(quoted or "[]"):
            response_id, problems = _problems(db, int(comment_id))
            if problems:
                found.append({"period_key": period_key, "version": version, "comment_id": int(comment_id),
                              "response_id": response_id, "problems": problems,
                              "message": _message(period_key, version, problems)})
    return found


def _message(period_key: str, version: int, problems: list[tuple[str, str | None]]) -> str:
    label = periods.period(period_key).short
    phrases = [what + (f" on {dates.day(when)}" if when else "") for what, when in problems]
    return f"Version {version} of the {label} report quotes an entry {' and '.join(phrases)} — withdraw or supersede it."


def _problems(db, comment_id: int) -> tuple[int | None, list[tuple[str, str | None]]]:
    """Why a quoted comment may no longer be quoted, each reason with when it happened (None if unknown)."""
    row = db.execute(
        """select c.item_id, c.consent_to_quote, r.id, r.safeguarding, r.deleted_at, r.updated_at, r.anonymised_at
           from comments c join responses r on r.id = c.response_id where c.id = :id""", {"id": comment_id}).fetchone()
    if row is None:
        return None, [("whose quoted comment is no longer stored", None)]
    item_id, consent, response_id, safeguarding, deleted_at, updated_at, anonymised_at = row
    if anonymised_at:
        return response_id, []
    problems = []
    if not consent:
        problems.append(("whose consent was withdrawn", _consent_withdrawn_at(db, response_id, item_id) or updated_at))
    if safeguarding:
        flagged = db.execute("""select max(created_at) from follow_ups where response_id = :r and kind = 'safeguarding'""",
                             {"r": response_id}).fetchone()[0]
        problems.append(("that was flagged for safeguarding", flagged or updated_at))
    if deleted_at:
        problems.append(("that was deleted", deleted_at))
    return response_id, problems


def _consent_withdrawn_at(db, response_id: int, item_id: str) -> str | None:
    """When the comment's consent to quote last went from yes to no, from the entry's history."""
    key = f"comment {item_id}"
    for at, detail in db.execute(
            """select at, detail from history where entity = 'responses' and entity_id = :id and detail like :pattern
               order by id desc""", {"id": str(response_id), "pattern": f"%{key}%"}):
        change = json.loads(detail or "{}").get(key)
        if not change or len(change) != 2:
            continue
        before, after = change
        if isinstance(before, dict) and before.get("consent") and not (isinstance(after, dict) and after.get("consent")):
            return at
    return None
