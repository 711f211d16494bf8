"""The case-file audit programme: drawing, auditors, the form, moderation, the eight-week review, history."""

import csv
import datetime as dt
import io
import json
import sqlite3

import pytest

from lib import dates, store
from lib.access import PermissionDenied
from lib.audits import casefile, moderation, plan, reviews
from lib.audits import programme as audit_programme
from lib.capture import feedback
from lib.store import retention, settings
from tests.conftest import add_user
from tests.fixtures import (
    AUDIT_DAY,
    CIRCULATE,
    Q4,
    add_home,
    add_team,
    audit_world,
    auditor,
    cases,
    draw,
    full_entry,
    matrix_world,
    moderation_entry,
    submitted,
)

TODAY = dt.date(2026, 2, 15)  # in 2025/26 Q4


@pytest.fixture
def w(db):
    return audit_world(db)


# ---- Drawing the sample -------------------------------------------------------------------------


def test_a_draw_covers_every_team_and_cohort_and_proposes_the_households_team_manager_as_lead(db, w):
    programme = draw(db, w)
    rows = cases(db, w, programme)
    assert {(r["team_id"], r["cohort"]) for r in rows} == {(w["north"], "mainstream"), (w["north"], "kinship"),
                                                           (w["south"], "mainstream"), (w["south"], "kinship")}
    for row in rows:
        lead, peer = auditor(w, row), auditor(w, row, "peer")
        assert lead.team_id == row["team_id"] and peer.id != lead.id
        assert peer.team_id != row["team_id"]  # another team's manager while there is one
    assert [r["reference"] for r in rows] == [f"CFA-2025-26-Q4-0{i}" for i in range(1, 5)]
    assert {r["due_on"] for r in rows} == {"2026-01-29"}  # 28 days after circulation (a setting)


def test_the_same_seed_and_register_draw_the_same_households_again(db, w):
    first = [r["household_id"] for r in cases(db, w, draw(db, w, size=4, seed=7, circulated=False))]
    again = [r["household_id"] for r in cases(db, w, draw(db, w, size=4, seed=7, circulated=False))]
    others = {tuple(r["household_id"] for r in cases(db, w, draw(db, w, size=4, seed=s, circulated=False)))
              for s in range(8, 20)}
    assert first == again
    assert len(others | {tuple(first)}) > 1  # another seed can give another sample


def test_households_audited_within_the_exclusion_window_are_not_drawn_again(db, w):
    q3 = draw(db, w, size=4, seed=3, quarter="2025/26-Q3", circulate=dt.date(2025, 10, 1))
    audited = {r["household_id"] for r in cases(db, w, q3)}
    summary = audit_programme.draw(db, w["qa"], Q4, size=8, seed=3, exclusion_months=12, circulate_on=CIRCULATE, today=TODAY)
    drawn = {r["household_id"] for r in cases(db, w, summary["programme_id"])}
    assert not drawn & audited and summary["excluded"] == 4 and summary["drawn"] == 4
    assert summary["requested"] == 8 and summary["eligible"] == 4
    # With no exclusion window the same households may be drawn again.
    again = audit_programme.draw(db, w["qa"], Q4, size=8, seed=3, exclusion_months=0, circulate_on=CIRCULATE, today=TODAY)
    assert again["excluded"] == 0 and again["drawn"] == 8


def test_a_case_counts_as_audited_on_its_audit_date_or_else_its_circulation_date(db, w):
    earlier = draw(db, w, size=8, seed=3, quarter="2024/25-Q4", circulate=dt.date(2025, 1, 1))
    row = cases(db, w, earlier)[0]
    day = dt.date(2025, 3, 10)
    submitted(db, w, row, day=day, audited_on=day, ssw_discussed_on=day)
    # Circulating 1 January 2026 with a 12-month window, the cutoff is 1 January 2025: all eight were in it.
    eligible, excluded = audit_programme.eligible(db, circulate_on=CIRCULATE, exclusion_months=12)
    assert (len(eligible), excluded) == (0, 8)
    # From 1 February 2026 (cutoff 1 February 2025) only the case audited on 10 March 2025 is recent.
    eligible, excluded = audit_programme.eligible(db, circulate_on=dt.date(2026, 2, 1), exclusion_months=12)
    assert excluded == 1 and row["household_id"] not in {c.household_id for c in eligible} and len(eligible) == 7
    assert audit_programme.eligible(db, circulate_on=dt.date(2026, 4, 1), exclusion_months=12)[1] == 0


