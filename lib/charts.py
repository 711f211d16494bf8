"""Pure chart builders: a DataFrame in, an Altair chart out, the same spec on screen and in reports."""

from __future__ import annotations

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
        tooltip=["theme", "cohort", "reading", alt.Tooltip("sum(comments):Q", title="comments")],
        opacity=alt.condition(selection, alt.value(1), alt.value(0.45)) if select else alt.value(1),
    ).properties(width=200)
    return chart.add_params(selection) if select else chart


def sentiment_bars(frame: pd.DataFrame) -> alt.Chart:
    """Mean sentiment per theme (-1 to 1) with the number of comments. frame: theme, sentiment, comments."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("theme:N", sort="x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("sentiment:Q", title="Mean sentiment (-1 negative to +1 positive)", scale=alt.Scale(domain=[-1, 1])),
        color=alt.condition("datum.sentiment >= 0", alt.value("#2e7d32"), alt.value("#c2410c")),
        tooltip=["theme", "sentiment", "comments"],
    ).properties(width=520)


def trend(frame: pd.DataFrame) -> alt.Chart:
    """A theme's share of comments per quarter. frame: quarter, share, comments, total."""
    base = alt.Chart(frame).encode(x=alt.X("quarter:N", sort=None, title=None))
    line = base.mark_line(point=True).encode(
        y=alt.Y("share:Q", title="% of comments"), tooltip=["quarter", "share", "comments", "total"])
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
        tooltip=["question", "cohort", "answer", "percent", "n"],
    ).properties(width=420).resolve_scale(y="independent")


def percent_positive(frame: pd.DataFrame, *, order: list[str] | None = None) -> alt.Chart:
    """% positive per question, cohorts side by side. frame: question, cohort, percent, n."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("question:N", sort=None, title=None),
        x=alt.X("percent:Q", title="% positive (top two answers over valid answers)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("cohort:N", title=None, sort=order, legend=alt.Legend(orient="top")),
        yOffset=alt.YOffset("cohort:N", sort=order),
        tooltip=["question", "cohort", "percent", "n"],
    ).properties(width=420)
