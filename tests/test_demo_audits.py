"""The demo's audit programme: three quarters at different stages, so every audit page has something to show."""

import datetime as dt
from collections import Counter

from lib.audits import findings, programme, reviews
from lib.people import accounts
from lib.periods import Quarter


def test_the_demo_shows_a_programme_at_every_stage_with_reviews_overdue_and_due(demo_db):
    qa = accounts.sign_in(demo_db, "qa", "demo")
    today = dt.date.today()
    stages = Counter(r["stage"] for p in programme.programmes(demo_db, qa)
                     for r in programme.cases(demo_db, qa, p["id"], today=today))
    assert {"to_do", "in_progress", "awaiting_moderation", "moderated", "reviewed"} <= set(stages)
    statuses = Counter(r["review_status"] for r in reviews.follow_ups(demo_db, qa, today=today))
    assert statuses["overdue"] >= 2 and statuses["due soon"] >= 1
    last = Quarter.containing(today).previous
    found = findings.figures(demo_db, last.start, last.end)
    assert found.moderated >= 9 and found.themes and found.targeted >= 1
    assert demo_db.execute("select count(*) from responses where form = 'audit' and audit_reference like 'CFA-%'"
                           ).fetchone()[0] > 0  # audit feedback linked to its case


def test_the_demo_programmes_never_draw_a_household_twice_within_a_year(demo_db):
    rows = list(demo_db.query("select household_id, count(*) as n from case_audits group by 1 having n > 1"))
    assert rows == []
