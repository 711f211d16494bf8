"""The theme codebook in the database, auto-coding on save, human review, and the explorer's queries.

A human decision on a comment's theme (confirmed, removed, added) and a human sentiment are never
overwritten by re-coding. Every codebook change is a new codebook version; retired and merged
themes keep their history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Callable, Iterable

import sqlite_utils

from lib import access, coding, text
from lib import db as store
from lib.access import User

CODEBOOK_FILE = store.ROOT / "data" / "codebook.toml"
APPLIES = {"CM": "Mainstream carers", "CK": "Kinship carers", "P": "Birth parents", "Y": "Children and young people"}
USUALLY = {"strength": "Usually a strength", "improvement": "Usually an area for improvement", "either": "Either"}
READINGS = {"strength": "Strength", "improvement": "Area for improvement", "neutral": "Neutral"}
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
_matchers: dict[str, coding.Matcher] = {}


# ---- The codebook ----------------------------------------------------------------------------


def default_themes() -> list[coding.Theme]:
    """The shipped default codebook's themes (for tests and the benchmark; the app reads the database)."""
    data = tomllib.loads(CODEBOOK_FILE.read_text())
    return [coding.Theme(k, v["name"], v["definition"], tuple(v["applies_to"]), v["usually"], tuple(v["triggers"]))
            for k, v in data["themes"].items()]


def _theme_rows(db) -> list[dict]:
    return list(db.query("select * from themes order by id"))


def _as_theme(row: dict) -> coding.Theme:
    return coding.Theme(row["id"], row["name"], row["definition"], tuple(json.loads(row["applies_to"])),
                        row["usually"], tuple(json.loads(row["triggers"])), row["status"])


def ensure(db: sqlite_utils.Database) -> int:
    """The current codebook version, loading the shipped default codebook into a new database first."""
    row = db.execute("select max(version) from codebook_versions").fetchone()
    if row[0] is not None:
        return row[0]
    with open(CODEBOOK_FILE, "rb") as handle:
        data = tomllib.load(handle)
    with store.write(db):
        if db.execute("select count(*) from codebook_versions").fetchone()[0]:
            return current_version(db)
        now = store.stamp()
        for theme_id, spec in data["themes"].items():
            db.execute(
                """insert into themes (id, name, definition, applies_to, usually, triggers, updated_at)
                   values (:id, :name, :definition, :applies, :usually, :triggers, :now)""",
                {"id": theme_id, "name": spec["name"], "definition": spec["definition"],
                 "applies": json.dumps(spec["applies_to"]), "usually": spec["usually"],
                 "triggers": json.dumps(spec["triggers"], ensure_ascii=False), "now": now},
            )
        return _snapshot(db, None, "Default fostering codebook")


def current_version(db: sqlite_utils.Database) -> int:
    return db.execute("select max(version) from codebook_versions").fetchone()[0] or ensure(db)


def _snapshot(db, user: User | None, note: str) -> int:
    version = (db.execute("select max(version) from codebook_versions").fetchone()[0] or 0) + 1
    db.execute(
        "insert into codebook_versions (version, content, note, created_at, created_by) values (:v, :c, :n, :at, :u)",
        {"v": version, "c": json.dumps(_theme_rows(db), ensure_ascii=False), "n": note, "at": store.stamp(),
         "u": user.id if user else None},
    )
    return version


def theme_list(db: sqlite_utils.Database, *, include_retired: bool = True) -> list[dict]:
    """Themes with their triggers decoded, active first."""
    ensure(db)
    rows = _theme_rows(db)
    for row in rows:
        row["applies_to"] = json.loads(row["applies_to"])
        row["triggers"] = json.loads(row["triggers"])
    rows.sort(key=lambda r: (r["status"] != "active", r["id"]))
    return [r for r in rows if include_retired or r["status"] == "active"]


def names(db: sqlite_utils.Database) -> dict[str, str]:
    return {r["id"]: r["name"] + (" (retired)" if r["status"] != "active" else "") for r in theme_list(db)}


