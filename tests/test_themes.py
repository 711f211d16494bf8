import datetime as dt

import pytest

from lib import analysis, store
from lib.access import PermissionDenied
from lib.audits import moderation
from lib.audits import targeted as targeted_audits
from lib.capture import feedback, questions
from lib.log import representations
from lib.periods import Quarter
from lib.themes import codebook, coding, explorer, matching, review
from tests.conftest import add_user
from tests.fixtures import (
    add_household,
    audit_world,
    cases,
    draw,
    moderation_entry,
    submitted,
)

Q3 = Quarter(2025, 3)  # Oct-Dec 2025
TODAY = dt.date(2026, 2, 15)


@pytest.fixture
def world(db):
    """Two BSOs' worth of calls: mainstream and kinship carers, in Q2 and Q3 of 2025/26."""
    bso = add_user(db, "bso")
    qa = add_user(db, "qa")
    manager = add_user(db, "manager")
    homes = {"mainstream": add_household(db, "M1"), "kinship": add_household(db, "K1", "kinship")}
    return {"bso": bso, "qa": qa, "manager": manager, "homes": homes}


def say(db, world, text, *, cohort="mainstream", day=dt.date(2025, 11, 3), consent=True, form="carer"):
    entry = {"household_id": world["homes"][cohort], "contact_on": day, "method": "phone", "outcome": "completed",
             "relationship": "mother",
             "answers": {"CAR01": "4", "CAR18": "yes"} if form == "carer" else {"PAR01": "4"},
             "comments": {"CAR_BETTER" if form == "carer" else "PAR_BETTER": {"text": text, "consent": consent}}}
    response_id = feedback.record(db, world["bso"], form, entry, today=TODAY)
    return db.execute("select id from comments where response_id = :r", {"r": response_id}).fetchone()[0]


def codes(db, comment_id):
    return {r["theme_id"]: (r["machine"], r["decision"]) for r in db.query(
        "select theme_id, machine, decision from comment_themes where comment_id = :c", {"c": comment_id})}


def test_the_default_codebook_loads_as_version_one_with_25_themes(db):
    assert codebook.ensure(db) == 1
    rows = codebook.theme_list(db)
    assert len(rows) == 25 and rows[0]["id"] == "T01" and "supervision" in rows[0]["triggers"]


def test_a_comment_is_coded_on_save_with_its_sentiment_and_codebook_version(db, world):
    comment_id = say(db, world, "The allowance was paid late again and nobody calls back.")
    assert codes(db, comment_id) == {"T06": (1, None), "T03": (1, None)}
    row = next(db.query("select sentiment, coded_version from comments where id = :c", {"c": comment_id}))
    assert row["sentiment"] < 0 and row["coded_version"] == 1
    readings = dict(db.execute("select theme_id, reading from comment_themes").fetchall())
    assert readings == {"T06": "improvement", "T03": "improvement"}


def test_recoding_after_a_codebook_change_keeps_every_human_decision(db, world):
    qa = world["qa"]
    comment_id = say(db, world, "Respite is hard to get and the allowance is late.")
    assert set(codes(db, comment_id)) == {"T07", "T06"}
    review.decide(db, qa, comment_id, "T07", "confirmed")
    review.decide(db, qa, comment_id, "T06", "removed")
    review.decide(db, qa, comment_id, "T22", "added")
    review.set_sentiment(db, qa, comment_id, "mixed")
    # QA rewrites T06's and T07's triggers so neither matches any more, and re-codes everything.
    for theme_id in ("T06", "T07"):
        row = next(r for r in codebook.theme_list(db) if r["id"] == theme_id)
        codebook.save_theme(db, qa, theme_id, name=row["name"], definition=row["definition"], triggers=["zzz"],
                          applies_to=row["applies_to"], usually=row["usually"])
    assert coding.recode_all(db, qa) == 1
    assert codes(db, comment_id) == {"T07": (0, "confirmed"), "T06": (0, "removed"), "T22": (0, "added")}
    human = next(db.query("select sentiment_source, human_sentiment from comments where id = :c", {"c": comment_id}))
    assert human == {"sentiment_source": "human", "human_sentiment": "mixed"}
    assert codebook.current_version(db) == 3


