"""Pure chart builders: a DataFrame in, an Altair chart out, the same spec on screen and in reports.

Every chart takes its colours from one colour-blind-safe palette (Okabe and Ito's) and its text sizes from one
config, sized so that a chart printed at its natural width on A4 has no text under 8 pt (see PRINT_WIDTH).
"""

from __future__ import annotations

import json
import textwrap

import altair as alt
import pandas as pd

# Okabe and Ito, "Color Universal Design" (2008): eight colours that stay apart for every common kind of colour
# blindness. Grey is added for "neutral" and "no data", which are not categories of their own.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}
GREY = "#8C8C8C"
INK = "#4B5563"  # lines and notes that are not a category

# Good and bad read the same way in every chart: blue/green for the better end, orange/vermillion for the worse.
COHORT_COLOURS = {"Mainstream": OKABE_ITO["blue"], "Kinship": OKABE_ITO["reddish purple"],
                  "All": OKABE_ITO["blue"], "No household": GREY}
READING_COLOURS = {"Strength": OKABE_ITO["bluish green"], "Area for improvement": OKABE_ITO["vermillion"],
                   "Neutral": GREY}
TONES = {"Most negative": OKABE_ITO["vermillion"], "Negative or middle": OKABE_ITO["orange"],
         "Positive": OKABE_ITO["sky blue"], "Most positive": OKABE_ITO["blue"]}
GRADE_COLOURS = {"Outstanding": OKABE_ITO["blue"], "Good": OKABE_ITO["sky blue"],
                 "Requires improvement": OKABE_ITO["orange"], "Inadequate": OKABE_ITO["vermillion"]}
RAG_COLOURS = {"Green": OKABE_ITO["bluish green"], "Amber": OKABE_ITO["orange"], "Red": OKABE_ITO["vermillion"]}
RAG_SHAPES = {"Green": "circle", "Amber": "triangle-up", "Red": "square"}  # the shapes of the table's ● ▲ ■

FONT = "Source Sans Pro, DejaVu Sans, sans-serif"
# A legend without a title: Streamlit rewrites a null colour title as " ", a blank line on screen only, and leaves
# an empty one alone, which draws nothing on screen or on paper.
NO_TITLE = ""
# A4's text width in the PDF is 170 mm, 642 CSS pixels at 96 to the inch: a chart no wider than this prints at
# its natural size, where a CSS pixel of type is 0.75 pt, so the 12 px below prints at 9 pt.
PRINT_WIDTH = 640
TEXT_PX = 12
LINE_PX = 14  # the line height of a wrapped axis label
CONFIG = {
    "font": FONT,
    "axis": {"labelFontSize": TEXT_PX, "titleFontSize": TEXT_PX, "labelLineHeight": LINE_PX, "labelColor": "#1F2933",
             "titleColor": "#1F2933"},
    "legend": {"labelFontSize": TEXT_PX, "titleFontSize": TEXT_PX, "labelColor": "#1F2933", "titleColor": "#1F2933",
               "labelLimit": 0},
    "header": {"labelFontSize": TEXT_PX, "titleFontSize": TEXT_PX, "labelColor": "#1F2933", "titleColor": "#1F2933"},
    "title": {"fontSize": TEXT_PX + 2, "subtitleFontSize": TEXT_PX},
    "text": {"fontSize": TEXT_PX},
}
# Vega-Lite's own sizes for text the config does not set, in CSS pixels.
VEGA_FONT_DEFAULTS = {("axis", "labelFontSize"): 10, ("axis", "titleFontSize"): 11, ("legend", "labelFontSize"): 10,
                      ("legend", "titleFontSize"): 11, ("header", "labelFontSize"): 10,
                      ("header", "titleFontSize"): 11, ("title", "fontSize"): 13, ("title", "subtitleFontSize"): 10,
                      ("text", "fontSize"): 11}


def _styled(chart):
    """The chart with the shared fonts and sizes (a top-level chart only: Altair refuses config inside a layer).

    Its width is the plot's, with the axes and legend around it ("pad", as vl-convert draws it for the PDF):
    Streamlit would otherwise fit the whole chart into that width and shrink the plot on screen alone.
    """
    return chart.properties(config=CONFIG, autosize=alt.AutoSizeParams(type="pad"))


def _scale(colours: dict[str, str], shown=None) -> alt.Scale:
    """A colour scale over the categories, in order; with `shown`, only those present (so the legend lists no others)."""
    domain = [c for c in colours if shown is None or c in set(shown)]
    return alt.Scale(domain=domain, range=[colours[c] for c in domain])


def _reading_scale() -> alt.Scale:
    return _scale(READING_COLOURS)


