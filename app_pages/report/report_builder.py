import streamlit as st

from lib import access, dates
from lib.report import build as report
from lib.report import alerts, drafts, publishing, sections
from lib.report import pdf as report_pdf
from lib.ui import report_view, session, unsaved, widgets

db = session.connection()
user = session.page_user("build_report")
today = session.today()
st.title("Feedback report")
st.caption("Choose a period, read the preview section by section, write the commentary, pick quotes, then ask the "
           "Registered Manager to approve it and publish. Publishing keeps the PDF and workbook exactly as they were, "
           "as a numbered version.")

period_key = widgets.period_picker("report", today=today, default=1, label="Report for").key

with st.status("Building the report from the live data…", expanded=False) as status:
    value = widgets.attempt(lambda: report.build(db, user, period_key, today=today))
    status.update(label="Report built from the live data." if value else "The report could not be built.",
                  state="complete" if value else "error")
if value is None:
    st.stop()
for warning in [*value.warnings, *report_pdf.missing_glyphs(value)]:
    st.warning(widgets.md(warning), icon=":material/warning:")
if value.leaks:
    st.error("The disclosure check found places where a reader could work out or narrow a number the report hides. "
             "It cannot be approved or published until they are gone (reword the commentary it names):",
             icon=":material/privacy_tip:")
    for leak in value.leaks:
        st.text("• " + leak)

fingerprint = report.fingerprint(value)
for alert in alerts.alerts(db, user):  # every live version, whichever period is chosen: each needs QA now
    st.error(widgets.md(alert["message"]), icon=":material/report:")
published = publishing.versions(db, user, period_key)
live = next((row for row in published if row["status"] == "live"), None)
if live:
    if fingerprint != live["fingerprint"]:
        st.info(f"The live data or the draft has changed since version {live['version']} was published. "
                "Ask for approval and publish again to make a new version; earlier versions stay as they were.",
                icon=":material/update:")
    else:
        st.success(f"Version {live['version']} is up to date with the live data.", icon=":material/verified:")

saved = drafts.draft(db, user, period_key)
OPEN = "report_open_section"  # the section being worked on stays open across reruns


def keep_open(key: str) -> None:
    st.session_state[OPEN] = key


for section in value.sections:
    with st.expander(section.title, expanded=section.key == st.session_state.get(OPEN, "findings")):
        report_view.section_body(section)
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
                    st.caption("Names, schools, places, dates of birth, NHS numbers, phone numbers, e-mail addresses "
                               "and postcodes are replaced in the report, as in quotes.")
                save = st.button("Save commentary", on_click=keep_open, args=(section.key,), key=f"save_{base}")
            draft.keep(what)
            if save:
                widgets.attempt(lambda k=section.key, t=text, v=opened: drafts.save_draft(
                    db, user, period_key, narrative={k: t}, expected={k: v}), opened=opened_key, draft=draft,
                    success=f"Saved the {what}.")
        if section.key == "findings" and value.findings:
            with st.form(f"findings_{period_key}"):
                st.caption("Each finding is chosen from this period's figures. Reword one in your own words, keeping "
                           "its places in braces (such as {pct} and {n}) where its figures go, or leave it out. "
                           "A finding whose figure is hidden as a small number is left out by itself.")
                choices = {}
                for index, row in enumerate(value.findings):
                    st.text(row["generated"] or "(left out: a figure it rests on is a small number)")
                    left, right = st.columns([5, 1])
                    words = left.text_input(
                        f"Words for finding {index + 1}", value=row["choice"].get("text") or row["template"],
                        key=f"finding_{period_key}_{row['key']}", max_chars=drafts.MAX_FINDING,
                        help="Places for figures: " + ", ".join("{" + p + "}" for p in row["places"]))
                    drop = right.checkbox("Leave out", value=bool(row["choice"].get("drop")),
                                          key=f"finding_drop_{period_key}_{row['key']}")
                    if drop:
                        choices[row["key"]] = {"drop": True}
                    elif words.strip() != row["template"]:
                        choices[row["key"]] = {"text": words}
                if st.form_submit_button("Save key findings", on_click=keep_open, args=("findings",)):
                    widgets.attempt(lambda c=choices: drafts.save_draft(
                        db, user, period_key, key_findings=c, expected={"findings": saved["versions"]["findings"]}),
                        success="Key findings saved.")
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
                pick = st.selectbox("Add a quote (consented comments, most common themes first, as redacted; "
                                    "“check” marks those redaction is unsure of)",
                                    list(by_id), index=None, placeholder="Choose a comment",
                                    format_func=lambda i, options=by_id: ("check: " if options[i]["unsure"] else "")
                                    + options[i]["suggested"][:120],
                                    key=f"pick_{period_key}_{section.key}", on_change=keep_open,
                                    args=(section.key,))
                if pick is not None:
                    candidate = by_id[pick]
                    with st.form(f"quote_{period_key}_{section.key}_{pick}"):
                        st.caption(candidate["source_line"])
                        st.caption(candidate["replaced"])
                        if candidate["unsure"]:
                            st.warning(widgets.md("Redaction is unsure of: " + ", ".join(
                                f"“{word}”" for word in candidate["unsure"]) + ". Check whether each could identify "
                                "someone, and edit it out if so."), icon=":material/help:")
                        else:
                            st.caption("Already redacted: nothing is left that redaction is unsure of.")
                        edited = st.text_area("Check the redaction and edit if needed", value=candidate["suggested"])
                        if st.form_submit_button("Add this quote", on_click=keep_open, args=(section.key,)):
                            widgets.attempt(lambda k=section.key, c=pick, t=edited: drafts.save_draft(
                                db, user, period_key, quotes={k: [*saved["quotes"].get(k, []), {"comment_id": c, "text": t}]},
                                expected={k: saved["versions"][k]}), success="Quote added.")
            elif not chosen:
                st.caption("No consented comments to quote in this period.")

