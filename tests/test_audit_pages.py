"""The audit programme pages through AppTest, on the demo database: draw and circulate, the audit form,
moderation, the eight-week review, targeted audits and the findings."""

import datetime as dt

from lib import store
from lib.audits import casefile, programme, reviews
from lib.periods import Quarter
from lib.ui import session
from tests.conftest import no_exceptions
from tests.fixtures import case_in, open_form, user


def as_lead(db, row: dict, username: str) -> None:
    """Make a demo user the case's lead auditor; the peer stays someone else."""
    who = user(db, username).id
    peer = row["peer_auditor_id"] if row["peer_auditor_id"] != who else row["lead_auditor_id"]
    with store.write(db):
        db.execute("update case_audits set lead_auditor_id = :u, peer_auditor_id = :p where id = :id",
                   {"u": who, "p": peer, "id": row["id"]})


def saved(db, audit_id: int) -> dict:
    return casefile.get(db, user(db, "qa"), audit_id, today=session.today())


def test_qa_draws_next_quarters_sample_then_circulates_it_to_the_auditors(demo_db, app):
    at = open_form(app, demo_db, "qa", "app_pages/audits/audit_programme.py")
    upcoming = Quarter.containing(session.today()).next
    at.selectbox(key="audit_quarter").set_value(upcoming).run()
    assert [i.value for i in at.info] == [f"No programme has been drawn for {upcoming.label} yet."]
    at.number_input(key=f"audit_seed_{upcoming.slug}").set_value(2027)
    at.button(key=f"FormSubmitter:audit_draw_{upcoming.slug}-Draw the sample").click().run()
    assert no_exceptions(at) == [] and [e.value for e in at.error] == []
    assert at.success[0].value.startswith("Drew 12 of 12 cases from ")
    drawn = programme.programme_for(demo_db, user(demo_db, "qa"), upcoming.slug)
    assert (drawn["status"], drawn["seed"], drawn["sample_size"]) == ("draft", 2027, 12)
    at.button[[b.label for b in at.button].index("Circulate to the auditors")].click().run()
    assert at.success[0].value.startswith("Circulated 12 cases.")
    assert programme.programme_for(demo_db, user(demo_db, "qa"), upcoming.slug)["status"] == "circulated"
    assert not [b for b in at.button if b.label == "Circulate to the auditors"]


def test_a_senior_manager_sees_the_programme_and_its_follow_ups_but_cannot_draw(demo_db, app):
    at = open_form(app, demo_db, "senior_manager", "app_pages/audits/audit_programme.py")
    assert at.title[0].value == "Audit programme"
    assert not [b for b in at.button if "Draw" in b.label or "Circulate" in b.label]
    tables = [t.value for t in at.dataframe]
    assert any("Review due" in t.columns and set(t["Status"]) >= {"🔴 overdue", "🟠 due soon"} for t in tables)


def test_a_manager_fills_in_the_audit_form_and_submits_it_for_moderation(demo_db, app):
    row = case_in(demo_db, "to_do")
    as_lead(demo_db, row, "manager")
    at = open_form(app, demo_db, "manager", "app_pages/audits/my_audits.py")
    at.selectbox(key="my_audit").set_value(row["id"]).run()
    base = f"case_audit_{row['id']}_0"
    day = max(session.today() - dt.timedelta(days=1), dt.date.fromisoformat(row["circulate_on"]))
    at.date_input(key=f"{base}_audited_on").set_value(day)
    for domain in casefile.GRADED:
        at.radio(key=f"{base}_{domain}").set_value("good")
        at.text_area(key=f"{base}_{domain}_evidence").input(f"What we saw for {domain}.")
    at.radio(key=f"{base}_voice").set_value("requires_improvement")
    at.radio(key=f"{base}_child_spoken").set_value("yes")
    at.radio(key=f"{base}_parent_spoken").set_value("no")
    at.text_input(key=f"{base}_parent_not_why").input("Mum declined to talk.")
    at.radio(key=f"{base}_carer_spoken").set_value("yes")
    at.date_input(key=f"{base}_ssw_on").set_value(day)
    at.text_area(key=f"{base}_ssw").input("Discussed the school move with the supervising social worker.")
    at.button(key=f"submit_{base}").click().run()
    assert no_exceptions(at) == [] and [e.value for e in at.error] == []
    assert at.success[0].value.startswith("Submitted the audit of ") and at.success[0].value.endswith(" for moderation.")
    stored = saved(demo_db, row["id"])
    assert stored["stage"] == "awaiting_moderation" and stored["parent_not_why"] == "Mum declined to talk."
    assert stored["grades"]["voice"]["grade"] == "requires_improvement"
    assert stored["grades"]["matching"]["evidence"] == "What we saw for matching."


def test_submitting_an_audit_without_a_grade_shows_the_error_and_keeps_what_was_typed(demo_db, app):
    row = case_in(demo_db, "to_do")
    as_lead(demo_db, row, "manager")
    at = open_form(app, demo_db, "manager", "app_pages/audits/my_audits.py")
    at.selectbox(key="my_audit").set_value(row["id"]).run()
    base = f"case_audit_{row['id']}_0"
    at.date_input(key=f"{base}_audited_on").set_value(session.today())
    at.text_area(key=f"{base}_voice_evidence").input("The child's own words are on file.")
    at.button(key=f"submit_{base}").click().run()
    message = at.error[0].value
    assert message.startswith("The audit cannot be submitted yet:")
    assert "a grade for Voice of the child;" in message  # its evidence is there
    assert "a grade for Quality of matching and its evidence" in message
    assert saved(demo_db, row["id"])["completed_on"] is None
    assert at.text_area(key=f"{base}_voice_evidence").value == "The child's own words are on file."


