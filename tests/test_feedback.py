import datetime as dt
import multiprocessing

import pytest

from lib import store
from lib.access import PermissionDenied
from lib.capture import feedback, questions
from lib.people import accounts
from lib.store import settings
from lib.themes import review
from tests.conftest import add_user
from tests.fixtures import add_household, carer_entry

TODAY = dt.date(2026, 2, 15)
NOW = dt.datetime(2026, 2, 15, 10, 0, tzinfo=dt.timezone.utc)
SHIPPED = questions.load_file().version  # the bank version in data/question_bank.toml


@pytest.fixture
def bso(db):
    return add_user(db, "bso", username="bea")


@pytest.fixture
def home(db):
    return add_household(db)


def count(db, table):
    return db.execute(f"select count(*) from {table}").fetchone()[0]


def test_a_completed_carer_call_is_saved_with_its_answers_comments_bank_version_and_audit_row(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    row = next(db.query("select * from responses where id = :id", {"id": response_id}))
    assert (row["form"], row["source"], row["respondent"], row["cohort"], row["outcome"]) == \
        ("carer", "bso_call", "carer", "mainstream", "completed")
    assert row["bank_version"] == questions.load_file().version and row["author_id"] == bso.id
    assert {r["item_id"]: r["value"] for r in db.query("select * from answers")} == \
        {"CAR01": "4", "CAR18": "yes", "MAIN01": "5"}
    assert [(r["item_id"], r["body"], r["consent_to_quote"]) for r in db.query("select * from comments order by id")] \
        == [("CAR_WELL", "Our SSW is great.", 1), ("CAR_BETTER", "Payments late.", 0)]
    assert [(r["action"], r["entity"], r["entity_id"]) for r in db.query("select * from history")] == \
        [("create", "responses", str(response_id))]


def test_the_cohort_comes_from_the_register_unless_the_placement_differs(db, bso):
    kin = add_household(db, "K1", "kinship")
    first = feedback.record(db, bso, "carer", carer_entry(kin, answers={"CAR01": "3", "CAR18": "no", "KIN03": "2"}),
                            today=TODAY)
    second = feedback.record(db, bso, "carer", carer_entry(kin, cohort="mainstream"), today=TODAY)
    cohorts = dict(db.execute("select id, cohort from responses").fetchall())
    assert cohorts == {first: "kinship", second: "mainstream"}


@pytest.mark.parametrize("outcome", ["no_answer", "declined", "wrong_number"])
def test_an_unanswered_call_is_saved_as_an_attempt_without_questions(db, bso, home, outcome):
    feedback.record(db, bso, "carer", {"household_id": home, "contact_on": TODAY, "method": "phone",
                                       "outcome": outcome}, today=TODAY)
    assert db.execute("select outcome from responses").fetchone()[0] == outcome
    assert count(db, "answers") == 0 and count(db, "comments") == 0


def test_answers_on_an_attempt_are_refused(db, bso, home):
    with pytest.raises(ValueError, match="only be recorded for a completed contact"):
        feedback.record(db, bso, "carer", carer_entry(home, outcome="declined"), today=TODAY)
    assert count(db, "responses") == 0


def test_a_missing_required_answer_names_the_question_and_saves_nothing(db, bso, home):
    with pytest.raises(ValueError, match="Please answer: “Overall, how would you rate the support"):
        feedback.record(db, bso, "carer", carer_entry(home, answers={"CAR18": "yes"}), today=TODAY)
    assert count(db, "responses") == 0 and count(db, "history") == 0


BAD = [
    ({"household_id": None}, "Household is required"),
    ({"household_id": 999}, "not in the register"),
    ({"household_id": "abc"}, "chosen from the register"),
    ({"cohort": "residential"}, "Cohort must be one of"),
    ({"contact_on": TODAY + dt.timedelta(days=1)}, "Contact date cannot be in the future"),
    ({"contact_on": dt.date(1999, 12, 31)}, "cannot be before 1 January 2000"),
    ({"contact_on": "31/02/2026"}, "is not a date"),
    ({"contact_on": None}, "Contact date is required"),
    ({"method": "pigeon"}, "Contact method must be one of"),
    ({"method": None}, "Contact method is required"),
    ({"outcome": "maybe"}, "Outcome must be one of"),
    ({"answers": {"CAR01": "7", "CAR18": "yes"}}, "'7' is not an answer"),
    ({"answers": {"CAR01": "4", "CAR18": "yes", "KIN03": "4"}}, "KIN03 is not on this form"),
    ({"answers": {"CAR01": "4", "CAR18": "yes", "Y1_01": "3"}}, "Y1_01 is not on this form"),
    ({"answers": {"CAR01": "4", "CAR18": "yes", "CAR_WELL": "4"}}, "CAR_WELL is not on this form"),
    ({"comments": {"CAR01": "text"}}, "CAR01 is not a free-text question"),
    ({"comments": {"CAR_WELL": "x" * 5001}}, "at most 5,000 characters"),
    ({"callback": True, "callback_note": "y" * 1001}, "Call-back note must be at most 1,000"),
    ({"callback": False, "callback_note": "Ring her Tuesday"}, "Tick “They asked for a call-back”"),
    ({"safeguarding_told": "Duty team"}, "Tick “This contains a safeguarding concern”"),
    ({"answers": ["CAR01", "4"]}, "given question by question"),
    ({"comments": {"CAR_WELL": 42}}, "must be text"),
    ({"answers": {"CAR01": 4, "CAR18": "yes"}}, "'4' is not an answer"),
    ({"method": ["phone"]}, "Contact method must be one of"),
    ({"household_id": 1.7}, "chosen from the register"),
    ({"household_id": True}, "chosen from the register"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_a_bad_carer_entry_gets_a_clear_error_and_nothing_is_written(db, bso, home, change, message):
    with pytest.raises(ValueError, match=message):
        feedback.record(db, bso, "carer", carer_entry(home, **change), today=TODAY)
    assert count(db, "responses") == 0 and count(db, "answers") == 0 and count(db, "follow_ups") == 0


def test_an_inactive_household_cannot_take_new_feedback(db, bso):
    gone = add_household(db, "OLD", status="inactive")
    with pytest.raises(ValueError, match="inactive in the register"):
        feedback.record(db, bso, "carer", carer_entry(gone), today=TODAY)


@pytest.fixture
def worker(db):
    return add_user(db, "social_worker", username="sam")


def child_entry(household_id, **changes):
    return {"household_id": household_id, "child_reference": "C123456", "age_band": "under_8",
            "contact_on": TODAY, "helped_by": "carer", "answers": {"Y1_01": "3", "Y1_05": "right"},
            "comments": {"Y1_BEST": {"text": "My cat", "consent": True}}, **changes}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"child_reference": "Jamie Smith"}, "never a name"),
        ({"child_reference": "Jamie"}, "never a name"),
        ({"child_reference": "JamieSmith1"}, "never a name"),
        ({"child_reference": "Jamie-Smith-2014"}, "never a name"),
        ({"child_reference": "C 123456"}, "never a name"),
        ({"child_reference": ""}, "Child reference is required"),
        ({"age_band": "teen"}, "Age band must be one of"),
        ({"age_band": None}, "Age band is required"),
        ({"helped_by": None}, "Who helped is required"),
        ({"answers": {"Y1_01": "5"}}, "'5' is not an answer"),
        ({"answers": {"Y3_01": "always"}}, "Y3_01 is not on this form"),
        ({"answers": {"Y1_05": "right"}}, "Please answer: “I feel safe in my home.”"),
    ],
)
def test_a_bad_child_entry_gets_a_clear_error(db, worker, home, change, message):
    with pytest.raises(ValueError, match=message):
        feedback.record(db, worker, "child", child_entry(home, **change), today=TODAY)
    assert count(db, "responses") == 0