def test_a_retired_theme_keeps_its_history_but_gets_no_new_comments(db, world):
    qa = world["qa"]
    old = say(db, world, "We need respite.")
    codebook.retire_theme(db, qa, "T07")
    coding.recode_all(db, qa)
    assert codes(db, old) == {"T07": (1, None)}  # the earlier coding stays as history
    new = say(db, world, "More respite please.")
    assert "T07" not in codes(db, new)
    with pytest.raises(ValueError, match="retired"):
        review.decide(db, qa, new, "T07", "added")
    names = codebook.names(db)
    assert names["T07"].endswith("(retired)")


def test_merging_moves_triggers_and_counts_the_old_theme_under_the_new_one(db, world):
    qa = world["qa"]
    comment_id = say(db, world, "The buddy scheme is great.")
    assert "T08" in codes(db, comment_id)
    codebook.retire_theme(db, qa, "T08", merged_into="T01")
    assert "buddy" in next(r for r in codebook.theme_list(db) if r["id"] == "T01")["triggers"]
    filters = explorer.Filters(Q3.start, Q3.end)
    counted = {r["theme_id"] for r in explorer.theme_counts(db, qa, filters)}
    assert "T01" in counted and "T08" not in counted


def test_decisions_and_sentiment_corrections_are_checked_and_audited(db, world):
    qa, bso = world["qa"], world["bso"]
    comment_id = say(db, world, "Respite please.")
    with pytest.raises(PermissionDenied):
        review.decide(db, bso, comment_id, "T07", "removed")
    with pytest.raises(ValueError, match="no theme T99"):
        review.decide(db, qa, comment_id, "T99", "added")
    with pytest.raises(ValueError, match="positive, negative, neutral or mixed"):
        review.set_sentiment(db, qa, comment_id, "angry")
    review.decide(db, qa, comment_id, "T07", "removed")
    audit = db.execute("select detail from history where entity = 'comments'").fetchone()[0]
    assert '"decision": [null, "removed"]' in audit


def test_the_agreement_table_gives_precision_and_recall_per_theme(db, world):
    qa = world["qa"]
    one = say(db, world, "We need respite.")
    two = say(db, world, "Respite was cancelled.")
    three = say(db, world, "Exhausted, no time off at all.")  # T07 via "time off", T22 via "exhausted"
    review.decide(db, qa, one, "T07", "confirmed")
    review.decide(db, qa, two, "T07", "removed")
    review.decide(db, qa, three, "T07", "confirmed")
    review.decide(db, qa, three, "T08", "added")
    rows = {r["theme_id"]: r for r in review.agreement(db, qa)}
    assert (rows["T07"]["confirmed"], rows["T07"]["removed"], rows["T07"]["precision"]) == (2, 1, 0.67)
    assert rows["T07"]["recall"] == 1.0 and (rows["T08"]["added"], rows["T08"]["recall"]) == (1, 0.0)


def test_theme_counts_split_by_cohort_and_reading(db, world):
    say(db, world, "The allowance is paid late.", cohort="kinship")
    say(db, world, "The allowance is never paid on time.", cohort="kinship")
    say(db, world, "Allowances always paid on time, brilliant.", cohort="mainstream")
    rows = explorer.theme_counts(db, world["manager"], explorer.Filters(Q3.start, Q3.end))
    t06 = {(r["cohort"], r["reading"]): r["comments"] for r in rows if r["theme_id"] == "T06"}
    assert t06 == {("kinship", "improvement"): 2, ("mainstream", "strength"): 1}
    kin_only = explorer.theme_counts(db, world["manager"], explorer.Filters(Q3.start, Q3.end, cohort="kinship"))
    assert {r["cohort"] for r in kin_only} == {"kinship"}


def test_filters_combine_and_deleted_entries_are_left_out(db, world):
    say(db, world, "Respite please.", form="carer")
    say(db, world, "Respite for the carer please.", form="parent")
    gone = say(db, world, "More respite.", form="carer")
    response = db.execute("select response_id from comments where id = :c", {"c": gone}).fetchone()[0]
    feedback.soft_delete(db, world["qa"], response, "duplicate")
    filters = explorer.Filters(Q3.start, Q3.end, respondent="birth_parent", source="bso_call", cohort="mainstream")
    assert explorer.comment_total(db, world["manager"], filters) == 1
    assert explorer.comment_total(db, world["manager"], explorer.Filters(Q3.start, Q3.end)) == 2
    outside = explorer.Filters(Q3.previous.start, Q3.previous.end)
    assert explorer.comment_total(db, world["manager"], outside) == 0


