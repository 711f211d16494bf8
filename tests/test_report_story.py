"""The report tells the story: key findings first, % positive over time, periods in progress said to be so."""

import datetime as dt

import pytest

from lib.capture import feedback, questions
from lib.kpis import recruitment
from lib.report import build as report
from lib.report import drafts, findings
from tests.conftest import add_user
from tests.fixtures import add_household
from tests.test_report import call

TODAY = dt.date(2026, 2, 15)
Q3 = "2025/26-Q3"  # October to December 2025


def calls(db, bso, home, first: dt.date, positive: int, negative: int):
    """Completed carer calls from `first`, one a day: `positive` rating support good (4), `negative` poor (2)."""
    for i in range(positive + negative):
        call(db, bso, home, first + dt.timedelta(days=i), answers={"CAR01": "4" if i < positive else "2",
                                                                   "CAR18": "yes"})


@pytest.fixture
def story(db):
    bso = add_user(db, "bso", username="ann")
    qa = add_user(db, "qa", username="quinn")
    db.execute("update users set created_at = '2020-01-01T00:00:00+00:00'")
    home = add_household(db, "M1")
    calls(db, bso, home, dt.date(2024, 10, 1), 10, 10)  # 2024/25 Q3: 50%
    calls(db, bso, home, dt.date(2025, 7, 1), 8, 12)  # 2025/26 Q2: 40%
    calls(db, bso, home, dt.date(2025, 10, 1), 14, 6)  # 2025/26 Q3: 70%
    return {"bso": bso, "qa": qa, "home": home}


def section(value, key):
    return next(s for s in value.sections if s.key == key)


def table(sec, title):
    return next(t for t in sec.tables if t.title == title)


def support(db) -> str:
    return questions.current(db).items["CAR01"].text


def test_a_question_is_compared_with_the_quarter_before_and_the_same_quarter_last_year(db, story):
    value = report.build(db, story["qa"], Q3, today=TODAY)
    trend = table(section(value, "carers"), "% positive over time")
    assert trend.columns == ("Question", "Placement type", "2025/26 Q3", "2025/26 Q2", "2024/25 Q3",
                             "Change since 2025/26 Q2")
    row = next(r for r in trend.rows if r[0] == support(db))
    assert row[1:] == ("Mainstream", "70% (n=20)", "40% (n=20)", "50% (n=20)", "▲ up +30 points")
    assert not any(r[0] == support(db) and r[1] == "Kinship" for r in trend.rows)  # no kinship answers at all
    assert value.leaks == ()


def test_the_first_page_is_key_findings_with_the_number_the_comparison_and_the_base(db, story):
    value = report.build(db, story["qa"], Q3, today=TODAY)
    assert value.sections[0].title == "Key findings"
    lines = value.sections[0].summary
    assert f"Rose: 70% of mainstream foster carers were positive about “{support(db)}” (n=20), up from 40% in 2025/26 Q2." in lines
    assert not any("Fell:" in line for line in lines)
    assert all(" c " not in f" {line} " for line in lines)


def test_a_finding_whose_figure_is_hidden_is_left_out_not_printed_as_c(db, story):
    # 2025/26 Q3 with 14 good answers and 3 poor: 3 is a small number, so the % (with its n) would give it away
    db.execute("update responses set deleted_at = '2026-01-01' where contact_on >= '2025-10-18'"
               " and contact_on <= '2025-12-31'")
    value = report.build(db, story["qa"], Q3, today=TODAY)
    trend = table(section(value, "carers"), "% positive over time")
    row = next(r for r in trend.rows if r[0] == support(db))
    assert row[2].startswith("c") and row[-1] == "hidden (small number)"
    lines = value.sections[0].summary
    assert not any(support(db) in line for line in lines)
    assert value.leaks == ()


def test_qa_rewords_one_finding_and_leaves_another_out_and_the_figures_still_come_from_the_data(db, story):
    built = report.build(db, story["qa"], Q3, today=TODAY)
    keys = {row["key"].split(":")[0]: row["key"] for row in built.findings}
    drafts.save_draft(db, story["qa"], Q3, key_findings={
        keys["rose"]: {"text": "Support from the service: {pct} positive (n={n}), from {before}."},
        keys["lowest"]: {"drop": True}})
    value = report.build(db, story["qa"], Q3, today=TODAY)
    lines = value.sections[0].summary
    assert "Support from the service: 70% positive (n=20), from 40%." in lines
    lowest = next(row["generated"] for row in value.findings if row["key"] == keys["lowest"])
    assert lowest not in lines and len(lines) == len(value.findings) - 1
    chosen = drafts.draft(db, story["qa"], Q3)["findings"]
    assert chosen == {keys["rose"]: {"text": "Support from the service: {pct} positive (n={n}), from {before}."},
                      keys["lowest"]: {"drop": True}}
    history = db.execute("select detail from history where entity = 'report_drafts' order by id desc").fetchone()[0]
    assert keys["lowest"] in history and keys["rose"] in history