def test_a_child_under_8_answers_on_the_three_face_scale(db, worker, home):
    feedback.record(db, worker, "child", child_entry(home), today=TODAY)
    bank = questions.load_file()
    assert [o.label for o in bank.items["Y1_01"].scale.options] == ["😊 Happy", "😐 In the middle", "☹ Sad"]
    row = next(db.query("select source, respondent, age_band, child_reference, helped_by from responses"))
    assert row == {"source": "annual_review", "respondent": "child", "age_band": "under_8",
                   "child_reference": "C123456", "helped_by": "carer"}


def test_a_birth_parent_entry_stores_a_relationship_and_reference_never_a_name(db, bso):
    kin = add_household(db, "K1", "kinship")
    entry = {"household_id": kin, "contact_on": TODAY, "method": "phone", "outcome": "completed",
             "relationship": "mother", "parent_reference": "P998877", "answers": {"PAR01": "5", "PAR09": "mixed"}}
    feedback.record(db, bso, "parent", entry, today=TODAY)
    with pytest.raises(ValueError, match="never a name"):
        feedback.record(db, bso, "parent", {**entry, "parent_reference": "Kelly Jones"}, today=TODAY)
    with pytest.raises(ValueError, match="Relationship to the child is required"):
        feedback.record(db, bso, "parent", {**entry, "relationship": None}, today=TODAY)
    mainstream = add_household(db, "M1")
    with pytest.raises(ValueError, match="PAR09 is not on this form"):
        feedback.record(db, bso, "parent", {**entry, "household_id": mainstream}, today=TODAY)


