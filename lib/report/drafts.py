"""The report's draft for a period: QA's narrative, chosen quotes and their redaction."""

from __future__ import annotations

import json

import sqlite_utils

from lib import access, periods, redaction, store, text
from lib.access import User
from lib.report import sections
from lib.store import history
from lib.themes import explorer

# ---- Drafts: narrative and chosen quotes per period ---------------------------------------------


def draft(db: sqlite_utils.Database, user: User, period_key: str) -> dict:
    """The saved narrative ({section: text}) and quotes ({section: [{comment_id, text}]}) for a period."""
    access.require(user, "build_report")
    row = db.execute("select narrative, quotes from report_drafts where period_key = :k", {"k": period_key}).fetchone()
    return {"narrative": json.loads(row[0]) if row else {}, "quotes": json.loads(row[1]) if row else {}}


def save_draft(db: sqlite_utils.Database, user: User, period_key: str, *, narrative: dict | None = None,
               quotes: dict | None = None) -> None:
    """Save narrative and/or quotes for a period (plain text, cleaned); audited."""
    access.require(user, "build_report")
    periods.period(period_key)
    current = draft(db, user, period_key)
    if narrative is not None:
        current["narrative"] = {key: text.strip() for key, text in (
            (k, _clean(v, f"The commentary for {sections.SECTIONS.get(k, k)}", 20_000)) for k, v in narrative.items()
            if k in sections.SECTIONS) if text.strip()}
    if quotes is not None:
        cleaned = {}
        for key, chosen in quotes.items():
            if key not in sections.QUOTE_SECTIONS:
                raise ValueError(f"Quotes cannot go in the section '{key}'.")
            cleaned[key] = [{"comment_id": int(q["comment_id"]),
                             "text": _clean(q["text"], "A quote", 2_000, required=True)} for q in chosen]
        current["quotes"] = cleaned
    with store.write(db):
        db.execute(
            """insert into report_drafts (period_key, narrative, quotes, updated_at, updated_by)
               values (:k, :n, :q, :at, :u) on conflict (period_key) do update set narrative = excluded.narrative,
               quotes = excluded.quotes, updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
            {"k": period_key, "n": json.dumps(current["narrative"], ensure_ascii=False),
             "q": json.dumps(current["quotes"], ensure_ascii=False), "at": store.stamp(), "u": user.id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="report_drafts",
                    entity_id=period_key, detail={"narrative_sections": sorted(current["narrative"]),
                                                  "quotes": {k: len(v) for k, v in current["quotes"].items()}})


def _clean(value, field: str, limit: int, *, required: bool = False) -> str:
    return text.clean(value, field=field, max_length=limit, multiline=True, required=required)


def quote_candidates(db: sqlite_utils.Database, user: User, period_key: str, section: str, *, limit: int = 30
                     ) -> list[dict]:
    """Comments that may be quoted in a section: consented, not safeguarding, not deleted; the most
    common themes of the period first; each with a suggested redaction."""
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
    for row in rows:
        ids = [t for t in (row["theme_ids"] or "").split(",") if t]
        row["score"] = max((frequency[t] for t in ids), default=0)
        row["themes"] = ids
        row["suggested"] = redaction.redact(row["body"], names=names).text
        row["source_line"] = sections.source_line(row)
    rows.sort(key=lambda r: (-r["score"], [-ord(ch) for ch in r["contact_on"]]))
    unique, seen = [], set()
    for row in rows:
        key = " ".join(row["suggested"].lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique[:limit]