def test_inactive_households_are_never_drawn(db, w):
    with store.write(db):
        db.execute("update households set status = 'inactive' where reference like 'N%'")
    rows = cases(db, w, draw(db, w, size=8))
    assert {r["team_id"] for r in rows} == {w["south"]} and len(rows) == 4


def test_a_draft_may_be_drawn_again_but_a_circulated_programme_may_not(db, w):
    programme = draw(db, w, size=2, seed=1, circulated=False)
    assert draw(db, w, size=3, seed=2, circulated=False) == programme
    assert len(cases(db, w, programme)) == 3
    redraw = json.loads(db.execute("select detail from history where action = 'draw' order by id desc").fetchone()[0])
    assert redraw["replaced"]["seed"] == 1 and redraw["seed"] == 2
    audit_programme.circulate(db, w["qa"], programme, today=TODAY)
    with pytest.raises(ValueError, match="already been circulated"):
        draw(db, w, size=3, seed=2)


@pytest.mark.parametrize("changes, message", [
    ({"size": 0}, "The sample size must be between 1 and 500"),
    ({"size": "twelve"}, "The sample size must be a whole number"),
    ({"seed": -1}, "The seed must be between"),
    ({"exclusion_months": 61}, "The months since a household's last audit must be between 0 and 60"),
    ({"circulate_on": dt.date(2026, 1, 2)}, "must be the 1st of a month in 2025/26 Q4"),
    ({"circulate_on": dt.date(2025, 12, 1)}, "must be the 1st of a month in 2025/26 Q4"),
    ({"quarter": "Q4 2025"}, "is not a financial quarter"),
])
def test_a_bad_draw_is_refused_with_a_sentence_naming_the_field(db, w, changes, message):
    values = {"quarter": Q4, "size": 4, "seed": 1, "exclusion_months": 12, "circulate_on": CIRCULATE, **changes}
    quarter = values.pop("quarter")
    with pytest.raises(ValueError, match=message):
        audit_programme.draw(db, w["qa"], quarter, today=TODAY, **values)
    assert db.execute("select count(*) from case_audits").fetchone()[0] == 0


# ---- Auditors and circulation ---------------------------------------------------------------------


def test_lead_and_peer_auditor_must_be_different_managers(db, w):
    row = cases(db, w, draw(db, w, circulated=False))[0]
    with pytest.raises(ValueError, match="must be different people"):
        audit_programme.assign(db, w["qa"], row["id"], lead_id=w["mary"].id, peer_id=w["mary"].id, due_on="2026-02-01",
                      today=TODAY)
    with pytest.raises(ValueError, match="peer auditor must be an active user with the manager role"):
        audit_programme.assign(db, w["qa"], row["id"], lead_id=w["mary"].id, peer_id=w["sen"].id, due_on="2026-02-01",
                      today=TODAY)
    with pytest.raises(ValueError, match="due date cannot be before the circulation date"):
        audit_programme.assign(db, w["qa"], row["id"], lead_id=w["mary"].id, peer_id=w["sam"].id, due_on="2025-12-31",
                      today=TODAY)
    with pytest.raises(sqlite3.IntegrityError):  # and the database refuses it too
        with store.write(db):
            db.execute("update case_audits set peer_auditor_id = lead_auditor_id where id = :id", {"id": row["id"]})


def test_a_case_without_a_team_manager_must_get_an_auditor_by_hand_before_circulation(db, w):
    team = add_team(db, "East")
    home = add_home(db, "E100", team)
    with store.write(db):
        db.execute("update households set status = 'inactive' where id != :h", {"h": home})
    programme = draw(db, w, size=1, circulated=False)
    row = cases(db, w, programme)[0]
    assert row["lead_auditor_id"] is None and row["peer_auditor_id"] is not None
    with pytest.raises(ValueError, match="Choose a lead and a peer auditor for CFA-2025-26-Q4-01"):
        audit_programme.circulate(db, w["qa"], programme, today=TODAY)
    audit_programme.assign(db, w["qa"], row["id"], lead_id=w["sam"].id, peer_id=w["mary"].id, due_on="2026-02-01", today=TODAY)
    assert audit_programme.circulate(db, w["qa"], programme, today=TODAY) == 1


