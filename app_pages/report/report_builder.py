import json

import pandas as pd
import streamlit as st

from lib import dates
from lib.report import build as report
from lib.report import drafts, publishing, sections
from lib.report import pdf as report_pdf
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("build_report")
today = session.today()
st.title("Feedback report")
st.caption("Choose a period, read the preview section by section, write the commentary, pick quotes, then publish. "
           "Publishing keeps the PDF and workbook exactly as they were, as a numbered version.")

period_key = widgets.period_picker("report", today=today, default=1, label="Report for").key

with st.status("Building the report from the live data…", expanded=False) as status:
    value = widgets.attempt(lambda: report.build(db, user, period_key, today=today))
    status.update(label="Report built from the live data." if value else "The report could not be built.",
                  state="complete" if value else "error")
if value is None:
    st.stop()
for warning in [*value.warnings, *report_pdf.missing_glyphs(value)]:
    st.warning(widgets.md(warning), icon=":material/warning:")

published = publishing.versions(db, user, period_key)
if published:
    latest = published[0]
    if report.fingerprint(value) != latest["fingerprint"]:
        st.info(f"The live data or the draft has changed since version {latest['version']} was published. "
                "Publish again to make a new version; earlier versions stay as they were.", icon=":material/update:")
    else:
        st.success(f"Version {latest['version']} is up to date with the live data.", icon=":material/verified:")

saved = drafts.draft(db, user, period_key)
OPEN = "report_open_section"  # the section being worked on stays open across reruns


def keep_open(key: str) -> None:
    st.session_state[OPEN] = key


for section in value.sections:
    with st.expander(section.title, expanded=section.key == st.session_state.get(OPEN, "headlines")):
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
            st.vega_lite_chart(json.loads(chart.spec))
            if chart.note:
                st.caption(widgets.md(chart.note))
        opened_key = f"narrative_{period_key}_{section.key}"
        base, opened = widgets.edit_key(opened_key, {"version": saved["versions"][section.key]})
        what = f"commentary on {section.title}, {value.period_label}"
        draft = unsaved.begin(db, user, opened_key, base, opened=opened, noun=what)
        if not draft.offered:
            with draft.box():
                typed = saved["narrative"].get(section.key, "")  # as QA wrote it; the report holds it redacted
                text = st.text_area("Commentary for this section", value=typed, height=140,
                                    key=f"{base}_text", on_change=keep_open, args=(section.key,),
                                    help="Plain text; leave a blank line between paragraphs. Saved with the "
                                         "report's other choices for this period.")
                if section.narrative != typed:
                    st.caption("In the report: " + widgets.md(section.narrative))
                    st.caption("Names the app knows, phone numbers, e-mail addresses and postcodes are replaced "
                               "in the report, as in quotes.")
                save = st.button("Save commentary", on_click=keep_open, args=(section.key,), key=f"save_{base}")
            draft.keep(what)
            if save:
                widgets.attempt(lambda k=section.key, t=text, v=opened: drafts.save_draft(
                    db, user, period_key, narrative={k: t}, expected={k: v}), opened=opened_key, draft=draft,
                    success=f"Saved the {what}.")
        if section.key in sections.QUOTE_SECTIONS:
            chosen = saved["quotes"].get(section.key, [])
            st.caption(f"Quotes ({len(chosen)} chosen)")
            if chosen:
                with st.form(f"chosen_{period_key}_{section.key}"):
                    edited_quotes = []
                    for index, quote in enumerate(chosen):
                        text = st.text_area(f"Quote {index + 1}", value=quote["text"], height=80)
                        drop = st.checkbox("Remove this quote", key=f"drop_{period_key}_{section.key}_{index}")
                        if not drop:
                            edited_quotes.append({**quote, "text": text})
                    if st.form_submit_button("Save quotes", on_click=keep_open, args=(section.key,)):
                        widgets.attempt(lambda k=section.key, q=edited_quotes: drafts.save_draft(
                            db, user, period_key, quotes={k: q}, expected={k: saved["versions"][k]}),
                            success="Quotes saved.")
            candidates = drafts.quote_candidates(db, user, period_key, section.key)
            taken = {q["comment_id"] for q in chosen}
            offer = [c for c in candidates if c["comment_id"] not in taken]
            if offer:
                by_id = {c["comment_id"]: c for c in offer}
                pick = st.selectbox("Add a quote (consented comments, most common themes first; already redacted)",
                                    list(by_id), index=None, placeholder="Choose a comment",
                                    format_func=lambda i, options=by_id: options[i]["suggested"][:120],
                                    key=f"pick_{period_key}_{section.key}", on_change=keep_open,
                                    args=(section.key,))
                if pick is not None:
                    with st.form(f"quote_{period_key}_{section.key}_{pick}"):
                        st.caption(by_id[pick]["source_line"])
                        edited = st.text_area("Check the redaction and edit if needed", value=by_id[pick]["suggested"])
                        if st.form_submit_button("Add this quote", on_click=keep_open, args=(section.key,)):
                            widgets.attempt(lambda k=section.key, c=pick, t=edited: drafts.save_draft(
                                db, user, period_key, quotes={k: [*saved["quotes"].get(k, []), {"comment_id": c, "text": t}]},
                                expected={k: saved["versions"][k]}), success="Quote added.")
            elif not chosen:
                st.caption("No consented comments to quote in this period.")

st.divider()
st.subheader("Publish")
st.caption(f"Publishing makes version {(published[0]['version'] if published else 0) + 1} of the "
           f"{value.period_label} report: the PDF and Excel workbook are stored exactly as made, with who and when.")
if st.button("Publish this report", type="primary", icon=":material/publish:"):
    with st.spinner("Rendering the PDF and workbook…"):
        result = widgets.attempt(lambda: publishing.publish(db, user, period_key, today=today))
    if result is not None:
        widgets.flash(f"Published version {result['version']}.")
        for warning in result["warnings"]:
            widgets.flash(warning, kind="info")
        st.rerun()

if published:
    st.subheader("Published versions")
    for row in published:
        left, middle, right = st.columns([3, 1, 1])
        left.text(f"Version {row['version']} · {dates.moment(row['created_at'])} · {row['by']}")

        def fetch(kind, version=row["version"]):
            return lambda database, person: publishing.download(database, person, period_key, version, kind)

        stem = f"feedback-report-{period_key.replace('/', '-')}-v{row['version']}"
        widgets.audited_download("PDF", user=user, action="build_report", make=fetch("pdf"), what=None,
                                 file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                                 key=f"pdf_{row['version']}", container=middle)
        widgets.audited_download("Excel", user=user, action="build_report", make=fetch("xlsx"), what=None,
                                 file_name=f"{stem}.xlsx", icon=":material/table:", key=f"xlsx_{row['version']}",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                 container=right)
