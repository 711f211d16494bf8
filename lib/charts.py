"""Pure chart builders: a DataFrame in, an Altair chart out, the same spec on screen and in reports."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

READING_COLOURS = {"Strength": "#2e7d32", "Area for improvement": "#c2410c", "Neutral": "#9e9e9e"}
FONT = "Source Sans Pro, DejaVu Sans, sans-serif"
TONES = {"Most negative": "#b91c1c", "Negative or middle": "#f59e0b", "Positive": "#86c67c",
         "Most positive": "#2e7d32"}


def _reading_scale() -> alt.Scale:
    return alt.Scale(domain=list(READING_COLOURS), range=list(READING_COLOURS.values()))


def theme_bars(frame: pd.DataFrame, *, select: bool = True) -> alt.Chart:
    """Comments per theme as strengths vs areas for improvement, one panel per cohort side by side.

    frame: theme, cohort, reading, comments. A click on a bar selects its theme, reading and cohort.
    """
    selection = alt.selection_point(name="bar", fields=["theme", "reading", "cohort"], on="click")
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("sum(comments):Q", title="Comments"),
        color=alt.Color("reading:N", scale=_reading_scale(), title=None, legend=alt.Legend(orient="top")),
        column=alt.Column("cohort:N", title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        tooltip=["theme:N", "cohort:N", "reading:N", alt.Tooltip("sum(comments):Q", title="comments")],
        opacity=alt.condition(selection, alt.value(1), alt.value(0.45)) if select else alt.value(1),
    ).properties(width=200)
    return chart.add_params(selection) if select else chart


def sentiment_bars(frame: pd.DataFrame) -> alt.Chart:
    """Mean sentiment per theme (-1 to 1) with the number of comments. frame: theme, sentiment, comments."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("sentiment:Q", title="Mean sentiment (-1 negative to +1 positive)", scale=alt.Scale(domain=[-1, 1])),
        color=alt.condition("datum.sentiment >= 0", alt.value("#2e7d32"), alt.value("#c2410c")),
        tooltip=["theme:N", "sentiment:Q", "comments:Q"],
    ).properties(width=520)


def trend(frame: pd.DataFrame) -> alt.Chart:
    """A theme's share of comments per quarter. frame: quarter, share, comments, total."""
    base = alt.Chart(frame).encode(x=alt.X("quarter:N", sort=None, title=None))
    line = base.mark_line(point=True).encode(
        y=alt.Y("share:Q", title="% of comments"), tooltip=["quarter:N", "share:Q", "comments:Q", "total:Q"])
    return line.properties(width=520, height=220)


def likert(frame: pd.DataFrame) -> alt.Chart:
    """Diverging stacked bars for rating questions.

    frame: question, cohort, answer, order, percent, start, end (start/end already placed left of zero
    for the negative answers and right of it for the positive ones), n.
    """
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("question:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("start:Q", title="% of valid answers (negative left, positive right)"),
        x2="end:Q",
        color=alt.Color("tone:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(TONES), range=list(TONES.values()))),
        order=alt.Order("order:Q"),
        row=alt.Row("cohort:N", title=None, header=alt.Header(labelFontWeight="bold")),
        tooltip=["question:N", "cohort:N", "answer:N", "percent:Q", "n:Q"],
    ).properties(width=420).resolve_scale(y="independent")


def percent_positive(frame: pd.DataFrame, *, order: list[str] | None = None) -> alt.Chart:
    """% positive per question, cohorts side by side. frame: question, cohort, percent, n."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("question:N", sort=None, title=None),
        x=alt.X("percent:Q", title="% positive (top two answers over valid answers)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("cohort:N", title=None, sort=order, legend=alt.Legend(orient="top")),
        yOffset=alt.YOffset("cohort:N", sort=order),
        tooltip=["question:N", "cohort:N", "percent:Q", "n:Q"],
    ).properties(width=420)


GRADE_COLOURS = {"Outstanding": "#1b5e20", "Good": "#66bb6a", "Requires improvement": "#f59e0b",
                 "Inadequate": "#b91c1c"}


def grade_bars(frame: pd.DataFrame) -> alt.Chart:
    """Audit grades per domain as stacked bars, best grade first. frame: Domain, Grade, Audits."""
    order = list(GRADE_COLOURS)
    return alt.Chart(frame).transform_calculate(
        rank=f"indexof({order!r}, datum.Grade)",
    ).mark_bar().encode(
        y=alt.Y("Domain:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("sum(Audits):Q", title="Audits", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("Grade:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values()))),
        order=alt.Order("rank:Q"),
        tooltip=["Domain:N", "Grade:N", alt.Tooltip("sum(Audits):Q", title="audits")],
    ).properties(width=420)


RAG_COLOURS = {"Green": "#2e7d32", "Amber": "#b45309", "Red": "#b91c1c"}
RAG_SHAPES = {"Green": "circle", "Amber": "triangle-up", "Red": "square"}  # the shapes of the table's ● ▲ ■


def kpi_trend(frame: pd.DataFrame, *, columns: int = 2) -> alt.FacetChart:
    """Each measure's % in time by month, one panel per measure, with its Green and Amber thresholds as dashed lines.

    frame: measure, month (labels in order), percent (empty for no data or a hidden %), indicator (Green, Amber,
    Red), note ('no data' or 'c', written where there is no point), in_time, out_of_time, green_from, amber_from.
    Points have a shape as well as a colour, so the indicator does not rely on colour.
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
    line = alt.Chart().mark_line(color="#6b7280", invalid="break-paths-show-domains").encode(
        x=x, y=alt.Y("percent:Q", scale=y_scale, title="% in time"))
    points = alt.Chart().mark_point(filled=True, size=70, opacity=1).encode(
        x=x, y=alt.Y("percent:Q", scale=y_scale),
        color=alt.Color("indicator:N", title="Indicator", legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(RAG_COLOURS), range=list(RAG_COLOURS.values()))),
        shape=alt.Shape("indicator:N", title="Indicator",
                        scale=alt.Scale(domain=list(RAG_SHAPES), range=list(RAG_SHAPES.values()))),
        tooltip=["measure:N", "month:N", alt.Tooltip("percent:Q", title="% in time"), "indicator:N",
                 alt.Tooltip("in_time:N", title="in time"), alt.Tooltip("out_of_time:N", title="out of time")])
    gaps = alt.Chart().transform_filter("datum.note != null").mark_text(
        angle=270, fontStyle="italic", color="#4b5563", fontSize=10).encode(
        x=x, y=alt.datum(50), text="note:N")
    return alt.layer(thresholds, line, points, gaps, data=frame).properties(width=300, height=150).facet(
        facet=alt.Facet("measure:N", title=None, sort=list(dict.fromkeys(frame["measure"])),
                        header=alt.Header(labelFontWeight="bold", labelLimit=300)),
        columns=columns)


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