def matcher(db: sqlite_utils.Database) -> tuple[int, coding.Matcher]:
    """The compiled matcher for the current codebook version (built once per version)."""
    version = current_version(db)
    content = db.execute("select content from codebook_versions where version = :v", {"v": version}).fetchone()[0]
    key = hashlib.sha256(content.encode()).hexdigest()  # versions are numbered per database; content is not
    if key not in _matchers:
        _matchers[key] = coding.Matcher([_as_theme(r) for r in json.loads(content)])
    return version, _matchers[key]


def versions(db: sqlite_utils.Database) -> list[dict]:
    ensure(db)
    return list(db.query(
        """select v.version, v.note, v.created_at, u.display_name as by from codebook_versions v
           left join users u on u.id = v.created_by order by v.version desc"""))


def _clean_theme(name, definition, triggers, applies_to, usually) -> dict:
    clean_triggers = []
    for trigger in triggers:
        phrase = text.clean(trigger, field="A trigger phrase", max_length=80)
        if phrase and phrase.lower() not in [t.lower() for t in clean_triggers]:
            if not coding.words(phrase):
                raise ValueError(f"Trigger '{phrase}' has no letters or digits to match.")
            clean_triggers.append(phrase)
    if not clean_triggers:
        raise ValueError("Give the theme at least one trigger word or phrase.")
    unknown = [a for a in applies_to if a not in APPLIES]
    if unknown or not applies_to:
        raise ValueError("Choose who the theme applies to: " + ", ".join(APPLIES.values()) + ".")
    if usually not in USUALLY:
        raise ValueError("Say whether mentions are usually a strength, an area for improvement, or either.")
    return {"name": text.clean(name, field="Theme name", max_length=80, required=True),
            "definition": text.clean(definition, field="Definition", max_length=300),
            "triggers": json.dumps(clean_triggers, ensure_ascii=False), "applies_to": json.dumps(list(applies_to)),
            "usually": usually}


def save_theme(
    db: sqlite_utils.Database, user: User, theme_id: str | None, *, name: str, definition: str,
    triggers: Iterable[str], applies_to: Iterable[str], usually: str,
) -> str:
    """Add a theme (theme_id None) or change one; makes a new codebook version. Returns the theme id."""
    access.require(user, "manage_codebook")
    ensure(db)
    values = _clean_theme(name, definition, list(triggers), list(applies_to), usually)
    with store.write(db):
        clash = db.execute("select id from themes where lower(name) = lower(:n) and id != coalesce(:id, '')",
                           {"n": values["name"], "id": theme_id}).fetchone()
        if clash:
            raise ValueError(f"Theme {clash[0]} already has that name.")
        if theme_id is None:
            numbers = [int(r[0][1:]) for r in db.execute("select id from themes") if re.fullmatch(r"T\d+", r[0])]
            theme_id = f"T{max(numbers, default=0) + 1:02d}"
            db.execute(
                """insert into themes (id, name, definition, applies_to, usually, triggers, updated_at)
                   values (:id, :name, :definition, :applies_to, :usually, :triggers, :now)""",
                {**values, "id": theme_id, "now": store.stamp()})
            action, note = "create", f"Added {theme_id} {values['name']}"
        else:
            before = next(iter(db.query("select * from themes where id = :id", {"id": theme_id})), None)
            if before is None:
                raise ValueError(f"There is no theme {theme_id}.")
            diff = store.changes(before, values)
            if not diff:
                return theme_id
            db.execute(
                """update themes set name = :name, definition = :definition, applies_to = :applies_to,
                   usually = :usually, triggers = :triggers, updated_at = :now where id = :id""",
                {**values, "id": theme_id, "now": store.stamp()})
            action, note = "update", f"Changed {theme_id}: {', '.join(diff)}"
        version = _snapshot(db, user, note)
        store.audit(db, action=action, user_id=user.id, username=user.username, entity="themes", entity_id=theme_id,
                    detail={"codebook_version": version, "note": note})
    return theme_id


