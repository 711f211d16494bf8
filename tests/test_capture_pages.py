"""The feedback forms, My month, Entries, Compliance and Follow-ups, driven through AppTest."""

import datetime as dt
import sqlite3

import pytest

from lib import store, text
from lib.capture import feedback, follow_ups
from lib.people import accounts
from lib.ui import session
from tests.conftest import no_exceptions
from tests.fixtures import household, open_form, user


def responses(db):
    return db.execute("select count(*) from responses").fetchone()[0]


def row_household(db, entry):
    """"Birch Treacle (DEMO-10005)": the household of a saved entry, as save messages name it."""
    return "{} ({})".format(*db.execute("select h.display_name, h.reference from responses r join households h "
                                        "on h.id = r.household_id where r.id = :id", {"id": entry}).fetchone())


def save(at, form):
    generation = at.session_state[f"_generation_{form}"] if f"_generation_{form}" in at.session_state else 0
    at.button(key=f"save_{form}_{generation}").click().run()
    return at


def test_a_bso_records_a_completed_carer_call_and_the_form_clears(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    home = household(demo_db, "kinship")
    at.selectbox(key="carer_0_household").set_value(home).run()
    assert at.radio(key=f"carer_0_cohort_{home}").value == "kinship"
    assert at.radio(key="carer_0_KIN03") and not [r for r in at.radio if r.key == "carer_0_MAIN01"]
    at.radio(key="carer_0_CAR01").set_value("4")
    at.radio(key="carer_0_CAR18").set_value("yes")
    at.radio(key="carer_0_KIN03").set_value("2")
    at.text_area(key="carer_0_CAR_BETTER").input("Allowance doesn't cover uniform.")
    at.checkbox(key="carer_0_CAR_BETTER_consent").check()
    before = responses(demo_db)
    save(at, "carer")
    assert no_exceptions(at) == [] and [e.value for e in at.error] == []
    new_id = demo_db.execute("select max(id) from responses").fetchone()[0]
    name, reference = demo_db.execute("select display_name, reference from households where id = :h", {"h": home}).fetchone()
    assert [s.value for s in at.success] == [text.escape_markdown(
        f"Saved carer feedback for {name} ({reference}) as entry #{new_id}. The form is ready for the next one.")]
    assert responses(demo_db) == before + 1
    row = next(demo_db.query("select * from responses where id = :id", {"id": new_id}))
    assert (row["household_id"], row["cohort"], row["outcome"], row["method"]) == (home, "kinship", "completed", "phone")
    assert demo_db.execute("select body, consent_to_quote from comments where response_id = :id",
                           {"id": new_id}).fetchall() == [("Allowance doesn't cover uniform.", 1)]
    assert at.selectbox(key="carer_1_household").value is None


def test_an_unanswered_call_saves_an_attempt_and_shows_no_questions(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_outcome").set_value("no_answer").run()
    assert not [r for r in at.radio if r.key == "carer_0_CAR01"]
    save(at, "carer")
    new_id = demo_db.execute("select max(id) from responses").fetchone()[0]
    assert at.success[0].value.startswith("Saved contact attempt (no answer) for ")
    assert f"as entry #{new_id}. The form is ready" in at.success[0].value
    assert demo_db.execute("select outcome from responses where id = :id", {"id": new_id}).fetchone()[0] == "no_answer"
    assert demo_db.execute("select count(*) from answers where response_id = :id", {"id": new_id}).fetchone()[0] == 0


def test_a_missing_required_answer_shows_an_error_saves_nothing_and_keeps_what_was_typed(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_CAR18").set_value("yes")
    at.text_area(key="carer_0_CAR_WELL").input("Kept after the error")
    before = responses(demo_db)
    save(at, "carer")
    assert "Please answer: “Overall, how would you rate" in at.error[0].value
    assert responses(demo_db) == before
    assert at.text_area(key="carer_0_CAR_WELL").value == "Kept after the error"


def test_the_same_form_submitted_again_is_saved_once(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    home = household(demo_db)
    at.selectbox(key="carer_0_household").set_value(home).run()
    at.radio(key="carer_0_outcome").set_value("declined").run()
    before = responses(demo_db)
    save(at, "carer")
    # The same form arrives again (a double click whose first run was cut short, or a stale tab).
    at.session_state["_generation_carer"] = 0
    at.run()
    at.selectbox(key="carer_0_household").set_value(home).run()
    at.radio(key="carer_0_outcome").set_value("declined").run()
    save(at, "carer")
    assert responses(demo_db) == before + 1


def test_a_safeguarding_tick_shows_the_instruction_and_lists_the_flag_for_managers(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/parent_feedback.py")
    at.selectbox(key="parent_0_household").set_value(household(demo_db)).run()
    at.radio(key="parent_0_relationship").set_value("father")
    at.radio(key="parent_0_PAR01").set_value("2")
    at.text_area(key="parent_0_PAR_PASS").input("He said the child came to contact with a bruise.")
    at.checkbox(key="parent_0_safeguarding").check()
    at.text_area(key="parent_0_safeguarding_note").input("Bruise seen at contact.")
    save(at, "parent")
    assert [e.value for e in at.error] == [follow_ups.SAFEGUARDING_INSTRUCTION]
    assert follow_ups.SAFEGUARDING_INSTRUCTION in [t.value for t in at.toast]
    new_id = demo_db.execute("select max(id) from responses").fetchone()[0]
    at = open_form(app, demo_db, "manager", "app_pages/capture/follow_ups.py")
    assert new_id in list(at.dataframe[0].value["Entry"])


def test_a_social_worker_records_an_under_8s_views_on_the_face_scale(demo_db, app):
    at = open_form(app, demo_db, "social_worker", "app_pages/capture/child_feedback.py")
    at.selectbox(key="child_0_household").set_value(household(demo_db)).run()
    at.radio(key="child_0_age_band").set_value("under_8").run()
    safe = at.radio(key="child_0_Y1_01")
    assert safe.options == ["😊 Happy", "😐 In the middle", "☹ Sad"]
    safe.set_value("3")
    at.text_input(key="child_0_child_reference").input("C765432")
    at.radio(key="child_0_helped_by").set_value("advocate")
    save(at, "child")
    assert at.success[0].value.startswith("Saved child's views for ")
    row = next(demo_db.query("select * from responses order by id desc limit 1"))
    assert (row["child_reference"], row["age_band"], row["helped_by"]) == ("C765432", "under_8", "advocate")


def test_a_child_reference_that_looks_like_a_name_is_refused_on_screen(demo_db, app):
    at = open_form(app, demo_db, "social_worker", "app_pages/capture/child_feedback.py")
    at.selectbox(key="child_0_household").set_value(household(demo_db)).run()
    at.radio(key="child_0_age_band").set_value("12_plus").run()
    at.radio(key="child_0_Y3_01").set_value("always")
    at.text_input(key="child_0_child_reference").input("Jamie Smith")
    at.radio(key="child_0_helped_by").set_value("alone")
    before = responses(demo_db)
    save(at, "child")
    assert "never a name" in at.error[0].value and responses(demo_db) == before


def test_a_manager_records_audit_feedback_from_a_birth_parent(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/capture/audit_feedback.py")
    at.radio(key="audit_0_respondent").set_value("birth_parent").run()
    at.selectbox(key="audit_0_household").set_value(household(demo_db)).run()
    assert [r.key for r in at.radio if r.key.startswith("audit_0_PAR")] == \
        ["audit_0_PAR01", "audit_0_PAR02", "audit_0_PAR04", "audit_0_PAR06"]
    at.text_input(key="audit_0_audit_reference").input("AUD-2026-07")
    at.radio(key="audit_0_PAR01").set_value("5")
    save(at, "audit")
    assert at.success[0].value.startswith("Saved audit feedback for ")
    assert next(demo_db.query("select audit_reference, respondent, source from responses order by id desc limit 1")) \
        == {"audit_reference": "AUD-2026-07", "respondent": "birth_parent", "source": "case_audit"}


def test_a_social_worker_records_direct_work_without_a_household(demo_db, app):
    at = open_form(app, demo_db, "social_worker", "app_pages/capture/direct_work.py")
    at.text_input(key="direct_work_0_title").input("Memory box")
    at.radio(key="direct_work_0_respondent").set_value("carer").run()
    at.text_area(key="direct_work_0_DW_SUMMARY").input("Made a memory box with the carer and child.")
    save(at, "direct_work")
    assert no_exceptions(at) == [] and at.success, [e.value for e in at.error]
    assert demo_db.execute("select title, household_id from responses order by id desc limit 1").fetchone() == \
        ("Memory box", None)


def test_my_month_counts_a_call_the_bso_just_recorded(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/my_month.py")
    before = at.metric[0].value
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_CAR01").set_value("5")
    at.radio(key="carer_0_CAR18").set_value("yes")
    save(at, "carer")
    at.switch_page("app_pages/capture/my_month.py").run()
    done, minimum = (int(x) for x in before.split(" of "))
    assert at.metric[0].value == f"{done + 1} of {minimum}"


def test_compliance_lists_every_bso_including_one_with_nothing_recorded(demo_db, app):
    qa = user(demo_db, "qa")
    accounts.create_user(demo_db, qa, username="new.bso", display_name="Newly Started", roles=["bso"],
                         password="long enough pw")
    at = open_form(app, demo_db, "manager", "app_pages/capture/compliance.py")
    frame = at.dataframe[0].value
    bsos = demo_db.execute("select count(*) from user_roles r join users u on u.id = r.user_id "
                           "where r.role = 'bso' and u.active = 1").fetchone()[0]
    assert len(frame) == bsos and frame["BSO"].is_unique
    assert list(frame.columns)[:2] == ["BSO", "Team"] and len(frame.columns) == 5  # BSO, team + 3 months
    newcomer = frame[frame["BSO"] == "Newly Started"].iloc[0]
    # the latest month is today's, still running: nothing yet is "so far", not failed
    assert [newcomer[c] for c in frame.columns[2:]] == ["0 + 0  so far", "not yet a BSO", "not yet a BSO"]
    latest = frame[frame.columns[2]]
    met = [i for i, cell in enumerate(latest) if "✓ met" in cell]
    assert all(i > list(frame["BSO"]).index("Newly Started") for i in met)  # those behind come first


def test_compliance_before_the_services_first_call_says_there_is_no_data_not_that_everyone_failed(demo_db, app):
    first = dt.date.fromisoformat(demo_db.execute(
        "select min(contact_on) from responses where form in ('carer', 'parent')").fetchone()[0]).replace(day=1)
    at = open_form(app, demo_db, "manager", "app_pages/capture/compliance.py")
    before = (first - dt.timedelta(days=1)).replace(day=1)
    at.selectbox[0].set_value(before).run()
    assert not at.exception and not at.metric
    assert f"No BSO call has been recorded yet in or before {before:%B %Y}" in at.info[0].value
    frame = at.dataframe[0].value
    assert {cell for c in frame.columns[2:] for cell in frame[c]} <= {"no data (before the first call)", "not yet a BSO"}


def test_an_author_corrects_and_deletes_their_entry_and_qa_restores_it(demo_db, app):
    bso = user(demo_db, "bso")
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_CAR01").set_value("3")
    at.radio(key="carer_0_CAR18").set_value("no")
    save(at, "carer")
    entry = demo_db.execute("select max(id) from responses where author_id = :a", {"a": bso.id}).fetchone()[0]
    at.switch_page("app_pages/capture/entries.py").run()
    opener = next(s for s in at.selectbox if s.label == "Open entry")
    opener.set_value(entry).run()
    at.radio(key=f"edit_{entry}_0_CAR01").set_value("5")
    at.button(key=f"save_edit_{entry}_0").click().run()
    assert [s.value for s in at.success] == [text.escape_markdown(
        f"Saved 1 change(s) to carer feedback #{entry} for {row_household(demo_db, entry)}.")]
    assert demo_db.execute("select value from answers where response_id = :r and item_id = 'CAR01'",
                           {"r": entry}).fetchone()[0] == "5"
    next(t for t in at.text_input if t.label == "Why delete it?").input("Wrong household")
    next(b for b in at.button if b.label == "Delete entry").click().run()
    assert at.success[0].value.startswith(f"Deleted entry #{entry}")
    assert demo_db.execute("select delete_reason from responses where id = :r", {"r": entry}).fetchone()[0] == \
        "Wrong household"
    at = open_form(app, demo_db, "qa", "app_pages/capture/entries.py")
    next(t for t in at.toggle if t.label == "Deleted entries").set_value(True).run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry).run()
    next(b for b in at.button if b.label == "Restore this entry").click().run()
    assert demo_db.execute("select deleted_at from responses where id = :r", {"r": entry}).fetchone()[0] is None


def test_comment_text_is_shown_literally_never_as_markup(demo_db, app):
    hostile = "![x](http://example.com/a.png) <script>alert(1)</script> **bold**"
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_CAR01").set_value("4")
    at.radio(key="carer_0_CAR18").set_value("yes")
    at.text_area(key="carer_0_CAR_WELL").input(hostile)
    save(at, "carer")
    entry = demo_db.execute("select max(id) from responses").fetchone()[0]
    at.switch_page("app_pages/capture/entries.py").run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry).run()
    assert hostile in [t.value for t in at.text]
    assert not any(hostile in m.value for m in at.markdown)


@pytest.mark.parametrize("role, script", [("social_worker", "app_pages/capture/carer_feedback.py"),
                                          ("bso", "app_pages/capture/child_feedback.py"),
                                          ("bso", "app_pages/capture/compliance.py"),
                                          ("social_worker", "app_pages/capture/follow_ups.py")])
def test_a_role_cannot_open_another_roles_form_or_oversight_page(demo_db, app, role, script):
    at = app(user(demo_db, role))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page(script).run()


def test_qa_opens_and_corrects_someone_elses_live_entry(demo_db, app):
    entry = demo_db.execute("select max(id) from responses where form = 'carer' and outcome = 'completed' "
                            "and deleted_at is null").fetchone()[0]
    at = open_form(app, demo_db, "qa", "app_pages/capture/entries.py")
    next(d for d in at.date_input if d.label == "From").set_value(ui_date(demo_db, entry)).run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry).run()
    assert no_exceptions(at) == []
    method = demo_db.execute("select method from responses where id = :id", {"id": entry}).fetchone()[0]
    other = "visit" if method != "visit" else "phone"
    at.radio(key=f"edit_{entry}_0_method").set_value(other)
    at.button(key=f"save_edit_{entry}_0").click().run()
    assert [s.value for s in at.success] == [text.escape_markdown(
        f"Saved 1 change(s) to carer feedback #{entry} for {row_household(demo_db, entry)}.")]
    row = demo_db.execute("select method, updated_by from responses where id = :id", {"id": entry}).fetchone()
    assert row == (other, user(demo_db, "qa").id)


def ui_date(db, entry):
    import datetime as dt

    return dt.date.fromisoformat(db.execute("select contact_on from responses where id = :id",
                                            {"id": entry}).fetchone()[0])


def test_an_entry_picked_on_the_entries_page_stays_open_when_someone_else_saves_meanwhile(demo_db, app):
    from tests.fixtures import carer_entry

    at = open_form(app, demo_db, "manager", "app_pages/capture/entries.py")
    entry = demo_db.execute("select max(id) from responses").fetchone()[0]
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry)
    feedback.record(demo_db, user(demo_db, "bso"), "carer", carer_entry(household(demo_db), contact_on=session.today()),
                    today=session.today())
    at.run()  # the list of entries now has one more option than when the page was drawn
    assert no_exceptions(at) == []
    assert any(e.label == "Why delete it?" for e in at.text_input), "the picked entry did not open"


def test_a_save_that_meets_a_busy_database_says_so_plainly_and_keeps_the_call_for_a_second_try(demo_db, db_path,
                                                                                                app, monkeypatch):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)  # the app's connections give up on a held lock quickly
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_outcome").set_value("no_answer").run()
    before = responses(demo_db)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is in the middle of a long write
    try:
        save(at, "carer")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert no_exceptions(at) == [] and [e.value for e in at.error] == [store.BUSY_MESSAGE]
    assert responses(demo_db) == before and at.radio(key="carer_0_outcome").value == "no_answer"
    save(at, "carer")
    assert responses(demo_db) == before + 1 and at.success[0].value.startswith("Saved contact attempt (no answer) for ")


def test_a_write_that_still_meets_the_lock_after_retrying_raises_a_busy_error_and_writes_nothing(db, db_path,
                                                                                                 monkeypatch):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 20)
    other = store.connect(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            with store.write(other):
                other.execute("insert into meta (key, value) values ('x', 'y')")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.is_busy(raised.value) and store.get_meta(db, "x") is None


def test_after_a_lost_connection_the_reloaded_form_says_the_entry_was_saved_instead_of_taking_it_twice(demo_db, app):
    from lib import dates

    def param(test):
        value = test.query_params.get("entry_token")
        return value[0] if isinstance(value, list) else value

    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    token = param(at)
    assert token and len(token) == 32
    at.selectbox(key="carer_0_household").set_value(household(demo_db)).run()
    at.radio(key="carer_0_outcome").set_value("declined").run()
    save(at, "carer")
    saved = demo_db.execute("select id, created_at from responses where submission_key = :k", {"k": token}).fetchone()
    assert saved is not None and not at.info
    # The server restarted as the save committed: the browser reconnects with the same address, a new session.
    again = app(user(demo_db, "bso"))
    again.query_params["entry_token"] = token
    again.switch_page("app_pages/capture/carer_feedback.py").run()
    assert no_exceptions(again) == []
    assert [i.value for i in again.info if "before the connection dropped" in i.value] == [
        f"Your carer feedback was saved at {dates.time(saved[1])} as entry #{saved[0]} before the connection dropped; "
        "there is no need to type it again."]
    assert param(again) not in (None, token)  # the next entry gets a new token


def test_opening_a_childs_entry_and_the_safeguarding_list_is_kept_once_per_session_without_changing_the_data(
        demo_db, app):
    child = demo_db.execute("select id from responses where form = 'child' and deleted_at is null "
                            "order by id desc limit 1").fetchone()[0]
    version = store.data_version(demo_db)
    at = open_form(app, demo_db, "manager", "app_pages/capture/entries.py")
    at.selectbox(key="open_entry").set_value(child).run()
    at.run()
    at.switch_page("app_pages/capture/follow_ups.py").run()
    at.run()
    assert no_exceptions(at) == []
    looked = demo_db.execute("select username, what, entity, entity_id from reads order by id").fetchall()
    assert looked == [("manager", "opened a child's or a safeguarding-flagged entry", "responses", str(child)),
                      ("manager", "viewed the safeguarding follow-ups", "follow_ups", None)]
    assert store.data_version(demo_db) == version  # reading does not make every cache go cold
    qa = open_form(app, demo_db, "qa", "app_pages/store/history.py")
    qa.segmented_control(key="history_view").set_value("Who looked at what").run()
    assert no_exceptions(qa) == []
    shown = qa.dataframe[0].value
    assert list(shown["Looked at"])[:2] == ["viewed the safeguarding follow-ups",
                                            "opened a child's or a safeguarding-flagged entry"]


def test_a_sensitive_page_whose_reading_cannot_be_recorded_is_not_shown_and_says_why(demo_db, app, monkeypatch):
    from lib.store import history

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    at = open_form(app, demo_db, "manager", "app_pages/capture/entries.py")
    monkeypatch.setattr(history, "read", full)
    at.switch_page("app_pages/capture/follow_ups.py").run()
    assert no_exceptions(at) == []
    assert at.error[0].value.startswith("This is not shown, because the record of who looked at it could not be "
                                        "saved. The server's disk is full")
    assert not at.dataframe  # the safeguarding list itself is not drawn
