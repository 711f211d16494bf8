"""Retention: QA previews, confirms, and old feedback is anonymised in one audited transaction."""

import datetime as dt
import json

import pytest

from lib.access import PermissionDenied
from lib.capture import feedback
from lib.log import representations
from lib.store import retention, settings
from lib.themes import coding, explorer, review
from lib.ui import session
from tests.conftest import by_label, no_exceptions
from tests.fixtures import user

# With a one-year policy on this day, the cutoff is 1 April 2026: the demo's first ten months or so are past it.
LATER = dt.date(2027, 5, 1)
CUTOFF = "2026-04-01"


@pytest.fixture
def one_year(demo_db):
    settings.update(demo_db, user(demo_db, "qa"), {"retention_years": 1})
    return demo_db


def table_counts(db) -> dict:
    return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in (
        "responses", "answers", "comments", "comment_themes", "follow_ups", "representations", "households",
        "history")}


def old_theme_counts(db) -> list[dict]:
    filters = explorer.Filters(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    return sorted(explorer.theme_counts(db, user(db, "qa"), filters), key=lambda r: tuple(map(str, r.values())))


def test_the_cutoff_is_the_start_of_the_financial_year_so_many_years_back(one_year):
    assert retention.cutoff(one_year, LATER) == dt.date(2026, 4, 1)
    assert retention.cutoff(one_year, dt.date(2027, 3, 31)) == dt.date(2025, 4, 1)
    settings.update(one_year, user(one_year, "qa"), {"retention_years": 6})
    assert retention.cutoff(one_year, LATER) == dt.date(2021, 4, 1)


def test_the_preview_counts_what_would_change_and_changes_nothing(one_year):
    before = table_counts(one_year)
    shown = retention.preview(one_year, user(one_year, "qa"), today=LATER)
    old = one_year.execute("select count(*) from responses where contact_on < ? and deleted_at is null",
                           [CUTOFF]).fetchone()[0]
    assert shown["cutoff"] == CUTOFF
    assert shown["entries_anonymised"] == old > 100
    assert shown["comments_cleared"] > 0
    assert table_counts(one_year) == before


def test_applying_anonymises_old_entries_but_keeps_their_answers_themes_and_counts(one_year):
    qa = user(one_year, "qa")
    counts_before = old_theme_counts(one_year)
    answers_before = one_year.execute("select count(*) from answers a join responses r on r.id = a.response_id "
                                      "where r.contact_on < ?", [CUTOFF]).fetchone()[0]
    newer = one_year.execute("select id, household_id, child_reference from responses where contact_on >= ? "
                             "and household_id is not null order by id limit 1", [CUTOFF]).fetchone()
    done = retention.apply(one_year, qa, today=LATER, expected=retention.preview(one_year, qa, today=LATER))
    assert done["entries_anonymised"] > 100
    left = one_year.execute("""select count(*) from responses where contact_on < ? and (household_id is not null
                                 or parent_reference is not null or child_reference is not null
                                 or audit_reference is not null or title is not null or anonymised_at is null)""",
                            [CUTOFF]).fetchone()[0]
    assert left == 0
    bodies = {r[0] for r in one_year.execute("select c.body from comments c join responses r on r.id = c.response_id "
                                             "where r.contact_on < ?", [CUTOFF])}
    assert bodies == {retention.REMOVED}
    assert one_year.execute("select count(*) from comments c join responses r on r.id = c.response_id "
                            "where r.contact_on < ? and c.consent_to_quote = 1", [CUTOFF]).fetchone()[0] == 0
    assert one_year.execute("select count(*) from answers a join responses r on r.id = a.response_id "
                            "where r.contact_on < ?", [CUTOFF]).fetchone()[0] == answers_before
    assert old_theme_counts(one_year) == counts_before
    assert one_year.execute("select id, household_id, child_reference from responses where id = ?",
                            [newer[0]]).fetchone() == newer


def test_deleted_old_entries_are_removed_for_good_with_their_answers_and_comments(one_year):
    qa = user(one_year, "qa")
    old_id = one_year.execute("select id from responses where contact_on < ? and deleted_at is null order by id "
                              "limit 1", [CUTOFF]).fetchone()[0]
    feedback.soft_delete(one_year, qa, old_id, "Entered twice")
    shown = retention.preview(one_year, qa, today=LATER)
    assert shown["deleted_entries_removed"] >= 1
    retention.apply(one_year, qa, today=LATER, expected=shown)
    for table, column in (("responses", "id"), ("answers", "response_id"), ("comments", "response_id"),
                          ("follow_ups", "response_id")):
        assert one_year.execute(f"select count(*) from {table} where {column} = ?", [old_id]).fetchone()[0] == 0


def test_closed_old_log_entries_are_anonymised_and_open_ones_are_left_alone(one_year):
    qa = user(one_year, "qa")
    with_household = one_year.execute("select id from households where status = 'active' limit 1").fetchone()[0]
    entry = {"kind": "complaint", "received_on": dt.date(2025, 9, 1), "from_who": "foster_carer",
             "summary": "Allowance late for Ann Example", "household_id": with_household}
    still_open = representations.record(one_year, qa, entry, today=dt.date(2025, 9, 2))
    shown = retention.preview(one_year, qa, today=LATER)
    retention.apply(one_year, qa, today=LATER, expected=shown)
    kept = one_year.execute("select summary, household_id, anonymised_at from representations where id = ?",
                            [still_open]).fetchone()
    assert kept == ("Allowance late for Ann Example", with_household, None)
    closed = one_year.execute("select summary, learning, household_id, kind, outcome from representations "
                              "where received_on < ? and status = 'closed' and deleted_at is null", [CUTOFF]).fetchall()
    assert closed and all(row[0] == retention.REMOVED and row[1] is None and row[2] is None for row in closed)
    assert shown["log_entries_anonymised"] == len(closed)


def test_the_audit_log_keeps_every_row_clears_the_old_values_and_records_the_purge(one_year):
    qa = user(one_year, "qa")
    old_id = one_year.execute("select id from responses where contact_on < ? and form = 'carer' and "
                              "outcome = 'completed' and household_id is not null order by id limit 1",
                              [CUTOFF]).fetchone()[0]
    feedback.mark_copied(one_year, qa, old_id, dt.date(2026, 1, 5))
    rows_before = one_year.execute("select count(*) from history").fetchone()[0]
    shown = retention.preview(one_year, qa, today=LATER)
    retention.apply(one_year, qa, today=LATER, expected=shown)
    assert one_year.execute("select count(*) from history").fetchone()[0] == rows_before + 1
    details = [json.loads(r[0]) for r in one_year.execute(
        "select detail from history where entity = 'responses' and entity_id = ?", [str(old_id)])]
    assert details and all(d == retention.CLEARED for d in details)
    last = one_year.execute("select action, username, detail from history order by id desc limit 1").fetchone()
    assert last[0] == "retention" and last[1] == qa.username
    assert json.loads(last[2])["entries_anonymised"] == shown["entries_anonymised"]
    # A later, stricter run leaves the first run's record as it was.
    settings.update(one_year, qa, {"retention_years": 1})
    retention.apply(one_year, qa, today=dt.date(2028, 5, 1),
                    expected=retention.preview(one_year, qa, today=dt.date(2028, 5, 1)))
    first = one_year.execute("select detail from history where action = 'retention' order by id").fetchone()[0]
    assert json.loads(first)["cutoff"] == CUTOFF


def test_inactive_households_linked_to_nothing_newer_are_deleted_and_the_rest_kept(one_year):
    qa = user(one_year, "qa")
    unlinked = [r[0] for r in one_year.execute(
        """select id from households h where not exists (select 1 from responses r where r.household_id = h.id
             and r.contact_on >= ?) and not exists (select 1 from representations x where x.household_id = h.id)
           order by id limit 3""", [CUTOFF])]
    linked = one_year.execute("select household_id from responses where contact_on >= ? and household_id is not null "
                              "limit 1", [CUTOFF]).fetchone()[0]
    assert len(unlinked) == 3
    one_year.execute("update households set status = 'inactive', updated_at = '2025-06-01T00:00:00+00:00' "
                     "where id in (select value from json_each(?))", [json.dumps(unlinked + [linked])])
    shown = retention.preview(one_year, qa, today=LATER)
    households = one_year.execute("select count(*) from households").fetchone()[0]
    retention.apply(one_year, qa, today=LATER, expected=shown)
    remaining = {r[0] for r in one_year.execute("select id from households")}
    assert not remaining & set(unlinked)
    assert linked in remaining
    assert len(remaining) == households - shown["households_deleted"]
    assert one_year.execute("pragma foreign_key_check").fetchall() == []


def test_a_change_since_the_preview_stops_the_purge_and_nothing_happens(one_year):
    qa = user(one_year, "qa")
    shown = retention.preview(one_year, qa, today=LATER)
    old_id = one_year.execute("select id from responses where contact_on < ? and deleted_at is null limit 1",
                              [CUTOFF]).fetchone()[0]
    feedback.soft_delete(one_year, qa, old_id, "Duplicate")
    before = table_counts(one_year)
    with pytest.raises(ValueError, match="changed since the preview"):
        retention.apply(one_year, qa, today=LATER, expected=shown)
    assert table_counts(one_year) == before
    assert one_year.execute("select count(*) from responses where anonymised_at is not null").fetchone()[0] == 0


def test_with_nothing_past_the_period_applying_says_so(demo_db):
    qa = user(demo_db, "qa")
    shown = retention.preview(demo_db, qa, today=dt.date(2026, 11, 1))
    with pytest.raises(ValueError, match="nothing to do"):
        retention.apply(demo_db, qa, today=dt.date(2026, 11, 1), expected=shown)


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_preview_or_apply_retention(one_year, role):
    with pytest.raises(PermissionDenied):
        retention.preview(one_year, user(one_year, role), today=LATER)
    with pytest.raises(PermissionDenied):
        retention.apply(one_year, user(one_year, role), today=LATER, expected={})


def test_anonymised_comments_are_not_recoded_reviewed_or_offered_as_emerging(one_year):
    qa = user(one_year, "qa")
    retention.apply(one_year, qa, today=LATER, expected=retention.preview(one_year, qa, today=LATER))
    before = old_theme_counts(one_year)
    coding.recode_all(one_year, qa)
    assert old_theme_counts(one_year) == before
    assert all(row["body"] != retention.REMOVED for row in review.review_queue(one_year, qa, reviewed=None,
                                                                                 limit=5000))
    filters = explorer.Filters(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert all(row["body"] != retention.REMOVED for row in explorer.uncoded(one_year, qa, filters))


def test_qa_previews_confirms_and_applies_retention_on_the_settings_page(one_year, app, monkeypatch):

    monkeypatch.setattr(session, "today", lambda: LATER)
    at = app(user(one_year, "qa"))
    at.switch_page("app_pages/store/service_settings.py").run()
    by_label(at.button, "Preview retention").click().run()
    assert no_exceptions(at) == []
    assert any("Everything dated before 1 April 2026" in m.value for m in at.markdown)
    apply_button = by_label(at.button, "Apply retention")
    assert apply_button.disabled
    by_label(at.checkbox, "I have a backup and want to apply retention now; this cannot be undone").check().run()
    by_label(at.button, "Apply retention").click().run()
    assert no_exceptions(at) == []
    assert any(s.value.startswith("Retention applied:") for s in at.success)
    assert one_year.execute("select count(*) from responses where anonymised_at is not null").fetchone()[0] > 100
    assert one_year.execute("select count(*) from history where action = 'retention'").fetchone()[0] == 1


@pytest.mark.parametrize("today", [LATER, dt.date(2040, 5, 1)], ids=["older-entries", "every-entry"])
def test_words_retention_removes_are_gone_from_the_database_files_not_only_from_its_tables(one_year, db_path, today):
    cutoff = retention.cutoff(one_year, today).isoformat()
    old_words = [r[0] for r in one_year.execute(
        """select distinct c.body from comments c join responses r on r.id = c.response_id
           where r.contact_on < ? and length(c.body) > 25""", [cutoff])]
    kept = "\n".join(r[0] for r in one_year.execute(
        """select c.body from comments c join responses r on r.id = c.response_id where r.contact_on >= ?""",
        [cutoff]))
    gone = [words for words in old_words if words not in kept]  # the demo repeats phrases; these are only old
    one_year.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db_path.read_bytes()
    assert len(gone) > 50 and sum(words.encode() in before for words in gone) > 50
    qa = user(one_year, "qa")
    retention.apply(one_year, qa, today=today, expected=retention.preview(one_year, qa, today=today))
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    left = [words for words in gone if words.encode() in data]
    assert left == [], f"{len(left)} of {len(gone)} anonymised comments are still readable in the file"