def retire_theme(db: sqlite_utils.Database, user: User, theme_id: str, *, merged_into: str | None = None) -> int:
    """Retire a theme (or merge it into another): no new codes, its history stays. Returns the new version."""
    access.require(user, "manage_codebook")
    with store.write(db):
        rows = {r["id"]: r for r in db.query("select * from themes")}
        if theme_id not in rows or rows[theme_id]["status"] != "active":
            raise ValueError(f"{theme_id} is not an active theme.")
        if merged_into is not None:
            if merged_into == theme_id or rows.get(merged_into, {}).get("status") != "active":
                raise ValueError("Merge into a different, active theme.")
            triggers = json.loads(rows[merged_into]["triggers"])
            triggers += [t for t in json.loads(rows[theme_id]["triggers"]) if t not in triggers]
            db.execute("update themes set triggers = :t, updated_at = :now where id = :id",
                       {"t": json.dumps(triggers, ensure_ascii=False), "now": store.stamp(), "id": merged_into})
        db.execute("update themes set status = 'retired', merged_into = :m, updated_at = :now where id = :id",
                   {"m": merged_into, "now": store.stamp(), "id": theme_id})
        note = f"Merged {theme_id} into {merged_into}" if merged_into else f"Retired {theme_id}"
        version = _snapshot(db, user, note)
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="themes",
                    entity_id=theme_id, detail={"codebook_version": version, "note": note})
    return version


# ---- Coding ------------------------------------------------------------------------------------


def code_comments(db: sqlite_utils.Database, comment_ids: Iterable[int]) -> None:
    """Code comments with the current codebook, inside the caller's transaction.

    Machine suggestions are replaced; human decisions and human sentiment are kept as they are.
    """
    ids = list(comment_ids)
    if not ids:
        return
    version, compiled = matcher(db)
    rows = db.execute(
        """select c.id, c.body, r.respondent, r.cohort from comments c join responses r on r.id = c.response_id
           where c.id in (select value from json_each(:ids)) and r.anonymised_at is null""",
        {"ids": json.dumps(ids)}).fetchall()
    for comment_id, body, respondent, cohort in rows:
        result = coding.code(body, compiled, coding.audience(respondent, cohort))
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
                    detail={"recoded": len(ids), "codebook_version": current_version(db)})
    return len(ids)


def uncoded_count(db: sqlite_utils.Database) -> int:
    """Comments coded with an older codebook version (or never)."""
    return db.execute("""select count(*) from comments c join responses r on r.id = c.response_id
                         where coalesce(c.coded_version, 0) < :v and r.anonymised_at is null""",
                      {"v": current_version(db)}).fetchone()[0]


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
             "reading": coding.reading(sentiment or 0.0)})
        db.execute("update comments set reviewed_by = :u, reviewed_at = :at where id = :id",
                   {"u": user.id, "at": store.stamp(), "id": comment_id})
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    entity_id=comment_id, detail={"theme": theme_id, "decision": [existing[1] if existing else None,
                                                                                   decision]})


def set_reading(db: sqlite_utils.Database, user: User, comment_id: int, theme_id: str, reading: str) -> None:
    """Correct how one theme reads on one comment (strength, improvement, neutral); re-coding keeps it."""
    access.require(user, "review_codes")
    if reading not in READINGS:
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
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="comments",
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
            store.audit(db, action="update", user_id=user.id, username=user.username, entity="comments",
                        entity_id=comment_id, detail={"reviewed": "no theme, looks right"})
    return len(pending)


