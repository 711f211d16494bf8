"""The report as the pages show it: a section's published body, and a report's PDF-and-workbook download pair."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.access import User
from lib.report import glossary
from lib.report.model import Section
from lib.ui import widgets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def section_body(section: Section) -> None:
    """A section's sentences, tables and charts as they print (every figure already suppressed); user text as text.

    A chart is drawn from the very spec the PDF draws, at its own width and without Streamlit's theme, so its
    colours and text sizes are the printed ones. The methods section ends with the report's glossary.
    """
    for sentence in section.summary:
        st.text("• " + sentence)
    if section.empty:
        st.info(section.empty, icon=":material/info:")
    for table in section.tables:
        st.caption(widgets.md(table.title))
        widgets.table(pd.DataFrame(list(table.rows), columns=list(table.columns)))
        if table.note:
            st.caption(widgets.md(table.note))
    for chart in section.charts:
        st.vega_lite_chart(json.loads(chart.spec), theme=None, width="content", alt=chart.alt or chart.title)
        if chart.note:
            st.caption(widgets.md(chart.note))
    if section.key == "methods":
        terms()


def terms() -> None:
    """The glossary as the PDF prints it last: each term the report uses, in plain English."""
    st.markdown("**Glossary**: the words and marks this report uses")
    st.markdown("\n".join(f"- **{widgets.md(term)}**: {widgets.md(meaning)}" for term, meaning in glossary.TERMS))


def downloads(*, user: User, action: str, make: Callable[[str], Callable], stem: str, key: str, containers,
              label: str = "", suffix: str = "") -> None:
    """The PDF and Excel buttons of one report (draft, requested or published), each audited as it is clicked.

    make(kind) returns the function that makes the bytes ("pdf" or "xlsx") for the account as it stands."""
    pdf, xlsx = containers
    widgets.audited_download(f"{label}PDF{suffix}".strip(), user=user, action=action, make=make("pdf"), what=None,
                             file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                             key=f"{key}_pdf", container=pdf)
    widgets.audited_download(f"{label}Excel{suffix}".strip(), user=user, action=action, make=make("xlsx"), what=None,
                             file_name=f"{stem}.xlsx", mime=XLSX, icon=":material/table:", key=f"{key}_xlsx",
                             container=xlsx)
