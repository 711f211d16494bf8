"""Audit figures and the report's "Case-file audits" section, on a hand-built set where every number is known."""

import datetime as dt

import pytest

from lib.access import PermissionDenied
from lib.audits import casefile, findings, moderation, plan, programme, reviews
from lib.audits import targeted as targeted_audits
from lib.report import build as report
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from tests.fixtures import (
    AUDIT_DAY,
    TODAY,
    add_home,
    audit_world,
    auditor,
    cases,
    draw,
    full_entry,
    moderation_entry,
)

Q4 = "2025/26-Q4"
ALLOWANCES = "Allowance queries were left unanswered; share the finance escalation route with carers."
VOICE = "Record the child's views in the safer caring plan."


def graded(voice: str, overall: str = "good") -> dict:
    grades = {d: {"grade": "good", "evidence": "Seen."} for d in casefile.DOMAINS}
    grades["voice"] = {"grade": voice, "evidence": "Seen."}
    grades[casefile.OVERALL] = {"grade": overall, "evidence": ""}
    return grades


@pytest.fixture
def known(db):
    """Q3: one case, moderated, all inadequate. Q4: twelve cases, eleven moderated, one only submitted:

    voice (auditors): good x7, requires improvement x3, inadequate x1, and outstanding on the unmoderated one;
    the moderator raises case 0's voice from good to outstanding; overall good except case 10 (requires
    improvement). Child spoken to in cases 0-7, parent in 0-1, carer in all. Actions: one each on cases 0-3, two on
    case 4; reviews of cases 0-4 find 4 of the 6 complete. Learning: allowances (T06) on cases 0-5, the child's
    views (T16) on 6-10. A targeted audit in Q4 on supervision and training (T01, T05).
    """
    w = audit_world(db)
    for i in range(6):
        add_home(db, f"X{i}00", w["north"] if i % 2 else w["south"])
    q3 = draw(db, w, size=1, seed=1, quarter="2025/26-Q3", circulate=dt.date(2025, 10, 1))
    old = cases(db, w, q3)[0]
    october = dt.date(2025, 10, 10)
    casefile.save(db, auditor(w, old), old["id"], full_entry(
        audited_on=october, ssw_discussed_on=october,
        grades={d: {"grade": "inadequate", "evidence": "Poor."} for d in casefile.GRADED}), today=october, submit=True)
    moderation.moderate(db, w["sen"], old["id"], moderation_entry(
        {d: {"grade": "inadequate", "reason": ""} for d in casefile.GRADED}, day=dt.date(2025, 10, 20)), today=TODAY)

    rows = cases(db, w, draw(db, w, size=12, seed=4))
    assert len(rows) == 12
    voices = ["good"] * 7 + ["requires_improvement"] * 3 + ["inadequate", "outstanding"]
    actions = {}
    for i, row in enumerate(rows):
        lead = auditor(w, row)
        for _ in range(2 if i == 4 else 1 if i < 4 else 0):
            actions.setdefault(i, []).append(plan.add_action(
                db, lead, row["id"], {"action": "Do it.", "owner": "Team manager", "due_on": "2026-02-01"},
                today=TODAY))
        entry = full_entry(grades=graded(voices[i], "requires_improvement" if i == 10 else "good"),
                           child_spoken=i < 8, child_not_why="" if i < 8 else "Under two.",
                           parent_spoken=i < 2, parent_not_why="" if i < 2 else "Declined.")
        casefile.save(db, lead, row["id"], entry, today=AUDIT_DAY, submit=True)
        if i == 11:
            continue
        final = {d: {"grade": g["grade"], "reason": ""} for d, g in entry["grades"].items()}
        if i == 0:
            final["voice"] = {"grade": "outstanding", "reason": "The child's own words run through the file."}
        moderation.moderate(db, w["sue"], row["id"], moderation_entry(final, learning=ALLOWANCES if i < 6 else VOICE),
                        today=TODAY)
    complete = {0: [True], 1: [True], 2: [False], 3: [True], 4: [True, False]}
    for i, outcomes in complete.items():
        reviews.record_review(db, w["ap"], rows[i]["id"], {"reviewed_on": dt.date(2026, 2, 10), "actions": {
            a: {"complete": c, "evidence": "Checked."} for a, c in zip(actions[i], outcomes)}}, today=TODAY)
    targeted_audits.record(db, w["qa"], {
        "topic": "Supervision of kinship carers by Mary", "reason": "supervision", "scope": "Ten households.",
        "findings": "Gaps.", "learning": "Kinship carers need reflective supervision; training for supervising social "
                                          "workers.", "completed_on": dt.date(2026, 2, 1)}, today=TODAY)
    return w