def test_auditors_see_their_cases_only_once_circulated_and_from_the_circulation_date(db, w):
    programme = draw(db, w, size=8, circulate=dt.date(2026, 3, 1), circulated=False)
    mary, march = w["mary"], dt.date(2026, 3, 1)
    assert casefile.my_audits(db, mary, today=TODAY) == []
    audit_programme.circulate(db, w["qa"], programme, today=TODAY)
    assert casefile.my_audits(db, mary, today=TODAY) == []  # it circulates on 1 March
    mine = casefile.my_audits(db, mary, today=march)
    assert mine and all(mary.id in (r["lead_auditor_id"], r["peer_auditor_id"]) for r in mine)
    assert {r["part"] for r in mine} == {"Lead auditor", "Peer auditor"}
    others = [r["id"] for r in cases(db, w, programme) if mary.id not in (r["lead_auditor_id"], r["peer_auditor_id"])]
    assert others
    with pytest.raises(PermissionDenied):
        casefile.get(db, mary, others[0], today=march)


def test_the_export_lists_every_case_by_lead_auditor_with_formula_text_neutralised(db, w):
    with store.write(db):
        db.execute("update users set display_name = '=HYPERLINK(\"x\")' where id = :id", {"id": w["sam"].id})
    programme = draw(db, w, size=8)
    data = audit_programme.export_csv(db, w["qa"], programme, today=TODAY).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == 8 and {r["Due"] for r in rows} == {"29 Jan 2026"}
    assert {r["Circulated on"] for r in rows} == {dates.day(CIRCULATE)} == {"1 Jan 2026"}
    assert all(not r["Lead auditor"].startswith("=") for r in rows)
    assert any(r["Lead auditor"] == "'=HYPERLINK(\"x\")" for r in rows)
    with pytest.raises(PermissionDenied):
        audit_programme.export_csv(db, w["mary"], programme, today=TODAY)


# ---- The audit form --------------------------------------------------------------------------------


@pytest.fixture
def case(db, w):
    return cases(db, w, draw(db, w))[0]


def test_progress_is_saved_partly_and_submitting_needs_everything(db, w, case):
    lead = auditor(w, case)
    partial = {"audited_on": AUDIT_DAY, "grades": {"voice": {"grade": "good", "evidence": "Seen."}}}
    casefile.save(db, lead, case["id"], partial, today=TODAY)
    row = casefile.get(db, lead, case["id"], today=TODAY)
    assert row["stage"] == "in_progress" and row["grades"]["voice"]["grade"] == "good"
    with pytest.raises(ValueError, match="a grade for Support and supervision to the carer and its evidence"):
        casefile.save(db, lead, case["id"], partial, today=TODAY, submit=True)
    casefile.save(db, lead, case["id"], full_entry(), today=TODAY, submit=True)
    row = casefile.get(db, lead, case["id"], today=TODAY)
    assert (row["stage"], row["completed_on"], row["completed_by"]) == ("awaiting_moderation", TODAY.isoformat(),
                                                                         lead.id)


@pytest.mark.parametrize("changes, message", [
    ({"grades": {"voice": {"grade": "excellent", "evidence": "x"}}}, "grade for Voice of the child must be one of"),
    ({"grades": {"empathy": {"grade": "good"}}}, "Unknown audit domain: empathy"),
    ({"audited_on": None}, "The audit date is required"),
    ({"audited_on": dt.date(2025, 12, 31)}, "audit date cannot be before the circulation date"),
    ({"audited_on": dt.date(2026, 3, 1)}, "audit date cannot be in the future"),
    ({"ssw_discussed_on": dt.date(2025, 12, 1)}, "case discussion cannot be before the circulation date"),
    ({"ssw_discussion": " "}, "case discussion with the supervising social worker is required"),
    ({"child_spoken": False, "child_not_why": ""}, "Say why the child or young person was not spoken to"),
    ({"carer_spoken": None}, "Say whether the carer was spoken to, or why not"),
    ({"parent_spoken": "maybe"}, "Say whether the birth parent was spoken to: yes or no"),
])
def test_a_bad_or_incomplete_audit_is_refused_with_a_sentence_naming_the_field(db, w, case, changes, message):
    entry = full_entry(**changes)
    if "grades" in changes:
        entry["grades"] = full_entry()["grades"] | changes["grades"]
    with pytest.raises(ValueError, match=message):
        casefile.save(db, auditor(w, case), case["id"], entry, today=TODAY, submit=True)
    assert casefile.get(db, w["qa"], case["id"], today=TODAY)["completed_on"] is None