def set_sentiment(db: sqlite_utils.Database, user: User, comment_id: int, sentiment: str) -> None:
    """Correct a comment's sentiment by hand (positive, negative, neutral, mixed); re-coding keeps it."""
    access.require(user, "review_codes")
    if sentiment not in SENTIMENTS:
        raise ValueError("Sentiment is positive, negative, neutral or mixed.")
    with store.write(db):
        _comment(db, comment_id)
        before = db.execute("select human_sentiment, sentiment from comments where id = :id", {"id": comment_id}).fetchone()
        db.execute(
            """update comments set sentiment_source = 'human', human_sentiment = :h, reviewed_by = :u,
               reviewed_at = :at where id = :id""",
            {"h": sentiment, "u": user.id, "at": store.stamp(), "id": comment_id})
        store.audit(db, action="update", user_id=user.id, username=user.username, entity="comments",
                    entity_id=comment_id, detail={"sentiment": [before[0] or coding.label(before[1] or 0), sentiment]})


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
                    and ct.theme_id = :theme and """ + PRESENT + """))
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
            row["sentiment_label"] = row["human_sentiment"] or coding.label(row["sentiment"] or 0)
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


# ---- The explorer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the explorer looks at: a date range (a quarter or several) and optional narrowing."""

    start: dt.date
    end: dt.date
    respondent: str | None = None
    cohort: str | None = None
    source: str | None = None
    team_id: int | None = None
    age_band: str | None = None

    def params(self, **overrides) -> dict:
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(), "respondent": self.respondent,
                  "cohort": self.cohort, "source": self.source, "team_id": self.team_id, "age_band": self.age_band}
        for key, value in overrides.items():
            values[key] = value.isoformat() if isinstance(value, dt.date) else value
        return values


# A theme is on a comment when the machine suggested it and nobody decided otherwise, or a person
# confirmed or added it.
PRESENT = "((ct.machine = 1 and ct.decision is null) or ct.decision in ('confirmed', 'added'))"
# The explorer's filters, shared by every query over responses r (and households h).
FILTERS = """r.deleted_at is null and r.contact_on >= :start and r.contact_on <= :end
          and (:respondent is null or r.respondent = :respondent)
          and (:cohort is null or r.cohort = :cohort)
          and (:source is null or r.source = :source)
          and (:team_id is null or r.household_id in (select id from households where team_id = :team_id))
          and (:age_band is null or r.age_band = :age_band)"""

_BASE = """
    base as (
        select c.id as comment_id, c.body, c.item_id, c.consent_to_quote, c.sentiment, c.sentiment_source,
               c.human_sentiment, r.id as response_id, r.contact_on, r.form, r.source, r.respondent, r.cohort,
               r.age_band, r.safeguarding, r.anonymised_at
        from comments c join responses r on r.id = c.response_id
        where """ + FILTERS + """
    ),
    coded as (
        select b.*, coalesce(t.merged_into, ct.theme_id) as theme_id,
               case coalesce(ct.human_reading, '') when 'strength' then 0.5 when 'improvement' then -0.5
                    when 'neutral' then 0.0 else ct.sentiment end as theme_sentiment,
               coalesce(ct.human_reading, ct.reading,
                        case when b.sentiment >= 0.05 then 'strength' when b.sentiment <= -0.05 then 'improvement'
                             else 'neutral' end) as reading
        from base b join comment_themes ct on ct.comment_id = b.comment_id join themes t on t.id = ct.theme_id
        where """ + PRESENT + """
          -- a theme a person removed stays removed, even when another theme is merged into it
          and (t.merged_into is null or not exists (select 1 from comment_themes x where x.comment_id = ct.comment_id
                                                    and x.theme_id = t.merged_into and x.decision = 'removed'))
    )
"""


def _read(db, user: User, sql: str, params: dict) -> list[dict]:
    access.require(user, "view_themes")
    ensure(db)
    return store.cached_query(db, "with " + _BASE + sql, params)




def theme_counts(db: sqlite_utils.Database, user: User, filters: Filters) -> list[dict]:
    """Comments per theme × cohort × reading (strength, improvement, neutral)."""
    return _read(db, user, """
        select theme_id, coalesce(cohort, 'none') as cohort, reading, count(distinct comment_id) as comments
        from coded group by theme_id, cohort, reading""", filters.params())