def test_audit_feedback_takes_the_respondents_own_short_item_set(db, home):
    manager = add_user(db, "manager")
    entry = {"audit_reference": "AUD-1", "contact_on": TODAY, "respondent": "birth_parent", "household_id": home,
             "answers": {"PAR01": "4"}}
    feedback.record(db, manager, "audit", entry, today=TODAY)
    with pytest.raises(ValueError, match="CAR01 is not on this form"):
        feedback.record(db, manager, "audit", {**entry, "answers": {"PAR01": "4", "CAR01": "4"}}, today=TODAY)
    with pytest.raises(ValueError, match="Audit reference is required"):
        feedback.record(db, manager, "audit", {**entry, "audit_reference": "  "}, today=TODAY)
    child = {**entry, "respondent": "child", "age_band": "12_plus", "answers": {"Y3_01": "always"}}
    feedback.record(db, manager, "audit", child, today=TODAY)
    assert [r[0] for r in db.execute("select source from responses")] == ["case_audit", "case_audit"]


def test_direct_work_needs_a_title_and_summary_but_no_household(db, worker):
    entry = {"title": "Life-story session", "respondent": "child", "age_band": "8_11", "contact_on": TODAY,
             "comments": {"DW_SUMMARY": {"text": "Made a memory box.", "consent": True}}}
    feedback.record(db, worker, "direct_work", entry, today=TODAY)
    with pytest.raises(ValueError, match="Please answer"):
        feedback.record(db, worker, "direct_work", {**entry, "comments": {}}, today=TODAY)
    with pytest.raises(ValueError, match="Title is required"):
        feedback.record(db, worker, "direct_work", {**entry, "title": ""}, today=TODAY)


@pytest.mark.parametrize("role, form", [("social_worker", "carer"), ("social_worker", "parent"), ("bso", "child"),
                                        ("bso", "audit"), ("qa", "carer"), ("bso", "direct_work")])
def test_a_role_cannot_record_a_form_that_is_not_its_own(db, home, role, form):
    with pytest.raises(PermissionDenied):
        feedback.record(db, add_user(db, role), form, carer_entry(home), today=TODAY)
    assert count(db, "responses") == 0


def test_submitting_the_same_form_twice_saves_it_once(db, bso, home):
    first = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, submission_key="tab-1-form-3")
    again = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, submission_key="tab-1-form-3")
    assert first == again and count(db, "responses") == 1 and count(db, "answers") == 3


def test_hostile_text_is_kept_verbatim_and_control_characters_are_removed(db, bso, home):
    text = "![x](http://example.com/a.png) <script>alert(1)</script> =HYPERLINK(\"x\") '; drop table responses; --"
    entry = carer_entry(home, comments={"CAR_WELL": {"text": text + "\x00\x07", "consent": True}})
    feedback.record(db, bso, "carer", entry, today=TODAY)
    assert db.execute("select body from comments").fetchone()[0] == text


