"""Placing authorities' feedback (the child's social worker and the IRO, for the Regulation 35 review): the rules in
lib, the migration that lets an existing database hold it, its page and the Entries page, Themes and the demo."""

import datetime as dt
import sqlite3

import pytest
import sqlite_utils

from lib import periods, store, text
from lib.access import PermissionDenied
from lib.capture import feedback, questions
from lib.store import migrations, shipped
from lib.themes import codebook, explorer
from lib.ui import session
from tests.conftest import add_user, no_exceptions
from tests.fixtures import add_household, carer_entry, household, open_form, placing_entry, user

TODAY = dt.date(2026, 2, 15)
FORM = questions.PLACING_AUTHORITY
PAGE = "app_pages/capture/placing_authority_feedback.py"


@pytest.fixture
def manager(db):
    codebook.ensure(db)
    return add_user(db, "manager", username="mo")


@pytest.fixture
def home(db):
    return add_household(db, "LL1", "kinship")


# ---- The rules (lib) ------------------------------------------------------------------------------------------


def test_a_manager_records_a_placing_authority_view_with_its_role_authority_and_source(db, manager, home):
    rid = feedback.record(db, manager, FORM, placing_entry(home), today=TODAY)
    row = feedback.get(db, manager, rid)
    assert (row["form"], row["source"], row["respondent"]) == (
        "placing_authority", "placing_authority_survey", "placing_authority")
    assert (row["professional_role"], row["placing_authority"], row["method"]) == (
        "iro", "Northshire County Council", "survey")
    assert (row["household_id"], row["cohort"], row["outcome"]) == (home, "kinship", "completed")
    assert row["answers"] == {"PLA01": "4", "PLA06": "2"}
    assert row["comments"]["PLA_WELL"] == {"text": "The carer keeps him settled at school.", "consent": True}
    assert row["comments"]["PLA_BETTER"]["consent"] is False
    assert row["bank_version"] == questions.load_file().version


def test_the_form_is_short_asks_an_overall_rating_and_two_questions_in_their_own_words():
    form = questions.load_file().forms[FORM]
    items = form.items_for(cohort="mainstream", age_band=None, respondent=None)
    rated = [i for i in items if not i.scale.is_text]
    assert 5 <= len(rated) <= 7 and [i.id for i in items if i.required] == ["PLA01"]
    assert [i.id for i in items if i.scale.is_text] == ["PLA_WELL", "PLA_BETTER"]
    assert (form.source, form.respondent) == (feedback.PLACING_AUTHORITY_SOURCE, FORM)
    assert form.items_for(cohort="kinship", age_band=None, respondent=None) == items


@pytest.mark.parametrize("change, message", [
    ({"professional_role": None}, "Who gave the feedback is required."),
    ({"professional_role": "director"}, "Who gave the feedback must be one of: Child's social worker, "),
    ({"placing_authority": "  "}, "Placing authority is required."),
    ({"placing_authority": "Jo Bloggs, jo.bloggs@northshire.gov.uk"}, "no e-mail address, phone number"),
    ({"placing_authority": "Northshire, ring 01632 960123"}, "never a person's name"),
    ({"placing_authority": "N" * 81}, "Placing authority must be at most 80 characters"),
    ({"method": "text"}, "How it was given must be one of: Survey return, At a meeting or review, E-mail, Phone."),
    ({"method": None}, "How it was given is required."),
    ({"household_id": None}, "Household is required"),
    ({"answers": {"PLA02": "4"}}, "Please answer: “Overall, how would you rate the care and support"),
    ({"answers": {"PLA01": "yes"}}, "'yes' is not an answer to “Overall, how would you rate"),
    ({"answers": {"PLA01": "4", "CAR01": "4"}}, "Question CAR01 is not on this form for this respondent."),
    ({"comments": {"CAR_WELL": "Fine."}}, "Question CAR_WELL is not a free-text question on this form"),
    ({"contact_on": TODAY + dt.timedelta(days=1)}, "Date of the feedback"),
])
def test_a_bad_placing_authority_entry_is_refused_with_a_sentence_and_nothing_is_saved(db, manager, home, change,
                                                                                      message):
    with pytest.raises(ValueError) as refused:
        feedback.record(db, manager, FORM, placing_entry(home, **change), today=TODAY)
    assert message in str(refused.value)
    assert db.execute("select count(*) from responses").fetchone()[0] == 0


