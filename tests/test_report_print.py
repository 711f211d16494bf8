"""Readable print (issue 16): chart text at 8 pt or more, one colour-blind-safe palette on screen and on paper,
pages filled, headings kept with what follows, figures right-aligned, and a glossary of the words that stay."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from lib import charts, periods, store
from lib.report import build, glossary
from lib.report import model as report_model
from lib.report import pdf as report_pdf
from lib.ui import session
from tests.fixtures import user

TODAY = session.today()  # the demo's data runs to today
# Vega-Lite's own text sizes (CSS px) where a spec's config sets none: what a chart without a config prints at.
VEGA_DEFAULTS = {("axis", "labelFontSize"): 10, ("axis", "titleFontSize"): 11, ("legend", "labelFontSize"): 10,
                 ("legend", "titleFontSize"): 11, ("header", "labelFontSize"): 10, ("header", "titleFontSize"): 11,
                 ("title", "fontSize"): 13, ("text", "fontSize"): 11}
# The last whole quarter, the last whole financial year, and the quarter under way.
PERIODS = {"quarterly": periods.Quarter.containing(TODAY).previous.slug,
           "annual": str(periods.FinancialYear.containing(TODAY).previous),
           "in progress": periods.Quarter.containing(TODAY).slug}


def questions(count: int, *, text: str = "Question", cohorts=("Mainstream",)) -> pd.DataFrame:
    return pd.DataFrame([{"question": f"{text} {i}", "cohort": c, "percent": 50 + i % 40, "n": 20}
                         for i in range(count) for c in cohorts])


def sample(*sections: report_model.Section) -> report_model.Report:
    return report_model.Report(service="North Shire Fostering Service", title="Feedback report",
                               period_key="2025/26-Q3", period_label="2025/26 Q3 (October to December 2025)",
                               previous_label="2025/26 Q2", marking="OFFICIAL-SENSITIVE",
                               as_of="2026-01-05T14:30:00Z", sections=sections)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_template):
    path = tmp_path_factory.mktemp("print") / "demo.db"
    source, target = sqlite3.connect(demo_template), sqlite3.connect(path)
    source.backup(target)
    source.close(), target.close()
    database = store.connect(path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def laid_out(demo):
    """Each demo report as built, and drawn but not yet written out."""
    found = {}
    for kind, key in PERIODS.items():
        value = build.build(demo, user(demo, "qa"), key, today=TODAY)
        found[kind] = (value, report_pdf.laid_out(value))
    return found


def smallest_px(spec: dict) -> float:
    """The smallest text size a spec sets, or Vega-Lite's default for each kind of text its config leaves unset."""
    sizes = [spec.get("config", {}).get(part, {}).get(key, size) for (part, key), size in VEGA_DEFAULTS.items()]

    def walk(node):
        if isinstance(node, dict):
            sizes.extend(v for k, v in node.items() if k.lower().endswith("fontsize") and isinstance(v, (int, float)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return min(sizes)


def printed_pt(placed: report_pdf.Placed) -> float:
    """A placed chart's smallest text in points: its size in CSS px times the mm each CSS px was placed at."""
    return smallest_px(json.loads(placed.spec)) * (placed.width / placed.pixels_wide) * 72 / 25.4


def rows_of(spec: dict) -> list[dict]:
    """A spec's rows of data: written in place, or named in its datasets."""
    return spec["data"]["values"] if "values" in spec["data"] else spec["datasets"][spec["data"]["name"]]


def layout_problems(pdf: report_pdf.ReportPDF) -> list[str]:
    """Every way the drawn PDF breaks the print rules, as sentences (empty when it keeps them all)."""
    problems = []
    fill = pdf.page_fill()
    last = max(fill)
    problems += [f"page {p} is {f:.0%} full" for p, f in fill.items() if p != last and f < 0.25]
    for page in fill:
        marks = [m for m in pdf.marks if m.page == page]
        if marks and marks[-1].kind == "heading":
            problems.append(f"page {page} ends with a heading")
    foot = pdf.page_break_trigger - report_pdf.HEADING_FOOT
    problems += [f"a heading starts {pdf.page_break_trigger - m.y:.0f} mm from the foot of page {m.page}"
                 for m in pdf.marks if m.kind == "heading" and m.y > foot + 0.5]
    problems += [f'"{p.title}" on page {p.page} prints at {printed_pt(p):.1f} pt' for p in pdf.placed
                 if printed_pt(p) < 8]
    return problems


def page_texts(pdf: report_pdf.ReportPDF) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages]


# ---- Chart text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PERIODS)
def test_every_chart_of_a_demo_report_prints_its_smallest_text_at_8_pt_or_more(laid_out, kind):
    value, pdf = laid_out[kind]
    drawn = {c.title for s in value.sections for c in s.charts}
    assert drawn and {p.title for p in pdf.placed} == drawn  # every chart was placed, none left out
    sizes = {p.title: round(printed_pt(p), 2) for p in pdf.placed}
    assert min(sizes.values()) >= 8, sizes


@pytest.mark.parametrize("kind", ["quarterly", "annual"])
def test_a_chart_a_page_may_cut_expects_its_height_to_within_a_tenth_before_it_is_drawn(laid_out, kind):
    # The PDF plans a tall chart's parts from this expectation, and draws only the parts.
    value, _ = laid_out[kind]
    found = {c.title: (charts.estimated_height(c.spec), report_pdf._png_size(report_pdf.chart_png(c.spec))[1] / 2)
             for s in value.sections for c in s.charts}
    assert found and all(expected == pytest.approx(drawn, rel=0.1) for expected, drawn in found.values()), found


def test_a_chart_with_vega_lites_small_default_text_is_printed_larger_to_reach_8_pt():
    frame = pd.DataFrame({"theme": ["Communication", "Training"], "comments": [18, 12]})
    spec = alt.Chart(frame).mark_bar().encode(y="theme:N", x="comments:Q").properties(width=300).to_json()
    assert smallest_px(json.loads(spec)) == 10  # 7.5 pt at its natural size
    section = report_model.Section("s", "Themes", charts=(report_model.Chart("Comments by theme", spec),))
    pdf = report_pdf.laid_out(sample(section))
    assert [round(printed_pt(p), 1) for p in pdf.placed] == [8.0]
    assert pdf.warnings() == []


def test_a_long_question_is_wrapped_into_lines_and_each_question_adds_the_same_height():
    long = ("If your household had an allegation or standards-of-care concern in the last year, did you get "
            "independent support and clear information?")

    def frame(count):  # the long question and count - 1 short ones
        return pd.DataFrame([{"question": long if i == 0 else f"Question {i}", "cohort": "Mainstream",
                              "percent": 60, "n": 20} for i in range(count)])

    spec = json.loads(charts.spec(charts.percent_positive(frame(5), order=["Mainstream"])))
    lines = json.loads(spec["encoding"]["y"]["axis"]["labelExpr"].split("[datum.label]")[0])[long]
    assert len(lines) == 3 and all(len(line) <= charts.LABEL_CHARS for line in lines)
    assert " ".join(lines) == long

    def height(count):  # in CSS px
        return report_pdf._png_size(report_pdf.chart_png(charts.spec(charts.percent_positive(frame(count)))))[1] / 2

    step = spec["height"]["step"]
    assert step >= 3 * charts.LINE_PX
    assert height(10) - height(5) == pytest.approx(5 * step, abs=2)


def test_a_chart_too_tall_for_a_page_is_cut_between_questions_and_each_part_is_titled_continued():
    frame = questions(40, text="Your supervising social worker is easy to reach and gets back to you when you need them")
    chart = report_model.Chart("% positive by question", charts.spec(charts.percent_positive(frame)),
                               alt="Bars: the share of valid answers that were positive.")
    pdf = report_pdf.laid_out(sample(report_model.Section("carers", "Carers' views", charts=(chart,))))
    assert len(pdf.placed) >= 3 and len({p.page for p in pdf.placed}) == len(pdf.placed)
    drawn = [row["question"] for p in pdf.placed for row in rows_of(json.loads(p.spec))]
    assert drawn == list(frame["question"])  # every question once, in order
    texts = page_texts(pdf)
    text = "\n".join(texts)
    assert text.count("% positive by question (continued)") == len(pdf.placed) - 1
    described = [n for n, page in enumerate(texts, 1) if "Bars: the share of valid answers that were positive." in page]
    assert described == [pdf.placed[-1].page]  # under the last part, on its page
    assert layout_problems(pdf) == []


# ---- Pages and headings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PERIODS)
def test_a_demo_report_has_no_page_under_a_quarter_full_but_the_last_and_no_stranded_heading(laid_out, kind):
    assert layout_problems(laid_out[kind][1]) == []


@pytest.mark.parametrize("lines", [8, 12, 14, 16, 20, 28])
def test_a_chart_after_a_table_that_spills_over_fills_the_page_it_would_have_left_nearly_empty(lines):
    # A table that spills a few rows on to a new page, then a chart taller than the rest of that page: the page
    # used to hold the few rows and nothing else. The table's length moves where it ends.
    table = report_model.Table("Comments by team", ("Team", "Comments"),
                               tuple((f"Team {i}", str(i)) for i in range(lines + 20)))
    chart = report_model.Chart("% positive by question", charts.spec(charts.percent_positive(questions(30))))
    opener = report_model.Section("a", "Headline numbers", summary=("Forty carers gave feedback.",),
                                  tables=(table,), charts=(chart,))
    after = report_model.Section("b", "Birth parents' views", summary=("Thirty parents gave feedback.",),
                                 narrative="Parents said visits were well planned. " * (lines // 4))
    assert layout_problems(report_pdf.laid_out(sample(opener, after))) == []


def test_no_page_ends_with_a_heading_in_the_pdf_text():
    # Headings from the report's own section titles and table titles: none is the last thing on its page.
    sections = tuple(report_model.Section(f"s{i}", f"Section {i}", summary=("A sentence.",) * (i % 5),
                                          tables=(report_model.Table(f"Table {i}", ("Item", "Number"),
                                                                     tuple((f"Row {r}", str(r)) for r in range(i))),))
                     for i in range(1, 16))
    pdf = report_pdf.laid_out(sample(*sections))
    for number, text in enumerate(page_texts(pdf)[2:-1], 3):
        body = [line for line in text.splitlines() if line.strip() and "OFFICIAL" not in line
                and "Page " not in line and "Feedback report" not in line]
        assert not re.fullmatch(r"(Section|Table) \d+", body[-1]), (number, body[-1])
    assert layout_problems(pdf) == []


def test_a_table_never_carries_fewer_than_three_rows_on_to_its_last_page():
    carried = {}
    for count in range(28, 44):  # lengths that put the page break at each row near the end
        table = report_model.Table("Comments by team", ("Team", "Comments"),
                                   tuple((f"Team {i}", str(i)) for i in range(count)))
        texts = page_texts(report_pdf.laid_out(sample(report_model.Section("s", "Teams", tables=(table,)))))
        pages = [len(re.findall(r"^Team \d+ \d+$", text, re.M)) for text in texts]
        on = [n for n in pages if n]
        assert sum(on) == count
        carried[count] = on[-1] if len(on) > 1 else None
    assert all(n is None or n >= report_pdf.ORPHAN_ROWS for n in carried.values()), carried
    assert any(n is not None for n in carried.values())  # some of them do run on to a second page


def test_a_short_table_at_the_foot_of_a_page_goes_over_whole_rather_than_leave_a_row_or_two_behind():
    table = report_model.Table("Who helped", ("Who helped", "Number"),
                               tuple((f"Helper {i}", str(i)) for i in range(5)))
    split = []
    for count in range(26, 40):  # bullets before the table move it down past the foot of the page
        section = report_model.Section("s", "Children", summary=tuple(f"Sentence {i}." for i in range(count)),
                                       tables=(table,))
        texts = page_texts(report_pdf.laid_out(sample(section)))
        pages = [n for n in (len(re.findall(r"^Helper \d \d$", text, re.M)) for text in texts) if n]
        assert sum(pages) == 5
        if len(pages) > 1:
            split.append(pages)
    assert all(pages[-1] >= report_pdf.ORPHAN_ROWS for pages in split), split


# ---- Colours ----------------------------------------------------------------------------------------------


PALETTE = {c.lower() for c in [*charts.OKABE_ITO.values(), charts.GREY, charts.INK]}


def colours(spec: dict) -> set[str]:
    """Every colour a spec gives its marks: any hex colour outside its config (scales, conditions, marks), and any
    named colour of a mark. The config's text and grid colours are not categories."""
    found = set()

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k != "config":
                    walk(v, k)
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
        elif isinstance(node, str) and (re.fullmatch(r"#[0-9a-fA-F]{6}", node) or key in ("color", "fill", "stroke")):
            found.add(node.lower())

    walk(spec)
    return found


def every_chart() -> dict[str, alt.TopLevelMixin]:
    themes = pd.DataFrame({"theme": ["Training"] * 3, "cohort": ["Mainstream", "Kinship", "Kinship"],
                           "reading": ["Strength", "Area for improvement", "Neutral"], "comments": [3, 2, 1],
                           "sentiment": [0.4, -0.2, 0.0]})
    tones = pd.DataFrame({"question": ["Q1"] * 4, "cohort": ["All"] * 4, "answer": list("abcd"),
                          "tone": list(charts.TONES), "order": [1, 2, 3, 4], "percent": [25] * 4,
                          "start": [-50, -25, 0, 25], "end": [-25, 0, 25, 50], "n": [20] * 4})
    kpis = pd.DataFrame({"measure": ["Visits"] * 3, "month": ["Jul", "Aug", "Sep"], "percent": [80.0, None, 95.0],
                         "indicator": ["Amber", None, "Green"], "note": [None, "no data", None], "in_time": ["8"] * 3,
                         "out_of_time": ["2"] * 3, "green_from": [90] * 3, "amber_from": [80] * 3})
    return {
        "theme_bars": charts.theme_bars(themes),
        "sentiment_bars": charts.sentiment_bars(themes),
        "trend": charts.trend(pd.DataFrame({"quarter": ["Q1", "Q2"], "share": [10, 12], "comments": [1, 2],
                                            "total": [10, 17]})),
        "likert": charts.likert(tones),
        "percent_positive": charts.percent_positive(questions(2, cohorts=("Mainstream", "Kinship", "Area X"))),
        "grade_bars": charts.grade_bars(pd.DataFrame({"Domain": ["Voice"] * 4, "Grade": list(charts.GRADE_COLOURS),
                                                      "Audits": [1, 2, 3, 4]})),
        "kpi_trend": charts.kpi_trend(kpis),
    }


@pytest.mark.parametrize("name", ["theme_bars", "sentiment_bars", "trend", "likert", "percent_positive",
                                  "grade_bars", "kpi_trend"])
def test_every_chart_takes_its_colours_from_the_one_colour_blind_safe_palette_and_its_text_from_one_config(name):
    spec = json.loads(charts.spec(every_chart()[name]))
    used = colours(spec)
    assert used and used <= PALETTE, used - PALETTE
    assert {key: spec["config"][key] for key in charts.CONFIG} == charts.CONFIG and smallest_px(spec) >= 12


def test_categories_keep_their_colour_in_every_chart_and_the_readings_and_grades_are_told_apart():
    assert len(set(charts.READING_COLOURS.values())) == len(charts.READING_COLOURS)
    for colours_of in (charts.TONES, charts.GRADE_COLOURS, charts.RAG_COLOURS, charts.COHORT_COLOURS):
        assert {c.lower() for c in colours_of.values()} <= PALETTE
    spec = json.loads(charts.spec(charts.percent_positive(questions(2, cohorts=("Kinship", "Mainstream")),
                                                          order=["Mainstream", "Kinship"])))
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {"Mainstream": charts.COHORT_COLOURS["Mainstream"],
                                                          "Kinship": charts.COHORT_COLOURS["Kinship"]}


def preview(section_json: str) -> None:
    import json

    from lib.report import model
    from lib.ui import report_view

    raw = json.loads(section_json)
    report_view.section_body(model.Section(
        **{**raw, "summary": tuple(raw["summary"]), "charts": tuple(model.Chart(**c) for c in raw["charts"]),
           "quotes": tuple(model.Quote(**q) for q in raw["quotes"]),
           "tables": tuple(model.Table(**{**t, "columns": tuple(t["columns"]), "rows": tuple(map(tuple, t["rows"])),
                                          "text_columns": tuple(t["text_columns"])}) for t in raw["tables"])}))


def previewed(section: report_model.Section) -> AppTest:
    """The section as the report pages preview it (report_view.section_body), run."""
    import dataclasses

    return AppTest.from_function(preview, args=(json.dumps(dataclasses.asdict(section)),), default_timeout=30).run()


def test_the_preview_draws_the_pdfs_own_chart_spec_without_streamlits_theme(laid_out):
    value, pdf = laid_out["quarterly"]
    carers = next(s for s in value.sections if s.key == "carers")
    at = previewed(carers)
    shown = at.get("vega_lite_chart")
    assert len(shown) == len(carers.charts) >= 1
    for element, chart in zip(shown, carers.charts):
        whole = json.loads(chart.spec)
        rows = whole.pop("datasets")[whole["data"]["name"]]
        # Streamlit sends the rows beside the spec (Arrow), and the spec as it was given otherwise.
        assert json.loads(element.proto.spec) == whole
        assert [pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in element.proto.datasets] == [rows]
        assert element.proto.theme == "" and not element.proto.use_container_width  # theme=None, its own width
        # The PDF drew that spec too: its parts are the same spec, each with some of the rows.
        parts = [json.loads(p.spec) for p in pdf.placed if (p.section, p.title) == (carers.title, chart.title)]
        assert [r for part in parts for r in rows_of(part)] == rows
        for part in parts:
            assert {k: v for k, v in part.items() if k not in ("data", "datasets")} == \
                   {k: v for k, v in whole.items() if k not in ("data", "datasets")}


# ---- Tables -----------------------------------------------------------------------------------------------


def test_figure_columns_are_right_aligned_and_words_text_columns_and_the_first_column_stay_left():
    table = report_model.Table("KPIs", ("Year", "In time", "%", "Indicator", "Month by month", "Theme", "Movement",
                                        "Children"),
                               (("2024", "230", "95%", "● Green", "no data", "1234", "steady", "c (n=8)"),
                                ("2025", "c", "–", "▲ Amber", "94% ● Green", "7", "▲ rising", "100% (n=17)")),
                               text_columns=(5,))
    assert report_pdf.figure_columns(table) == [False, True, True, False, True, False, False, True]


def test_in_the_pdf_a_short_number_ends_where_a_long_one_does_and_text_starts_where_text_does():
    table = report_model.Table("Counts", ("Team", "Comments", "Notes"),
                               (("East", "7", "Fine"), ("West", "1234", "Much longer words here")))
    pdf = bytes(report_pdf.laid_out(sample(report_model.Section("s", "Counts", tables=(table,)))).output())
    starts = {}
    page = PdfReader(io.BytesIO(pdf)).pages[2]
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: starts.setdefault(text.strip(), tm[4]))
    digits = 3 * 1303 / 2048 * 9  # pt: three more DejaVu Sans digits (1303/2048 em each) than "7", in 9 pt type
    assert starts["7"] - starts["1234"] == pytest.approx(digits, abs=0.5)
    assert starts["Fine"] == pytest.approx(starts["Much longer words here"])
    assert starts["East"] == pytest.approx(starts["West"])


# ---- Glossary ---------------------------------------------------------------------------------------------


ABBREVIATION = re.compile(r"\b[A-Z]{2,}\b")
PLAIN_ENOUGH = {"OFFICIAL", "SENSITIVE", "GMT", "BST", "NHS"}  # page furniture, time zones, the NHS


@pytest.mark.parametrize("kind", PERIODS)
def test_a_term_the_report_uses_is_explained_on_the_glossary_page(laid_out, kind):
    texts = page_texts(laid_out[kind][1])
    start = next(n for n, text in enumerate(texts) if re.search(r"^Glossary$", text, re.M) and n > 1)
    body = " ".join(" ".join(texts[2:start]).split())
    explained = " ".join(" ".join(texts[start:]).split())
    assert [term for term, _ in glossary.TERMS if " ".join(term.split()) not in explained] == []
    unexplained = sorted(set(ABBREVIATION.findall(body)) - PLAIN_ENOUGH - set(ABBREVIATION.findall(explained)))
    assert unexplained == []
    for used in ("BSO", "KIT call", "% positive", "Annual Review", "Regulation 24", "moderated", "kinship",
                 "mainstream", "too few to compare", "hidden (small number)", "Amber"):
        if used.lower() in body.lower():
            assert used.lower() in explained.lower(), used
    assert re.search(r"(^|\s)c(\s|$)", body) and "c (suppressed)" in explained


def test_the_glossary_is_the_last_part_of_the_pdf_and_is_in_the_contents():
    pdf = report_pdf.laid_out(sample(report_model.Section("s", "Carers", summary=("One BSO called.",))))
    texts = page_texts(pdf)
    start = int(re.search(r"Glossary\s*(\d+)", texts[1])[1])  # in the contents, with the page it starts on
    glossary_pages = " ".join(" ".join(texts[start - 1:]).split())
    assert glossary_pages.index("Glossary") < glossary_pages.index("Business support officer")
    assert glossary_pages.rstrip().endswith(f"Page {len(texts)} of {len(texts)}")
    assert glossary.TERMS[-1][1].split(":")[0] in " ".join(texts[-1].split())


def test_the_preview_shows_the_glossary_with_the_methods_section():
    methods = report_model.Section("methods", "Methods, data and small numbers", summary=("Sources: calls.",))
    shown = " ".join(m.value for m in previewed(methods).markdown).replace("\\", "")  # markdown escapes undone
    assert "Glossary" in shown
    assert [term for term, meaning in glossary.TERMS if f"**{term}**: {meaning}" not in shown] == []
    others = report_model.Section("carers", "Carers", summary=("One BSO called.",))
    assert not [m for m in previewed(others).markdown if "Glossary" in m.value]


def test_the_demo_periods_are_a_whole_quarter_a_whole_year_and_a_quarter_in_progress():
    assert periods.period(PERIODS["quarterly"]).end < TODAY
    assert periods.period(PERIODS["annual"]).end < TODAY
    assert periods.period(PERIODS["in progress"]).start <= TODAY <= periods.period(PERIODS["in progress"]).end


