"""The one coder: every coded text (comments, the log's summaries and learning, case-file and targeted-audit
learning) is coded here against the current codebook, on save and when QA re-codes everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable

import sqlite_utils

from lib import access, store
from lib.access import User
from lib.store import history
from lib.themes import codebook, matching

# Whose words a log entry holds, as the codebook's audiences name them.
_LOG_RESPONDENT = {"child": "child", "birth_parent": "birth_parent", "foster_carer": "carer", "kinship_carer": "carer"}


@dataclass(frozen=True)
class Kind:
    """One kind of coded record other than a comment: where its text is and where its codes go."""

    label: str
    table: str
    themes_table: str
    key: str
    text_sql: str  # the text to code, as an SQL expression over the record's columns
    audience: Callable[[dict], frozenset[str] | None]


KINDS = {
    "representations": Kind(
        "compliments, comments and complaints", "representations", "representation_themes", "representation_id",
        "trim(coalesce(summary, '') || char(10) || coalesce(learning, ''))",
        lambda row: (matching.audience(_LOG_RESPONDENT[row["from_who"]], row["cohort"])
                     if row["from_who"] in _LOG_RESPONDENT else None)),
    "case_audits": Kind("case-file audit learning", "case_audits", "case_audit_themes", "audit_id",
                        "coalesce(learning, '')", lambda row: None),
    "targeted_audits": Kind("targeted-audit learning", "targeted_audits", "targeted_audit_themes",
                            "targeted_audit_id", "coalesce(learning, '')", lambda row: None),
}
_EXTRA = {"representations": ", from_who, cohort", "case_audits": "", "targeted_audits": ""}
_CODABLE = {"representations": "anonymised_at is null", "case_audits": "1", "targeted_audits": "1"}


def code_comments(db: sqlite_utils.Database, comment_ids: Iterable[int]) -> None:
    """Code comments with the current codebook, inside the caller's transaction.

    Machine suggestions are replaced; human decisions and human sentiment are kept as they are.
    """
    ids = list(comment_ids)
    if not ids:
        return
    version, compiled = codebook.matcher(db)
    rows = db.execute(
        """select c.id, c.body, r.respondent, r.cohort from comments c join responses r on r.id = c.response_id
           where c.id in (select value from json_each(:ids)) and r.anonymised_at is null""",
        {"ids": json.dumps(ids)}).fetchall()
    for comment_id, body, respondent, cohort in rows:
        result = matching.code(body, compiled, matching.audience(respondent, cohort))
        db.execute("""update comments set sentiment = case when sentiment_source = 'human' then sentiment else :s end,
                      coded_version = :v where id = :id""", {"s": result.sentiment, "v": version, "id": comment_id})
        # Only active themes are re-suggested; a retired theme's codes stay as they were (its history).
        db.execute("""update comment_themes set machine = 0 where comment_id = :id
                      and theme_id in (select id from themes where status = 'active')""", {"id": comment_id})
        for mention in result.mentions.values():
            db.execute(
                """insert into comment_themes (comment_id, theme_id, machine, sentiment, reading, negated,
                     codebook_version) values (:c, :t, 1, :s, :r, :n, :v)
                   on conflict (comment_id, theme_id) do update set machine = 1, sentiment = excluded.sentiment,
                     reading = excluded.reading, negated = excluded.negated,
                     codebook_version = excluded.codebook_version""",
                {"c": comment_id, "t": mention.theme_id, "s": mention.sentiment, "r": mention.reading,
                 "n": int(mention.negated), "v": version})
        db.execute("""delete from comment_themes where comment_id = :id and machine = 0 and decision is null
                      and theme_id in (select id from themes where status = 'active')""", {"id": comment_id})


def code(db: sqlite_utils.Database, kind: str, record_ids: Iterable[int]) -> None:
    """Code records of one kind ("comments", "representations", "case_audits", "targeted_audits") with the
    current codebook, inside the caller's transaction; their old codes are replaced."""
    ids = list(record_ids)
    if kind == "comments":
        code_comments(db, ids)
        return
    spec = KINDS[kind]
    if not ids:
        return
    version, compiled = codebook.matcher(db)
    rows = db.query(
        f"""select id, {spec.text_sql} as body{_EXTRA[kind]} from {spec.table}
            where id in (select value from json_each(:ids)) and {_CODABLE[kind]}""", {"ids": json.dumps(ids)})
    for row in list(rows):
        result = matching.code(row["body"], compiled, spec.audience(row)) if row["body"] else None
        db.execute(f"delete from {spec.themes_table} where {spec.key} = :id", {"id": row["id"]})
        for mention in (result.mentions.values() if result else ()):
            db.execute(f"insert into {spec.themes_table} ({spec.key}, theme_id, reading) values (:id, :t, :r)",
                       {"id": row["id"], "t": mention.theme_id, "r": mention.reading})
        db.execute(f"update {spec.table} set coded_version = :v where id = :id", {"v": version, "id": row["id"]})


def _codable_ids(db) -> list[tuple[str, list[int]]]:
    found = [("comments", [r[0] for r in db.execute(
        """select c.id from comments c join responses r on r.id = c.response_id
           where r.anonymised_at is null order by c.id""")])]
    for kind, spec in KINDS.items():
        found.append((kind, [r[0] for r in db.execute(
            f"select id from {spec.table} where {_CODABLE[kind]} order by id")]))
    return found


def recode_all(db: sqlite_utils.Database, user: User, *, progress: Callable[[int, int], None] | None = None,
               batch: int = 500) -> int:
    """Re-code every coded text (comments, the log, audit learning) with the current codebook, in batches, with
    one progress count over them all; returns how many records were coded."""
    access.require(user, "manage_codebook")
    work = _codable_ids(db)
    total, done, counts = sum(len(ids) for _, ids in work), 0, {}
    for kind, ids in work:
        for start in range(0, len(ids), batch):
            with store.write(db):
                code(db, kind, ids[start:start + batch])
            done += len(ids[start:start + batch])
            if progress:
                progress(done, total)
        counts[kind] = len(ids)
    with store.write(db):
        history.add(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    detail={"recoded": counts, "codebook_version": codebook.current_version(db)})
    return total


def uncoded_count(db: sqlite_utils.Database) -> int:
    """Coded texts (comments, log entries, audit learning) coded with an older codebook version, or never."""
    version = codebook.current_version(db)
    count = db.execute("""select count(*) from comments c join responses r on r.id = c.response_id
                          where coalesce(c.coded_version, 0) < :v and r.anonymised_at is null""",
                       {"v": version}).fetchone()[0]
    for kind, spec in KINDS.items():
        count += db.execute(f"select count(*) from {spec.table} where coalesce(coded_version, 0) < :v "
                            f"and {_CODABLE[kind]}", {"v": version}).fetchone()[0]
    return count
