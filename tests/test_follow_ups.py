import datetime as dt

import pytest

from lib.access import PermissionDenied
from lib.capture import feedback, follow_ups
from tests.conftest import add_user
from tests.fixtures import TODAY, add_household, carer_entry


@pytest.fixture
def flagged(db):
    bso = add_user(db, "bso")
    home = add_household(db)
    response_id = feedback.record(db, bso, "carer", carer_entry(home, safeguarding=True, callback=True,
                                                                 callback_note="Ring after 3pm"), today=TODAY)
    return response_id


def test_open_flags_are_listed_for_managers_with_their_entry(db, flagged):
    manager = add_user(db, "manager")
    rows = follow_ups.open_items(db, manager)
    assert {(r["kind"], r["response_id"]) for r in rows} == {("safeguarding", flagged), ("callback", flagged)}
    assert follow_ups.counts(db, manager) == {"callback": 1, "safeguarding": 1}


def test_a_safeguarding_flag_closes_only_after_recording_who_was_told(db, flagged):
    manager = add_user(db, "manager")
    flag = next(r for r in follow_ups.open_items(db, manager) if r["kind"] == "safeguarding")
    with pytest.raises(ValueError, match="Record who was told"):
        follow_ups.close(db, manager, flag["id"], "Done")
    follow_ups.record_told(db, manager, flag["id"], told_whom="Duty team manager",
                           told_at=dt.datetime(2026, 2, 15, 11, 30, tzinfo=dt.timezone.utc))
    follow_ups.close(db, manager, flag["id"], "Strategy discussion held")
    closed = follow_ups.open_items(db, manager, kind="safeguarding", status="closed")
    assert [(r["told_whom"], r["told_at"], r["closing_note"]) for r in closed] == \
        [("Duty team manager", "2026-02-15T11:30:00+00:00", "Strategy discussion held")]
    with pytest.raises(ValueError, match="already closed"):
        follow_ups.close(db, manager, flag["id"], "again")


def test_closing_needs_a_note(db, flagged):
    manager = add_user(db, "manager")
    callback = next(r for r in follow_ups.open_items(db, manager) if r["kind"] == "callback")
    with pytest.raises(ValueError, match="What was done is required"):
        follow_ups.close(db, manager, callback["id"], " ")


def test_deleting_an_entry_never_hides_its_open_safeguarding_flag(db, flagged):
    qa = add_user(db, "qa")
    feedback.soft_delete(db, qa, flagged, "test entry")
    rows = follow_ups.open_items(db, qa)
    assert {(r["kind"], r["entry_deleted"]) for r in rows} == {("safeguarding", 1), ("callback", 1)}
    assert follow_ups.counts(db, qa) == {"callback": 1, "safeguarding": 1}


def test_who_was_told_cannot_be_in_the_future_or_recorded_on_a_closed_flag(db, flagged):
    manager = add_user(db, "manager")
    flag = next(r for r in follow_ups.open_items(db, manager) if r["kind"] == "safeguarding")
    with pytest.raises(ValueError, match="cannot be in the future"):
        follow_ups.record_told(db, manager, flag["id"], told_whom="Duty team",
                               told_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    follow_ups.record_told(db, manager, flag["id"], told_whom="Duty team",
                           told_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    follow_ups.close(db, manager, flag["id"], "Handled")
    with pytest.raises(ValueError, match="already closed"):
        follow_ups.record_told(db, manager, flag["id"], told_whom="Someone else",
                               told_at=dt.datetime.now(dt.timezone.utc))


@pytest.mark.parametrize("role", ["bso", "social_worker"])
def test_bsos_and_social_workers_cannot_see_or_close_follow_ups(db, flagged, role):
    user = add_user(db, role)
    with pytest.raises(PermissionDenied):
        follow_ups.open_items(db, user)
    with pytest.raises(PermissionDenied):
        follow_ups.close(db, user, 1, "x")
    with pytest.raises(PermissionDenied):
        follow_ups.counts(db, user)
