"""The report value, computed from a small hand-built database where every number is known."""

import dataclasses
import datetime as dt
import json

import pytest
from pypdf import PdfReader

from lib import charts, dates, periods, store
from lib.access import PermissionDenied
from lib.capture import feedback, questions
from lib.report import __main__, drafts, publishing, reg35, sections
from lib.report import build as report
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from lib.ui import session
from tests.conftest import add_user
from tests.fixtures import add_household, approve_as_it_stands, publish_approved

TODAY = dt.date(2026, 2, 15)
Q3 = "2025/26-Q3"  # October to December 2025


def call(db, user, home, day, *, form="carer", outcome="completed", answers=None, comments=None, **extra):
    entry = {"household_id": home, "contact_on": day, "method": "phone", "outcome": outcome,
             "relationship": "mother", **extra}
    if outcome == "completed":
        entry["answers"] = answers or ({"CAR01": "4", "CAR18": "yes"} if form == "carer" else {"PAR01": "4"})
        entry["comments"] = comments or {}
    return feedback.record(db, user, form, entry, today=TODAY)


@pytest.fixture
def world(db):
    ann, bob = add_user(db, "bso", username="ann"), add_user(db, "bso", username="bob")
    db.execute("update users set created_at = '2020-01-01T00:00:00+00:00'")
    qa = add_user(db, "qa", username="quinn")
    main, kin = add_household(db, "M1"), add_household(db, "K1", "kinship")
    # Q3: 12 mainstream carer calls (9 rate support good, 3 poor), 3 kinship; one no-answer; bob records nothing.
    for i in range(12):
        call(db, ann, main, dt.date(2025, 10, 1 + i), answers={"CAR01": "4" if i < 9 else "2", "CAR18": "yes"})
    for i in range(3):
        call(db, ann, kin, dt.date(2025, 11, 3 + i), answers={"CAR01": "5", "CAR18": "yes"})
    call(db, ann, main, dt.date(2025, 11, 20), outcome="no_answer")
    # Q2 (the previous quarter): 4 mainstream calls.
    for i in range(4):
        call(db, ann, main, dt.date(2025, 8, 1 + i))
    return {"ann": ann, "bob": bob, "qa": qa, "main": main, "kin": kin}


def section(value, key):
    return next(s for s in value.sections if s.key == key)


def table(sec, title):
    return next(t for t in sec.tables if t.title == title)


def test_the_headlines_compare_with_the_previous_quarter_with_small_numbers_suppressed(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY, as_of="2026-02-15T09:00:00+00:00")
    rows = {r[0]: r[1:] for r in table(section(value, "headlines"), "Feedback received").rows}
    assert rows["Carer feedback calls completed"] == ("15", "c")  # 4 in Q2 is suppressed
    assert rows["Calls not answered, declined or wrong number"] == ("c", "0")
    assert rows["Children's views at Annual Reviews"] == ("0", "0")
    assert value.period_label == "2025/26 Q3 (October to December 2025)" and value.previous_label == "2025/26 Q2"


