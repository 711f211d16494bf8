"""Human review of theme codes: confirm, remove, add, correct a reading or a sentiment."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from lib import access, store
from lib.access import User
from lib.store import history
from lib.themes import codebook, explorer, matching

# ---- Human review -------------------------------------------------------------------------------


def _comment(db, comment_id: int) -> dict:
    rows = list(db.query(
        """select c.id, c.body, r.deleted_at from comments c join responses r on r.id = c.response_id
           where c.id = :id""", {"id": comment_id}))
    if not rows or rows[0]["deleted_at"]:
        raise ValueError(f"There is no comment #{comment_id}.")
    return rows[0]


def decide(db: sqlite_utils.Database, user: User, comment_id: int, theme_id: str, decision: str) -> None:
    """Confirm, remove or add a theme on a comment; kept through every re-coding."""
    access.require(user, "review_codes")
    if decision not in ("confirmed", "removed", "added"):
        raise ValueError("A decision is confirmed, removed or added.")
    with store.write(db):
        _comment(db, comment_id)
        theme = db.execute("select status from themes where id = :id", {"id": theme_id}).fetchone()
        if theme is None:
            raise ValueError(f"There is no theme {theme_id}.")
        existing = db.execute("select machine, decision from comment_themes where comment_id = :c and theme_id = :t",
                              {"c": comment_id, "t": theme_id}).fetchone()
        if decision == "added" and existing and existing[0]:
            decision = "confirmed"  # adding what the machine already suggested is confirming it
        if decision == "confirmed" and not (existing and existing[0]):
            decision = "added"
        if decision == "added" and theme[0] != "active":
            raise ValueError("Add an active theme; this one is retired.")
        sentiment = db.execute("select sentiment from comments where id = :id", {"id": comment_id}).fetchone()[0]
        db.execute(
            """insert into comment_themes (comment_id, theme_id, machine, decision, reading, decided_by, decided_at)
               values (:c, :t, 0, :d, :reading, :u, :at)
               on conflict (comment_id, theme_id) do update set decision = excluded.decision,
                 reading = coalesce(comment_themes.reading, excluded.reading),
                 decided_by = excluded.decided_by, decided_at = excluded.decided_at""",
            {"c": comment_id, "t": theme_id, "d": decision, "u": user.id, "at": store.stamp(),
             "reading": matching.reading(sentiment or 0.0)})
        db.execute("update comments set reviewed_by = :u, reviewed_at = :at where id = :id",
                   {"u": user.id, "at": store.stamp(), "id": comment_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    entity_id=comment_id, detail={"theme": theme_id, "decision": [existing[1] if existing else None,
                                                                                   decision]})


def set_reading(db: sqlite_utils.Database, user: User, comment_id: int, theme_id: str, reading: str) -> None:
    """Correct how one theme reads on one comment (strength, improvement, neutral); re-coding keeps it."""
    access.require(user, "review_codes")
    if reading not in codebook.READINGS:
        raise ValueError("A theme reads as a strength, an area for improvement, or neutral.")
    with store.write(db):
        _comment(db, comment_id)
        row = db.execute("select reading, human_reading from comment_themes where comment_id = :c and theme_id = :t",
                         {"c": comment_id, "t": theme_id}).fetchone()
        if row is None:
            raise ValueError(f"Comment #{comment_id} does not have theme {theme_id}.")
        db.execute("""update comment_themes set human_reading = :r, decided_by = :u, decided_at = :at
                      where comment_id = :c and theme_id = :t""",
                   {"r": reading, "u": user.id, "at": store.stamp(), "c": comment_id, "t": theme_id})
        db.execute("update comments set reviewed_by = :u, reviewed_at = :at where id = :id",
                   {"u": user.id, "at": store.stamp(), "id": comment_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    entity_id=comment_id, detail={"theme": theme_id, "reading": [row[1] or row[0], reading]})


def confirm_all(db: sqlite_utils.Database, user: User, comment_id: int) -> int:
    """"Looks right": confirm every suggestion still undecided on a comment and mark it reviewed."""
    access.require(user, "review_codes")
    with store.write(db):
        _comment(db, comment_id)
        pending = [r[0] for r in db.execute(
            "select theme_id from comment_themes where comment_id = :c and machine = 1 and decision is null",
            {"c": comment_id})]
        for theme_id in pending:
            decide(db, user, comment_id, theme_id, "confirmed")
        db.execute("update comments set reviewed_by = :u, reviewed_at = :at where id = :id",
                   {"u": user.id, "at": store.stamp(), "id": comment_id})
        if not pending:
            history.add(db, action="update", user_id=user.id, username=user.username, entity="comments",
                        entity_id=comment_id, detail={"reviewed": "no theme, looks right"})
    return len(pending)


def set_sentiment(db: sqlite_utils.Database, user: User, comment_id: int, sentiment: str) -> None:
    """Correct a comment's sentiment by hand (positive, negative, neutral, mixed); re-coding keeps it."""
    access.require(user, "review_codes")
    if sentiment not in codebook.SENTIMENTS:
        raise ValueError("Sentiment is positive, negative, neutral or mixed.")
    with store.write(db):
        _comment(db, comment_id)
        before = db.execute("select human_sentiment, sentiment from comments where id = :id", {"id": comment_id}).fetchone()
        db.execute(
            """update comments set sentiment_source = 'human', human_sentiment = :h, reviewed_by = :u,
               reviewed_at = :at where id = :id""",
            {"h": sentiment, "u": user.id, "at": store.stamp(), "id": comment_id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    entity_id=comment_id, detail={"sentiment": [before[0] or matching.label(before[1] or 0), sentiment]})


def review_queue(
    db: sqlite_utils.Database, user: User, *, theme_id: str | None = None, reviewed: bool | None = False,
    form: str | None = None, since: dt.date | None = None, limit: int = 25,
) -> list[dict]:
    """Recently coded comments with their themes (machine suggestions and human decisions), newest first."""
    access.require(user, "review_codes")
    rows = list(db.query(
        """select c.id, c.body, c.consent_to_quote, c.sentiment, c.sentiment_source, c.human_sentiment,
                  c.reviewed_at, r.contact_on, r.form, r.source, r.respondent, r.cohort, r.safeguarding
           from comments c join responses r on r.id = c.response_id
           where r.deleted_at is null and r.anonymised_at is null
             and (:reviewed is null or (c.reviewed_at is not null and not exists (
                    select 1 from comment_themes p where p.comment_id = c.id and p.machine = 1
                    and p.decision is null and p.human_reading is null)) = :reviewed)
             and (:form is null or r.form = :form)
             and (:since is null or r.contact_on >= :since)
             and (:theme is null or exists (select 1 from comment_themes ct where ct.comment_id = c.id
                    and ct.theme_id = :theme and """ + explorer.PRESENT + """))
           order by r.contact_on desc, c.id desc limit :limit""",
        {"reviewed": None if reviewed is None else int(reviewed), "form": form, "theme": theme_id,
         "since": since.isoformat() if since else None, "limit": limit}))
    if rows:
        codes: dict[int, list[dict]] = {}
        for code in db.query("""select comment_id, theme_id, machine, decision, reading, human_reading, negated
                                from comment_themes where comment_id in (select value from json_each(:ids))
                                order by theme_id""", {"ids": json.dumps([r["id"] for r in rows])}):
            codes.setdefault(code["comment_id"], []).append(code)
        for row in rows:
            row["themes"] = codes.get(row["id"], [])
            row["sentiment_label"] = row["human_sentiment"] or matching.label(row["sentiment"] or 0)
    return rows


def agreement(db: sqlite_utils.Database, user: User) -> list[dict]:
    """Per theme, how machine suggestions fared against human decisions on reviewed comments.

    precision = confirmed / (confirmed + removed); recall = confirmed / (confirmed + added by hand).
    """
    access.require(user, "review_codes")
    rows = list(db.query(
        """select t.id as theme_id, t.name,
                  sum(ct.machine = 1 and ct.decision = 'confirmed') as confirmed,
                  sum(ct.machine = 1 and ct.decision = 'removed') as removed,
                  sum(ct.decision = 'added') as added
           from comment_themes ct join themes t on t.id = ct.theme_id
           where ct.decision is not null group by t.id order by t.id"""))
    for row in rows:
        suggested = row["confirmed"] + row["removed"]
        wanted = row["confirmed"] + row["added"]
        row["precision"] = round(row["confirmed"] / suggested, 2) if suggested else None
        row["recall"] = round(row["confirmed"] / wanted, 2) if wanted else None
    return rows
