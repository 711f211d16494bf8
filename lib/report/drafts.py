"""The report's draft for a period: QA's narrative, chosen quotes and their redaction."""

from __future__ import annotations

import json

import sqlite_utils

from lib import access, periods, redaction, store, text
from lib.access import User
from lib.report import sections
from lib.store import history, records
from lib.themes import explorer

# ---- Drafts: narrative and chosen quotes per period ---------------------------------------------


def draft(db: sqlite_utils.Database, user: User, period_key: str) -> dict:
    """The saved narrative ({section: text}) and quotes ({section: [{comment_id, text}]}) for a period, and
    each section's version ({section: version}) for a form that edits it."""
    access.require(user, "build_report")
    row = db.execute("select narrative, quotes from report_drafts where period_key = :k", {"k": period_key}).fetchone()
    narrative, quotes = (json.loads(row[0]), json.loads(row[1])) if row else ({}, {})
    return {"narrative": narrative, "quotes": quotes,
            "versions": {key: _section_version(narrative, quotes, key) for key in sections.SECTIONS}}


def _section_version(narrative: dict, quotes: dict, key: str) -> str:
    return records.version({"narrative": narrative.get(key, ""), "quotes": quotes.get(key, [])})


def save_draft(db: sqlite_utils.Database, user: User, period_key: str, *, narrative: dict | None = None,
               quotes: dict | None = None, expected: dict[str, str] | None = None) -> None:
    """Save the commentary and/or quotes of the sections given (plain text, cleaned; an empty commentary
    removes it); the other sections keep what is stored. Audited.

    expected: {section: its version in draft() when the form was opened}; a section another QA officer
    saved in between is refused with records.StaleEdit rather than overwritten.
    """
    access.require(user, "build_report")
    periods.period(period_key)
    commentary = {}
    for key, value in (narrative or {}).items():
        if key not in sections.SECTIONS:
            raise ValueError(f"There is no section '{key}' in the report.")
        commentary[key] = _clean(value, f"The commentary for {sections.SECTIONS[key]}", 20_000).strip()
    chosen = {}
    for key, picked in (quotes or {}).items():
        if key not in sections.QUOTE_SECTIONS:
            raise ValueError(f"Quotes cannot go in the section '{key}'.")
        chosen[key] = [{"comment_id": int(q["comment_id"]),
                        "text": _clean(q["text"], "A quote", 2_000, required=True)} for q in picked]
    with store.write(db):
        current = draft(db, user, period_key)
        for key, opened in (expected or {}).items():
            if current["versions"].get(key) != opened:
                last = db.execute("select updated_by, updated_at from report_drafts where period_key = :k",
                                  {"k": period_key}).fetchone()
                raise records.stale(db, f"section ({sections.SECTIONS.get(key, key)})",
                                    {"updated_by": last[0], "updated_at": last[1]}, entity="report_drafts",
                                    entity_id=period_key)
        stored_narrative = {k: v for k, v in {**current["narrative"], **commentary}.items() if v}
        stored_quotes = {**current["quotes"], **chosen}
        db.execute(
            """insert into report_drafts (period_key, narrative, quotes, updated_at, updated_by)
               values (:k, :n, :q, :at, :u) on conflict (period_key) do update set narrative = excluded.narrative,
               quotes = excluded.quotes, updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
            {"k": period_key, "n": json.dumps(stored_narrative, ensure_ascii=False),
             "q": json.dumps(stored_quotes, ensure_ascii=False), "at": store.stamp(), "u": user.id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="report_drafts",
                    entity_id=period_key, detail={"narrative_sections": sorted(stored_narrative),
                                                  "quotes": {k: len(v) for k, v in stored_quotes.items()}})


def _clean(value, field: str, limit: int, *, required: bool = False) -> str:
    return text.clean(value, field=field, max_length=limit, multiline=True, required=required)


def quote_candidates(db: sqlite_utils.Database, user: User, period_key: str, section: str, *, limit: int = 30
                     ) -> list[dict]:
    """Comments that may be quoted in a section: consented, not safeguarding, not deleted; the most
    common themes of the period first; each with a suggested redaction ("suggested"), a line saying
    what it replaced ("replaced") and the words it left but is unsure of ("unsure", empty when none)."""
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    spec = sections.QUOTE_SECTIONS[section]
    rows = list(db.query(
        f"""select c.id as comment_id, c.body, r.contact_on, r.respondent, r.cohort, r.source, r.form,
                  (select group_concat(ct.theme_id) from comment_themes ct where ct.comment_id = c.id
                     and {explorer.PRESENT}) as theme_ids
           from comments c join responses r on r.id = c.response_id
           where r.deleted_at is null and r.safeguarding = 0 and c.consent_to_quote = 1
             and r.contact_on >= :start and r.contact_on <= :end
             and r.form in (select value from json_each(:forms))
           order by r.contact_on desc""",
        {"start": chosen.start.isoformat(), "end": chosen.end.isoformat(), "forms": json.dumps(spec["form"])}))
    frequency: dict[str, int] = {}
    for row in rows:
        for theme_id in (row["theme_ids"] or "").split(","):
            if theme_id:
                frequency[theme_id] = frequency.get(theme_id, 0) + 1
    names = sections.redaction_names(db)
    redacted = redaction.redact_many([row["body"] for row in rows], names=names)
    for row, result in zip(rows, redacted):
        ids = [t for t in (row["theme_ids"] or "").split(",") if t]
        row["score"] = max((frequency[t] for t in ids), default=0)
        row["themes"] = ids
        row["suggested"] = result.text
        row["replaced"] = redaction.replaced_summary(result)
        row["unsure"] = redaction.unsure_words(result)
        row["source_line"] = sections.source_line(row)
    rows.sort(key=lambda r: (-r["score"], [-ord(ch) for ch in r["contact_on"]]))
    unique, seen = [], set()
    for row in rows:
        key = " ".join(row["suggested"].lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique[:limit]