def test_submitting_an_empty_audit_lists_everything_missing_in_one_message(db, w, case):
    with pytest.raises(ValueError) as refused:
        casefile.save(db, auditor(w, case), case["id"], {"child_spoken": False}, today=TODAY, submit=True)
    message = str(refused.value)
    assert message.startswith("The audit cannot be submitted yet: 12 things are missing: the audit date; ")
    for gap in ("a grade for Voice of the child and its evidence", "a grade for Management oversight and its evidence",
                "the overall grade", "why the child or young person was not spoken to",
                "whether the birth parent was spoken to", "whether the carer was spoken to",
                "the case discussion with the supervising social worker."):
        assert gap in message
    assert casefile.get(db, w["qa"], case["id"], today=TODAY)["completed_on"] is None


def test_evidence_is_needed_for_each_domain_but_the_overall_summary_is_optional(db, w, case):
    entry = full_entry()
    entry["grades"]["matching"]["evidence"] = ""
    with pytest.raises(ValueError, match="The evidence for Quality of matching is required"):
        casefile.save(db, auditor(w, case), case["id"], entry, today=TODAY, submit=True)
    entry["grades"]["matching"]["evidence"] = "Seen."
    entry["grades"][casefile.OVERALL]["evidence"] = ""
    casefile.save(db, auditor(w, case), case["id"], entry, today=TODAY, submit=True)


def test_only_the_cases_own_auditors_change_it(db, w, case):
    outsider = next(w[k] for k in ("mary", "nina", "sam") if w[k].id not in (case["lead_auditor_id"],
                                                                              case["peer_auditor_id"]))
    with pytest.raises(PermissionDenied, match="Only this case's lead and peer auditors"):
        casefile.save(db, outsider, case["id"], full_entry(), today=TODAY)
    with pytest.raises(PermissionDenied):
        casefile.save(db, w["qa"], case["id"], full_entry(), today=TODAY)
    casefile.save(db, auditor(w, case, "peer"), case["id"], full_entry(), today=TODAY)


def test_feedback_recorded_with_the_audit_reference_is_linked_to_the_case(db, w, case):

    peer = auditor(w, case, "peer")
    entry = {"audit_reference": case["reference"].lower(), "contact_on": AUDIT_DAY, "respondent": "carer",
             "household_id": case["household_id"], "answers": {"CAR01": "4"}}
    linked = feedback.record(db, peer, "audit", entry, today=TODAY)
    feedback.record(db, peer, "audit", {**entry, "audit_reference": "CFA-OTHER"}, today=TODAY)
    assert [f["id"] for f in casefile.get(db, peer, case["id"], today=TODAY)["feedback"]] == [linked]


# ---- Action plan -------------------------------------------------------------------------------------


def test_after_moderation_only_the_lead_follows_up_the_plan_and_after_the_review_nobody_changes_it(db, w, case):
    lead, peer = auditor(w, case), auditor(w, case, "peer")
    action = plan.add_action(db, peer, case["id"], {"action": "Update the plan.", "owner": "Team manager",
                                                       "due_on": "2026-02-10"}, today=TODAY)
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)
    with pytest.raises(PermissionDenied, match="the lead auditor"):
        plan.update_action(db, peer, action, {"action": "Update the plan.", "owner": "Team manager",
                                                "due_on": "2026-02-10", "status": "done"}, today=TODAY)
    with pytest.raises(ValueError, match="mark the action done instead of removing it"):
        plan.remove_action(db, lead, action, today=TODAY)
    diff = plan.update_action(db, lead, action, {"action": "Update the plan.", "owner": "Team manager",
                                                   "due_on": "2026-02-10", "status": "done"}, today=TODAY)
    assert diff == {"status": ["open", "done"], "done_on": [None, TODAY.isoformat()]}
    reviews.record_review(db, w["ap"], case["id"], {"reviewed_on": TODAY, "actions": {
        action: {"complete": True, "evidence": "Seen on file."}}}, today=TODAY)
    with pytest.raises(ValueError, match="action plan is closed"):
        plan.add_action(db, lead, case["id"], {"action": "More.", "owner": "Team manager", "due_on": "2026-03-01"},
                          today=TODAY)


def test_an_empty_action_form_asks_for_the_action_first(db, w, case):
    with pytest.raises(ValueError, match="^The action is required"):
        plan.add_action(db, auditor(w, case), case["id"], {"action": "", "owner": "Team manager", "due_on": None},
                          today=TODAY)