def lines_expr(texts, width: int) -> str:
    """A labelExpr that draws each of the texts in lines of at most `width` characters (a longer word keeps a line
    of its own): Vega-Lite never wraps a label, but draws an array of strings as one line each."""
    lines = {}
    for text in dict.fromkeys(str(t) for t in texts):
        found = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
        if len(found) > 1:
            lines[text] = found
    # In a facet's header Vega-Lite writes datum.label out as a bare a ? b : c, so it stands in brackets.
    return f"{json.dumps(lines, ensure_ascii=False)}[datum.label] || (datum.label)" if lines else "datum.label"


def line_count(texts, width: int) -> int:
    return max([len(textwrap.wrap(str(t), width, break_long_words=False, break_on_hyphens=False)) or 1
                for t in texts], default=1)


def _colours(names, known: dict[str, str]) -> dict[str, str]:
    """A colour for each name: its own where it has one, else the palette's next unused colour."""
    spare = [c for c in OKABE_ITO.values() if c not in known.values() and c not in ("#000000", "#F0E442")]
    return {name: known.get(name) or spare[i % len(spare)]
            for i, name in enumerate(n for n in names if n not in known)} | {n: known[n] for n in names if n in known}


def _splittable(chart, field: str, *, row: float, fixed: float, columns: int = 1):
    """Marks the chart as one a printed page may cut between values of `field` (`columns` values to a row), with
    its expected height in CSS px: `fixed` (legend, axes) and `row` a row, so a page can plan its parts before
    any is drawn (see estimated_height)."""
    return chart.properties(usermeta={"split": {"field": field, "columns": columns, "row": row, "fixed": fixed}})


def theme_bars(frame: pd.DataFrame, *, select: bool = True) -> alt.Chart:
    """Comments per theme as strengths vs areas for improvement, one panel per cohort side by side.

    frame: theme, cohort, reading, comments. A click on a bar selects its theme, reading and cohort.
    """
    selection = alt.selection_point(name="bar", fields=["theme", "reading", "cohort"], on="click")
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("sum(comments):Q", title="Comments"),
        color=alt.Color("reading:N", scale=_reading_scale(), title=NO_TITLE, legend=alt.Legend(orient="top")),
        column=alt.Column("cohort:N", title=None, header=alt.Header(labelFontSize=TEXT_PX + 1, labelFontWeight="bold")),
        tooltip=["theme:N", "cohort:N", "reading:N", alt.Tooltip("sum(comments):Q", title="comments")],
        opacity=alt.condition(selection, alt.value(1), alt.value(0.45)) if select else alt.value(1),
    ).properties(width=200)
    return _styled(chart.add_params(selection) if select else chart)


def sentiment_bars(frame: pd.DataFrame) -> alt.Chart:
    """Mean sentiment per theme (-1 to 1) with the number of comments. frame: theme, sentiment, comments."""
    return _styled(alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("sentiment:Q", title="Mean sentiment (-1 negative to +1 positive)", scale=alt.Scale(domain=[-1, 1])),
        color=alt.condition("datum.sentiment >= 0", alt.value(READING_COLOURS["Strength"]),
                            alt.value(READING_COLOURS["Area for improvement"])),
        tooltip=["theme:N", "sentiment:Q", "comments:Q"],
    ).properties(width=360))


def trend(frame: pd.DataFrame) -> alt.Chart:
    """A theme's share of comments per quarter. frame: quarter, share, comments, total."""
    base = alt.Chart(frame).encode(x=alt.X("quarter:N", sort=None, title=None))
    line = base.mark_line(point=True, color=OKABE_ITO["blue"]).encode(
        y=alt.Y("share:Q", title="% of comments"), tooltip=["quarter:N", "share:Q", "comments:Q", "total:Q"])
    return _styled(line.properties(width=PRINT_WIDTH - 80, height=220))