def test_a_call_back_and_a_safeguarding_flag_each_open_a_follow_up(db, bso, home):
    entry = carer_entry(home, callback=True, callback_note="Wants respite info", safeguarding=True,
                        safeguarding_told="Duty team")
    response_id = feedback.record(db, bso, "carer", entry, today=TODAY, now=NOW)
    rows = list(db.query("select kind, note, told_whom, told_at, status from follow_ups order by kind"))
    assert rows == [
        {"kind": "callback", "note": "Wants respite info", "told_whom": None, "told_at": None, "status": "open"},
        {"kind": "safeguarding", "note": None, "told_whom": "Duty team", "told_at": NOW.isoformat(), "status": "open"},
    ]
    assert db.execute("select safeguarding, callback_requested from responses where id = :id",
                      {"id": response_id}).fetchone() == (1, 1)


# ---- Corrections, history, soft delete ----


def test_the_author_corrects_their_entry_and_the_old_values_are_kept(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    changed = carer_entry(home, method="visit", answers={"CAR01": "5", "CAR18": "yes"},
                          comments={"CAR_WELL": {"text": "Our SSW is great.", "consent": False}})
    diff = feedback.update(db, bso, response_id, changed, today=TODAY, now=NOW + dt.timedelta(days=3))
    assert diff["method"] == ["phone", "visit"]
    assert diff["answer CAR01"] == ["4", "5"] and diff["answer MAIN01"] == ["5", None]
    assert diff["comment CAR_WELL"] == [{"text": "Our SSW is great.", "consent": True},
                                        {"text": "Our SSW is great.", "consent": False}]
    assert diff["comment CAR_BETTER"] == [{"text": "Payments late.", "consent": False}, None]
    history = next(db.query("select * from history where action = 'update'"))
    assert history["username"] == "bea" and history["entity_id"] == str(response_id)
    assert '"method": ["phone", "visit"]' in history["detail"]
    assert db.execute("select updated_by from responses").fetchone()[0] == bso.id


def test_an_author_may_correct_for_14_days_then_only_managers_and_qa(db, bso, home, qa):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    later = NOW + dt.timedelta(days=14, minutes=1)
    with pytest.raises(PermissionDenied, match="for 14 days"):
        feedback.update(db, bso, response_id, carer_entry(home, method="visit"), today=TODAY, now=later)
    manager = add_user(db, "manager")
    assert feedback.update(db, manager, response_id, carer_entry(home, method="visit"), today=TODAY, now=later)
    assert feedback.update(db, qa, response_id, carer_entry(home, method="email"), today=TODAY, now=later)
    settings.update(db, qa, {"author_edit_days": 30})
    assert feedback.edit_refusal(db, bso, feedback.get(db, bso, response_id), now=later) is None


def test_another_bso_can_neither_see_nor_correct_an_entry(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    other = add_user(db, "bso")
    with pytest.raises(PermissionDenied):
        feedback.get(db, other, response_id)
    with pytest.raises(PermissionDenied):
        feedback.update(db, other, response_id, carer_entry(home, method="visit"), today=TODAY)
    assert feedback.entries(db, other) == []
    assert [r["id"] for r in feedback.entries(db, bso)] == [response_id]


def test_a_correction_is_validated_like_a_new_entry(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    with pytest.raises(ValueError, match="cannot be in the future"):
        feedback.update(db, bso, response_id, carer_entry(home, contact_on=TODAY + dt.timedelta(days=2)), today=TODAY)
    assert db.execute("select contact_on from responses").fetchone()[0] == TODAY.isoformat()


def test_soft_delete_needs_a_reason_hides_the_entry_and_qa_can_restore_it(db, bso, home, qa):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    with pytest.raises(ValueError, match="Reason for deleting is required"):
        feedback.soft_delete(db, bso, response_id, "  ")
    feedback.soft_delete(db, bso, response_id, "Recorded against the wrong household")
    assert feedback.entries(db, bso) == [] and feedback.entries(db, qa) == []
    assert [r["delete_reason"] for r in feedback.entries(db, qa, deleted=True)] == ["Recorded against the wrong household"]
    with pytest.raises(PermissionDenied):
        feedback.entries(db, bso, deleted=True)
    with pytest.raises(PermissionDenied):
        feedback.restore(db, bso, response_id)
    feedback.restore(db, qa, response_id)
    assert [r["id"] for r in feedback.entries(db, bso)] == [response_id]
    actions = [r[0] for r in db.execute("select action from history where entity = 'responses' order by id")]
    assert actions == ["create", "soft_delete", "restore"]
    assert count(db, "answers") == 3


def test_marking_an_entry_copied_to_the_carers_record_is_audited(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    feedback.mark_copied(db, bso, response_id, TODAY)
    assert feedback.get(db, bso, response_id)["copied_to_record_on"] == TODAY.isoformat()
    assert db.execute("select count(*) from history where detail like '%copied_to_record_on%'").fetchone()[0] == 1


# ---- Question-bank versions ----


def test_an_old_response_keeps_its_wording_after_the_bank_changes(db, bso, home, tmp_path):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    source = questions.BANK_FILE.read_text()
    changed = source.replace(f'version = "{SHIPPED}"', 'version = "2027.1"').replace(
        "Overall, how would you rate the support you get from the fostering service at the moment?",
        "How would you rate our support this year?")
    new_file = tmp_path / "bank.toml"
    new_file.write_text(changed)
    new_bank = questions.current(db, new_file)
    assert new_bank.items["CAR01"].text == "How would you rate our support this year?"
    old = feedback.get(db, bso, response_id)
    old_bank = questions.version(db, old["bank_version"])
    assert old["bank_version"] == SHIPPED
    assert old_bank.items["CAR01"].text.startswith("Overall, how would you rate the support")
    assert old_bank.items["CAR01"].scale.label_for(old["answers"]["CAR01"]) == "Good"
    newer = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, bank=new_bank)
    assert sorted(r["version"] for r in questions.versions(db)) == sorted(["2027.1", SHIPPED])
    assert feedback.get(db, bso, newer)["bank_version"] == "2027.1"


def test_changing_the_bank_without_a_new_version_is_refused(db, tmp_path):
    questions.current(db)
    edited = tmp_path / "bank.toml"
    edited.write_text(questions.BANK_FILE.read_text().replace("What could we do better?", "What could improve?"))
    with pytest.raises(ValueError, match=f"changed but its version is still {SHIPPED}"):
        questions.current(db, edited)


def test_a_bank_that_names_an_unknown_question_or_scale_is_refused(tmp_path):
    broken = tmp_path / "bank.toml"
    broken.write_text(questions.BANK_FILE.read_text().replace('"CAR01", "CAR02"', '"CAR01", "NOPE"'))
    with pytest.raises(ValueError, match="unknown question.*NOPE"):
        questions.load_file(broken)
    broken.write_text(questions.BANK_FILE.read_text().replace('scale = "RATE5", required = true }', 'scale = "NOSCALE" }', 1))
    with pytest.raises(ValueError, match="unknown scale NOSCALE"):
        questions.load_file(broken)


def test_the_shipped_bank_gives_each_cohort_its_own_items():
    form = questions.load_file().forms["carer"]
    mainstream = {i.id for i in form.items_for(cohort="mainstream", age_band=None, respondent=None)}
    kinship = {i.id for i in form.items_for(cohort="kinship", age_band=None, respondent=None)}
    assert {"MAIN01", "MAIN02"} <= mainstream - kinship
    assert {"KIN01", "KIN08"} <= kinship - mainstream
    assert {"CAR01", "CAR_BETTER"} <= mainstream & kinship


# ---- Concurrency ----


def _submit_many(path, user_id, household_id, worker, count):

    database = store.connect(path)
    user = accounts.load(database, user_id)
    for i in range(count):
        key = f"w{worker}-{i}"
        feedback.record(database, user, "carer", carer_entry(household_id), today=TODAY, submission_key=key)
        if i % 5 == 0:  # a double submit of the same form
            feedback.record(database, user, "carer", carer_entry(household_id), today=TODAY, submission_key=key)
    database.close()


def test_an_entrys_history_lists_who_changed_what_and_when(db, bso, home, qa):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    feedback.update(db, qa, response_id, carer_entry(home, method="visit"), today=TODAY, now=NOW)
    rows = feedback.record_history(db, qa, response_id)
    assert [(r["username"], r["action"]) for r in rows] == [("bea", "create"), ("qa.lead", "update")]
    assert '"method": ["phone", "visit"]' in rows[1]["detail"]
    with pytest.raises(PermissionDenied):
        feedback.record_history(db, add_user(db, "bso"), response_id)


@pytest.mark.parametrize("reference", ["C123456", "LL-004512", "P/99881", "123456", "ABC123"])
def test_case_management_references_are_accepted_for_a_child(db, worker, home, reference):
    feedback.record(db, worker, "child", child_entry(home, child_reference=reference), today=TODAY)
    assert db.execute("select child_reference from responses").fetchone()[0] == reference


def test_a_deleted_entry_cannot_be_marked_copied(db, bso, home):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    feedback.soft_delete(db, bso, response_id, "duplicate")
    with pytest.raises(ValueError, match="restore it first"):
        feedback.mark_copied(db, bso, response_id, TODAY)
    assert db.execute("select copied_to_record_on from responses").fetchone()[0] is None


def test_a_response_saved_with_an_old_bank_is_corrected_against_that_bank(db, bso, home, tmp_path):
    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    new_file = tmp_path / "bank.toml"
    new_file.write_text(questions.BANK_FILE.read_text().replace(f'version = "{SHIPPED}"', 'version = "2027.1"')
                        .replace('"CAR17", "CAR18"]', '"CAR17"]'))  # CAR18 dropped from the new bank
    assert "CAR18" not in {i.id for i in questions.current(db, new_file).forms["carer"].items_for(
        cohort="mainstream", age_band=None, respondent=None)}
    diff = feedback.update(db, bso, response_id, carer_entry(home, answers={"CAR01": "5", "CAR18": "no"}),
                           today=TODAY)
    assert diff["answer CAR18"] == ["yes", "no"]
    assert feedback.get(db, bso, response_id)["bank_version"] == SHIPPED


def test_a_correction_keeps_a_comments_identity_so_its_theme_decisions_survive(db, bso, home, qa):

    response_id = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    comment_id = db.execute("select id from comments where item_id = 'CAR_BETTER'").fetchone()[0]
    review.decide(db, qa, comment_id, "T18", "added")
    feedback.update(db, bso, response_id, carer_entry(home, method="visit"), today=TODAY)
    assert db.execute("select id from comments where item_id = 'CAR_BETTER'").fetchone()[0] == comment_id
    assert db.execute("select decision from comment_themes where comment_id = :c and theme_id = 'T18'",
                      {"c": comment_id}).fetchone()[0] == "added"


def _race(path, user_id, household_id, key, barrier):

    database = store.connect(path)
    user = accounts.load(database, user_id)
    barrier.wait()
    feedback.record(database, user, "carer", carer_entry(household_id), today=TODAY, submission_key=key)
    database.close()


def test_processes_racing_with_the_same_submission_save_it_once(db_path, db, bso, home):
    questions.current(db)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    workers = [context.Process(target=_race, args=(db_path, bso.id, home, "same-form", barrier)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * 4
    assert count(db, "responses") == 1 and count(db, "answers") == 3


def test_a_shipped_file_that_is_not_valid_toml_is_refused_naming_the_file_whichever_kind_it_is(tmp_path):
    from lib.store import shipped

    broken = tmp_path / "question_bank.toml"
    broken.write_text(questions.BANK_FILE.read_text() + "\n[unclosed\n")
    with pytest.raises(ValueError, match=r"^The shipped file question_bank\.toml is not valid TOML: "):
        questions.load_file(broken)
    (tmp_path / "codebook.toml").write_text("[themes\n")
    with pytest.raises(ValueError, match=r"^The shipped file codebook\.toml is not valid TOML: "):
        shipped.read(tmp_path / "codebook.toml")