def test_a_senior_manager_changes_a_grade_with_a_reason_and_both_grades_are_kept(demo_db, app):
    row = case_in(demo_db, "awaiting_moderation")
    before = saved(demo_db, row["id"])["grades"]
    at = open_form(app, demo_db, "senior_manager", "app_pages/audits/audit_moderation.py")
    at.selectbox(key="moderate_audit").set_value(row["id"]).run()
    base = f"moderate_{row['id']}_0"
    new = "inadequate" if before["matching"]["grade"] != "inadequate" else "good"
    at.radio(key=f"{base}_matching").set_value(new)
    at.text_area(key=f"{base}_learning").input("Matching information must include health needs.")
    at.button(key=f"save_{base}").click().run()
    assert at.error[0].value.startswith("Give a reason for changing the grade for Quality of matching")
    assert saved(demo_db, row["id"])["moderated_on"] is None
    at.text_input(key=f"{base}_matching_reason").input("The referral left out the child's health needs.")
    at.button(key=f"save_{base}").click().run()
    assert no_exceptions(at) == [] and at.success[0].value.startswith(f"Moderated {row['reference']}:")
    after = saved(demo_db, row["id"])
    assert (after["grades"]["matching"]["grade"], after["grades"]["matching"]["moderated_grade"],
            after["grades"]["matching"]["moderation_reason"]) == (
        before["matching"]["grade"], new, "The referral left out the child's health needs.")
    assert after["stage"] == "moderated" and after["learning"] == "Matching information must include health needs."
    assert after["review_due_on"] == (session.today() + dt.timedelta(weeks=8)).isoformat()


def test_an_advanced_practitioner_records_the_eight_week_review_and_the_carers_file_tick(demo_db, app):
    row = next(r for r in reviews.follow_ups(demo_db, user(demo_db, "qa"), today=session.today())
               if r["review_status"] == "overdue" and r["actions"])
    actions = saved(demo_db, row["id"])["actions"]
    at = open_form(app, demo_db, "advanced_practitioner", "app_pages/audits/audit_reviews.py")
    at.selectbox(key="review_audit").set_value(row["id"]).run()
    base = f"review_{row['id']}_0"
    for action in actions:
        at.radio(key=f"{base}_{action['id']}_done").set_value("yes")
        at.text_area(key=f"{base}_{action['id']}_evidence").input("Seen on the carer's file.")
    at.checkbox(key=f"{base}_file").check()
    at.date_input(key=f"{base}_file_on").set_value(session.today())
    at.button(key=f"save_{base}").click().run()
    assert no_exceptions(at) == [] and [e.value for e in at.error] == []
    after = saved(demo_db, row["id"])
    assert (after["stage"], after["reviewed_on"], after["recorded_on_file_on"]) == (
        "reviewed", session.today().isoformat(), session.today().isoformat())
    assert {a["review_complete"] for a in after["actions"]} == {1}


def test_a_manager_records_a_targeted_audit_on_the_template(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/audits/targeted_audits.py")
    at.session_state["targeted_view"] = "Record"
    at.run()
    base = "targeted_new_0"
    at.text_input(key=f"{base}_topic").input("Out-of-hours calls")
    at.selectbox(key=f"{base}_reason").set_value("dashboard")
    at.text_area(key=f"{base}_scope").input("Every out-of-hours call in January.")
    at.text_area(key=f"{base}_findings").input("Half the calls were not recorded on the file.")
    at.text_area(key=f"{base}_learning").input("Record every out of hours call on the carer's file.")
    at.button(key=f"save_{base}").click().run()
    assert no_exceptions(at) == [] and at.success[0].value.startswith("Saved targeted audit #")
    row = next(demo_db.query("select * from targeted_audits order by id desc limit 1"))
    assert (row["topic"], row["reason"], row["completed_on"]) == ("Out-of-hours calls", "dashboard",
                                                                  session.today().isoformat())


def test_the_findings_page_shows_last_quarters_moderated_grades(demo_db, app):
    at = open_form(app, demo_db, "qa", "app_pages/audits/audit_findings.py")
    assert [m.value for m in at.metric][:3] == ["12", "12", "9"]  # drawn, submitted, moderated (last quarter)
    grades = next(t.value for t in at.dataframe if "Changed at moderation" in t.value.columns)
    assert len(grades) == 7 and set(grades[["Outstanding", "Good", "Requires improvement",
                                            "Inadequate"]].sum(axis=1)) == {9}


def test_learning_with_markup_shows_as_plain_text_to_the_auditors(demo_db, app):
    row = case_in(demo_db, "reviewed")
    hostile = "**Bold** [click](http://example.org) <b>x</b> :red[alarm]"
    with store.write(demo_db):
        demo_db.execute("update case_audits set learning = :l where id = :id", {"l": hostile, "id": row["id"]})
    lead = demo_db.execute("select username from users where id = :id", {"id": row["lead_auditor_id"]}).fetchone()[0]
    at = open_form(app, demo_db, lead, "app_pages/audits/my_audits.py")
    at.selectbox(key="my_audit").set_value(row["id"]).run()
    assert hostile in [t.value for t in at.text]
    assert not any("click" in m.value for m in at.markdown)