def likert(frame: pd.DataFrame) -> alt.Chart:
    """Diverging stacked bars for rating questions.

    frame: question, cohort, answer, order, percent, start, end (start/end already placed left of zero
    for the negative answers and right of it for the positive ones), n.
    """
    return _styled(alt.Chart(frame).mark_bar().encode(
        y=alt.Y("question:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("start:Q", title="% of valid answers (negative left, positive right)"),
        x2="end:Q",
        color=alt.Color("tone:N", title=NO_TITLE, legend=alt.Legend(orient="top"), scale=_scale(TONES)),
        order=alt.Order("order:Q"),
        row=alt.Row("cohort:N", title=None, header=alt.Header(labelFontWeight="bold")),
        tooltip=["question:N", "cohort:N", "answer:N", "percent:Q", "n:Q"],
    ).properties(width=300).resolve_scale(y="independent"))


# A question's label: lines of at most 50 characters, which in DejaVu Sans at 12 px are at most 326 px wide for
# every question in the bank (measured), so none is cut short at LABEL_PX.
LABEL_CHARS, LABEL_PX = 50, 340


def percent_positive(frame: pd.DataFrame, *, order: list[str] | None = None) -> alt.Chart:
    """% positive per question, cohorts side by side. frame: question, cohort, percent, n.

    Each question is labelled in full, wrapped into lines, and the chart is as tall as its questions need;
    a printed page may cut it between questions.
    """
    present = list(dict.fromkeys(frame["cohort"])) if len(frame) else []
    shown = [c for c in (order or []) if c in present] + [c for c in present if c not in (order or [])]
    questions = list(frame["question"])
    step = max(line_count(questions, LABEL_CHARS) * LINE_PX, 11 * max(len(shown), 1)) + 12  # lines, and a bar a cohort
    # Each label starts at the top of its question's band and runs down it (a block of lines is not centred).
    labels = alt.Axis(labelExpr=lines_expr(questions, LABEL_CHARS), labelLimit=LABEL_PX, labelBaseline="top",
                      labelOffset=4 - step / 2, ticks=False)
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("question:N", sort=None, title=None, axis=labels),
        x=alt.X("percent:Q", title="% positive (top two answers over valid answers)", scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 20, 40, 60, 80, 100])),
        color=alt.Color("cohort:N", title=NO_TITLE, legend=alt.Legend(orient="top"),
                        scale=_scale(_colours(shown, COHORT_COLOURS), shown)),
        yOffset=alt.YOffset("cohort:N", sort=shown),
        tooltip=["question:N", "cohort:N", "percent:Q", "n:Q"],
    ).properties(width=PRINT_WIDTH - LABEL_PX - 50, height={"step": step, "for": "position"})
    return _styled(_splittable(chart, "question", row=step, fixed=90))


