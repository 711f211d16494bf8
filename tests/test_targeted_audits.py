"""Targeted audits: the template's rules, coding of the learning, listing by quarter, history and soft delete."""

import datetime as dt
import json

import pytest

from lib.access import PermissionDenied
from lib.audits import targeted as targeted_audits
from lib.periods import Quarter
from lib.themes import codebook
from tests.conftest import add_user

TODAY = dt.date(2026, 2, 15)


def entry(**changes):
    return {"topic": "Allowance payment delays", "reason": "complaints", "reason_detail": "Complaints in Q3",
            "scope": "Every allowance complaint in the quarter.", "cases_reviewed": 8,
            "findings": "Delays followed changes of bank details.",
            "learning": "Publish the payment dates and the finance escalation route for allowances.",
            "started_on": dt.date(2026, 1, 5), "completed_on": dt.date(2026, 1, 30), **changes}


@pytest.fixture
def group_manager(db):
    codebook.ensure(db)
    return add_user(db, "manager", username="gm")


def test_a_targeted_audit_is_saved_with_its_learning_coded_and_listed_under_its_quarter(db, group_manager):
    targeted_id = targeted_audits.record(db, group_manager, entry(), today=TODAY)
    row = targeted_audits.get(db, group_manager, targeted_id)
    assert (row["topic"], row["reason"], row["cases_reviewed"]) == ("Allowance payment delays", "complaints", 8)
    assert "T06" in row["themes"]
    q4 = targeted_audits.listing(db, group_manager, quarter=Quarter(2025, 4))
    assert [(r["id"], r["quarter"]) for r in q4] == [(targeted_id, "2025/26 Q4")]
    assert targeted_audits.listing(db, group_manager, quarter=Quarter(2025, 3)) == []


@pytest.mark.parametrize("changes, message", [
    ({"topic": " "}, "Topic is required"),
    ({"reason": ""}, "Why the topic was chosen is required"),
    ({"reason": "gut feeling"}, "Why the topic was chosen must be one of: Supervision, Complaints, Service dashboard"),
    ({"scope": ""}, "Scope is required"),
    ({"findings": ""}, "Findings is required"),
    ({"learning": ""}, "Learning is required"),
    ({"cases_reviewed": -2}, "Cases reviewed must be between 0 and 10,000"),
    ({"cases_reviewed": "lots"}, "Cases reviewed must be a whole number"),
    ({"completed_on": None}, "The completion date is required"),
    ({"completed_on": dt.date(2026, 3, 1)}, "The completion date cannot be in the future"),
    ({"started_on": dt.date(2026, 2, 1)}, "The completion date cannot be before the start date"),
    ({"learning": "x" * 5001}, "Learning must be at most 5,000 characters"),
])
def test_a_bad_targeted_audit_is_refused_with_a_sentence_naming_the_field(db, group_manager, changes, message):
    with pytest.raises(ValueError, match=message):
        targeted_audits.record(db, group_manager, entry(**changes), today=TODAY)
    assert db.execute("select count(*) from targeted_audits").fetchone()[0] == 0


def test_changes_keep_the_old_values_and_a_deleted_audit_can_be_restored_by_qa(db, group_manager):
    qa = add_user(db, "qa", username="quinn")
    targeted_id = targeted_audits.record(db, group_manager, entry(), today=TODAY)
    diff = targeted_audits.update(db, group_manager, targeted_id, entry(learning="Check allowances at supervision."),
                                  today=TODAY)
    assert diff == {"learning": ["Publish the payment dates and the finance escalation route for allowances.",
                                 "Check allowances at supervision."]}
    logged = db.execute("select detail from history where entity = 'targeted_audits' and action = 'update'").fetchone()
    assert json.loads(logged[0]) == diff
    targeted_audits.soft_delete(db, group_manager, targeted_id, "Recorded twice.")
    assert targeted_audits.listing(db, group_manager) == []
    with pytest.raises(PermissionDenied):
        targeted_audits.restore(db, group_manager, targeted_id)
    assert [r["delete_reason"] for r in targeted_audits.listing(db, qa, deleted=True)] == ["Recorded twice."]
    targeted_audits.restore(db, qa, targeted_id)
    assert [r["id"] for r in targeted_audits.listing(db, qa)] == [targeted_id]


def test_bsos_social_workers_and_advanced_practitioners_cannot_record_targeted_audits(db, group_manager):
    for role in ("bso", "social_worker", "advanced_practitioner"):
        with pytest.raises(PermissionDenied):
            targeted_audits.record(db, add_user(db, role), entry(), today=TODAY)