@pytest.mark.parametrize("words, message", [
    ("{pct:>10} positive", "is not a place for a figure"),
    ("Support {pct positive", "that is not a place for a figure"),
    ("{0} positive", "is not a place for a figure"),
    ("{pct.real}", "is not a place for a figure"),
])
def test_a_reworded_finding_with_a_brace_that_is_not_a_place_is_refused_with_a_plain_message(db, story, words, message):
    with pytest.raises(ValueError, match=message):
        drafts.save_draft(db, story["qa"], Q3, key_findings={"rose:carer:CAR01:All": {"text": words}})
    assert drafts.draft(db, story["qa"], Q3)["findings"] == {}


@pytest.mark.parametrize("choices", [["rose"], {"rose": "drop"}, {"rose": {"hide": True}}, {"": {"drop": True}}])
def test_key_findings_choices_of_the_wrong_shape_are_refused(db, story, choices):
    with pytest.raises(ValueError):
        drafts.save_draft(db, story["qa"], Q3, key_findings=choices)


def test_a_reworded_finding_naming_a_place_it_lacks_falls_back_to_its_generated_words_with_a_warning(db, story):
    built = report.build(db, story["qa"], Q3, today=TODAY)
    highest = next(row for row in built.findings if row["key"].startswith("lowest:"))
    drafts.save_draft(db, story["qa"], Q3, key_findings={highest["key"]: {"text": "Best: {pct}, {colour}."}})
    value = report.build(db, story["qa"], Q3, today=TODAY)
    assert highest["generated"] in value.sections[0].summary
    assert any("{colour}, which it does not have" in w for w in value.warnings)


def test_a_number_typed_into_a_finding_is_caught_by_the_disclosure_check_before_publishing(db, story):
    built = report.build(db, story["qa"], Q3, today=TODAY)
    drafts.save_draft(db, story["qa"], Q3, key_findings={built.findings[0]["key"]: {"text": "Three carers said so."}})
    assert report.build(db, story["qa"], Q3, today=TODAY).leaks == ()  # words are not figures it checks as digits
    drafts.save_draft(db, story["qa"], Q3, key_findings={built.findings[0]["key"]: {"text": "{pct} of 17 carers."}})
    leaks = report.build(db, story["qa"], Q3, today=TODAY).leaks
    assert any("prints 17, which no published figure accounts for" in leak for leak in leaks)


def test_a_finding_template_names_only_places_it_fills():
    assert findings.places("Up {pct} from {before} (n={n})") == {"pct", "before", "n"}
    assert findings.places("No figures at all.") == set()


def test_the_annual_report_shows_each_quarter_and_a_small_quarter_cannot_be_worked_out_from_the_year(db, story):
    calls(db, story["bso"], story["home"], dt.date(2025, 4, 1), 2, 1)  # 2025/26 Q1: 3 answers, a small number
    value = report.build(db, story["qa"], "2025/26", today=TODAY)
    trend = table(section(value, "carers"), "% positive over time")
    assert trend.columns[2:] == ("Q1", "Q2", "Q3", "Q4 (to date)", "2025/26 (to date)", "2024/25",
                                 "Change since 2024/25")
    row = next(r for r in trend.rows if r[0] == support(db))
    bases = [cell.rsplit("n=", 1)[-1].rstrip(")") if "n=" in cell else cell for cell in row[2:7]]
    assert bases[0] == "c" or row[2] == "c"  # 3 is hidden...
    shown = [b for b in bases if b.isdigit()]
    # ...and not recoverable as the year's n less the other quarters': something else is hidden with it
    assert not (bases[4].isdigit() and len(shown) == 4)
    assert value.leaks == ()


def test_a_quarter_before_the_first_entry_is_no_data_in_the_trend_not_zero(db):
    bso, qa = add_user(db, "bso", username="ann"), add_user(db, "qa", username="quinn")
    home = add_household(db, "M1")
    calls(db, bso, home, dt.date(2025, 10, 1), 14, 6)
    value = report.build(db, qa, Q3, today=TODAY)
    row = next(r for r in table(section(value, "carers"), "% positive over time").rows if r[0] == support(db))
    assert row[2:] == ("70% (n=20)", "no data", "no data", "no data")