@pytest.mark.parametrize("changes, message", [
    ({"owner": "Jane Smith"}, "Owner must be a role from the list"),
    ({"due_on": "2025-12-01"}, "due date cannot be before the circulation date"),
    ({"status": "finished"}, "status must be one of"),
    ({"action": ""}, "The action is required"),
])
def test_a_bad_action_is_refused(db, w, case, changes, message):
    with pytest.raises(ValueError, match=message):
        plan.add_action(db, auditor(w, case), case["id"], {"action": "Do it.", "owner": "Team manager",
                                                             "due_on": "2026-02-01", **changes}, today=TODAY)


# ---- Moderation --------------------------------------------------------------------------------------


def test_moderation_changes_a_grade_with_a_reason_and_keeps_the_auditors_grade_beside_it(db, w, case):
    submitted(db, w, case)
    with pytest.raises(ValueError, match="Give a reason for changing the grade for Quality of matching from Good to "
                                         "Requires improvement"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry({"matching": {"grade": "requires_improvement"}}),
                        today=TODAY)
    diff = moderation.moderate(db, w["sen"], case["id"], moderation_entry(
        {"matching": {"grade": "requires_improvement", "reason": "The referral left out health needs."}}), today=TODAY)
    grade = casefile.get(db, w["qa"], case["id"], today=TODAY)["grades"]["matching"]
    assert (grade["grade"], grade["moderated_grade"], grade["moderation_reason"]) == (
        "good", "requires_improvement", "The referral left out health needs.")
    assert diff["moderated grade matching"] == [None, "requires_improvement"]
    row = casefile.get(db, w["qa"], case["id"], today=TODAY)
    assert row["stage"] == "moderated" and row["moderated_by"] == w["sen"].id
    assert row["themes"] == ["T16"]  # the learning, coded with the codebook
    logged = json.loads(db.execute("select detail from history where action = 'moderate'").fetchone()[0])
    assert logged["moderation reason matching"] == [None, "The referral left out health needs."]


def test_moderating_again_before_the_review_keeps_the_old_values_in_the_history(db, w, case):
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)
    moderation.moderate(db, w["sue"], case["id"], moderation_entry({"voice": {"grade": "inadequate", "reason": "No voice."}},
                                                         learning="Hear the child."), today=TODAY)
    history = casefile.record_history(db, w["qa"], case["id"], today=TODAY)
    second = json.loads(history[-1]["detail"])
    assert second["moderated grade voice"] == ["good", "inadequate"]
    assert second["learning"] == ["Record the child's views in the safer caring plan.", "Hear the child."]
    assert [h["action"] for h in history] == ["complete", "moderate", "moderate"]
    assert casefile.get(db, w["qa"], case["id"], today=TODAY)["themes"] == []  # re-coded: "Hear the child." has none


def test_only_a_senior_manager_who_did_not_audit_the_case_may_moderate_it(db, w, case):
    submitted(db, w, case)
    for user in (w["qa"], auditor(w, case), w["ap"]):
        with pytest.raises(PermissionDenied, match="moderate case-file audits"):
            moderation.moderate(db, user, case["id"], moderation_entry(), today=TODAY)
    both = add_user(db, "manager", "senior_manager", username="bo", team_id=w["north"])
    with store.write(db):
        db.execute("update case_audits set lead_auditor_id = :u where id = :id", {"u": both.id, "id": case["id"]})
    with pytest.raises(PermissionDenied, match="You audited this case"):
        moderation.moderate(db, both, case["id"], moderation_entry(), today=TODAY)


def test_an_audit_is_moderated_only_after_submission_and_not_before_its_submission_date(db, w, case):
    with pytest.raises(ValueError, match="has not been submitted"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)
    submitted(db, w, case, day=dt.date(2026, 1, 25))
    with pytest.raises(ValueError, match="moderation date cannot be before the date the audit was submitted"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=dt.date(2026, 1, 20)), today=TODAY)
    later = dt.date(2026, 1, 26)
    with pytest.raises(ValueError, match="grade for Voice of the child \\(moderated\\) must be one of"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry({"voice": {"grade": "great"}}, day=later), today=TODAY)
    with pytest.raises(ValueError, match="The learning is required"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=later, learning=" "), today=TODAY)
    assert casefile.get(db, w["qa"], case["id"], today=TODAY)["moderated_on"] is None