def test_a_second_entry_spells_the_authority_as_the_first_did_when_only_the_case_differs(db, manager, home):
    first = feedback.record(db, manager, FORM, placing_entry(home), today=TODAY)
    second = feedback.record(db, manager, FORM, placing_entry(home, placing_authority=" northshire  COUNTY council "),
                             today=TODAY)
    other = feedback.record(db, manager, FORM, placing_entry(home, placing_authority="Riverford City Council"),
                            today=TODAY)
    names = [feedback.get(db, manager, r)["placing_authority"] for r in (first, second, other)]
    assert names == ["Northshire County Council", "Northshire County Council", "Riverford City Council"]
    # The only entry with a spelling may still have it corrected.
    feedback.update(db, manager, other, placing_entry(home, placing_authority="RIVERFORD CITY COUNCIL"), today=TODAY)
    assert feedback.get(db, manager, other)["placing_authority"] == "RIVERFORD CITY COUNCIL"


def test_the_safeguarding_flag_call_back_and_consent_to_quote_work_as_on_every_other_form(db, manager, home):
    rid = feedback.record(db, manager, FORM, placing_entry(
        home, safeguarding=True, safeguarding_note="IRO said the child disclosed at the review.",
        safeguarding_told="Duty team manager", callback=True, callback_note="Wants a call about the plan."),
        today=TODAY)
    row = feedback.get(db, manager, rid)
    assert {(f["kind"], f["status"]) for f in row["follow_ups"]} == {("safeguarding", "open"), ("callback", "open")}
    assert (row["safeguarding"], row["callback_requested"]) == (1, 1)
    with pytest.raises(ValueError, match="Tick “This contains a safeguarding concern”"):
        feedback.record(db, manager, FORM, placing_entry(home, safeguarding_note="Note without the tick."),
                        today=TODAY)


def test_a_placing_authority_cannot_be_chosen_as_the_respondent_of_audit_feedback_or_direct_work(db, manager, home):
    for form_name, entry in (("audit", {"audit_reference": "A1", "household_id": home, "answers": {"PLA01": "4"}}),
                             ("direct_work", {"title": "Review", "comments": {"DW_SUMMARY": "Went well."}})):
        with pytest.raises(ValueError, match="Respondent must be one of: Carer, Birth parent, Child or young person"):
            feedback.record(db, manager, form_name, {**entry, "respondent": FORM, "contact_on": TODAY}, today=TODAY)


@pytest.mark.parametrize("role", ["bso", "social_worker", "senior_manager", "advanced_practitioner",
                                  "registered_manager"])
def test_roles_that_do_not_run_the_consultation_may_not_record_a_placing_authoritys_view(db, home, role):
    with pytest.raises(PermissionDenied, match="record placing authority feedback"):
        feedback.record(db, add_user(db, role), FORM, placing_entry(home), today=TODAY)
    assert db.execute("select count(*) from responses").fetchone()[0] == 0


def test_a_placing_authoritys_comment_is_coded_against_every_theme_not_only_those_for_carers_parents_or_children(
        db, manager, home):
    # Professionals speak about the whole placement: the codebook's audiences do not narrow their comments.
    rid = feedback.record(db, manager, FORM, placing_entry(home, comments={
        "PLA_BETTER": {"text": "The carer's allowance is paid late and she is out of pocket.", "consent": True}}),
        today=TODAY)
    themes = {r[0] for r in db.execute("""select ct.theme_id from comment_themes ct join comments c on c.id = ct.comment_id
                                          where c.response_id = :r""", {"r": rid})}
    assert "T06" in themes  # allowances: a theme the codebook gives to carers only


def test_the_schema_holds_a_professional_role_only_on_placing_authority_entries(db, manager, home):
    rid = feedback.record(db, manager, FORM, placing_entry(home), today=TODAY)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        with store.write(db):
            db.execute("update responses set professional_role = null where id = :id", {"id": rid})
    mainstream = add_household(db, "LL2", "mainstream")
    carer = feedback.record(db, add_user(db, "bso"), "carer", carer_entry(mainstream), today=TODAY)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        with store.write(db):
            db.execute("update responses set professional_role = 'iro' where id = :id", {"id": carer})


# ---- The migration: an existing database --------------------------------------------------------------------


