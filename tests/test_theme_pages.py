"""The Themes explorer, Review codes and Codebook pages, driven through AppTest."""

import datetime as dt
import io

import openpyxl
import pytest
from pypdf import PdfReader

from lib import analysis, dates, periods, text
from lib.capture import feedback
from lib.report import drafts, publishing
from lib.themes import codebook, coding, explorer, matching, review
from lib.ui import session
from tests.conftest import no_exceptions
from tests.fixtures import household, open_form, publish_approved, user


def quarter_with_most_comments(db):
    """The demo quarter with the most comments (the current one may have just begun)."""
    return max(periods.recent(session.today(), 4), key=lambda q: explorer.comment_total(
        db, user(db, "qa"), explorer.Filters(q.start, q.end)))


def open_explorer(app, db, role="manager"):
    at = open_form(app, db, role, "app_pages/themes/themes_explorer.py")
    best = quarter_with_most_comments(db)
    next(s for s in at.selectbox if s.label == "Quarter").set_value(best).run()
    return at, best


def test_the_explorer_renders_for_a_manager_with_a_chart_split_by_cohort(demo_db, app):
    at, period = open_explorer(app, demo_db)
    assert no_exceptions(at) == []
    assert at.metric[0].label == f"Comments in {period.label}" and int(at.metric[0].value) > 20
    assert len(at.get("vega_lite_chart")) >= 1
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"column": {"field": "cohort"' in spec and '"field": "reading"' in spec


def test_the_drill_down_shows_the_comments_of_the_bar_chosen(demo_db, app):
    at, period = open_explorer(app, demo_db)
    at.selectbox(key="drill_theme").set_value("T06")
    at.selectbox(key="drill_reading").set_value("improvement")
    at.selectbox(key="drill_cohort").set_value("kinship").run()
    expected = explorer.drill(demo_db, user(demo_db, "manager"), explorer.Filters(period.start, period.end),
                            theme_id="T06", reading="improvement", cohort="kinship")
    assert expected, "the demo quarter should have kinship complaints about money"
    shown = [t.value for t in at.main.text]
    assert shown == [r["body"] for r in expected]
    captions = [c.value for c in at.caption if "Kinship" in c.value and "Area for improvement" in c.value]
    assert len(captions) == len(expected)


def test_hostile_comment_text_displays_literally_in_the_drill_down(demo_db, app):
    hostile = "Allowance late ![x](http://example.com/a.png) <script>alert(1)</script> **bold**"
    bso = user(demo_db, "bso")
    feedback.record(demo_db, bso, "carer", {
        "household_id": household(demo_db, "kinship"), "contact_on": session.today(), "method": "phone",
        "outcome": "completed", "answers": {"CAR01": "2", "CAR18": "no"},
        "comments": {"CAR_BETTER": {"text": hostile, "consent": True}}}, today=session.today())
    at = open_form(app, demo_db, "manager", "app_pages/themes/themes_explorer.py")
    at.selectbox(key="drill_theme").set_value("T06").run()
    assert hostile in [t.value for t in at.text]
    rendered = [m.value for kind in ("markdown", "caption", "title", "success", "error", "info") for m in at.get(kind)]
    assert not any("![x](" in value or "<script>" in value for value in rendered)
    at.run()  # a rerun of the same drill-down is not kept again
    looked = demo_db.execute("select username, what, entity_id from reads").fetchall()
    assert looked == [("manager", "read the comments behind a theme", "T06")]


def test_the_comparison_table_shows_each_cohorts_areas_for_improvement_against_the_previous_quarter(demo_db, app):
    at, period = open_explorer(app, demo_db)
    table = next(d.value for d in at.dataframe if "Movement" in d.value.columns)
    manager = user(demo_db, "manager")
    now, before = explorer.Filters(period.start, period.end), explorer.Filters(period.previous.start, period.previous.end)
    expected = analysis.compare_themes(
        explorer.theme_counts(demo_db, manager, now), explorer.cohort_totals(demo_db, manager, now),
        explorer.theme_counts(demo_db, manager, before), explorer.cohort_totals(demo_db, manager, before),
        reading="improvement")
    assert len(table) == len(expected) > 0
    first = table.iloc[0]
    assert (first[period.label], first[period.previous.label]) == (expected[0]["now"], expected[0]["before"])
    assert first["Theme"] == codebook.names(demo_db)[expected[0]["theme_id"]]
    assert set(table["Movement"]) <= {"▲ rising", "▼ falling", "steady", "too few to compare"}


def test_a_reviewer_confirms_and_removes_themes_with_one_click_each(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/themes/theme_review.py")
    assert no_exceptions(at) == []
    confirm = next(b for b in at.button if b.key and b.key.startswith("ok_"))
    _, comment_id, theme_id = confirm.key.split("_")
    confirm.click().run()
    assert demo_db.execute("select decision from comment_themes where comment_id = :c and theme_id = :t",
                           {"c": int(comment_id), "t": theme_id}).fetchone()[0] == "confirmed"
    assert [s.value for s in at.success] == ["Theme confirmed."]
    remove = next(b for b in at.button if b.key and b.key.startswith("no_"))
    _, other, other_theme = remove.key.split("_")
    remove.click().run()
    assert demo_db.execute("select decision from comment_themes where comment_id = :c and theme_id = :t",
                           {"c": int(other), "t": other_theme}).fetchone()[0] == "removed"


def test_a_reviewer_adds_a_theme_and_corrects_the_sentiment(demo_db, app):
    at = open_form(app, demo_db, "qa", "app_pages/themes/theme_review.py")
    adder = next(s for s in at.selectbox if s.key and s.key.startswith("add_"))
    comment_id = int(adder.key.split("_")[1])
    choice = next(t for t in codebook.names(demo_db) if t not in {r[0] for r in demo_db.execute(
        "select theme_id from comment_themes where comment_id = :c", {"c": comment_id})} and t != "T08")
    adder.set_value(choice).run()
    assert demo_db.execute("select decision from comment_themes where comment_id = :c and theme_id = :t",
                           {"c": comment_id, "t": choice}).fetchone()[0] == "added"
    machine = demo_db.execute("select sentiment from comments where id = :c", {"c": comment_id}).fetchone()[0]
    at.session_state[f"mood_{comment_id}_{matching.label(machine)}"] = "mixed"
    at.run()
    assert demo_db.execute("select human_sentiment, sentiment_source from comments where id = :c",
                           {"c": comment_id}).fetchone() == ("mixed", "human")


def test_qa_adds_a_theme_on_the_codebook_page_and_recodes(demo_db, app):
    at = open_form(app, demo_db, "qa", "app_pages/themes/codebook.py")
    at.session_state["codebook_view"] = "Add or change a theme"
    at.run()
    form = next(f for f in at.get("form"))
    next(t for t in form.text_input if t.label == "Name").input("Wifi at family time")
    next(t for t in form.text_area if t.label.startswith("Trigger words")).input("wifi\nwi-fi")
    next(m for m in form.multiselect if m.label == "Applies to").set_value(["Y", "P"])
    next(b for b in at.button if b.label == "Add theme").click().run()
    assert no_exceptions(at) == [] and at.success[0].value.startswith("Saved theme T26")
    assert coding.uncoded_count(demo_db) > 0
    next(b for b in at.button if b.label.startswith("Re-code every comment")).click().run()
    assert coding.uncoded_count(demo_db) == 0
    assert at.success[0].value.startswith("Re-coded")


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_open_the_codebook(demo_db, app, role):
    at = app(user(demo_db, role))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("app_pages/themes/codebook.py").run()


@pytest.mark.parametrize("role", ["bso", "social_worker"])
def test_bsos_and_social_workers_cannot_open_themes_or_review(demo_db, app, role):
    at = app(user(demo_db, role))
    for script in ("app_pages/themes/themes_explorer.py", "app_pages/themes/theme_review.py"):
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(script).run()


def test_a_comment_stays_to_review_until_every_suggestion_is_decided_and_looks_right_finishes_it(demo_db, app):
    at = open_form(app, demo_db, "manager", "app_pages/themes/theme_review.py")
    several = next(b.key.split("_")[1] for b in at.button if b.key and b.key.startswith("ok_")
                   and sum(1 for o in at.button if o.key and o.key.startswith(f"ok_{b.key.split('_')[1]}_")) > 1)
    first = next(b for b in at.button if b.key and b.key.startswith(f"ok_{several}_"))
    first.click().run()
    assert any(b.key and b.key.startswith(f"ok_{several}_") for b in at.button)  # still queued
    next(b for b in at.button if b.key == f"all_{several}").click().run()
    assert not any(b.key and b.key.startswith(f"ok_{several}_") for b in at.button)
    pending = demo_db.execute("select count(*) from comment_themes where comment_id = :c and machine = 1 "
                              "and decision is null", {"c": int(several)}).fetchone()[0]
    assert pending == 0


def test_a_reviewer_corrects_how_one_theme_reads_without_touching_the_others(demo_db, app):
    qa = user(demo_db, "qa")
    comment_id, theme_id, reading = demo_db.execute(
        """select comment_id, theme_id, reading from comment_themes where machine = 1 and decision is null
           and reading = 'strength' and comment_id in (select comment_id from comment_themes group by comment_id
           having count(*) > 1) limit 1""").fetchone()
    others = dict(demo_db.execute("select theme_id, coalesce(human_reading, reading) from comment_themes "
                                  "where comment_id = :c and theme_id != :t", {"c": comment_id, "t": theme_id}))
    review.set_reading(demo_db, qa, comment_id, theme_id, "improvement")
    filters = explorer.Filters(session.today().replace(year=session.today().year - 3), session.today())
    rows = explorer.drill(demo_db, qa, filters, theme_id=theme_id)
    assert next(r for r in rows if r["comment_id"] == comment_id)["reading"] == "improvement"
    assert dict(demo_db.execute("select theme_id, coalesce(human_reading, reading) from comment_themes "
                                "where comment_id = :c and theme_id != :t", {"c": comment_id, "t": theme_id})) == others
    assert reading == "strength"


def test_the_report_builder_renders_for_qa_and_a_draft_narrative_survives_a_rerun(demo_db, app):
    at = open_form(app, demo_db, "qa", "app_pages/report/report_builder.py")
    assert no_exceptions(at) == []
    titles = [e.label for e in at.expander]
    assert titles[:2] == ["Key findings", "Headline numbers"] and "Foster carers' and kinship carers' views" in titles
    position = titles.index("Foster carers' and kinship carers' views")
    [t for t in at.text_area if t.label == "Commentary for this section"][position].input(
        "Kinship carers asked for more help with money.")
    [b for b in at.button if b.label == "Save commentary"][position].click().run()
    quarter = at.selectbox(key="report_quarter").value.label
    assert [s.value for s in at.success][0].startswith(
        text.escape_markdown(f"Saved the commentary on Foster carers' and kinship carers' views, {quarter}"))
    at.run()
    assert [t for t in at.text_area if t.label == "Commentary for this section"][position].value == \
        "Kinship carers asked for more help with money."


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_open_the_report_builder(demo_db, app, role):
    at = app(user(demo_db, role))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("app_pages/report/report_builder.py").run()


def test_qa_adds_a_redacted_quote_then_corrects_it_and_the_section_stays_open(demo_db, app):

    at = open_form(app, demo_db, "qa", "app_pages/report/report_builder.py")
    period_key = at.selectbox(key="report_quarter").value.slug
    candidate = drafts.quote_candidates(demo_db, user(demo_db, "qa"), period_key, "carers")[0]
    at.selectbox(key=f"pick_{period_key}_carers").select(candidate["comment_id"]).run()
    assert next(e for e in at.expander if e.label.startswith("Foster carers")).proto.expanded
    next(b for b in at.button if b.label == "Add this quote").click().run()
    assert [s.value for s in at.success] == ["Quote added."]
    next(t for t in at.text_area if t.label == "Quote 1").input("Our worker always rings back.")
    next(b for b in at.button if b.label == "Save quotes").click().run()
    saved = drafts.draft(demo_db, user(demo_db, "qa"), period_key)["quotes"]["carers"]
    assert [q["text"] for q in saved] == ["Our worker always rings back."]


def test_one_formatter_gives_the_same_time_on_the_page_in_the_pdf_and_in_the_workbook(demo_db, app):
    qa = user(demo_db, "qa")
    period_key = periods.recent(session.today(), 8)[1].slug  # the page's default quarter
    pinned = dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.timezone.utc)  # 14:05 BST
    publish_approved(demo_db, qa, period_key, today=session.today(), now=pinned)
    shown = dates.moment(pinned)
    assert shown == "1 Jul 2026, 14:05"
    at = open_form(app, demo_db, "qa", "app_pages/report/report_builder.py")
    assert any(f"Version 1 · {shown} · " in t.value for t in at.text)
    pdf = publishing.download(demo_db, qa, period_key, 1, "pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert text.count(f"Data as of {shown} BST") == 2  # the cover and the methods section
    book = openpyxl.load_workbook(io.BytesIO(publishing.download(demo_db, qa, period_key, 1, "xlsx")))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert f"Data as of {shown} BST" in cells and not any("(UTC)" in str(c) for c in cells)


def test_the_report_and_the_themes_page_agree_on_each_themes_movement_and_say_hidden_when_the_count_is(demo_db):
    # One rule, one set of words: where the report shows a count, its movement is the page's; where the count is
    # hidden, it says so ("hidden (small number)"), never "too few to compare" on a base that is not small.
    from lib.capture import questions
    from lib.report import build as report
    from lib.ui import session

    qa, today = user(demo_db, "qa"), session.today()
    period = periods.recent(today, 8)[1]
    value = report.build(demo_db, qa, period.slug, today=today)
    [top] = [t for s in value.sections if s.key == "carers" for t in s.tables
             if t.title == "Top strengths and areas for improvement"]
    names = codebook.names(demo_db)
    seen = {"shown": 0, "hidden": 0}
    for label, word, theme, shown, moved in top.rows:
        cohort = next(c for c, words in questions.COHORTS.items() if words == label)
        base = dict(respondent="carer", cohort=cohort, source="bso_call")
        now = explorer.Filters(period.start, period.end, **base)
        before = explorer.Filters(period.previous.start, period.previous.end, **base)
        page = analysis.compare_themes(
            explorer.theme_counts(demo_db, qa, now), explorer.cohort_totals(demo_db, qa, now),
            explorer.theme_counts(demo_db, qa, before), explorer.cohort_totals(demo_db, qa, before),
            reading="strength" if word == "Strength" else "improvement")
        [row] = [r for r in page if names.get(r["theme_id"]) == theme]
        if shown == "c":
            assert moved == analysis.HIDDEN_MOVEMENT
            seen["hidden"] += 1
        else:
            assert moved == analysis.MOVEMENT_WORDS[row["movement"]]
            seen["shown"] += 1
    assert seen["shown"] and seen["hidden"], seen  # both ways are on the demo's page