def test_a_moderated_audits_grades_are_final_for_the_auditors(db, w, case):
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)
    with pytest.raises(ValueError, match="its grades are final"):
        casefile.save(db, auditor(w, case), case["id"], full_entry(), today=TODAY)
    with pytest.raises(ValueError, match="cannot be withdrawn"):
        audit_programme.withdraw(db, w["qa"], case["id"], "mistake")


# ---- The eight-week review -----------------------------------------------------------------------------


@pytest.mark.parametrize("moderated_days_ago, status", [(57, "overdue"), (56, "due soon"), (42, "due soon"),
                                                        (41, "upcoming")])
def test_the_review_is_due_eight_weeks_after_moderation_and_listed_by_urgency(db, w, case, moderated_days_ago, status):
    submitted(db, w, case)
    moderated = dt.date(2026, 1, 20)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=moderated), today=TODAY)
    today = moderated + dt.timedelta(days=moderated_days_ago)
    found = reviews.follow_ups(db, w["ap"], today=today)
    assert [(r["reference"], r["review_due_on"], r["review_status"]) for r in found] == [
        (case["reference"], "2026-03-17", status)]
    assert found[0]["days_left"] == 56 - moderated_days_ago


def test_the_review_interval_is_a_setting(db, w, case):
    settings.update(db, w["qa"], {"audit_review_weeks": 6})
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=dt.date(2026, 1, 20)), today=TODAY)
    assert casefile.get(db, w["qa"], case["id"], today=TODAY)["review_due_on"] == "2026-03-03"


def test_the_review_records_each_action_with_evidence_and_the_carers_file_tick_with_its_date(db, w, case):
    lead = auditor(w, case)
    first = plan.add_action(db, lead, case["id"], {"action": "A", "owner": "Team manager", "due_on": "2026-02-01"},
                              today=TODAY)
    second = plan.add_action(db, lead, case["id"], {"action": "B", "owner": "Business support",
                                                      "due_on": "2026-02-01"}, today=TODAY)
    submitted(db, w, case)
    review = {"reviewed_on": dt.date(2026, 2, 10), "actions": {first: {"complete": True, "evidence": "Seen."}}}
    with pytest.raises(ValueError, match="has not been moderated"):
        reviews.record_review(db, w["ap"], case["id"], review, today=TODAY)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=dt.date(2026, 1, 20)), today=TODAY)
    with pytest.raises(ValueError, match=f"Say whether action #{second} is complete"):
        reviews.record_review(db, w["ap"], case["id"], review, today=TODAY)
    review["actions"][second] = {"complete": False, "evidence": ""}
    with pytest.raises(ValueError, match=f"The evidence for action #{second} is required"):
        reviews.record_review(db, w["ap"], case["id"], review, today=TODAY)
    review["actions"][second]["evidence"] = "Not done yet."
    with pytest.raises(ValueError, match="review date cannot be before the moderation date"):
        reviews.record_review(db, w["ap"], case["id"], {**review, "reviewed_on": dt.date(2026, 1, 19)}, today=TODAY)
    with pytest.raises(ValueError, match="Give the date it was recorded|date it was recorded on the carer's file is"):
        reviews.record_review(db, w["ap"], case["id"], {**review, "recorded_on_file": True}, today=TODAY)
    with pytest.raises(ValueError, match="cannot be before the review date"):
        reviews.record_review(db, w["ap"], case["id"], {**review, "recorded_on_file": True,
                                                        "recorded_on_file_on": dt.date(2026, 2, 9)}, today=TODAY)
    reviews.record_review(db, w["ap"], case["id"], {**review, "recorded_on_file": True,
                                                    "recorded_on_file_on": dt.date(2026, 2, 11)}, today=TODAY)
    row = casefile.get(db, w["qa"], case["id"], today=TODAY)
    assert (row["stage"], row["reviewed_on"], row["recorded_on_file_on"]) == ("reviewed", "2026-02-10", "2026-02-11")
    assert [(a["review_complete"], a["review_evidence"]) for a in row["actions"]] == [(1, "Seen."), (0, "Not done yet.")]
    assert reviews.follow_ups(db, w["ap"], today=TODAY) == []
    assert [r["id"] for r in reviews.follow_ups(db, w["ap"], today=TODAY, reviewed=True)] == [case["id"]]
    with pytest.raises(ValueError, match="moderation can no longer change"):
        moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)