def test_the_cohort_split_hides_a_small_cohort_and_its_partner_so_the_total_cannot_give_it_away(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    rows = table(section(value, "carers"), "Completed feedback by placement type").rows
    assert rows == (("Mainstream", "c"), ("Kinship", "c"), ("Total", "15"))


def wording(db, item_id):
    """A question's words, as the report's tables name it (codes belong to the app, not the reader)."""
    return questions.current(db).items[item_id].text


def test_when_a_cohort_is_hidden_the_question_table_pools_the_cohorts_so_its_n_cannot_give_it_away(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    carers = section(value, "carers")
    likert = table(carers, "% positive by question")
    assert likert.columns == ("Question", "All n", "All % positive")
    car01 = next(r for r in likert.rows if r[0] == wording(db, "CAR01"))
    assert car01[1:] == ("15", "c")  # 12 of 15 positive: "80% (n=15)" would say 3 were not
    assert carers.summary[0].startswith("Mainstream and kinship placements are reported together")
    assert all("Kinship" not in cell for t in carers.tables[1:] for row in t.rows for cell in row)


def test_percent_positive_is_shown_only_on_a_base_of_ten_or_more(db, world):
    for i in range(4):  # kinship now 7, mainstream 12: both can be shown
        call(db, world["ann"], world["kin"], dt.date(2025, 12, 10 + i),
             answers={"CAR01": "5", "CAR18": "yes", "KIN03": "2"})
    value = report.build(db, world["qa"], Q3, today=TODAY)
    likert = table(section(value, "carers"), "% positive by question")
    assert likert.columns == ("Question", "Mainstream n", "Mainstream % positive", "Kinship n", "Kinship % positive")
    car01 = next(r for r in likert.rows if r[0] == wording(db, "CAR01"))
    assert car01[1:] == ("12", "c", "7", "c")  # 9 of 12: "75% (n=12)" would say 3 were not
    kin03 = next(r for r in likert.rows if r[0] == wording(db, "KIN03"))
    assert kin03[1:] == ("not asked", "", "c", "c")


def test_compliance_counts_a_bso_who_recorded_nothing_as_below_the_minimum(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    months = {r[0]: r for r in table(section(value, "compliance"), "BSOs against the monthly minimum").rows}
    assert set(months) == {"October 2025", "November 2025", "December 2025", "All months"}
    october = months["October 2025"]
    assert october[1:4] == ("2", "0", "2")  # two BSOs, neither met it (no parent calls), bob had nothing
    assert october[6] == "8"


def test_monthly_counts_of_families_are_suppressed_against_the_quarter_total(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    months = {r[0]: r for r in table(section(value, "compliance"), "BSOs against the monthly minimum").rows}
    # Carer calls: October 12, November 3 (hidden), December 0; the total 15 is shown, so October is hidden too.
    assert [months[m][4] for m in ("October 2025", "November 2025", "December 2025", "All months")] == \
        ["c", "c", "0", "15"]


def test_an_annual_report_covers_the_whole_financial_year(db, world):
    value = report.build(db, world["qa"], "2025/26", today=TODAY)
    rows = {r[0]: r[1:] for r in table(section(value, "headlines"), "Feedback received").rows}
    assert rows["Carer feedback calls completed"][0] == "19"
    # The year is still running on 15 February 2026: the label says so; once it has ended, it does not.
    assert value.period_label == "2025/26 (April 2025 to March 2026), to date (15 February 2026)"
    assert value.previous_label == "2024/25"
    # 2024/25 ended before the first entry: no data, not 0.
    first = dates.long_day(db.execute("select min(contact_on) from responses").fetchone()[0])
    assert rows["Carer feedback calls completed"][1] == "no data"
    headline = section(value, "headlines").summary[0]
    assert headline == (f"19 carer feedback calls were completed so far this period, to 15 February 2026 (no data for "
                        f"2024/25, before the first entry on {first}).")
    ended = report.build(db, world["qa"], "2025/26", today=dt.date(2026, 4, 2))
    assert ended.period_label == "2025/26 (April 2025 to March 2026)"
    assert section(ended, "headlines").summary[0].startswith("19 carer feedback calls were completed this period (no")


def test_sections_without_data_say_so(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    assert section(value, "parents").empty == "No feedback was recorded in this period."
    assert section(value, "complaints").empty == "Nothing was logged in this period."
    assert section(value, "actions").empty == "No actions were opened, progressed or closed in this period."
    assert [s.key for s in value.sections] == [k for k in sections.SECTIONS if k not in reg35.SECTIONS]  # a quarter


def test_a_draft_narrative_and_quotes_are_saved_per_period_and_appear_in_the_report(db, world):
    comment_home = world["kin"]
    call(db, world["ann"], comment_home, dt.date(2025, 12, 1), answers={"CAR01": "5", "CAR18": "yes"},
         comments={"CAR_WELL": {"text": "Our worker Ann rings back the same day, call 07700 900123.", "consent": True}})
    candidates = drafts.quote_candidates(db, world["qa"], Q3, "carers")
    assert [c["suggested"] for c in candidates] == ["Our worker [name] rings back the same day, call [phone]."]
    drafts.save_draft(db, world["qa"], Q3, narrative={"carers": "Kinship carers praised call-backs."},
                      quotes={"carers": [{"comment_id": candidates[0]["comment_id"],
                                          "text": candidates[0]["suggested"]}]})
    value = report.build(db, world["qa"], Q3, today=TODAY)
    carers = section(value, "carers")
    assert carers.narrative == "Kinship carers praised call-backs."
    assert [(q.text, q.source) for q in carers.quotes] == [
        ("Our worker [name] rings back the same day, call [phone].", "Kinship carer, monthly call, December 2025")]
    other = drafts.draft(db, world["qa"], "2025/26-Q4")
    assert (other["narrative"], other["quotes"]) == ({}, {})


def test_unconsented_and_safeguarding_text_is_never_offered_or_used_as_a_quote(db, world):
    call(db, world["ann"], world["main"], dt.date(2025, 12, 2),
         comments={"CAR_WELL": {"text": "Not for quoting please", "consent": False}})
    flagged = call(db, world["ann"], world["main"], dt.date(2025, 12, 3), safeguarding=True,
                   comments={"CAR_BETTER": {"text": "He said he was hit at contact", "consent": True}})
    assert drafts.quote_candidates(db, world["qa"], Q3, "carers") == []
    comment_id = db.execute("select id from comments where response_id = :r", {"r": flagged}).fetchone()[0]
    drafts.save_draft(db, world["qa"], Q3, quotes={"carers": [{"comment_id": comment_id, "text": "He said he was hit"}]})
    value = report.build(db, world["qa"], Q3, today=TODAY)
    assert section(value, "carers").quotes == ()
    assert any("safeguarding" in w for w in value.warnings)


@pytest.mark.parametrize("text", ["", "2025/27", "Q3", "2025/26-Q5", "last quarter"])
def test_an_unknown_period_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="2025/26-Q3 or 2025/26"):
        periods.period(text)


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_builds_the_report(db, world, role):
    with pytest.raises(PermissionDenied):
        report.build(db, add_user(db, role), Q3, today=TODAY)


def test_the_workbook_neutralises_formula_looking_text_and_says_suppressed_beside_a_hidden_count(db, world):
    import io

    from openpyxl import load_workbook

    drafts.save_draft(db, world["qa"], Q3, narrative={"headlines": "=HYPERLINK(\"http://x\")\n+44 then @SUM(A1)"})
    value = report.build(db, world["qa"], Q3, today=TODAY)
    book = load_workbook(io.BytesIO(report_xlsx.render(value)))
    assert book.sheetnames[0] == "README"
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    narrative = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert narrative.data_type == "s" and narrative.value.startswith("'=HYPERLINK")  # stays text when edited
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert book.sheetnames[1:3] == ["Headlines", "Approved and de-registered"]
    headline = book["Headlines"]
    values = [[c.value for c in row] for row in headline.iter_rows()]
    assert values[0] == ["Measure", "2025/26 Q3", "2025/26 Q3 status", "2025/26 Q2", "2025/26 Q2 status"]
    assert ["Carer feedback calls completed", 15, None, None, "suppressed"] in values


def test_the_fingerprint_changes_with_the_data_but_not_with_the_time_it_was_read(db, world):
    first = report.build(db, world["qa"], Q3, today=TODAY, as_of="2026-02-15T09:00:00+00:00")
    again = report.build(db, world["qa"], Q3, today=TODAY, as_of="2026-02-16T09:00:00+00:00")
    assert report.fingerprint(first) == report.fingerprint(again)
    call(db, world["ann"], world["kin"], dt.date(2025, 12, 9))
    assert report.fingerprint(report.build(db, world["qa"], Q3, today=TODAY)) != report.fingerprint(first)


def test_the_pdf_has_every_section_heading_the_narrative_and_never_safeguarding_text(db, world):
    import io

    from pypdf import PdfReader


    call(db, world["ann"], world["main"], dt.date(2025, 12, 3), safeguarding=True,
         comments={"CAR_BETTER": {"text": "He said he was hit at contact", "consent": True}})
    drafts.save_draft(db, world["qa"], Q3, narrative={"carers": "Calls went well — “mostly”. Łódź visit planned."})
    value = report.build(db, world["qa"], Q3, today=TODAY, as_of="2026-02-15T09:00:00+00:00")
    pinned = dt.datetime(2026, 2, 15, 9, 0, tzinfo=dt.timezone.utc)
    pdf, warnings = report_pdf.render(value, creation_date=pinned)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for title in (t for k, t in sections.SECTIONS.items() if k not in reg35.SECTIONS):  # a quarter's sections
        assert " ".join(title.split()) in text, title
    assert "Calls went well — “mostly”. Łódź visit planned." in text
    assert "hit at contact" not in text
    assert warnings == []
    assert report_pdf.render(value, creation_date=pinned)[0] == pdf


def test_a_published_version_downloads_unchanged_after_the_data_changes(db, world):

    first = publish_approved(db, world["qa"], Q3)
    assert first["version"] == 1
    pdf = publishing.download(db, world["qa"], Q3, 1, "pdf")
    xlsx = publishing.download(db, world["qa"], Q3, 1, "xlsx")
    assert pdf.startswith(b"%PDF") and xlsx.startswith(b"PK")
    assert publishing.changed_since_published(db, world["qa"], Q3, today=TODAY) is False
    call(db, world["ann"], world["kin"], dt.date(2025, 12, 10))
    assert publishing.changed_since_published(db, world["qa"], Q3, today=TODAY) is True
    assert publishing.download(db, world["qa"], Q3, 1, "pdf") == pdf
    assert publish_approved(db, world["qa"], Q3)["version"] == 2
    assert [v["version"] for v in publishing.versions(db, world["qa"], Q3)] == [2, 1]
    exports = db.execute("select count(*) from history where action = 'export' and entity = 'report_versions'")
    assert exports.fetchone()[0] == 2 + 3  # two publishes, three downloads
    with pytest.raises(ValueError, match="no version 9"):
        publishing.download(db, world["qa"], Q3, 9, "pdf")


def test_a_save_while_a_report_is_publishing_goes_through_at_once_and_the_version_is_built_after_it(
        db, db_path, world, monkeypatch):
    render, saved = report_pdf.render, []

    def render_while_a_bso_saves(value, **kwargs):
        if not saved:  # a BSO saves from their own connection while the PDF is being drawn
            other = store.connect(db_path)
            other.execute("PRAGMA busy_timeout = 0")  # a held write lock would fail this at once
            # In the next quarter: the data changes but the approved Q3 report does not (a Q3 save would change the
            # report from the one approved, and tests/test_sign_off.py shows publishing then refuses).
            saved.append(call(other, world["ann"], world["kin"], dt.date(2026, 1, 11)))
            other.close()
        return render(value, **kwargs)

    approve_as_it_stands(db, world["qa"], Q3)
    monkeypatch.setattr(report_pdf, "render", render_while_a_bso_saves)
    published = publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert saved and published["version"] == 1
    stored = json.loads(db.execute("select value from report_versions").fetchone()[0])
    assert stored == json.loads(json.dumps(dataclasses.asdict(report.build(
        db, world["qa"], Q3, today=TODAY, as_of=stored["as_of"], version=1)), ensure_ascii=False))


def test_publishing_gives_up_with_a_plain_message_when_the_data_never_stops_changing(db, db_path, world,
                                                                                     monkeypatch):
    render = report_pdf.render

    def render_while_someone_always_saves(value, **kwargs):
        call(db, world["ann"], world["kin"], dt.date(2026, 1, 12))  # next quarter's: the approved report stands
        return render(value, **kwargs)

    approve_as_it_stands(db, world["qa"], Q3)
    monkeypatch.setattr(report_pdf, "render", render_while_someone_always_saves)
    with pytest.raises(ValueError, match="kept changing while the report was being built"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert db.execute("select count(*) from report_versions").fetchone()[0] == 0


def test_the_command_line_writes_the_pdf_and_workbook_and_refuses_bad_requests(db_path, world, tmp_path, capsys):
    out, book = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    assert __main__.main(["--db", str(db_path), "--period", Q3, "--out", str(out), "--xlsx", str(book)]) == 0
    assert out.read_bytes().startswith(b"%PDF") and book.read_bytes().startswith(b"PK")
    assert "DRAFT" in PdfReader(out).pages[0].extract_text()  # not an approved, published version
    hidden = next(f.value for f in report.build_with_ledger(store.connect(db_path), world["qa"], Q3, today=TODAY)[1].figures
                  if f.kind == "count" and f.hidden and f.section == "headlines" and 1 <= f.value <= 5)
    drafts.save_draft(store.connect(db_path), world["qa"], Q3, narrative={"headlines": f"Only {hidden} this time."})
    assert __main__.main(["--db", str(db_path), "--period", Q3, "--out", str(tmp_path / "leak.pdf")]) == 2
    assert "disclosure check found 1 place" in capsys.readouterr().err and not (tmp_path / "leak.pdf").exists()
    assert __main__.main(["--db", str(db_path), "--period", "2025/26-Q9", "--out", str(out)]) == 2
    assert "is not a financial quarter or year" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    store.connect(empty).close()
    assert __main__.main(["--db", str(empty), "--period", Q3, "--out", str(out)]) == 2
    assert "no feedback yet" in capsys.readouterr().err
    mistyped = tmp_path / "feedbak.db"
    assert __main__.main(["--db", str(mistyped), "--period", Q3, "--out", str(out)]) == 2
    assert "There is no database at" in capsys.readouterr().err and not mistyped.exists()
    assert __main__.main(["--db", str(db_path), "--period", "2040/41-Q1", "--out", str(out)]) == 2
    assert "has not begun yet" in capsys.readouterr().err


def test_a_hidden_age_band_is_hidden_in_the_childrens_measures_too(db, world):
    worker = add_user(db, "social_worker")
    for band, n in (("under_8", 3), ("8_11", 9), ("12_plus", 19)):
        for i in range(n):
            items = {"under_8": {"Y1_01": "3"}, "8_11": {"Y2_01": "yes"}, "12_plus": {"Y3_01": "always"}}[band]
            feedback.record(db, worker, "child", {"household_id": world["main"], "child_reference": f"C{1000 + i}",
                                                  "age_band": band, "contact_on": dt.date(2025, 11, 1 + i % 20),
                                                  "helped_by": "carer", "answers": items}, today=TODAY)
    children = section(report.build(db, world["qa"], Q3, today=TODAY), "children")
    bands = dict(table(children, "Children's views by age band").rows)
    assert bands == {"Under 8": "c", "8 to 11": "c", "12 and over": "19", "Total": "31"}
    safe = next(r for r in table(children, "What children said, by age band (% positive, n)").rows
                if r[0] == "Feel safe where they live")
    assert safe[1:] == ("c", "c", "100% (n=19)")


def test_direct_work_is_not_listed_when_there_are_too_few_examples(db, world):
    worker = add_user(db, "social_worker")
    for title in ("Life-story book", "Memory box"):
        feedback.record(db, worker, "direct_work", {"title": title, "respondent": "carer",
                                                    "contact_on": dt.date(2025, 11, 5),
                                                    "comments": {"DW_SUMMARY": {"text": "Went well.", "consent": True}}},
                        today=TODAY)
    direct = section(report.build(db, world["qa"], Q3, today=TODAY), "direct_work")
    assert direct.tables == () and direct.summary[0].startswith("Examples of direct work recorded: c.")


def test_a_busy_quarter_lists_only_the_most_recent_direct_work_and_says_so(db, world):
    worker = add_user(db, "social_worker")
    for n in range(sections.MAX_DIRECT_WORK_EXAMPLES + 5):
        feedback.record(db, worker, "direct_work", {"title": f"Session {n:02d}", "respondent": "carer",
                                                    "contact_on": dt.date(2025, 10, 1) + dt.timedelta(days=n),
                                                    "comments": {"DW_SUMMARY": {"text": "Went well.", "consent": True}}},
                        today=TODAY)
    direct = section(report.build(db, world["qa"], Q3, today=TODAY), "direct_work")
    listed = [row[1] for row in direct.tables[0].rows]
    assert len(listed) == sections.MAX_DIRECT_WORK_EXAMPLES
    assert listed[-1] == f"Session {sections.MAX_DIRECT_WORK_EXAMPLES + 4:02d}" and "Session 04" not in listed
    assert direct.summary[0] == (f"Examples of direct work recorded: {sections.MAX_DIRECT_WORK_EXAMPLES + 5}. "
                                 f"The {sections.MAX_DIRECT_WORK_EXAMPLES} most recent are listed.")


def test_direct_work_flagged_for_safeguarding_is_neither_listed_nor_counted_nor_in_the_workbook(db, world):
    import io

    from openpyxl import load_workbook

    worker = add_user(db, "social_worker")
    for n in range(8):
        flagged = n == 3
        feedback.record(db, worker, "direct_work", {
            "title": "Zebra-Quokka session" if flagged else f"Session {n:02d}", "respondent": "carer",
            "contact_on": dt.date(2025, 10, 1) + dt.timedelta(days=n), "safeguarding": flagged,
            "safeguarding_note": "Disclosed at the session" if flagged else "",
            "safeguarding_told": "Duty social worker" if flagged else "",
            "comments": {"DW_SUMMARY": {"text": "Went well.", "consent": True}}}, today=TODAY)
    value = report.build(db, world["qa"], Q3, today=TODAY)
    direct = section(value, "direct_work")
    assert [row[1] for row in direct.tables[0].rows] == [f"Session {n:02d}" for n in range(8) if n != 3]
    assert direct.summary[0] == "Examples of direct work recorded: 7."  # the rows listed: no gap to count
    assert "Zebra-Quokka" not in repr(value)  # the PDF, the workbook and a published version render this value
    book = load_workbook(io.BytesIO(report_xlsx.render(value)))
    assert not any("Zebra-Quokka" in str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
                   for c in row)


def test_commentary_complaint_learning_and_you_said_we_did_leave_the_app_redacted(db, world):
    """Staff's free text is exported too: a carer's name and phone number typed into it never print."""
    import io

    from openpyxl import load_workbook

    from lib.log import actions, representations

    qa = world["qa"]
    for n in range(6):  # enough complaints for their learning to be shown
        representations.record(db, qa, {"kind": "complaint", "from_who": "foster_carer", "summary": "Late allowance.",
                                        "received_on": dt.date(2025, 10, 6 + n),
                                        "learning": "Ring Ann back on 07700 900123 the same day." if n == 0 else ""},
                               today=TODAY)
    actions.record(db, qa, {"said": "Ann (ann@example.org) asked for photos.", "will_do": "Call Ann on 07700 900123.",
                            "owner": actions.OWNERS[0], "theme_ids": ["T01"], "from_quarter": Q3},
                   today=dt.date(2025, 11, 3))  # opened in the quarter
    drafts.save_draft(db, qa, Q3, narrative={"complaints": "Ann rang from SW1A 1AA about her allowance."})
    value = report.build(db, qa, Q3, today=TODAY)
    complaints, said = section(value, "complaints"), section(value, "actions")
    assert table(complaints, "Learning from complaints").rows == (("Ring [name] back on [phone] the same day.",),)
    assert said.tables[0].rows[0][:2] == ("[name] ([email]) asked for photos.", "Call [name] on [phone].")
    assert complaints.narrative == "[name] rang from [postcode] about her allowance."
    book = load_workbook(io.BytesIO(report_xlsx.render(value)))
    cells = " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    assert "07700" not in cells and "Ann" not in cells.replace("Annual", "") and "SW1A" not in cells
    assert drafts.draft(db, qa, Q3)["narrative"]["complaints"].startswith("Ann rang")  # QA's own words are kept


def test_report_charts_keep_their_data_while_another_session_has_swapped_altairs_data_transformer():
    import json

    import altair as alt
    import pandas as pd


    frame = pd.DataFrame([{"question": "Q1", "cohort": "Mainstream", "percent": 80.0, "n": 20}])
    alt.data_transformers.register("elsewhere", lambda data: {"name": "someone-elses-dataset"})
    with alt.data_transformers.enable("elsewhere"):
        spec = json.loads(charts.spec(charts.percent_positive(frame, order=["Mainstream"])))
    values = spec["datasets"][spec["data"]["name"]] if "name" in spec["data"] else spec["data"]["values"]
    assert values == [{"question": "Q1", "cohort": "Mainstream", "percent": 80.0, "n": 20}]
    assert "someone-elses-dataset" not in json.dumps(spec)


def test_the_audit_sections_feedback_themes_read_as_audit_feedback_not_as_an_all_cohort(demo_db):
    from tests.fixtures import user

    qa = user(demo_db, "qa")
    quarter = periods.Quarter.containing(session.today()).previous
    audits = next(s for s in report.build(demo_db, qa, quarter.slug, today=session.today()).sections if s.key == "audits")
    assert not [line for line in audits.summary if line.startswith("All:")]
    assert any(line.startswith("In audit feedback, the most frequent") for line in audits.summary)


def test_a_month_still_in_progress_is_shown_to_date_and_not_counted_as_missed(db, world):
    # 3 December: December has barely begun, so no BSO has missed it yet.
    quarter = periods.period("2025/26-Q3")
    value = report.build(db, world["qa"], quarter.key, today=dt.date(2025, 12, 3))
    compliance = section(value, "compliance")
    december = next(row for row in compliance.tables[0].rows if row[0].startswith("December 2025"))
    assert december[0] == "December 2025 (to date)" and december[3] == "in progress"
    assert compliance.summary[-1] == "December 2025 is still in progress: shown to date, not counted as met or missed."
    ended = [row for row in compliance.tables[0].rows if row[0] in ("October 2025", "November 2025")]
    bso_months = sum(int(row[1]) for row in ended)
    assert f"of {bso_months} BSO months that have ended" in compliance.summary[0]
    assert value.period_label == "2025/26 Q3 (October to December 2025), to date (3 December 2025)"