def test_the_drill_down_lists_the_bars_comments_newest_first_with_consent_marks(db, world):
    say(db, world, "The allowance is paid late.", day=dt.date(2025, 10, 2), consent=False, cohort="kinship")
    say(db, world, "Still the allowance is late!", day=dt.date(2025, 12, 2), cohort="kinship")
    say(db, world, "The allowance is fine now, thank you.", day=dt.date(2025, 11, 2))
    rows = explorer.drill(db, world["manager"], explorer.Filters(Q3.start, Q3.end), theme_id="T06",
                        reading="improvement", cohort="kinship")
    assert [(r["body"], r["consent_to_quote"]) for r in rows] == [
        ("Still the allowance is late!", 1), ("The allowance is paid late.", 0)]


def test_comparison_with_the_previous_quarter_needs_enough_comments_in_both():
    assert analysis.movement(10, 40, 2, 40) == "rising"
    assert analysis.movement(2, 40, 10, 40) == "falling"
    assert analysis.movement(5, 40, 4, 40) == "steady"
    assert analysis.movement(10, 40, 2, 19) == "too few to compare"
    assert analysis.movement(10, 12, 0, 50) == "too few to compare"


def test_per_quarter_counts_feed_the_trend_and_the_comparison(db, world):
    say(db, world, "Respite please.", day=dt.date(2025, 8, 1))
    say(db, world, "Respite please.", day=dt.date(2025, 11, 1))
    say(db, world, "Respite again.", day=dt.date(2025, 11, 2))
    rows = explorer.per_quarter(db, world["manager"], explorer.Filters(Q3.start, Q3.end), [Q3.previous, Q3])
    assert [(r["total"], r["themes"].get("T07")) for r in rows] == [(1, 1), (2, 2)]


def test_percent_positive_is_the_top_two_over_valid_answers_without_not_applicable():
    scale = questions.load_file().scales["AGREE5"]
    summary = analysis.likert("CAR02", {"5": 3, "4": 1, "3": 2, "1": 2, "na": 5, "dk": 1},
                              positive=scale.positive, excluded=scale.excluded)
    assert (summary.base, summary.positive, summary.percent_positive, summary.answered) == (8, 4, 50.0, 14)
    empty = analysis.likert("CAR02", {"na": 3}, positive=scale.positive, excluded=scale.excluded)
    assert empty.base == 0 and empty.percent_positive is None


def test_likert_rows_place_positive_answers_right_of_zero_and_the_rest_left(db):
    bank = questions.load_file()
    counts = [{"item_id": "CAR02", "cohort": "kinship", "value": v, "n": n}
              for v, n in {"5": 2, "4": 2, "3": 1, "2": 3, "1": 2, "na": 4}.items()]
    rows = analysis.likert_rows([bank.items["CAR02"]], counts, cohort_names={"kinship": "Kinship"})
    by_answer = {r["answer"]: r for r in rows}
    assert by_answer["Agree"]["start"] == 0 and by_answer["Agree"]["end"] == 20.0
    assert by_answer["Strongly agree"]["end"] == 40.0
    assert by_answer["Neither agree nor disagree"]["end"] == -10.0
    assert by_answer["Strongly disagree"]["end"] == -60.0
    assert {r["n"] for r in rows} == {10} and {r["percent_positive"] for r in rows} == {40.0}


def test_qa_can_add_a_theme_and_bad_theme_input_is_refused(db, world):
    qa = world["qa"]
    new = codebook.save_theme(db, qa, None, name="Wifi at contact", definition="Internet access at family time",
                            triggers=["wifi", "wi-fi", "wifi"], applies_to=["Y", "P", "CM"], usually="improvement")
    assert new == "T26" and next(r for r in codebook.theme_list(db) if r["id"] == new)["triggers"] == ["wifi", "wi-fi"]
    comment_id = say(db, world, "No wifi at the contact centre")
    assert "T26" in codes(db, comment_id)
    for bad, message in [({"name": " "}, "Theme name is required"), ({"triggers": ["", "  "]}, "at least one trigger"),
                         ({"triggers": ["!!!"]}, "no letters or digits"), ({"applies_to": []}, "Choose who"),
                         ({"usually": "always"}, "usually a strength"), ({"name": "Wifi at contact"}, "already has")]:
        values = {"name": "Another", "definition": "", "triggers": ["x1"], "applies_to": ["Y"], "usually": "either",
                  **bad}
        with pytest.raises(ValueError, match=message):
            codebook.save_theme(db, qa, None, **values)
    with pytest.raises(PermissionDenied):
        codebook.save_theme(db, world["manager"], None, name="Rogue", definition="", triggers=["x"],
                          applies_to=["Y"], usually="either")


