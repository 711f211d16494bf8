import streamlit as st

from lib import dates
from lib.report import publishing
from lib.ui import report_view, session, widgets

db = session.connection()
user = session.page_user("approve_report")
today = session.today()
st.title("Report approval")
st.caption("QA asks for the feedback report to be approved as it stands. Read it here or download the draft, then "
           "approve it or decline it with a reason. QA can publish only the report you approved: if the data or the "
           "draft changes afterwards, they must ask again.")


def preview(value) -> None:
    """The report asked about, section by section, as it would print (every figure already suppressed)."""
    for section in value.sections:
        with st.expander(section.title):
            report_view.section_body(section)
            if section.narrative:
                st.caption("Commentary")
                st.text(section.narrative)
            for quote in section.quotes:
                st.text(f"“{quote.text}”\n— {quote.source}")


waiting = publishing.pending_approvals(db, user)
if not waiting:
    st.info("Nothing is waiting for your approval.", icon=":material/inbox:")
else:
    by_id = {row["id"]: row for row in waiting}
    chosen = st.selectbox("Waiting for approval", list(by_id), key="approval_request",
                          format_func=lambda i: f"{by_id[i]['period']} report · asked by {by_id[i]['asked_by_name']} "
                                                f"on {dates.moment(by_id[i]['asked_at'])}")
    request = by_id[chosen]
    value = widgets.attempt(lambda: publishing.requested_value(db, user, chosen))
    if value is not None:
        stem = f"feedback-report-{request['period_key'].replace('/', '-')}-DRAFT"

        def draft_of(kind, request_id=chosen):
            return lambda database, person: publishing.requested_file(database, person, request_id, kind)

        report_view.downloads(user=user, action="approve_report", make=draft_of, stem=stem, key=f"requested_{chosen}",
                              label="Draft ", containers=st.columns([1, 1, 2])[:2])
        if request["asked_by"] == user.id:
            st.info("You asked for this approval, so someone else must approve or decline it.", icon=":material/group:")
        else:
            if st.button("Approve this report for publishing", type="primary", icon=":material/task_alt:",
                         key=f"approve_{chosen}"):
                widgets.attempt(lambda: publishing.approve(db, user, chosen),
                                success=f"Approved the {request['period']} report: QA can now publish it as it stands.")
            with st.form(f"decline_{chosen}"):
                reason = st.text_area("Reason for declining (QA reads it on the report page)",
                                      max_chars=publishing.REASON_LIMIT, height=80)
                if st.form_submit_button("Decline", icon=":material/block:"):
                    widgets.attempt(lambda: publishing.decline(db, user, chosen, reason),
                                    success=f"Declined the {request['period']} report; QA has your reason.")
        st.subheader(widgets.md(f"The report asked about: {value.period_label}"))
        st.caption(f"Data as of {dates.moment(value.as_of)}. Every figure is shown as it would be published.")
        preview(value)

decided = publishing.decisions(db, user)
if decided:
    st.subheader("Recent decisions")
    words = {"approved": "Approved", "declined": "Declined", "published": "Approved, then published",
             "replaced": "Approved, then asked again"}
    widgets.table([{"Report": row["period"], "Decision": words.get(row["status"], row["status"]),
                    "By": row["decided_by_name"], "When": row["decided_at"], "Asked by": row["asked_by_name"],
                    "Reason": row["decline_reason"] or ""} for row in decided], key="decisions")

st.subheader("Published reports")
period_key = widgets.period_picker("approval", today=today, default=1, label="Published reports for").key
published = publishing.versions(db, user, period_key)
if not published:
    st.caption("No version of this report has been published.")
for row in published:
    with st.container(border=True):
        left, middle, right = st.columns([3, 1, 1])
        left.text(f"Version {row['version']} · {dates.moment(row['created_at'])} · {row['by']}")
        if row["approved_by"]:
            left.text(f"Approved by {row['approved_by']} · {dates.moment(row['approved_at'])}")
        left.text(publishing.status_line(row))
        if row["status"] != "live":
            continue  # kept for the record: only QA can download it

        def fetch(kind, version=row["version"]):
            return lambda database, person: publishing.download(database, person, period_key, version, kind)

        stem = f"feedback-report-{period_key.replace('/', '-')}-v{row['version']}"
        report_view.downloads(user=user, action="view_published_reports", make=fetch, stem=stem,
                              key=f"published_{row['version']}", containers=(middle, right))
