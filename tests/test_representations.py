import datetime as dt

import pytest

from lib.access import PermissionDenied
from lib.log import representations
from lib.report import build as report
from tests.conftest import add_user
from tests.fixtures import add_household

TODAY = dt.date(2026, 2, 16)


@pytest.fixture
def manager(db):
    return add_user(db, "manager", username="mo")


def complaint(**changes):
    return {"kind": "complaint", "received_on": dt.date(2026, 1, 5), "from_who": "foster_carer",
            "summary": "Allowance paid late and nobody called back.", **changes}


def test_a_complaint_is_logged_at_stage_1_and_coded_with_the_codebook(db, manager):
    rid = representations.record(db, manager, complaint(), today=TODAY)
    row = representations.get(db, manager, rid)
    assert (row["kind"], row["stage"], row["status"]) == ("complaint", 1, "open")
    assert {r[0] for r in db.execute("select theme_id from representation_themes")} >= {"T06", "T03"}


def test_the_stage_follows_the_dates_recorded(db, manager):
    rid = representations.record(db, manager, complaint(stage1_responded_on=dt.date(2026, 1, 12),
                                                        stage2_opened_on=dt.date(2026, 1, 20)), today=TODAY)
    assert representations.get(db, manager, rid)["stage"] == 2
    representations.update(db, manager, rid, complaint(
        stage1_responded_on=dt.date(2026, 1, 12), stage2_opened_on=dt.date(2026, 1, 20),
        stage2_responded_on=dt.date(2026, 2, 2), stage3_requested_on=dt.date(2026, 2, 9)), today=TODAY)
    assert representations.get(db, manager, rid)["stage"] == 3
    assert db.execute("select count(*) from history where entity = 'representations' and action = 'update'"
                      ).fetchone()[0] == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "grievance"}, "Type must be one of"),
        ({"from_who": "neighbour"}, "From must be one of"),
        ({"received_on": dt.date(2026, 3, 1)}, "cannot be in the future"),
        ({"stage1_responded_on": dt.date(2026, 1, 2)}, "Stage 1 response cannot be before the date received"),
        ({"stage1_responded_on": dt.date(2026, 1, 12), "stage2_opened_on": dt.date(2026, 1, 10)},
         "Stage 2 opening cannot be before the stage 1 response"),
        ({"stage2_responded_on": dt.date(2026, 1, 20)}, "needs the date the stage opened"),
        ({"stage3_requested_on": dt.date(2026, 1, 20)}, "record when stage 2 opened"),
        ({"outcome": "sort of"}, "Outcome must be one of"),
        ({"status": "closed"}, "Give the outcome before closing"),
        ({"summary": "  "}, "Summary is required"),
        ({"summary": "x" * 5001}, "at most 5,000"),
        ({"advocacy_offered": True}, "children and young people only"),
        ({"from_who": "child", "advocacy_taken": True}, "without being offered"),
        ({"household_id": 999}, "not in the register"),
    ],
)
def test_bad_log_entries_are_refused_with_a_clear_message_and_nothing_is_saved(db, manager, changes, message):
    with pytest.raises(ValueError, match=message):
        representations.record(db, manager, complaint(**changes), today=TODAY)
    assert db.execute("select count(*) from representations").fetchone()[0] == 0


def test_compliments_cannot_carry_complaint_stages(db, manager):
    with pytest.raises(ValueError, match="complaints only"):
        representations.record(db, manager, complaint(kind="compliment", stage1_responded_on=dt.date(2026, 1, 9)),
                               today=TODAY)


def test_a_bso_logs_a_compliment_but_not_a_complaint_and_cannot_read_the_log(db):
    bso = add_user(db, "bso")
    rid = representations.record(db, bso, {"kind": "compliment", "received_on": TODAY, "from_who": "foster_carer",
                                           "summary": "Thank you to our SSW."}, today=TODAY)
    assert rid
    with pytest.raises(PermissionDenied):
        representations.record(db, bso, complaint(), today=TODAY)
    with pytest.raises(PermissionDenied):
        representations.entries(db, bso)


