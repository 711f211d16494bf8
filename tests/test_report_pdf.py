"""The report PDF: every part present, every script drawn or flagged, byte-identical when pinned."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re

import altair as alt
import pandas as pd
import pytest
from pypdf import PdfReader

from lib import dates
from lib.report import model as report_model
from lib.report import pdf as report_pdf

PINNED = dt.datetime(2026, 1, 6, 9, 0, tzinfo=dt.timezone.utc)
NO_FONT_HAS = "\U0010fffd"  # a private-use code point no vendored font draws
NARRATIVE = ("Carers told us that “being listened to” matters most — more than speed.\n\n"
             "A family in Łódź asked for visits in Polish; the team arranged an interpreter.")
QUOTES = (
    report_model.Quote("She’s been “brilliant” with our boys — always rings back.", "Foster carer, 12 years"),
    report_model.Quote("Dziękujemy za pomoc. Łódź jest daleko, ale zawsze ktoś odbiera.", "Foster carer (Polish)"),
    report_model.Quote("آپ کی مدد کا بہت شکریہ", "Foster carer (Urdu)"),
    report_model.Quote("شكراً جزيلاً على مساعدتكم", "Foster carer (Arabic)"),
    report_model.Quote("谢谢你们的帮助", "Foster carer (Chinese)"),
    report_model.Quote("Great support 😊👍", "Young person, 15"),
    report_model.Quote(f"Odd symbol {NO_FONT_HAS} in the middle", "Kinship carer"),
)


def bar_chart(labels, values, title):
    frame = pd.DataFrame({"theme": labels, "comments": values})
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="-x", title=None), x=alt.X("comments:Q", title="Comments"),
    ).properties(width=420).to_json()


def sample_report(**changes) -> report_model.Report:
    themes = ("Communication", "Training", "Support out of hours", "Finance and allowances", "Respite")
    carers = report_model.Section(
        key="carers", title="Carers’ views",
        summary=("42 carers gave feedback, up from 35 last quarter.",
                 "Communication was the most mentioned theme — 18 comments."),
        tables=(report_model.Table("Comments by theme", ("Theme", "Strength", "Area for improvement", "Total"),
                         tuple((t, str(9 - i), str(i + 2), str(11)) for i, t in enumerate(themes)),
                         note="Counts under 5 would be shown as <5."),),
        charts=(report_model.Chart("Comments by theme", bar_chart(themes, [18, 12, 9, 7, 3], "Comments by theme"),
                         alt="Communication had the most comments (18); respite the fewest (3)."),),
        narrative=NARRATIVE, quotes=QUOTES)
    children = report_model.Section(
        key="children", title="Children and young people",
        summary=("61 children and young people gave feedback.",),
        tables=(report_model.Table("Every comment by team and month", ("Team", "Month", "Theme", "Comments"),
                         tuple((f"Team {i % 7 + 1}", ("October", "November", "December")[i % 3],
                                themes[i % 5], str(i % 9 + 1)) for i in range(70))),),
        charts=(report_model.Chart("Themes in other languages",
                         bar_chart(["Communication", "شکریہ", "谢谢你们的帮助", "Łódź"], [5, 3, 2, 1],
                                   "Themes in other languages"),
                         alt="Four themes, labelled in English, Urdu, Chinese and Polish."),),
        narrative="Children said their social workers were easy to reach.")
    workers = report_model.Section(key="workers", title="Supervising social workers",
                         empty="No feedback was received from supervising social workers this quarter.")
    fields = dict(
        service="North Shire Fostering Service", title="Feedback report", period_key="2025/26-Q3",
        period_label="2025/26 Q3 (October to December 2025)",
        previous_label="2025/26 Q2 (July to September 2025)", marking="OFFICIAL-SENSITIVE",
        as_of="2026-01-05T14:30:00Z", sections=(carers, children, workers),
        footnotes=("Counts under 5 are suppressed to protect privacy.",
                   "Quotes are published with consent and redacted by QA."))
    return report_model.Report(**{**fields, **changes})


@pytest.fixture(scope="module")
def rendered():
    return report_pdf.render(sample_report(), creation_date=PINNED)


@pytest.fixture(scope="module")
def pages(rendered):
    reader = PdfReader(io.BytesIO(rendered[0]))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_section_heading_and_the_narrative_appear_in_the_text(pages):
    text = flat("\n".join(pages))
    for title in ("Carers’ views", "Children and young people", "Supervising social workers", "Notes"):
        assert title in text
    for paragraph in [*NARRATIVE.split("\n\n"), "Children said their social workers were easy to reach."]:
        assert flat(paragraph) in text
    assert "No feedback was received from supervising social workers this quarter." in text


@pytest.mark.parametrize("fragment", ["Łódź", "“being listened to”", "She’s been “brilliant”", "— always",
                                      "Dziękujemy", "谢谢你们的帮助"])
def test_latin_polish_curly_quotes_em_dash_and_chinese_survive_text_extraction(pages, fragment):
    assert fragment in flat("\n".join(pages))


def test_a_character_no_font_has_is_shown_as_a_box_and_named_in_a_warning(rendered, pages):
    _pdf, warnings = rendered
    assert warnings == ['Quote in "Carers’ views": 1 character no font has (U+10FFFD) was shown as □.']
    assert "Odd symbol □ in the middle" in flat("\n".join(pages))


def test_every_script_is_drawn_with_a_vendored_font_and_never_a_core_font(rendered):
    pdf = rendered[0]
    for name in (b"DejaVuSansBook", b"DejaVuSansBold", b"NotoSansArabic", b"DroidSansFallback", b"Symbola"):
        assert b"/BaseFont /MPDFAA+" + name in pdf, name
    assert b"/Helvetica" not in pdf and b"/Times" not in pdf


def test_the_cover_has_the_service_title_period_draft_marking_and_uk_time(pages):
    cover = pages[0]
    for text in ("North Shire Fostering Service", "Feedback report", "2025/26 Q3 (October to December 2025)",
                 "Draft (not published)", "Data as of 5 Jan 2026, 14:30 GMT"):
        assert text in cover
    assert cover.count("OFFICIAL-SENSITIVE") == 2
    assert "Page 1 of" not in cover


def test_the_marking_and_page_x_of_y_appear_on_every_page_after_the_cover(pages):
    for number, text in enumerate(pages[1:], 2):
        assert text.count("OFFICIAL-SENSITIVE") == 2, number
        assert f"Page {number} of {len(pages)}" in text
        assert "North Shire Fostering Service · Feedback report · 2025/26 Q3" in text


def test_the_contents_page_gives_the_page_each_section_starts_on(pages):
    contents = pages[1]
    assert "Contents" in contents
    for title in ("Carers’ views", "Children and young people", "Supervising social workers", "Notes"):
        start = next(n for n, text in enumerate(pages[2:], 3) if re.search(rf"^{title}$", text, re.M))
        assert re.search(rf"{title}\s*{start}\b", contents), (title, start)


def test_the_page_count_is_plausible(pages):
    assert 6 <= len(pages) <= 12


def test_a_long_table_breaks_across_pages_and_repeats_its_header_row(pages):
    holding = [text for text in pages if "Team 3" in text]
    assert len(holding) >= 2
    assert all("Team Month Theme Comments" in flat(text) for text in holding)


def test_the_pdf_metadata_names_the_report_period_and_service(rendered):
    info = PdfReader(io.BytesIO(rendered[0])).metadata
    assert (info.title, info.subject, info.author) == (
        "Feedback report", "2025/26 Q3 (October to December 2025)", "North Shire Fostering Service")


def test_a_pinned_creation_date_gives_byte_identical_output_and_fpdf_logs_no_missing_glyph(caplog):
    report = sample_report(version=2)
    with caplog.at_level(logging.WARNING):
        first, _ = report_pdf.render(report, creation_date=PINNED)
        second, _ = report_pdf.render(report, creation_date=PINNED)
    assert first == second
    assert "Version 2" in PdfReader(io.BytesIO(first)).pages[0].extract_text()
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]


def test_a_chart_vl_convert_cannot_draw_gives_a_warning_and_its_description():
    broken = report_model.Section(key="s", title="Broken", charts=(
        report_model.Chart("Trend", '{"mark": "no-such-mark"}', alt="Share of comments per quarter."),))
    pdf, warnings = report_pdf.render(sample_report(sections=(broken,), footnotes=()), creation_date=PINNED)
    assert len(warnings) == 1 and warnings[0].startswith('Chart "Trend" in "Broken" could not be drawn')
    assert "Share of comments per quarter." in PdfReader(io.BytesIO(pdf)).pages[2].extract_text()


@pytest.mark.parametrize("as_of, shown", [
    ("2026-01-05T14:30:00Z", "5 Jan 2026, 14:30 GMT"),
    ("2026-07-01T11:05:00+00:00", "1 Jul 2026, 12:05 BST"),
    ("2026-03-29T00:00:00", "29 Mar 2026, 00:00 GMT"),
    ("not a date", "not a date"),
])
def test_the_data_time_is_shown_as_uk_local_time(as_of, shown):
    assert dates.moment(as_of, zone=True) == shown


def test_invisible_tag_characters_no_font_has_are_dropped_without_a_warning():
    pdf = report_pdf.ReportPDF(sample_report())
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert pdf.clean(f"Scotland {scotland}", "Quote", "S") == "Scotland \U0001f3f4"
    assert pdf.warnings() == []


def test_every_vendored_font_is_in_the_repo_with_a_licence_and_the_set_stays_small():
    fonts = [report_pdf.FONT_DIR / name for _, _, name in report_pdf.FONTS]
    assert all(path.is_file() for path in fonts)
    assert sum(path.stat().st_size for path in fonts) < 15_000_000
    licences = {p.name for p in report_pdf.FONT_DIR.iterdir() if p.suffix == ".txt"}
    assert {"LICENSE-DejaVu.txt", "OFL-Noto.txt", "LICENSE-DroidSansFallback.txt", "LICENSE-Symbola.txt"} <= licences


def test_a_literal_page_total_placeholder_in_user_text_is_printed_as_typed():
    from dataclasses import replace

    base = sample_report()
    first = replace(base.sections[0], narrative="Our carers wrote {nb} in their survey.")
    pdf, _ = report_pdf.render(replace(base, sections=(first,) + base.sections[1:]))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "wrote {nb} in their survey" in text
    assert "Page 3 of" in text and "{feedback-hub-page-total}" not in text


def test_the_preview_warns_about_characters_no_font_can_draw():
    from dataclasses import replace

    base = sample_report()
    first = replace(base.sections[0], narrative="Fine text, then \U0010FFFD and \u0E01.")
    warnings = report_pdf.missing_glyphs(replace(base, sections=(first,) + base.sections[1:]))
    assert len(warnings) == 1 and "U+0E01" in warnings[0] and "U+10FFFD" in warnings[0]
    assert report_pdf.missing_glyphs(sample_report(sections=())) == []