def test_the_indexed_matcher_and_the_naive_baseline_agree_on_plain_triggers():
    theme_rows = [matching.Theme(f"T{i}", "n", "d", ("Y",), "either", tuple(f"word{i} phrase{j}" for j in range(5)))
                  for i in range(20)]
    text = "Some feedback about word3 phrase2 and word7 phrase4 here."
    assert set(matching.code(text, matching.Matcher(theme_rows)).mentions) == matching.NaiveCoder(theme_rows).code(text) \
        == {"T3", "T7"}


def test_merging_into_a_theme_a_person_removed_does_not_bring_it_back(db, world):
    qa = world["qa"]
    comment_id = say(db, world, "Our supervising social worker never calls back.")  # T01 and T03
    review.decide(db, qa, comment_id, "T03", "removed")
    codebook.retire_theme(db, qa, "T01", merged_into="T03")
    coding.recode_all(db, qa)
    rows = explorer.drill(db, qa, explorer.Filters(Q3.start, Q3.end), theme_id="T03")
    assert comment_id not in [r["comment_id"] for r in rows]


def test_looks_right_confirms_every_open_suggestion_and_marks_the_comment_reviewed(db, world):
    qa = world["qa"]
    comment_id = say(db, world, "The allowance was paid late again and nobody calls back.")
    assert review.confirm_all(db, qa, comment_id) == 2
    assert set(codes(db, comment_id).values()) == {(1, "confirmed")}
    assert review.review_queue(db, qa, reviewed=False) == []
    quiet = say(db, world, "Thank you for everything.")
    assert review.confirm_all(db, qa, quiet) == 0
    assert db.execute("select reviewed_at is not null from comments where id = :c", {"c": quiet}).fetchone()[0] == 1


def test_a_corrected_reading_changes_that_theme_only_and_survives_recoding(db, world):
    qa = world["qa"]
    comment_id = say(db, world, "The respite was brilliant. The allowance is paid late.")
    review.set_reading(db, qa, comment_id, "T07", "improvement")
    coding.recode_all(db, qa)
    readings = {r["theme_id"]: r["reading"] for r in db.query(
        "select theme_id, coalesce(human_reading, reading) as reading from comment_themes where comment_id = :c",
        {"c": comment_id})}
    assert readings == {"T07": "improvement", "T06": "improvement"}
    with pytest.raises(ValueError, match="does not have theme T18"):
        review.set_reading(db, qa, comment_id, "T18", "strength")
    with pytest.raises(ValueError, match="strength, an area for improvement, or neutral"):
        review.set_reading(db, qa, comment_id, "T07", "great")


def test_a_theme_is_only_suggested_for_the_people_it_applies_to(db, world):
    mainstream = say(db, world, "The assessment paperwork was overwhelming.")  # T20 is for kinship carers
    kinship = say(db, world, "The assessment paperwork was overwhelming.", cohort="kinship")
    assert "T20" not in codes(db, mainstream) and "T20" in codes(db, kinship)


def test_comments_matching_no_theme_are_counted_in_sql(db, world):
    say(db, world, "Thank you for everything.")
    say(db, world, "We need respite.")
    filters = explorer.Filters(Q3.start, Q3.end)
    assert explorer.uncoded_total(db, world["manager"], filters) == 1
    assert [r["body"] for r in explorer.uncoded(db, world["manager"], filters)] == ["Thank you for everything."]


def test_the_comparison_uses_each_cohorts_own_base_and_one_reading():
    now = [{"theme_id": "T06", "cohort": "kinship", "reading": "improvement", "comments": 12},
           {"theme_id": "T06", "cohort": "kinship", "reading": "strength", "comments": 3},
           {"theme_id": "T06", "cohort": "mainstream", "reading": "improvement", "comments": 2}]
    before = [{"theme_id": "T06", "cohort": "kinship", "reading": "improvement", "comments": 4}]
    rows = analysis.compare_themes(now, {"kinship": 40, "mainstream": 10}, before, {"kinship": 40, "mainstream": 25},
                                   reading="improvement")
    assert rows == [
        {"theme_id": "T06", "cohort": "kinship", "before": 4, "now": 12, "share_before": 10.0, "share_now": 30.0,
         "movement": "rising"},
        {"theme_id": "T06", "cohort": "mainstream", "before": 0, "now": 2, "share_before": 0.0, "share_now": 20.0,
         "movement": "too few to compare"},
    ]