st.divider()
st.subheader("Sign-off and publishing")
st.caption("Download the draft to check it (every page says DRAFT), ask the Registered Manager to approve the report as "
           "it stands, then publish it. A change to the data or the draft after that needs a new approval.")
stem = f"feedback-report-{period_key.replace('/', '-')}"


def draft_of(kind):
    return lambda database, person: publishing.draft_file(database, person, period_key, kind, today=today)


report_view.downloads(user=user, action="build_report", make=draft_of, stem=f"{stem}-DRAFT", key="draft",
                      label="Draft ", containers=st.columns([1, 1, 2])[:2])

sign_off = publishing.approval_state(db, user, period_key, fingerprint)
state, request = sign_off["state"], sign_off["request"]
if state == "approved":
    st.success(f"Approved by {widgets.md(request['decided_by_name'])} on {dates.moment(request['decided_at'])}: "
               "the report as it stands may be published.", icon=":material/task_alt:")
elif state == "pending":
    st.info(f"Waiting for the Registered Manager: {widgets.md(request['asked_by_name'])} asked for approval on "
            f"{dates.moment(request['asked_at'])}.", icon=":material/hourglass_top:")
elif state == "changed":
    done = "approved" if request["status"] == "approved" else "asked about"
    st.warning(f"The data or the draft has changed since the report was {done} "
               f"({dates.moment(request['decided_at'] or request['asked_at'])}), so it cannot be published as "
               "approved: ask for approval again.", icon=":material/sync_problem:")
elif state == "declined":
    st.error(f"{widgets.md(request['decided_by_name'])} declined the report on {dates.moment(request['decided_at'])}. "
             "Change it, then ask for approval again. Their reason:", icon=":material/block:")
    st.text(request["decline_reason"])
elif state == "published":
    st.success(f"Published as version {request['version']}, approved by {widgets.md(request['decided_by_name'])}.",
               icon=":material/verified:")
else:
    st.info("Publishing needs the Registered Manager's approval of the report as it stands.",
            icon=":material/approval:")
if state in ("none", "changed", "declined"):
    if st.button("Ask for approval", icon=":material/approval:", key="ask_for_approval", disabled=bool(value.leaks),
                 help="The disclosure check found something to fix first (listed at the top)." if value.leaks else None):
        widgets.attempt(lambda: publishing.ask_for_approval(db, user, period_key, today=today),
                        success=f"Asked the Registered Manager to approve the {value.period_label} report as it stands.")

st.caption(f"Publishing makes version {(published[0]['version'] if published else 0) + 1} of the "
           f"{value.period_label} report: the PDF and Excel workbook are stored exactly as made, with who approved it "
           "and when; the version before it is then marked superseded.")
if st.button("Publish this report", type="primary", icon=":material/publish:",
             disabled=state != "approved" or bool(value.leaks),
             help="The disclosure check found something to fix first (listed at the top)." if value.leaks
             else None if state == "approved" else "Publishing needs the Registered Manager's approval first."):
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
        with st.container(border=True):
            left, middle, right = st.columns([2, 1, 1])
            left.text(f"Version {row['version']} · {dates.moment(row['created_at'])} · {row['by']}")
            left.text(f"Approved by {row['approved_by']} · {dates.moment(row['approved_at'])}" if row["approved_by"]
                      else "Published before the Registered Manager's sign-off was needed")
            left.text(publishing.status_line(row))  # the reason is the user's text: shown as text
            kept = row["status"] != "live"

            def fetch(kind, version=row["version"], record=kept):
                return lambda database, person: publishing.download(database, person, period_key, version, kind,
                                                                    for_the_record=record)

            name = f"{stem}-v{row['version']}" + ("-FOR-THE-RECORD" if kept else "")
            suffix = " (for the record)" if kept else ""
            report_view.downloads(user=user, action="build_report", make=fetch, stem=name, key=f"v{row['version']}",
                                  suffix=suffix, containers=(middle, right))
            if kept:
                st.caption(f"Version {row['version']} is {row['status']}: it is kept for the record and no longer "
                           "handed out. A download is logged in History with the reason above.")
            elif access.can(user, "withdraw_report"):
                with st.expander(f"Withdraw or supersede version {row['version']}"):
                    with st.form(f"end_{period_key}_{row['version']}"):
                        how = st.radio("What happens to it", ["withdrawn", "superseded"], horizontal=True,
                                       format_func={"withdrawn": "Withdraw it",
                                                    "superseded": "Mark it superseded"}.get)
                        reason = st.text_area("Why (required; kept with the version and in History)",
                                              max_chars=publishing.REASON_LIMIT, height=80)
                        if st.form_submit_button(f"Withdraw or supersede version {row['version']}",
                                                 icon=":material/unpublished:"):
                            end = publishing.withdraw if how == "withdrawn" else publishing.supersede
                            widgets.attempt(lambda end=end, version=row["version"], why=reason: end(
                                db, user, period_key, version, why),
                                success=f"Version {row['version']} is now {how}; it is kept for the record.")
