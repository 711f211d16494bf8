"""The Themes page's queries: counts, sentiment, trends and the comments behind a bar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from lib import access, store
from lib.access import User
from lib.themes import codebook

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
    codebook.ensure(db)
    return store.cached_query(db, "with " + _BASE + sql, params)




def raised(db: sqlite_utils.Database, user: User, filters: Filters, theme_id: str) -> tuple[int, int]:
    """(comments that raise a theme as an area for improvement, all comments): the theme's share as a concern."""
    found = _read(db, user, """
        select (select count(distinct comment_id) from coded where theme_id = :theme and reading = 'improvement') as n,
               (select count(*) from base) as total""", {**filters.params(), "theme": theme_id})[0]
    return found["n"], found["total"]


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
