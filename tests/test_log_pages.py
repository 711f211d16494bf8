"""The compliments, comments and complaints log and the "You said, we did" page, through AppTest."""

import datetime as dt

import pytest

from lib import dates
from lib.log import representations
from lib.ui import session
from tests.conftest import no_exceptions
from tests.fixtures import open_form, user


def save(at, base, label="Save"):
    at.button(key=f"save_{base}").click().run()
    assert no_exceptions(at) == [], [e.value for e in at.exception]


def test_a_manager_logs_a_stage_1_complaint_escalates_it_to_stage_2_and_closes_it(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    at.session_state["rep_view"] = "Record"
    at.run()
    at.radio(key="rep_new_0_kind").set_value("complaint").run()
    at.selectbox(key="rep_new_0_from_who").set_value("kinship_carer")
    at.text_area(key="rep_new_0_summary").input("The allowance was paid late again.")
    at.date_input(key="rep_new_0_received").set_value(session.today() - dt.timedelta(days=30))
    save(at, "rep_new_0")
    rid = demo_db.execute("select max(id) from representations").fetchone()[0]
    due = representations.due_now(demo_db, rid, today=session.today())
    assert at.success[0].value == f"Logged complaint #{rid}; stage 1 response due {dates.day(due[1])}."
    assert demo_db.execute("select stage, status from representations where id = :i", {"i": rid}).fetchone() == (1, "open")

    at.session_state["rep_view"] = "Log"
    at.run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    base = f"rep_{rid}_0"
    at.date_input(key=f"{base}_s1r").set_value(session.today() - dt.timedelta(days=20))
    at.date_input(key=f"{base}_s2o").set_value(session.today() - dt.timedelta(days=15))
    save(at, base, "Save changes")
    assert demo_db.execute("select stage from representations where id = :i", {"i": rid}).fetchone()[0] == 2

    base = f"rep_{rid}_1"  # after a save the form starts again from the saved entry
    at.date_input(key=f"{base}_s2r").set_value(session.today() - dt.timedelta(days=2))
    at.selectbox(key=f"{base}_outcome").set_value("partly_upheld")
    at.radio(key=f"{base}_status").set_value("closed")
    save(at, base, "Save changes")
    row = demo_db.execute("select stage, status, outcome from representations where id = :i", {"i": rid}).fetchone()
    assert row == (2, "closed", "partly_upheld")


def test_a_date_out_of_order_is_refused_on_screen(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    at.session_state["rep_view"] = "Record"
    at.run()
    at.radio(key="rep_new_0_kind").set_value("complaint").run()
    at.selectbox(key="rep_new_0_from_who").set_value("foster_carer")
    at.text_area(key="rep_new_0_summary").input("Nobody called back.")
    at.date_input(key="rep_new_0_s1r").set_value(session.today() - dt.timedelta(days=40))
    at.date_input(key="rep_new_0_received").set_value(session.today() - dt.timedelta(days=10))
    before = demo_db.execute("select count(*) from representations").fetchone()[0]
    save(at, "rep_new_0")
    assert "Stage 1 response cannot be before the date received" in at.error[0].value
    assert demo_db.execute("select count(*) from representations").fetchone()[0] == before


def test_the_overdue_complaints_are_on_one_screen_with_their_days_overdue(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    frame = at.dataframe[0].value
    assert len(frame) > 0 and set(frame["Status"]) <= {"🔴 overdue", "🟠 due soon", "🟢 on track"}
    overdue = frame[frame["Status"] == "🔴 overdue"]
    assert (overdue["Working days left"] < 0).all()
    assert int(at.metric[0].value) == len(overdue)


def test_a_bso_records_a_compliment_but_sees_no_complaint_option_or_log(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/log/complaints.py")
    assert at.radio(key="rep_new_0_kind").options == ["Compliment", "Comment"]
    at.selectbox(key="rep_new_0_from_who").set_value("foster_carer")
    at.text_area(key="rep_new_0_summary").input("Thank you to our supervising social worker.")
    save(at, "rep_new_0")
    assert at.success[0].value.startswith("Logged compliment #")
    assert not at.dataframe


@pytest.mark.parametrize("script", ["app_pages/log/complaints.py", "app_pages/log/actions.py"])
def test_a_social_worker_cannot_open_the_log_or_the_actions(demo_db, app, script):
    at = app(user(demo_db, "social_worker"))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page(script).run()


def test_a_manager_adds_an_action_linked_to_a_theme(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/log/actions.py")
    at.text_area(key="action_new_0_said").input("Parents want photos more often.")
    at.multiselect(key="action_new_0_themes").set_value(["T25"])
    at.text_area(key="action_new_0_will_do").input("Ask carers to share photos monthly.")
    next(b for b in at.button if b.label == "Add action").click().run()
    assert no_exceptions(at) == [] and at.success[0].value.startswith("Added action #")
    assert demo_db.execute("select said, status from actions order by id desc limit 1").fetchone() == \
        ("Parents want photos more often.", "planned")


def test_a_second_manager_saving_over_a_newer_change_is_told_who_made_it_and_keeps_their_typing(demo_db, app):
    rid = demo_db.execute("select max(id) from representations where kind = 'complaint' and status = 'open' "
                          "and deleted_at is null").fetchone()[0]
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    at.session_state["rep_view"] = "Log"
    at.run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    base = f"rep_{rid}_0"
    qa = user(demo_db, "qa")
    saved = representations.get(demo_db, qa, rid)
    entry = {k: saved[k] for k in ("kind", "received_on", "from_who", "summary")} | {
        "stage1_responded_on": session.today() - dt.timedelta(days=1)}
    representations.update(demo_db, qa, rid, entry, today=session.today())  # QA records the response meanwhile
    at.text_area(key=f"{base}_learning").input("Ring the carer back within two days.")
    save(at, base, "Save changes")
    assert [e.value for e in at.error][0].startswith(f"{qa.display_name} changed this log entry at ")
    assert at.text_area(key=f"{base}_learning").value == "Ring the carer back within two days."
    row = demo_db.execute("select stage1_responded_on, learning from representations where id = :i", {"i": rid}).fetchone()
    assert row[0] == entry["stage1_responded_on"].isoformat() and row[1] == saved["learning"]
    next(b for b in at.button if b.label.startswith("Load the saved version")).click().run()
    assert at.text_area(key=f"rep_{rid}_1_learning").value == (saved["learning"] or "")


def test_a_manager_deletes_a_log_entry_only_with_a_reason_and_it_leaves_the_log(demo_db, app):
    rid = demo_db.execute("select max(id) from representations where deleted_at is null").fetchone()[0]
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    at.session_state["rep_view"] = "Log"
    at.run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    next(b for b in at.button if b.label == "Delete entry").click().run()
    assert no_exceptions(at) == [] and "Reason for deleting" in at.error[0].value
    assert demo_db.execute("select deleted_at from representations where id = :i", {"i": rid}).fetchone()[0] is None
    next(t for t in at.text_input if t.label == "Why delete it?").input("Logged twice")
    next(b for b in at.button if b.label == "Delete entry").click().run()
    assert at.success[0].value == f"Deleted log entry #{rid}. QA can restore it."
    assert demo_db.execute("select delete_reason from representations where id = :i", {"i": rid}).fetchone()[0] \
        == "Logged twice"
    assert f"#{rid}" not in next(s for s in at.selectbox if s.label == "Open entry").options


def test_a_save_that_meets_a_read_only_database_says_so_and_keeps_the_typing(demo_db, app, monkeypatch):
    import sqlite3

    def read_only(*_args, **_kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    at.session_state["rep_view"] = "Record"
    at.run()
    monkeypatch.setattr(representations, "record", read_only)
    at.radio(key="rep_new_0_kind").set_value("complaint").run()
    at.selectbox(key="rep_new_0_from_who").set_value("foster_carer")
    at.text_area(key="rep_new_0_summary").input("Nobody called back about the allowance.")
    save(at, "rep_new_0")
    assert at.error[0].value.startswith("The database can only be read at the moment, so nothing could be saved.")
    assert at.text_area(key="rep_new_0_summary").value == "Nobody called back about the allowance."