def bank_before_placing_authorities() -> questions.Bank:
    """The shipped bank as it was before the placing authorities' form: version 2026.1."""
    data = shipped.read(questions.BANK_FILE)
    data["version"] = "2026.1"
    del data["forms"][FORM]
    data["items"] = {k: v for k, v in data["items"].items() if not k.startswith("PLA")}
    return questions._build(data)


def test_an_existing_database_migrates_keeping_every_entry_and_then_takes_the_new_bank_version(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old.execute("PRAGMA foreign_keys = ON")
    migrations.steps.apply(old, stop_before="m018_placing_authority_feedback")
    old_bank = bank_before_placing_authorities()
    questions.install(old, old_bank)
    with store.write(old):
        old.execute("insert into users (id, username, display_name, created_at, updated_at) "
                    "values (1, 'bea', 'Bea', 'now', 'now'), (2, 'quinn', 'Quinn', 'now', 'now')")
        old.execute("insert into user_roles (user_id, role) values (1, 'bso'), (2, 'qa')")
        old.execute("""insert into households (id, reference, display_name, cohort, status, created_at, updated_at)
                       values (5, 'LL5', 'Household LL5', 'mainstream', 'active', 'now', 'now')""")
        old.execute("""insert into responses (id, form, source, respondent, household_id, cohort, contact_on, method,
                         outcome, bank_version, callback_requested, author_id, created_at, updated_at, submission_key)
                       values (7, 'carer', 'bso_call', 'carer', 5, 'mainstream', '2026-01-20', 'phone', 'completed',
                               '2026.1', 1, 1, '2026-01-20T10:00:00+00:00', '2026-01-20T10:00:00+00:00', 'k7')""")
        old.execute("insert into answers (response_id, item_id, value) values (7, 'CAR01', '4'), (7, 'CAR18', 'yes')")
        old.execute("insert into comments (response_id, item_id, body, consent_to_quote) "
                    "values (7, 'CAR_BETTER', 'Allowance paid late.', 1)")
        old.execute("insert into follow_ups (response_id, kind, note, created_at, created_by) "
                    "values (7, 'callback', 'Ring back.', 'now', 1)")
    before = old.execute("select * from responses").fetchall()
    old.close()

    db = store.connect(path)  # foreign keys on, as the app opens it: the rebuild must satisfy them
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("select * from responses").fetchall() == [before[0] + (None, None)]
    assert db.execute("select count(*) from answers a join responses r on r.id = a.response_id").fetchone()[0] == 2
    assert db.execute("select count(*) from follow_ups f join responses r on r.id = f.response_id").fetchone()[0] == 1
    indexes = {r[0] for r in db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'responses'")}
    assert {"responses_form_date", "responses_author_date", "responses_household", "responses_period"} <= indexes
    assert db.execute("select name from sqlite_temp_master").fetchall() == []

    qa = user(db, "quinn")
    codebook.ensure(db)
    bank = questions.current(db)  # the shipped file: a new version beside the old one
    assert sorted(v["version"] for v in questions.versions(db)) == sorted(["2026.1", bank.version])
    assert FORM in bank.forms and FORM not in questions.version(db, "2026.1").forms
    feedback.update(db, qa, 7, carer_entry(5, answers={"CAR01": "5", "CAR18": "yes"}, contact_on=TODAY),
                    today=TODAY)
    corrected = feedback.get(db, qa, 7)
    assert (corrected["bank_version"], corrected["answers"]["CAR01"]) == ("2026.1", "5")
    rid = feedback.record(db, qa, FORM, placing_entry(5), today=TODAY)
    assert feedback.get(db, qa, rid)["bank_version"] == bank.version
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        with store.write(db):
            db.execute("update responses set form = 'survey' where id = 7")
    db.close()


# ---- The pages (AppTest, on the demo) -------------------------------------------------------------------------


def save(at, form=FORM):
    generation = at.session_state[f"_generation_{form}"] if f"_generation_{form}" in at.session_state else 0
    at.button(key=f"save_{form}_{generation}").click().run()
    return at


def fill(at, db, *, authority="Northshire County Council"):
    home = household(db, "kinship")
    at.selectbox(key=f"{FORM}_0_household").set_value(home).run()
    at.radio(key=f"{FORM}_0_professional_role").set_value("iro")
    at.text_input(key=f"{FORM}_0_placing_authority").input(authority)
    at.radio(key=f"{FORM}_0_PLA01").set_value("4")
    at.radio(key=f"{FORM}_0_PLA06").set_value("2")
    at.text_area(key=f"{FORM}_0_PLA_BETTER").input("I heard about the missing episode three days later.")
    at.checkbox(key=f"{FORM}_0_PLA_BETTER_consent").check()
    return home


@pytest.mark.parametrize("role", ["manager", "qa"])
def test_a_manager_or_qa_records_a_placing_authoritys_view_on_its_page(demo_db, app, role):
    at = open_form(app, demo_db, role, PAGE)
    assert at.title[0].value == "Placing authority feedback"
    assert at.radio(key=f"{FORM}_0_method").value == "survey"
    assert at.radio(key=f"{FORM}_0_professional_role").options == [
        "Child's social worker", "Independent Reviewing Officer (IRO)", "Other professional from the placing authority"]
    home = fill(at, demo_db)
    assert at.radio(key=f"{FORM}_0_cohort_{home}").value == "kinship"
    assert [r.key for r in at.radio if r.key.startswith(f"{FORM}_0_PLA")] == [f"{FORM}_0_PLA0{i}" for i in range(1, 7)]
    at.radio(key=f"{FORM}_0_method").set_value("meeting")
    save(at)
    assert no_exceptions(at) == [] and [e.value for e in at.error] == []
    rid = demo_db.execute("select max(id) from responses").fetchone()[0]
    name, reference = demo_db.execute("select display_name, reference from households where id = :h",
                                      {"h": home}).fetchone()
    assert [s.value for s in at.success] == [text.escape_markdown(
        f"Saved placing authority feedback for {name} ({reference}) as entry #{rid}. The form is ready for the next one.")]
    row = next(demo_db.query("select * from responses where id = :id", {"id": rid}))
    assert (row["form"], row["source"], row["respondent"], row["professional_role"], row["placing_authority"],
            row["method"], row["author_id"]) == (FORM, "placing_authority_survey", FORM, "iro",
                                                 "Northshire County Council", "meeting", user(demo_db, role).id)
    assert demo_db.execute("select body, consent_to_quote from comments where response_id = :id",
                           {"id": rid}).fetchall() == [("I heard about the missing episode three days later.", 1)]
    assert at.selectbox(key=f"{FORM}_1_household").value is None  # the form is empty for the next one


def test_an_authority_name_with_a_phone_number_is_refused_on_screen_and_what_was_typed_stays(demo_db, app):
    at = open_form(app, demo_db, "manager", PAGE)
    fill(at, demo_db, authority="Northshire, ring 01632 960123")
    before = demo_db.execute("select count(*) from responses").fetchone()[0]
    save(at)
    assert "Placing authority is the authority's name" in at.error[0].value
    assert demo_db.execute("select count(*) from responses").fetchone()[0] == before
    assert at.text_area(key=f"{FORM}_0_PLA_BETTER").value == "I heard about the missing episode three days later."


@pytest.mark.parametrize("role", ["bso", "social_worker", "senior_manager", "advanced_practitioner",
                                  "registered_manager"])
def test_roles_that_may_not_record_a_placing_authoritys_view_cannot_open_its_page(demo_db, app, role):
    at = app(user(demo_db, role))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page(PAGE).run()


def test_a_manager_finds_a_placing_authority_entry_on_the_entries_page_and_corrects_it(demo_db, app):
    manager = user(demo_db, "manager")
    rid = feedback.record(demo_db, manager, FORM, placing_entry(household(demo_db), contact_on=session.today()),
                          today=session.today())
    at = open_form(app, demo_db, "manager", "app_pages/capture/entries.py")
    next(s for s in at.selectbox if s.label == "Form").set_value(FORM).run()
    listed = at.dataframe[0].value
    assert rid in list(listed["#"]) and set(listed["Form"]) == {"Placing authority"}
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    assert no_exceptions(at) == []
    facts = dict(zip(at.dataframe[1].value["Field"], at.dataframe[1].value["Value"]))
    assert (facts["Form"], facts["Respondent"], facts["Who gave it"], facts["Placing authority"], facts["Method"]) == (
        "Placing authority feedback", "Placing authority", "Independent Reviewing Officer (IRO)",
        "Northshire County Council", "Survey return")
    at.radio(key=f"edit_{rid}_0_professional_role").set_value("social_worker")
    at.button(key=f"save_edit_{rid}_0").click().run()
    assert at.success[0].value.startswith(f"Saved 1 change(s) to placing authority feedback #{rid} for ")
    assert demo_db.execute("select professional_role from responses where id = :id", {"id": rid}).fetchone()[0] == \
        "social_worker"
    changed = [r["detail"] for r in feedback.record_history(demo_db, manager, rid) if r["action"] == "update"]
    assert len(changed) == 1 and '"professional_role": ["iro", "social_worker"]' in changed[0]


# ---- Themes and the demo --------------------------------------------------------------------------------------


def placing_comments(db, start: dt.date, end: dt.date) -> int:
    return db.execute("""select count(*) from comments c join responses r on r.id = c.response_id
                         where r.form = 'placing_authority' and r.deleted_at is null
                           and r.contact_on between :s and :e""", {"s": start.isoformat(), "e": end.isoformat()}
                      ).fetchone()[0]


def test_the_themes_page_shows_placing_authorities_under_their_own_respondent_filter(demo_db, app):
    qa = user(demo_db, "qa")
    quarter = max(periods.recent(session.today(), 4), key=lambda q: placing_comments(demo_db, q.start, q.end))
    expected = placing_comments(demo_db, quarter.start, quarter.end)
    assert expected
    for narrowing in ({"respondent": FORM}, {"source": feedback.PLACING_AUTHORITY_SOURCE}):
        assert explorer.comment_total(demo_db, qa, explorer.Filters(quarter.start, quarter.end, **narrowing)) == expected
    at = open_form(app, demo_db, "manager", "app_pages/themes/themes_explorer.py")
    next(s for s in at.selectbox if s.label == "Quarter").set_value(quarter).run()
    respondent = next(s for s in at.selectbox if s.label == "Respondent")
    assert respondent.options == ["Carer", "Birth parent", "Child or young person", "Placing authority"]
    respondent.set_value(FORM).run()
    assert no_exceptions(at) == []
    assert int(at.metric[0].value) == expected
    counts = explorer.theme_counts(demo_db, qa, explorer.Filters(quarter.start, quarter.end, respondent=FORM))
    theme = max(counts, key=lambda r: r["comments"])["theme_id"]
    at.selectbox(key="drill_theme").set_value(theme).run()
    shown = [c.value.split(" · ") for c in at.caption if "Placing authority survey" in c.value]
    assert shown and all(parts[1:3] == ["Placing authority survey", "Placing authority"] for parts in shown)
    assert len(shown) == len(explorer.drill(demo_db, qa, explorer.Filters(quarter.start, quarter.end, respondent=FORM),
                                            theme_id=theme))


def test_the_demo_has_a_handful_of_placing_authority_views_every_quarter_from_social_workers_and_iros(demo_db):
    rows = list(demo_db.query("""select r.contact_on, r.source, r.respondent, r.professional_role, r.placing_authority,
                                        r.method, group_concat(ur.role) as roles
                                 from responses r join user_roles ur on ur.user_id = r.author_id
                                 where r.form = 'placing_authority' group by r.id"""))
    first = min(dt.date.fromisoformat(r[0]) for r in demo_db.execute("select contact_on from responses"))
    quarter, per_quarter = periods.Quarter.containing(first), {}
    while quarter.start <= session.today():
        per_quarter[quarter] = sum(dt.date.fromisoformat(r["contact_on"]) in quarter for r in rows)
        quarter = quarter.next
    assert all(3 <= n <= 6 for n in per_quarter.values()), per_quarter
    assert {(r["source"], r["respondent"]) for r in rows} == {("placing_authority_survey", FORM)}
    assert {"social_worker", "iro"} <= {r["professional_role"] for r in rows}
    assert {r["method"] for r in rows} <= set(feedback.PLACING_METHODS)
    assert {r["roles"] for r in rows} <= {"manager", "qa"}
    assert len({r["placing_authority"] for r in rows}) >= 2
    coded = demo_db.execute("""select count(*) from comment_themes ct join comments c on c.id = ct.comment_id
                               join responses r on r.id = c.response_id where r.form = 'placing_authority'""").fetchone()[0]
    assert coded > 0
