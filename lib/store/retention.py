"""Retention: identifiable feedback is kept for a set number of financial years, then anonymised.

What happens to everything dated before the cutoff (1 April of the financial year that began
`retention_years` before the current one):

- feedback entries are anonymised, keeping what the service's counts need: the form, source,
  respondent, cohort, age band, dates, answers, themes and sentiment stay; the link to the carer
  household, the parent, child and audit references, the direct-work title and every comment's
  words go, and no comment from them can be quoted again;
- their follow-ups keep their kind and dates but lose their notes;
- closed complaints, comments and compliments in the log are anonymised the same way (kind, dates,
  stage, outcome and themes stay; words, household and who held it go); open ones are never touched;
- entries already deleted (soft-deleted) are removed for good, with their answers and comments;
- carer households that are inactive, unchanged since the cutoff and linked to nothing left are
  deleted from the register;
- unsaved drafts (store/unsaved.py) older than the `unsaved_days` setting are removed, whatever their date;
- history keeps every row (who did what, when) but the old and new values it held for these
  entries are cleared, since they repeat the words and references being removed.

QA previews the counts, confirms, and it all happens in one transaction with one audit row that
records the cutoff and the counts (and is itself never cleared). Published report versions are
kept as they were published: they are the service's record and hold only redacted, consented quotes.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from lib import access, periods, store
from lib.access import User
from lib.store import history, settings, unsaved

REMOVED = "[removed under the retention policy]"
CLEARED = {"values": "cleared under the retention policy"}

# Each part of the work: a label for the preview and the SQL that selects the rows it affects.
_RESPONSES = "select id from responses where contact_on < :cutoff and deleted_at is null and anonymised_at is null"
_DELETED_RESPONSES = "select id from responses where contact_on < :cutoff and deleted_at is not null"
_LOG = """select id from representations where received_on < :cutoff and status = 'closed' and deleted_at is null
          and anonymised_at is null"""
_DELETED_LOG = "select id from representations where received_on < :cutoff and deleted_at is not null"
_HOUSEHOLDS = """select id from households h where status = 'inactive' and substr(updated_at, 1, 10) < :cutoff
    and not exists (select 1 from responses r where r.household_id = h.id
                    and not (r.contact_on < :cutoff))
    and not exists (select 1 from representations x where x.household_id = h.id
                    and not (x.received_on < :cutoff and (x.status = 'closed' or x.deleted_at is not null)))
    and not exists (select 1 from case_audits a where a.household_id = h.id)"""


def cutoff(db: sqlite_utils.Database, today: dt.date) -> dt.date:
    """The first day kept: 1 April of the financial year `retention_years` before the current one."""
    years = settings.get(db, "retention_years")
    return periods.FinancialYear(periods.FinancialYear.containing(today).start_year - years).start


def preview(db: sqlite_utils.Database, user: User, *, today: dt.date) -> dict:
    """What applying retention today would do, as counts (and the cutoff); changes nothing."""
    access.require(user, "apply_retention")
    return _counts(db, cutoff(db, today))


def _counts(db, first_kept: dt.date) -> dict:
    params = {"cutoff": first_kept.isoformat()}

    def count(sql: str) -> int:
        return db.execute(f"select count(*) from ({sql})", params).fetchone()[0]

    return {
        "cutoff": first_kept.isoformat(),
        "entries_anonymised": count(_RESPONSES),
        "comments_cleared": count(f"select id from comments where response_id in ({_RESPONSES})"),
        "follow_ups_cleared": count(f"select id from follow_ups where response_id in ({_RESPONSES})"),
        "deleted_entries_removed": count(_DELETED_RESPONSES),
        "log_entries_anonymised": count(_LOG),
        "deleted_log_entries_removed": count(_DELETED_LOG),
        "households_deleted": count(_HOUSEHOLDS),
        "drafts_removed": unsaved.expired_count(db),
    }


def apply(db: sqlite_utils.Database, user: User, *, today: dt.date, expected: dict) -> dict:
    """Anonymise and delete what the preview showed, in one transaction with one audit row; return the counts.

    `expected` is the preview QA confirmed: if anything changed since (someone saved, a setting
    moved), nothing is done and ValueError asks for a new preview.
    """
    access.require(user, "apply_retention")
    with store.write(db):
        first_kept = cutoff(db, today)
        counts = _counts(db, first_kept)
        # Drafts expire with the clock and at every sign-in, so their count is reported, not confirmed.
        if {k: v for k, v in counts.items() if k != "drafts_removed"} != \
                {k: v for k, v in expected.items() if k != "drafts_removed"}:
            raise ValueError("The data or the retention setting changed since the preview. Preview again, "
                             "then confirm.")
        if not any(v for k, v in counts.items() if k not in ("cutoff", "drafts_removed")):
            raise ValueError("Nothing is older than the retention period, so there is nothing to do (old "
                             "drafts are removed at each sign-in anyway).")
        params = {"cutoff": first_kept.isoformat(), "removed": REMOVED, "at": store.stamp(),
                  "cleared": json.dumps(CLEARED)}
        _clear_audit_details(db, params)
        _remove_deleted(db, params)
        _anonymise(db, params)
        db.execute(f"delete from households where id in ({_HOUSEHOLDS})", params)
        counts["drafts_removed"] = unsaved.expire(db, record=False)  # this write's history row says how many
        history.add(db, action="retention", user_id=user.id, username=user.username, entity="retention",
                    detail={**counts, "retention_years": settings.get(db, "retention_years")})
    # The words must go from the bytes on disk too, not only from the tables: secure_delete zeroes freed space,
    # but a rewritten cell can leave its old text in a live page, so the file is rebuilt (VACUUM) and the
    # write-ahead log emptied. Retention is rare and QA's own action; the rebuild takes the write lock briefly.
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def _clear_audit_details(db, params: dict) -> None:
    """Blank the values history kept for the rows about to be anonymised or deleted (not the rows)."""
    for entity, sql in (("responses", f"{_RESPONSES} union {_DELETED_RESPONSES}"),
                        ("representations", f"{_LOG} union {_DELETED_LOG}"),
                        ("households", _HOUSEHOLDS)):
        db.execute(f"""update history set detail = :cleared where entity = '{entity}' and detail is not null
                       and entity_id in (select cast(id as text) from ({sql}))""", params)
    db.execute(f"""update history set detail = :cleared where entity = 'follow_ups' and detail is not null
                   and entity_id in (select cast(id as text) from follow_ups where response_id in
                                     ({_RESPONSES} union {_DELETED_RESPONSES}))""", params)


def _remove_deleted(db, params: dict) -> None:
    doomed = f"select id from ({_DELETED_RESPONSES})"
    comments = f"select id from comments where response_id in ({doomed})"
    db.execute(f"delete from comment_themes where comment_id in ({comments})", params)
    db.execute(f"delete from comments where response_id in ({doomed})", params)
    db.execute(f"delete from answers where response_id in ({doomed})", params)
    db.execute(f"delete from follow_ups where response_id in ({doomed})", params)
    db.execute(f"delete from responses where id in ({doomed})", params)
    db.execute(f"delete from representation_themes where representation_id in ({_DELETED_LOG})", params)
    db.execute(f"delete from representations where id in ({_DELETED_LOG})", params)


def _anonymise(db, params: dict) -> None:
    db.execute(f"""update follow_ups set note = null, told_whom = null, closing_note = null
                   where response_id in ({_RESPONSES})""", params)
    db.execute(f"""update comments set body = :removed, consent_to_quote = 0 where response_id in ({_RESPONSES})""",
               params)
    db.execute(f"""update responses set household_id = null, parent_reference = null, child_reference = null,
                     audit_reference = null, title = null, delete_reason = null, anonymised_at = :at
                   where id in ({_RESPONSES})""", params)
    db.execute(f"""update representations set summary = :removed, learning = null, action_taken = null,
                     household_id = null, holder_id = null, about_role = null, consent_to_quote = 0,
                     anonymised_at = :at
                   where id in ({_LOG})""", params)