@pytest.mark.parametrize("role", ["social_worker"])
def test_a_social_worker_cannot_use_the_log(db, role):
    with pytest.raises(PermissionDenied):
        representations.record(db, add_user(db, role), complaint(), today=TODAY)


def test_the_tracker_counts_working_days_left_and_flags_overdue_and_due_soon(db, manager):
    # received Mon 5 Jan 2026: 10 working days -> due Mon 19 Jan
    late = representations.record(db, manager, complaint(received_on=dt.date(2026, 1, 5)), today=TODAY)
    # received Mon 2 Feb: due Mon 16 Feb (today) -> due soon, 0 days left
    soon = representations.record(db, manager, complaint(received_on=dt.date(2026, 2, 2)), today=TODAY)
    # received Fri 13 Feb: due Fri 27 Feb -> on track
    fine = representations.record(db, manager, complaint(received_on=dt.date(2026, 2, 13)), today=TODAY)
    extended = representations.record(db, manager, complaint(received_on=dt.date(2026, 1, 23), stage1_extended=True),
                                      today=TODAY)  # 20 working days -> Fri 20 Feb
    rows = {t.id: t for t in representations.tracker(db, manager, today=TODAY)}
    assert (rows[late].due, rows[late].status) == (dt.date(2026, 1, 19), "overdue") and rows[late].days_left < 0
    assert (rows[soon].due, rows[soon].days_left, rows[soon].status) == (dt.date(2026, 2, 16), 0, "due soon")
    assert (rows[fine].due, rows[fine].status) == (dt.date(2026, 2, 27), "on track")
    assert (rows[extended].due, rows[extended].days_left, rows[extended].status) == (dt.date(2026, 2, 20), 4, "on track")
    assert [t.id for t in representations.tracker(db, manager, today=TODAY)][0] == late


def test_quarter_counts_feed_the_report_with_suppression(db, manager):
    qa = add_user(db, "qa")
    add_household(db, "M1")
    for day in range(5, 12):  # 7 complaints in Q4 2025/26, five answered in time, two late
        responded = dt.date(2026, 1, day) + dt.timedelta(days=7 if day < 10 else 30)
        representations.record(db, manager, complaint(received_on=dt.date(2026, 1, day),
                                                      stage1_responded_on=min(responded, TODAY),
                                                      outcome="upheld", status="closed"), today=TODAY)
    representations.record(db, manager, {"kind": "compliment", "received_on": dt.date(2026, 1, 20),
                                         "from_who": "birth_parent", "summary": "Lovely carers."}, today=TODAY)
    found = representations.counts(db, dt.date(2026, 1, 1), dt.date(2026, 3, 31), today=TODAY)
    assert found["by_kind"] == {"compliment": 1, "comment": 0, "complaint": 7}
    assert (found["responded"], found["in_time"]) == (7, 5)
    assert found["compliments_by_role"] == {"Not recorded": 1} and found["compliments_by_team"] == {"Not recorded": 1}
    value = report.build(db, qa, "2025/26-Q4", today=TODAY)
    section = next(s for s in value.sections if s.key == "complaints")
    received = dict(section.tables[0].rows)
    assert received == {"Compliment": "c", "Comment": "0", "Complaint": "c", "Total": "8"}
    # 7 responded to would say 7 complaints (responses are some of the complaints, and there are at most
    # 8 - 1 of them), and with the total of 8, the one compliment: so it is hidden too.
    assert section.summary[1] == "Stage 1 responses in time: c (of c responded to)."


def test_a_deleted_entry_needs_a_reason_leaves_the_tracker_and_qa_restores_it(db, manager):
    qa = add_user(db, "qa")
    rid = representations.record(db, manager, complaint(), today=TODAY)
    with pytest.raises(ValueError, match="Reason for deleting is required"):
        representations.soft_delete(db, manager, rid, " ")
    representations.soft_delete(db, manager, rid, "Logged twice")
    assert representations.tracker(db, manager, today=TODAY) == []
    assert [r["delete_reason"] for r in representations.entries(db, qa, deleted=True)] == ["Logged twice"]
    with pytest.raises(PermissionDenied):
        representations.restore(db, manager, rid)
    representations.restore(db, qa, rid)
    assert [t.id for t in representations.tracker(db, manager, today=TODAY)] == [rid]