def test_a_quarter_in_progress_is_compared_to_date_and_says_so(db, story):
    calls(db, story["bso"], story["home"], dt.date(2026, 1, 5), 7, 6)
    value = report.build(db, story["qa"], "2025/26-Q4", today=TODAY)
    trend = table(section(value, "carers"), "% positive over time")
    assert trend.columns[2] == "2025/26 Q4 (to date)"
    assert "is counted to 15 February 2026" in trend.note
    assert value.period_label.endswith(", to date (15 February 2026)")


def registered(db, count: int, cohort: str, team_id: int, prefix: str) -> list[int]:
    homes = [add_household(db, f"{prefix}{i}", cohort) for i in range(count)]
    db.execute("update households set approval_on = '2020-01-01', team_id = :t where reference like :p",
               {"t": team_id, "p": f"{prefix}%"})
    return homes


@pytest.fixture
def coverage_world(db):
    from tests.fixtures import add_team

    bso, qa = add_user(db, "bso", username="ann"), add_user(db, "qa", username="quinn")
    worker = add_user(db, "social_worker", username="sam")
    db.execute("update users set created_at = '2020-01-01T00:00:00+00:00'")
    north = add_team(db, "North")
    main, kin = registered(db, 20, "mainstream", north, "M"), registered(db, 16, "kinship", north, "K")
    day = dt.date(2025, 10, 1)
    for home in main[:12]:  # 12 heard from, twice each: a household counts once
        call(db, bso, home, day)
        call(db, bso, home, day + dt.timedelta(days=30))
    for home in main[12:14]:  # 2 called but not answered
        call(db, bso, home, day, outcome="no_answer")
    for home in main[:9]:
        call(db, bso, home, day, form="parent")
    for home in kin[:8]:
        call(db, bso, home, day)
    for index, home in enumerate(main[:12]):  # children's views at 12 households' reviews, 14 children
        for child in range(2 if index < 2 else 1):
            feedback.record(db, worker, "child", {
                "household_id": home, "child_reference": f"C{100 + index}{child}", "age_band": "12_plus",
                "contact_on": dt.date(2025, 11, 3), "helped_by": ("alone", "advocate", "carer")[index % 3],
                "answers": {"Y3_01": "always"}}, today=TODAY)
    for month in (dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)):
        recruitment.enter_month(db, qa, month=month, team_id=None, values={"annual_reviews_held": 10}, today=TODAY)
    return {"qa": qa}


def test_coverage_sets_households_heard_from_against_the_register_by_team_and_placement_type(db, coverage_world):
    value = report.build(db, coverage_world["qa"], Q3, today=TODAY)
    heard = table(section(value, "coverage"), "Households we heard from, against the register at 31 December 2025")
    rows = {r[:2]: r[2:] for r in heard.rows}
    assert rows == {("North", "All"): ("36", "22", "20", "56%", "9", "25%"),
                    ("All teams", "Mainstream"): ("20", "14", "12", "60%", "9", "45%"),
                    ("All teams", "Kinship"): ("16", "8", "8", "50%", "0", "0%"),
                    ("All teams", "All"): ("36", "22", "20", "56%", "9", "25%")}
    assert value.leaks == ()


def test_coverage_sets_childrens_views_against_the_annual_reviews_held(db, coverage_world):
    value = report.build(db, coverage_world["qa"], Q3, today=TODAY)
    reviews = dict(table(section(value, "coverage"), "Children's views at the carers' Annual Reviews").rows)
    assert reviews == {"Annual Reviews held": "30", "Carer households with at least one child's view recorded": "12",
                       "Share of the reviews held": "40%"}
    recruited = table(section(value, "kpis"), "Foster carer recruitment and Annual Reviews")
    assert recruited.rows[-1][recruited.columns.index("Annual Reviews held")] == "30"  # the same figure


def test_coverage_says_so_when_no_annual_reviews_held_were_imported(db, coverage_world):
    db.execute("delete from recruitment_figures")
    value = report.build(db, coverage_world["qa"], Q3, today=TODAY)
    coverage = section(value, "coverage")
    assert [t.title for t in coverage.tables] == ["Households we heard from, against the register at 31 December 2025"]
    assert any(line.startswith("No Annual Reviews held were imported") for line in coverage.summary)


