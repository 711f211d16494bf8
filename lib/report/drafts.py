"""The report's draft for a period: QA's narrative, chosen quotes and their redaction."""

from __future__ import annotations

import json

import sqlite_utils

from lib import access, periods, redaction, store, text
from lib.access import User
from lib.report import findings, sections
from lib.store import history, records
from lib.themes import explorer

# ---- Drafts: narrative and chosen quotes per period ---------------------------------------------


def draft(db: sqlite_utils.Database, user: User, period_key: str) -> dict:
    """The saved narrative ({section: text}) and quotes ({section: [{comment_id, text}]}) for a period, and
    each section's version ({section: version}) for a form that edits it."""
    access.require(user, "build_report")
    row = db.execute("select narrative, quotes, findings from report_drafts where period_key = :k",
                     {"k": period_key}).fetchone()
    narrative, quotes, chosen = (json.loads(row[0]), json.loads(row[1]), json.loads(row[2])) if row else ({}, {}, {})
    return {"narrative": narrative, "quotes": quotes, "findings": chosen,
            "versions": {key: _section_version(narrative, quotes, key, chosen) for key in sections.SECTIONS}}


def _section_version(narrative: dict, quotes: dict, key: str, chosen: dict) -> str:
    return records.version({"narrative": narrative.get(key, ""), "quotes": quotes.get(key, []),
                            **({"findings": chosen} if key == "findings" else {})})


MAX_FINDING = 600


def clean_findings(value: dict) -> dict:
    """QA's choices about key findings, checked: {key: {"drop": True}} or {key: {"text": words with {places}}}.
    An empty text is no choice (the generated words stand)."""
    if not isinstance(value, dict):
        raise ValueError("The key findings' choices must be a mapping of finding to choice.")
    found = {}
    for key, choice in value.items():
        key = text.clean(key, field="A key finding's name", max_length=200, required=True)
        if not isinstance(choice, dict) or set(choice) - {"drop", "text"}:
            raise ValueError("A key finding is either left out or reworded.")
        if choice.get("drop"):
            found[key] = {"drop": True}
            continue
        words = _clean(choice.get("text") or "", "A key finding", MAX_FINDING).strip()
        if words:
            findings.places(words)  # a stray brace or an unknown format is refused here, not at build time
            found[key] = {"text": words}
    return found


def save_draft(db: sqlite_utils.Database, user: User, period_key: str, *, narrative: dict | None = None,
               quotes: dict | None = None, key_findings: dict | None = None,
               expected: dict[str, str] | None = None) -> None:
    """Save the commentary and/or quotes of the sections given (plain text, cleaned; an empty commentary
    removes it), and/or QA's choices about the key findings (all of them: what is not named is as generated);
    the other sections keep what is stored. Audited.

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
    picked = clean_findings(key_findings) if key_findings is not None else None
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
        stored_findings = current["findings"] if key_findings is None else picked
        db.execute(
            """insert into report_drafts (period_key, narrative, quotes, findings, updated_at, updated_by)
               values (:k, :n, :q, :f, :at, :u) on conflict (period_key) do update set narrative = excluded.narrative,
               quotes = excluded.quotes, findings = excluded.findings, updated_at = excluded.updated_at,
               updated_by = excluded.updated_by""",
            {"k": period_key, "n": json.dumps(stored_narrative, ensure_ascii=False),
             "q": json.dumps(stored_quotes, ensure_ascii=False), "f": json.dumps(stored_findings, ensure_ascii=False),
             "at": store.stamp(), "u": user.id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="report_drafts",
                    entity_id=period_key, detail={"narrative_sections": sorted(stored_narrative),
                                                  "quotes": {k: len(v) for k, v in stored_quotes.items()},
                                                  "findings_dropped": sorted(k for k, v in stored_findings.items()
                                                                             if v.get("drop")),
                                                  "findings_reworded": sorted(k for k, v in stored_findings.items()
                                                                              if v.get("text"))})


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