def grade_bars(frame: pd.DataFrame) -> alt.Chart:
    """Audit grades per domain as stacked bars, best grade first. frame: Domain, Grade, Audits."""
    order = list(GRADE_COLOURS)
    return _styled(alt.Chart(frame).transform_calculate(
        rank=f"indexof({order!r}, datum.Grade)",
    ).mark_bar().encode(
        y=alt.Y("Domain:N", sort=None, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("sum(Audits):Q", title="Audits", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("Grade:N", title=NO_TITLE, legend=alt.Legend(orient="top"), scale=_scale(GRADE_COLOURS)),
        order=alt.Order("rank:Q"),
        tooltip=["Domain:N", "Grade:N", alt.Tooltip("sum(Audits):Q", title="audits")],
    ).properties(width=PRINT_WIDTH - 330))


def kpi_trend(frame: pd.DataFrame, *, columns: int = 2) -> alt.FacetChart:
    """Each measure's % in time by month, one panel per measure, with its Green and Amber thresholds as dashed lines.

    frame: measure, month (labels in order), percent (empty for no data or a hidden %), indicator (Green, Amber,
    Red), note ('no data' or 'c', written where there is no point), in_time, out_of_time, green_from, amber_from.
    Points have a shape as well as a colour, so the indicator does not rely on colour. A printed page may cut the
    chart between rows of panels.
    """
    months = list(dict.fromkeys(frame["month"]))
    x = alt.X("month:N", sort=months, title=None, axis=alt.Axis(labelAngle=-45 if len(months) > 4 else 0))
    y_scale = alt.Scale(domain=[0, 100])
    thresholds = alt.Chart().transform_fold(["green_from", "amber_from"], as_=["threshold", "value"]).transform_calculate(
        line="datum.threshold == 'green_from' ? 'Green from' : 'Amber from'").mark_rule(strokeDash=[5, 3]).encode(
        y=alt.Y("value:Q", scale=y_scale),
        color=alt.condition("datum.threshold == 'green_from'", alt.value(RAG_COLOURS["Green"]),
                            alt.value(RAG_COLOURS["Amber"])),
        detail="line:N",
        tooltip=[alt.Tooltip("line:N", title="threshold"), alt.Tooltip("value:Q", title="%")])
    line = alt.Chart().mark_line(color=INK, invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("percent:Q", scale=y_scale, title="% in time"))
    points = alt.Chart().mark_point(filled=True, size=70, opacity=1).encode(
        x=x, y=alt.Y("percent:Q", scale=y_scale),
        color=alt.Color("indicator:N", title="Indicator", legend=alt.Legend(orient="top"), scale=_scale(RAG_COLOURS)),
        shape=alt.Shape("indicator:N", title="Indicator",
                        scale=alt.Scale(domain=list(RAG_SHAPES), range=list(RAG_SHAPES.values()))),
        tooltip=["measure:N", "month:N", alt.Tooltip("percent:Q", title="% in time"), "indicator:N",
                 alt.Tooltip("in_time:N", title="in time"), alt.Tooltip("out_of_time:N", title="out of time")])
    gaps = alt.Chart().transform_filter("datum.note != null").mark_text(
        angle=270, fontStyle="italic", color=INK, fontSize=TEXT_PX).encode(
        x=x, y=alt.datum(50), text="note:N")
    # Panels side by side fill the printed width: the y axis takes about 70 px, the space between panels 20.
    width = (PRINT_WIDTH - 70 - 20 * (columns - 1)) // columns
    # A measure's name heads its panel in full, in lines as wide as the panel (bold 12 px is ~7.5 px a character).
    measures = list(dict.fromkeys(frame["measure"]))
    chart = alt.layer(thresholds, line, points, gaps, data=frame).properties(width=width, height=140).facet(
        facet=alt.Facet("measure:N", title=None, sort=measures,
                        header=alt.Header(labelFontWeight="bold", labelExpr=lines_expr(measures, max(20, width // 8)),
                                          labelLimit=width)),
        columns=columns)
    header = line_count(measures, max(20, width // 8)) * 15
    return _styled(_splittable(chart, "measure", columns=columns, row=140 + header + 20,
                               fixed=70 + (50 if len(months) > 4 else 20)))


def spec(chart: alt.TopLevelMixin) -> str:
    """The chart's Vega-Lite JSON with its data written inline, for reports.

    Altair turns a DataFrame into data through a process-wide transformer, which Streamlit swaps
    for its own while it draws another session's chart: a report built at that moment would lose
    its data to that session. Inline values never go through the transformer.
    """
    if isinstance(chart.data, pd.DataFrame):
        records = json.loads(chart.data.to_json(orient="records", date_format="iso"))
        chart = chart.properties(data=alt.InlineData(values=records))
    return chart.to_json()


# ---- Printing -------------------------------------------------------------------------------------


def smallest_font(chart_spec: str | dict) -> float:
    """The smallest text size in a Vega-Lite spec, in CSS pixels: every size it sets, and Vega-Lite's default
    for each kind of text whose size its config leaves unset."""
    tree = json.loads(chart_spec) if isinstance(chart_spec, str) else chart_spec
    config = tree.get("config", {})
    sizes = [config.get(part, {}).get(key, size) for (part, key), size in VEGA_FONT_DEFAULTS.items()]

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower().endswith("fontsize") and isinstance(value, (int, float)):
                    sizes.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return float(min(sizes))


def _rows_of(tree: dict) -> list | None:
    """The chart's inline rows of data: written in place, or named in its datasets (as Altair writes them)."""
    data = tree.get("data") or {}
    if isinstance(data.get("values"), list):
        return data["values"]
    found = (tree.get("datasets") or {}).get(data.get("name"))
    return found if isinstance(found, list) else None


def pieces(chart_spec: str) -> tuple[list, int]:
    """The values a printed page may cut the chart between, in the order drawn, and how many of them make one row
    of the chart; ([], 1) for a chart that is not to be cut."""
    tree = json.loads(chart_spec)
    split = (tree.get("usermeta") or {}).get("split")
    data = _rows_of(tree)
    if not split or data is None:
        return [], 1
    return list(dict.fromkeys(row.get(split["field"]) for row in data)), max(1, int(split.get("columns", 1)))


def split_sizes(chart_spec: str) -> tuple[float, float] | None:
    """A chart to cut's expected height in CSS px apart from its rows (legend, axes), and a row's; None if unknown."""
    split = (json.loads(chart_spec).get("usermeta") or {}).get("split") or {}
    return (float(split["fixed"]), float(split["row"])) if "row" in split and "fixed" in split else None


def estimated_height(chart_spec: str) -> float | None:
    """The height in CSS px a chart marked as one to cut (see pieces) is expected to be drawn at, or None."""
    values, columns = pieces(chart_spec)
    sizes = split_sizes(chart_spec)
    if not values or sizes is None:
        return None
    return sizes[0] + sizes[1] * -(-len(values) // columns)


def part(chart_spec: str, keep) -> str:
    """The chart with only the rows of data whose split value is in `keep` (see pieces): the same spec otherwise."""
    tree = json.loads(chart_spec)
    field, kept = tree["usermeta"]["split"]["field"], set(keep)
    rows = [row for row in _rows_of(tree) if row.get(field) in kept]
    (tree.get("datasets") or {}).pop((tree.get("data") or {}).get("name"), None)
    tree["data"] = {"values": rows}
    return json.dumps(tree)