def test_a_clicked_bar_becomes_a_drill_down_by_codes():
    picked = analysis.pick([{"theme": "Respite and short breaks", "reading": "Area for improvement",
                             "cohort": "Kinship"}], {"T07": "Respite and short breaks"}, codebook.READINGS,
                           {"kinship": "Kinship"})
    assert picked == {"theme": "T07", "reading": "improvement", "cohort": "kinship"}
    assert analysis.pick([], {}, {}, {}) is None


def test_explorer_answers_are_reused_until_anything_is_saved_and_then_recomputed(db, world):
    say(db, world, "The allowance is paid late.")
    filters = explorer.Filters(Q3.start, Q3.end)
    ran = []
    db.conn.set_trace_callback(lambda sql: ran.append(sql) if "base as" in sql else None)
    first = explorer.theme_counts(db, world["manager"], filters)
    again = explorer.theme_counts(db, world["manager"], filters)
    assert again == first and len(ran) == 1
    say(db, world, "Allowance late again.")
    ran.clear()
    after = explorer.theme_counts(db, world["manager"], filters)
    assert len(ran) == 1
    assert {r["comments"] for r in after if r["theme_id"] == "T06"} == {2}
    with pytest.raises(PermissionDenied):
        explorer.theme_counts(db, world["bso"], filters)  # a cached answer is still behind the permission check
    db.conn.set_trace_callback(None)


def test_inside_a_transaction_explorer_queries_see_its_uncommitted_changes(db, world):

    comment = say(db, world, "The allowance is paid late.")
    filters = explorer.Filters(Q3.start, Q3.end)
    assert explorer.comment_total(db, world["manager"], filters) == 1
    with store.write(db):
        db.execute("update comments set response_id = response_id where id = :c", {"c": comment})
        db.execute("update responses set contact_on = '2025-07-01'")
        assert explorer.comment_total(db, world["manager"], filters) == 0
        db.execute("update responses set contact_on = '2025-11-03'")


def test_a_merge_then_recode_moves_the_logs_and_audit_learnings_codes_with_the_comments(db, world):
    qa, manager = world["qa"], world["manager"]
    text = "The buddy scheme made a real difference."
    comment_id = say(db, world, text)
    rid = representations.record(db, manager, {"kind": "compliment", "received_on": dt.date(2026, 1, 5),
                                               "from_who": "foster_carer", "summary": text}, today=TODAY)
    tid = targeted_audits.record(db, manager, {
        "topic": "Peer support", "reason": "supervision", "scope": "Every new carer.", "cases_reviewed": 6,
        "findings": "Most had a buddy.", "learning": text, "started_on": dt.date(2026, 1, 5),
        "completed_on": dt.date(2026, 1, 30)}, today=TODAY)
    w = audit_world(db)
    case = cases(db, w, draw(db, w))[0]
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(learning=text), today=TODAY)

    def coded():
        return {
            "comment": {t for t, (machine, decision) in codes(db, comment_id).items() if machine or decision},
            "log": {r[0] for r in db.execute("select theme_id from representation_themes where representation_id = :i",
                                             {"i": rid})},
            "targeted": {r[0] for r in db.execute(
                "select theme_id from targeted_audit_themes where targeted_audit_id = :i", {"i": tid})},
            "case": {r[0] for r in db.execute("select theme_id from case_audit_themes where audit_id = :i",
                                              {"i": case["id"]})},
        }

    assert all("T08" in found for found in coded().values()), coded()
    codebook.retire_theme(db, qa, "T08", merged_into="T01")
    assert coding.uncoded_count(db) >= 4
    steps = []
    total = coding.recode_all(db, qa, progress=lambda done, of: steps.append((done, of)))
    assert steps[-1] == (total, total) and len({of for _, of in steps}) == 1  # one progress count over them all
    after = coded()
    assert "T01" in after.pop("comment")  # a comment keeps its retired code as history; the explorer counts it as T01
    assert all("T01" in found and "T08" not in found for found in after.values()), after
    assert coding.uncoded_count(db) == 0
