"""Coding saved text against the current codebook, on save and when QA re-codes everything."""

from __future__ import annotations

import json
from typing import Callable, Iterable

import sqlite_utils

from lib import store
from lib.people import access
from lib.people.access import User
from lib.themes import codebook, matching

# ---- Coding ------------------------------------------------------------------------------------


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


def recode_all(db: sqlite_utils.Database, user: User, *, progress: Callable[[int, int], None] | None = None,
               batch: int = 500) -> int:
    """Re-code every comment with the current codebook, in batches; returns how many were coded."""
    access.require(user, "manage_codebook")
    ids = [r[0] for r in db.execute("""select c.id from comments c join responses r on r.id = c.response_id
                                        where r.anonymised_at is null order by c.id""")]
    for start in range(0, len(ids), batch):
        with store.write(db):
            code_comments(db, ids[start:start + batch])
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    with store.write(db):
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    detail={"recoded": len(ids), "codebook_version": codebook.current_version(db)})
    return len(ids)


def uncoded_count(db: sqlite_utils.Database) -> int:
    """Comments coded with an older codebook version (or never)."""
    return db.execute("""select count(*) from comments c join responses r on r.id = c.response_id
                         where coalesce(c.coded_version, 0) < :v and r.anonymised_at is null""",
                      {"v": codebook.current_version(db)}).fetchone()[0]