def test_the_report_says_who_helped_each_child_and_how_many_answered_independently(db, coverage_world):
    children = section(report.build(db, coverage_world["qa"], Q3, today=TODAY), "children")
    helped = dict(table(children, "Who helped the child give their views").rows)
    # 5 on their own, 5 with an advocate, 4 with their carer, of 14: each part is a small number
    assert {k: helped[k] for k in ("On their own", "With their carer", "With an advocate or independent adult")} == {
        "On their own": "c", "With their carer": "c", "With an advocate or independent adult": "c"}
    assert helped["With their social worker"] == "0"
    said = next(line for line in children.summary if line.startswith("Of the children who gave their views"))
    # 10 of 14 independently with 0 with a social worker would say that 4 were with their carer: one of them goes
    assert "c" in (helped["Total"], said.split(", ")[1].split(" did")[0])
    assert "did so on their own or with an advocate or independent adult" in said


def test_advocacy_offered_and_taken_up_is_counted_for_children_who_got_in_touch(db, coverage_world):
    from lib.log import representations

    manager = add_user(db, "manager", username="meg")
    for i in range(8):
        representations.record(db, manager, {
            "kind": "complaint" if i < 6 else "comment", "received_on": dt.date(2025, 10, 2 + i),
            "from_who": "child", "summary": f"Child {i} was unhappy about contact.", "stage": "stage1",
            "advocacy_offered": i < 7, "advocacy_taken": i < 6}, today=TODAY)
    complaints = section(report.build(db, coverage_world["qa"], Q3, today=TODAY), "complaints")
    assert dict(table(complaints, "Advocacy for children and young people").rows) == {
        "From children and young people": "8", "Offered an advocate": "7", "Took up an advocate": "6"}


def test_you_said_we_did_shows_due_dates_and_whether_a_closed_actions_theme_came_back(db):
    from lib.log import actions

    bso, qa = add_user(db, "bso", username="ann"), add_user(db, "qa", username="quinn")
    manager = add_user(db, "manager", username="meg")
    db.execute("update users set created_at = '2020-01-01T00:00:00+00:00'")
    home = add_household(db, "M1")
    late = {"CAR_BETTER": {"text": "The allowance was paid late again and nobody rang back.", "consent": False}}
    fine = {"CAR_WELL": {"text": "Our supervising social worker is lovely and visits often.", "consent": False}}
    for i in range(30):  # 2025/26 Q2: 12 of 30 comments raise allowances as a concern (40%)
        call(db, bso, home, dt.date(2025, 7, 1) + dt.timedelta(days=i * 2), comments=late if i < 12 else fine)
    action = actions.record(db, manager, {
        "said": "Allowances were paid late.", "theme_ids": ["T06"], "cohort": None, "respondent": "carer",
        "from_quarter": "2025/26-Q2", "will_do": "Publish the payment dates.", "owner": "Finance team",
        "due_on": dt.date(2025, 10, 31)}, today=dt.date(2025, 9, 30))
    actions.update(db, manager, action, {
        "said": "Allowances were paid late.", "theme_ids": ["T06"], "cohort": None, "respondent": "carer",
        "from_quarter": "2025/26-Q2", "will_do": "Publish the payment dates.", "owner": "Finance team",
        "due_on": dt.date(2025, 10, 31), "status": "done", "did": "Payment dates published.",
        "told_back": ["newsletter"]}, today=dt.date(2025, 10, 10))
    for i in range(40):  # since it closed: 8 of 40 (20%)
        call(db, bso, home, dt.date(2025, 10, 11) + dt.timedelta(days=i * 2), comments=late if i < 8 else fine)
    value = report.build(db, qa, Q3, today=TODAY)
    said = section(value, "actions")
    closed = table(said, "Closed this period")
    assert closed.columns[4] == "Due (or closed)" and closed.rows[0][4] == "10 October 2025"
    back = table(said, "Did it come back? Each theme as a concern before and after the action")
    assert back.rows == (("Allowances were paid late.", "Allowances, fees and expenses", "10 October 2025",
                          "40% of 30", "20% of 40", "▼ fell away"),)
    assert value.leaks == ()


def test_the_annual_report_is_the_quality_of_care_review_with_its_own_outline_and_mapping(db, story):
    value = report.build(db, story["qa"], "2025/26", today=dt.date(2026, 5, 1))
    assert value.title == "Quality-of-care review (Regulation 35) and annual feedback report"
    keys = [s.key for s in value.sections]
    assert keys[:4] == ["findings", "purpose", "consultation", "headlines"]
    assert keys.index("actions") < keys.index("judgement") < keys.index("priorities") < keys.index("mapping")
    assert keys[-1] == "methods"
    purpose = " ".join(section(value, "purpose").summary)
    assert "Regulation 35 of the Fostering Services (England) Regulations 2011" in purpose
    consulted = " ".join(section(value, "consultation").summary)
    assert "Foster carers and kinship carers: 40 monthly feedback calls were completed" in consulted
    mapped = table(section(value, "mapping"), "Sections mapped to Regulation 35, the National Minimum Standards and "
                                              "the SCCIF")
    assert mapped.columns == ("Section", "Regulation 35", "NMS 1 and 2", "NMS 25", "SCCIF evidence")
    children = next(r for r in mapped.rows if r[0] == "Children's and young people's views")
    assert children[1] == "35(2) children placed" and children[2] == "1 wishes and feelings"
    assert {r[0] for r in mapped.rows} <= {s.title for s in value.sections}
    assert any("judgement and recommendations are not written yet" in w for w in value.warnings)
    assert section(value, "judgement").empty and value.leaks == ()