def theme_sentiment(db: sqlite_utils.Database, user: User, filters: Filters) -> list[dict]:
    """Mean sentiment of the sentences carrying each theme, with the number of comments."""
    return _read(db, user, """
        select theme_id, round(avg(theme_sentiment), 3) as sentiment, count(distinct comment_id) as comments
        from coded group by theme_id order by theme_id""", filters.params())


def cohort_totals(db: sqlite_utils.Database, user: User, filters: Filters) -> dict[str, int]:
    """Comments per cohort ('none' for entries without a household), the base for each cohort's shares."""
    return {r["cohort"]: r["n"] for r in _read(db, user, """
        select coalesce(cohort, 'none') as cohort, count(*) as n from base group by 1""", filters.params())}


def comment_total(db: sqlite_utils.Database, user: User, filters: Filters) -> int:
    return _read(db, user, "select count(*) as n from base", filters.params())[0]["n"]


def per_quarter(db: sqlite_utils.Database, user: User, filters: Filters, quarters: list) -> list[dict]:
    """For each quarter: comments in all, and comments per theme (for trends and comparisons)."""
    rows = []
    for quarter in quarters:
        params = filters.params(start=quarter.start, end=quarter.end)
        total = _read(db, user, "select count(*) as n from base", params)[0]["n"]
        counts = _read(db, user, """select theme_id, count(distinct comment_id) as comments from coded
                                    group by theme_id""", params)
        rows.append({"quarter": quarter, "total": total, "themes": {r["theme_id"]: r["comments"] for r in counts}})
    return rows


def drill(
    db: sqlite_utils.Database, user: User, filters: Filters, *, theme_id: str, reading: str | None = None,
    cohort: str | None = None, limit: int = 200,
) -> list[dict]:
    """The verbatim comments behind a bar, newest first."""
    return _read(db, user, """
        select distinct comment_id, body, contact_on, source, form, respondent, cohort, consent_to_quote,
               reading, safeguarding
        from coded where theme_id = :theme and (:reading is null or reading = :reading)
          and (:bar_cohort is null or coalesce(cohort, 'none') = :bar_cohort)
        order by contact_on desc, comment_id desc limit :limit""",
        filters.params(theme=theme_id, reading=reading, bar_cohort=cohort, limit=limit))


# No theme is on the comment (b.comment_id): the "coded" test above, asked of one comment at a time.
_UNCODED = """not exists (
    select 1 from comment_themes ct join themes t on t.id = ct.theme_id
    where ct.comment_id = b.comment_id and """ + PRESENT + """
      and (t.merged_into is null or not exists (select 1 from comment_themes x where x.comment_id = ct.comment_id
                                                and x.theme_id = t.merged_into and x.decision = 'removed')))"""


def uncoded_total(db: sqlite_utils.Database, user: User, filters: Filters) -> int:
    """How many comments in the period match no theme."""
    return _read(db, user, f"select count(*) as n from base b where b.anonymised_at is null and {_UNCODED}",
                 filters.params())[0]["n"]


def uncoded(db: sqlite_utils.Database, user: User, filters: Filters, limit: int = 2000) -> list[dict]:
    """Comments in the period that match no theme (for emerging themes)."""
    return _read(db, user, """
        select comment_id, body, contact_on from base b
        where b.anonymised_at is null and """ + _UNCODED + """
        order by contact_on desc limit :limit""", filters.params(limit=limit))


def answer_counts(db: sqlite_utils.Database, user: User, filters: Filters, form: str) -> list[dict]:
    """Answers to a form's rating questions per item × cohort × answer code, with each response's bank version."""
    access.require(user, "view_themes")
    return store.cached_query(db, """
        select a.item_id, coalesce(r.cohort, 'none') as cohort, a.value, r.bank_version, count(*) as n
        from answers a join responses r on r.id = a.response_id
        where r.form = :form and """ + FILTERS + """
        group by a.item_id, r.cohort, a.value, r.bank_version""", filters.params(form=form))