def test_figures_count_only_the_quarters_moderated_audits_with_their_final_grades(db, known):
    found = findings.findings(db, known["qa"], dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (found.cases, found.submitted, found.moderated, found.reviewed) == (12, 12, 11, 5)
    assert found.grades["voice"] == {"outstanding": 1, "good": 6, "requires_improvement": 3, "inadequate": 1}
    assert found.auditor_grades["voice"] == {"outstanding": 0, "good": 7, "requires_improvement": 3, "inadequate": 1}
    assert found.grades["overall"] == {"outstanding": 0, "good": 10, "requires_improvement": 1, "inadequate": 0}
    assert found.grades["matching"]["good"] == 11
    assert found.changed == {**dict.fromkeys(casefile.GRADED, 0), "voice": 1}
    assert found.spoken == {"child": 8, "parent": 2, "carer": 11}
    assert (found.actions, found.actions_reviewed, found.actions_complete) == (6, 6, 4)
    assert found.themes == {"T06": 6, "T16": 5, "T01": 1, "T05": 1}
    assert found.targeted == 1


def test_a_withdrawn_case_and_another_quarters_cases_do_not_count(db, known):
    q3 = findings.figures(db, dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert (q3.cases, q3.moderated, q3.grades["voice"]["inadequate"]) == (1, 1, 1)
    year = findings.figures(db, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert year.moderated == 12 and year.grades["voice"]["inadequate"] == 2
    unmoderated = next(r for r in moderation.awaiting_moderation(db, known["sen"], today=TODAY) if not r["moderated_on"])
    programme.withdraw(db, known["qa"], unmoderated["id"], "Household moved away.")
    assert findings.figures(db, dt.date(2026, 1, 1), dt.date(2026, 3, 31)).cases == 11


def section(value, key="audits"):
    return next(s for s in value.sections if s.key == key)


def table(sec, title):
    return next(t for t in sec.tables if t.title == title)


def test_the_report_section_suppresses_small_counts_and_shows_percentages_only_with_their_base(db, known):
    value = report.build(db, known["qa"], Q4, today=TODAY)
    audits_section = section(value)
    assert audits_section.title == "Case-file audits"
    grades = {r[0]: r[1:] for r in table(audits_section, "Moderated grades by domain").rows}
    assert grades["Voice of the child"] == ("c", "6", "c", "c", "11")
    assert grades["Quality of matching"] == ("0", "11", "0", "0", "11")
    # A single requires-improvement overall grade is hidden, and so is the 10 beside it, or 11 - 10 would give it away.
    assert grades["Overall grade"] == ("0", "c", "c", "0", "11")
    spoken = dict(table(audits_section, "Who the peer auditor spoke to").rows)
    # 8 and 2 of 11: beside n=11, "73%" and "18%" would say 3 children and 2 parents (a count of 1-5) were or were not.
    assert spoken == {"The child or young person": "c", "The birth parent": "c", "The carer": "100%"}
    progress = dict(table(audits_section, "The case-file audit programme").rows)
    assert progress == {"Drawn for audit": "12", "Submitted by the auditors": "12", "Moderated": "11",
                        "Eight-week review recorded": "c"}
    assert "11 audits were moderated. The child's voice was heard directly in c of them." in audits_section.summary
    assert "Grades changed at moderation: c of 77." in audits_section.summary
    assert "Actions complete at the eight-week review: c (of 6 actions reviewed)." in audits_section.summary
    themes = dict(table(audits_section, "Themes in audit learning").rows)
    assert themes == {"Allowances, fees and expenses": "6", "Relationship with carers": "c",
                      "Supervising social worker support": "c", "Training and development": "c"}


def test_a_quarter_with_few_moderated_audits_shows_no_percentage_and_hides_small_grade_counts(db, known):
    value = report.build(db, known["qa"], "2025/26-Q3", today=TODAY)
    audits_section = section(value)
    spoken = dict(table(audits_section, "Who the peer auditor spoke to").rows)
    assert set(spoken.values()) == {"c"}  # a base of 1
    grades = {r[0]: r[1:] for r in table(audits_section, "Moderated grades by domain").rows}
    assert grades["Overall grade"] == ("0", "0", "0", "c", "c")


def test_the_number_of_grades_does_not_give_away_a_hidden_number_of_moderated_audits(db, known):
    audits_section = section(report.build(db, known["qa"], "2025/26-Q3", today=TODAY))
    assert "c audits were moderated. The child's voice was heard directly in c of them." in audits_section.summary
    # One audit has seven grades: "c of 7" would tell the reader the hidden count is 1.
    assert "Grades changed at moderation: 0 of c." in audits_section.summary


def test_targeted_audits_are_listed_in_the_report_with_names_redacted(db, known):
    value = report.build(db, known["qa"], Q4, today=TODAY)
    rows = table(section(value), "Targeted audits").rows
    assert len(rows) == 1
    month, topic, why, learning = rows[0]
    assert (month, why) == ("February 2026", "Supervision") and "Mary" not in topic
    assert learning.startswith("Kinship carers need reflective supervision")


def test_the_section_says_so_when_nothing_was_drawn_or_recorded(db, known):
    value = report.build(db, known["qa"], "2024/25-Q2", today=TODAY)
    assert section(value).empty == "No case-file audit was drawn and no audit feedback was recorded in this period."


def test_the_pdf_and_workbook_carry_the_audit_tables(db, known):
    from io import BytesIO

    from openpyxl import load_workbook


    value = report.build(db, known["qa"], Q4, today=TODAY)
    workbook = load_workbook(BytesIO(report_xlsx.render(value)))
    cells = {str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"Moderated grades by domain", "Who the peer auditor spoke to", "Voice of the child"} <= cells
    pdf, _ = report_pdf.render(value)
    assert pdf.startswith(b"%PDF")


def test_findings_are_for_managers_senior_managers_and_qa(db, known):
    for user in (known["mary"], known["sen"], known["qa"]):
        findings.findings(db, user, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    with pytest.raises(PermissionDenied):
        findings.findings(db, known["ap"], dt.date(2026, 1, 1), dt.date(2026, 3, 31))