def test_the_registered_managers_judgement_is_written_as_the_sections_commentary(db, story):
    drafts.save_draft(db, story["qa"], "2025/26", narrative={
        "judgement": "Care is good. Kinship carers need better support.", "priorities": "Kinship support first."})
    value = report.build(db, story["qa"], "2025/26", today=dt.date(2026, 5, 1))
    judgement = section(value, "judgement")
    assert judgement.narrative == "Care is good. Kinship carers need better support." and judgement.empty == ""
    assert section(value, "priorities").narrative == "Kinship support first."
    assert not any("not written yet" in w for w in value.warnings)


def test_a_quarterly_report_keeps_the_quarterly_outline(db, story):
    value = report.build(db, story["qa"], Q3, today=TODAY)
    keys = [s.key for s in value.sections]
    assert value.title == "Feedback report" and keys[:2] == ["findings", "headlines"]
    assert not {"purpose", "consultation", "judgement", "priorities", "mapping"} & set(keys)


def test_placing_authorities_views_are_a_section_of_their_own_with_roles_and_percent_positive(db, story):
    from tests.fixtures import placing_entry

    manager = add_user(db, "manager", username="meg")
    for i in range(16):  # 10 social workers and 6 IROs; 10 rate the care good (4), 6 poor (2)
        feedback.record(db, manager, "placing_authority", placing_entry(
            story["home"], contact_on=dt.date(2025, 10, 1 + i), professional_role="social_worker" if i < 10 else "iro",
            placing_authority="Northshire County Council" if i % 2 else "Southshire Council",
            answers={"PLA01": "4" if i < 10 else "2", "PLA06": "2"}), today=TODAY)
    value = report.build(db, story["qa"], Q3, today=TODAY)
    placing = section(value, "placing")
    assert placing.title == "Placing authorities' views"
    assert placing.summary[0] == ("Feedback came from 2 placing authorities, by the child's social worker or "
                                  "Independent Reviewing Officer.")
    assert dict(table(placing, "Who from the placing authority").rows) == {
        "Child's social worker": "10", "Independent Reviewing Officer (IRO)": "6",
        "Other professional from the placing authority": "0", "Total": "16"}
    rated = next(r for r in table(placing, "% positive by question").rows
                 if r[0] == questions.current(db).items["PLA01"].text)
    assert rated[1:] == ("16", "63%", "0", "–")  # mainstream: 10 of 16, both can be shown; no kinship answers
    headline = dict((r[0], r[1]) for r in table(section(value, "headlines"), "Feedback received").rows)
    assert headline["Placing authority feedback"] == "16"
    assert value.leaks == ()


def test_a_quarter_in_progress_is_set_against_the_same_days_of_the_quarter_before_and_the_whole_of_it(db, story):
    calls(db, story["bso"], story["home"], dt.date(2025, 9, 1), 10, 0)  # late in Q2: after its first 41 days
    value = report.build(db, story["qa"], Q3, today=dt.date(2025, 11, 10))
    headlines = section(value, "headlines")
    received = table(headlines, "Feedback received")
    assert received.columns == ("Measure", "2025/26 Q3 (to date)", "2025/26 Q2, first 41 days", "2025/26 Q2, whole")
    assert received.rows[0] == ("Carer feedback calls completed", "20", "20", "30")
    assert headlines.summary[0] == ("20 carer feedback calls were completed so far this period, to 10 November 2025 "
                                    "(20 in the same 41 days of 2025/26 Q2, 30 in the whole of it).")
    assert value.leaks == ()


def test_a_chart_of_a_quarter_in_progress_says_to_date_in_its_title(db, story):
    running = report.build(db, story["qa"], Q3, today=dt.date(2025, 11, 10))
    titles = [c.title for s in running.sections for c in s.charts]
    assert titles and all(t.endswith("(to 10 November 2025)") for t in titles)
    ended = report.build(db, story["qa"], Q3, today=TODAY)
    assert not any("(to " in c.title for s in ended.sections for c in s.charts)