# ---- Withdrawing, history, retention -----------------------------------------------------------------


def test_a_withdrawn_case_leaves_the_lists_and_qa_can_restore_it(db, w, case):
    audit_programme.withdraw(db, w["qa"], case["id"], "Household moved out of area.")
    programme_id = case["programme_id"]
    assert case["id"] not in [r["id"] for r in cases(db, w, programme_id)]
    assert [r["delete_reason"] for r in audit_programme.cases(db, w["qa"], programme_id, today=TODAY, withdrawn=True)] == [
        "Household moved out of area."]
    assert case["id"] not in [r["id"] for r in casefile.my_audits(db, auditor(w, case), today=TODAY)]
    replacement = audit_programme.add_case(db, w["qa"], programme_id, next(
        h for h in w["homes"].values() if h not in {r["household_id"] for r in cases(db, w, programme_id)}), today=TODAY)
    assert casefile.get(db, w["qa"], replacement, today=TODAY)["reference"] == "CFA-2025-26-Q4-05"
    audit_programme.restore(db, w["qa"], case["id"])
    assert case["id"] in [r["id"] for r in cases(db, w, programme_id)]
    with pytest.raises(ValueError, match="already in this programme"):
        audit_programme.add_case(db, w["qa"], programme_id, case["household_id"], today=TODAY)


def test_every_change_to_a_case_is_in_its_history_with_old_and_new_values(db, w, case):
    audit_programme.assign(db, w["qa"], case["id"], lead_id=case["lead_auditor_id"], peer_id=case["peer_auditor_id"],
                  due_on="2026-02-05", today=TODAY)
    lead = auditor(w, case)
    casefile.save(db, lead, case["id"], {"grades": {"voice": {"grade": "good", "evidence": "x"}}}, today=TODAY)
    casefile.save(db, lead, case["id"], {"grades": {"voice": {"grade": "inadequate", "evidence": "x"}}}, today=TODAY)
    history = casefile.record_history(db, w["qa"], case["id"], today=TODAY)
    assert [h["action"] for h in history] == ["assign", "update", "update"]
    assert json.loads(history[0]["detail"]) == {"due_on": ["2026-01-29", "2026-02-05"]}
    assert json.loads(history[2]["detail"]) == {"grade voice": ["good", "inadequate"]}


def test_retention_keeps_an_inactive_household_that_has_a_case_audit(db, w, case):
    with store.write(db):
        db.execute("update households set status = 'inactive'")
    preview = retention.preview(db, w["qa"], today=dt.date(2040, 1, 1))
    drawn = {r["household_id"] for r in cases(db, w, case["programme_id"])}
    assert preview["households_deleted"] == 8 - len(drawn)  # the four drawn for audit stay
    retention.apply(db, w["qa"], today=dt.date(2040, 1, 1), expected=preview)
    assert {r[0] for r in db.execute("select id from households")} == drawn


def test_reminders_tell_each_person_what_is_waiting_for_them(db, w, case):
    lead = auditor(w, case)
    open_cases = len(casefile.my_audits(db, lead, today=TODAY))
    assert reviews.reminders(db, lead, today=TODAY)[0].startswith(f"You have {open_cases} case-file audit(s) to "
                                                                 "complete, ")
    submitted(db, w, case)
    assert reviews.reminders(db, lead, today=TODAY)[:1] == ([f"You have {open_cases - 1} case-file audit(s) to "
                                                            "complete, 1 overdue."] if open_cases > 1 else [])
    assert reviews.reminders(db, w["sen"], today=TODAY) == ["1 submitted case-file audit(s) are waiting for moderation."]
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(day=dt.date(2026, 1, 20)), today=TODAY)
    assert reviews.reminders(db, w["ap"], today=TODAY) == []  # due 17 March
    assert reviews.reminders(db, w["ap"], today=dt.date(2026, 3, 5)) == [
        "1 eight-week audit review(s) are due or overdue (0 overdue)."]


def test_the_matrix_world_has_a_case_at_each_stage_the_matrix_needs(db):
    w = matrix_world(db)
    rows = cases(db, w, audit_programme.programme_for(db, w["qa"], Q4)["id"])
    assert [r["stage"] for r in rows] == ["to_do", "awaiting_moderation", "moderated", "to_do"]
    assert audit_programme.programme_for(db, w["qa"], "2025/26-Q3")["status"] == "draft"
