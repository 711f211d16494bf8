"""Sign-off and withdrawal of the feedback report: draft downloads, the Registered Manager's approval, publishing
only what was approved, withdrawing and superseding versions, and alerts when a live version quotes an entry that
may no longer be quoted."""

import dataclasses
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lib import store
from lib.access import PermissionDenied
from lib.capture import feedback
from lib.report import alerts, drafts, publishing
from lib.report import build as report
from tests.conftest import add_user, no_exceptions
from tests.fixtures import add_household, approve_as_it_stands, publish_approved

TODAY = dt.date(2026, 2, 15)
Q3 = "2025/26-Q3"  # October to December 2025
QUOTED = "Our worker rings back the same day."


def call(db, user, home, day, *, comments=None, **extra):
    return feedback.record(db, user, "carer", {
        "household_id": home, "contact_on": day, "method": "phone", "outcome": "completed", "relationship": "mother",
        "answers": {"CAR01": "4", "CAR18": "yes"}, "comments": comments or {}, **extra}, today=TODAY)


@pytest.fixture
def world(db):
    ann = add_user(db, "bso", username="ann")
    qa, rm = add_user(db, "qa", username="quinn"), add_user(db, "registered_manager", username="rhona")
    home = add_household(db, "M1")
    for i in range(12):
        call(db, ann, home, dt.date(2025, 10, 1 + i))
    quoted = call(db, ann, home, dt.date(2025, 11, 20), comments={"CAR_WELL": {"text": QUOTED, "consent": True}})
    comment = db.execute("select id from comments where response_id = :r", {"r": quoted}).fetchone()[0]
    drafts.save_draft(db, qa, Q3, quotes={"carers": [{"comment_id": comment, "text": QUOTED}]})
    return {"ann": ann, "qa": qa, "rm": rm, "home": home, "quoted": quoted, "comment": comment}


def pdf_text(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def versions_stored(db) -> int:
    return db.execute("select count(*) from report_versions").fetchone()[0]


def last_history(db, entity):
    row = db.execute("select action, username, entity_id, detail from history where entity = :e order by id desc limit 1",
                     {"e": entity}).fetchone()
    return row[0], row[1], row[2], json.loads(row[3] or "{}")


# ---- Drafts ------------------------------------------------------------------------------------------------


def test_the_draft_pdf_says_draft_on_every_page_and_its_download_is_in_history(db, world):
    data = publishing.draft_file(db, world["qa"], Q3, "pdf", today=TODAY)
    pages = pdf_text(data)
    assert len(pages) > 3 and all("DRAFT" in page for page in pages)
    assert all("DRAFT – not for circulation" in page for page in pages)  # the cover, and every header and footer
    assert all(page.count("DRAFT – not for circulation") == 2 for page in pages[1:])
    action, username, entity_id, detail = last_history(db, "report_drafts")
    assert (action, username, entity_id, detail["draft"]) == ("export", "quinn", Q3, "pdf")
    live = report.build(db, world["qa"], Q3, today=TODAY)
    assert detail["fingerprint"] == report.fingerprint(live)


def test_a_published_pdf_carries_no_draft_mark(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    pages = pdf_text(publishing.download(db, world["qa"], Q3, 1, "pdf"))
    assert not any("DRAFT" in page for page in pages)


def test_the_draft_workbook_says_draft_in_its_title_its_readme_and_each_sheets_header_and_footer(db, world):
    book = load_workbook(io.BytesIO(publishing.draft_file(db, world["qa"], Q3, "xlsx", today=TODAY)))
    assert book.properties.title.startswith("DRAFT")
    assert book["README"]["A1"].value == "DRAFT – not for circulation"
    for sheet in book.worksheets:
        assert sheet.oddHeader.right.text.endswith("DRAFT – not for circulation"), sheet.title
        assert sheet.oddFooter.left.text.endswith("DRAFT – not for circulation"), sheet.title
    assert last_history(db, "report_drafts")[3]["draft"] == "xlsx"


def test_only_qa_downloads_the_live_draft(db, world):
    for role in ("registered_manager", "manager", "bso"):
        with pytest.raises(PermissionDenied):
            publishing.draft_file(db, add_user(db, role), Q3, "pdf", today=TODAY)
    with pytest.raises(ValueError, match="pdf or xlsx"):
        publishing.draft_file(db, world["qa"], Q3, "docx", today=TODAY)


# ---- Asking for approval, approving, declining ------------------------------------------------------------


def test_qa_asks_for_approval_and_the_registered_manager_approves_it_with_who_and_when(db, world):
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY,
                                          now=dt.datetime(2026, 2, 15, 9, 0, tzinfo=dt.timezone.utc))
    assert (request["status"], request["asked_by_name"], request["asked_at"]) == (
        "pending", "Quinn", "2026-02-15T09:00:00+00:00")
    assert request["fingerprint"] == report.fingerprint(report.build(db, world["qa"], Q3, today=TODAY))
    assert [r["id"] for r in publishing.pending_approvals(db, world["rm"])] == [request["id"]]
    approved = publishing.approve(db, world["rm"], request["id"],
                                  now=dt.datetime(2026, 2, 16, 10, 30, tzinfo=dt.timezone.utc))
    assert (approved["status"], approved["decided_by_name"], approved["decided_at"]) == (
        "approved", "Rhona", "2026-02-16T10:30:00+00:00")
    assert publishing.pending_approvals(db, world["rm"]) == []
    assert last_history(db, "report_approvals")[:2] == ("update", "rhona")
    state = publishing.approval_state(db, world["qa"], Q3, request["fingerprint"])
    assert state["state"] == "approved"


def test_the_registered_manager_reads_the_report_exactly_as_it_was_asked_about(db, world):
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    call(db, world["ann"], world["home"], dt.date(2025, 12, 1))  # the live report moves on
    asked = publishing.requested_value(db, world["rm"], request["id"])
    assert report.fingerprint(asked) == request["fingerprint"]
    assert report.fingerprint(report.build(db, world["qa"], Q3, today=TODAY)) != request["fingerprint"]
    assert [q.text for s in asked.sections for q in s.quotes] == [QUOTED]
    pages = pdf_text(publishing.requested_file(db, world["rm"], request["id"], "pdf"))
    assert all("DRAFT" in page for page in pages) and any(QUOTED in page for page in pages)
    assert last_history(db, "report_approvals")[:2] == ("export", "rhona")


def test_a_report_value_comes_back_from_its_stored_json_with_the_same_fingerprint(db, world):
    value = report.build(db, world["qa"], Q3, today=TODAY)
    again = publishing.value_from(json.loads(json.dumps(dataclasses.asdict(value))))
    assert again == value and report.fingerprint(again) == report.fingerprint(value)


def test_the_registered_manager_may_not_build_edit_or_publish_the_report(db, world):
    rm = world["rm"]
    with pytest.raises(PermissionDenied):
        report.build(db, rm, Q3, today=TODAY)
    with pytest.raises(PermissionDenied):
        drafts.save_draft(db, rm, Q3, narrative={"headlines": "Mine."})
    with pytest.raises(PermissionDenied):
        publishing.ask_for_approval(db, rm, Q3, today=TODAY)
    with pytest.raises(PermissionDenied):
        publishing.publish(db, rm, Q3, today=TODAY)
    with pytest.raises(PermissionDenied):
        publishing.withdraw(db, rm, Q3, 1, "No.")


def test_qa_may_not_approve_a_report(db, world):
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    with pytest.raises(PermissionDenied):
        publishing.approve(db, add_user(db, "qa"), request["id"])
    assert publishing.approval(db, request["id"])["status"] == "pending"


def test_nobody_approves_or_declines_their_own_request_even_holding_both_roles(db, world):
    both = add_user(db, "qa", "registered_manager", username="bea")
    request = publishing.ask_for_approval(db, both, Q3, today=TODAY)
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        publishing.approve(db, both, request["id"])
    with pytest.raises(PermissionDenied, match="someone else must approve"):
        publishing.decline(db, both, request["id"], "Not mine to judge.")
    assert publishing.approval(db, request["id"])["status"] == "pending"
    assert publishing.approve(db, world["rm"], request["id"])["status"] == "approved"
    assert publishing.publish(db, both, Q3, today=TODAY)["version"] == 1  # she prepared it; Rhona signed it off


def test_a_declined_report_says_who_declined_it_and_why_and_cannot_be_published(db, world):
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    declined = publishing.decline(db, world["rm"], request["id"], "  The complaints commentary needs dates.  ")
    assert (declined["status"], declined["decline_reason"]) == ("declined", "The complaints commentary needs dates.")
    with pytest.raises(ValueError, match="Rhona declined the report on .*: The complaints commentary needs dates"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert publishing.approval_state(db, world["qa"], Q3, request["fingerprint"])["state"] == "declined"
    with pytest.raises(ValueError, match="no longer waiting"):
        publishing.approve(db, world["rm"], request["id"])
    assert versions_stored(db) == 0


@pytest.mark.parametrize("reason", ["", "   \n\t  ", "\u200b\u200b"])
def test_declining_needs_a_reason(db, world, reason):
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    with pytest.raises(ValueError, match="reason for declining is required"):
        publishing.decline(db, world["rm"], request["id"], reason)
    assert publishing.approval(db, request["id"])["status"] == "pending"


def test_asking_again_replaces_the_waiting_request(db, world):
    first = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    drafts.save_draft(db, world["qa"], Q3, narrative={"headlines": "A calm quarter."})
    second = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    assert publishing.approval(db, first["id"])["status"] == "replaced"
    assert [r["id"] for r in publishing.pending_approvals(db, world["rm"])] == [second["id"]]
    with pytest.raises(ValueError, match="no longer waiting"):
        publishing.approve(db, world["rm"], first["id"])


def test_asking_about_a_report_already_approved_as_it_stands_says_to_publish_it(db, world):
    approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    with pytest.raises(ValueError, match="already approved: publish it"):
        publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)


# ---- Publishing only what was approved ---------------------------------------------------------------------


def test_publishing_is_refused_until_the_registered_manager_has_approved_the_report(db, world):
    with pytest.raises(ValueError, match="needs the Registered Manager's approval .*ask for approval first"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    request = publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)
    with pytest.raises(ValueError, match="waiting for the Registered Manager's approval"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert versions_stored(db) == 0
    publishing.approve(db, world["rm"], request["id"])
    assert publishing.publish(db, world["qa"], Q3, today=TODAY)["version"] == 1


def test_publishing_is_refused_when_the_data_changed_after_approval_until_it_is_approved_again(db, world):
    approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    call(db, world["ann"], world["home"], dt.date(2025, 12, 2))  # one more call: the counts change
    with pytest.raises(ValueError, match="changed since approval was asked for .* not the report the Registered "
                                         "Manager approved. Ask for approval again"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert versions_stored(db) == 0
    fingerprint = report.fingerprint(report.build(db, world["qa"], Q3, today=TODAY))
    assert publishing.approval_state(db, world["qa"], Q3, fingerprint)["state"] == "changed"
    approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    assert publishing.publish(db, world["qa"], Q3, today=TODAY)["version"] == 1


def test_publishing_is_refused_when_the_commentary_changed_after_approval(db, world):
    approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    drafts.save_draft(db, world["qa"], Q3, narrative={"carers": "Added after the approval."})
    with pytest.raises(ValueError, match="Ask for approval again"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)


def test_a_save_that_changes_the_report_while_it_is_being_published_is_refused_as_not_what_was_approved(
        db, db_path, world, monkeypatch):
    from lib.report import pdf as report_pdf

    render, saved = report_pdf.render, []

    def render_while_a_bso_saves(value, **kwargs):
        if not saved:
            other = store.connect(db_path)
            saved.append(call(other, world["ann"], world["home"], dt.date(2025, 12, 3)))
            other.close()
        return render(value, **kwargs)

    approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    monkeypatch.setattr(report_pdf, "render", render_while_a_bso_saves)
    with pytest.raises(ValueError, match="Ask for approval again"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert saved and versions_stored(db) == 0


def test_the_version_records_who_approved_it_and_when_and_its_pdf_says_so(db, world):
    request = approve_as_it_stands(db, world["qa"], Q3, approver=world["rm"])
    publishing.publish(db, world["qa"], Q3, today=TODAY)
    row = publishing.versions(db, world["qa"], Q3)[0]
    assert (row["approved_by"], row["approved_at"], row["status"]) == ("Rhona", request["decided_at"], "live")
    cover = pdf_text(publishing.download(db, world["qa"], Q3, 1, "pdf"))[0]
    assert "Approved for publication by Rhona, Registered Manager" in cover
    assert publishing.approval(db, request["id"])["status"] == "published"
    with pytest.raises(ValueError, match="ask for approval first"):  # one approval, one version
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    with pytest.raises(ValueError, match="Version 1 of the 2025/26 Q3 report is the report as it stands and is live"):
        publishing.ask_for_approval(db, world["qa"], Q3, today=TODAY)  # the same report twice is not a new version


def test_a_newer_version_supersedes_the_older_one_by_itself(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    call(db, world["ann"], world["home"], dt.date(2025, 12, 4))
    assert publish_approved(db, world["qa"], Q3, approver=world["rm"])["superseded"] == [1]
    second, first = publishing.versions(db, world["qa"], Q3)
    assert (second["status"], first["status"]) == ("live", "superseded")
    assert (first["status_by"], first["status_reason"]) == ("Quinn", "Superseded by version 2.")
    assert publishing.status_line(first).startswith("Superseded on ") and "by Quinn" in publishing.status_line(first)


# ---- Withdrawing and superseding ---------------------------------------------------------------------------


def test_a_withdrawn_version_is_kept_marked_and_downloads_only_for_qa_for_the_record(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    stored = publishing.download(db, world["rm"], Q3, 1, "pdf")  # live: the Registered Manager may download it
    publishing.withdraw(db, world["qa"], Q3, 1, "Quotes a carer who withdrew consent.",
                        now=dt.datetime(2026, 2, 20, 15, 0, tzinfo=dt.timezone.utc))
    row = publishing.versions(db, world["qa"], Q3)[0]
    assert (row["status"], row["status_by"], row["status_at"], row["status_reason"]) == (
        "withdrawn", "Quinn", "2026-02-20T15:00:00+00:00", "Quotes a carer who withdrew consent.")
    assert publishing.status_line(row) == "Withdrawn on 20 Feb 2026, 15:00 by Quinn: Quotes a carer who withdrew consent."
    with pytest.raises(PermissionDenied, match="only QA can download it, for the record"):
        publishing.download(db, world["rm"], Q3, 1, "pdf")
    with pytest.raises(ValueError, match="was withdrawn on 20 Feb 2026, 15:00.*for the record"):
        publishing.download(db, world["qa"], Q3, 1, "pdf")
    assert publishing.download(db, world["qa"], Q3, 1, "pdf", for_the_record=True) == stored
    action, username, entity_id, detail = last_history(db, "report_versions")
    assert (action, username, entity_id) == ("export", "quinn", f"{Q3} v1")
    assert detail == {"downloaded": "pdf", "for_the_record": True, "status": "withdrawn",
                      "reason": "Quotes a carer who withdrew consent."}
    with pytest.raises(ValueError, match="already withdrawn"):
        publishing.supersede(db, world["qa"], Q3, 1, "Twice.")


def test_after_a_withdrawal_the_same_report_can_be_asked_about_approved_and_published_again(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    fingerprint = publishing.versions(db, world["qa"], Q3)[0]["fingerprint"]
    assert publishing.approval_state(db, world["qa"], Q3, fingerprint)["state"] == "published"
    publishing.withdraw(db, world["qa"], Q3, 1, "Sent to the wrong list.")
    assert publishing.approval_state(db, world["qa"], Q3, fingerprint)["state"] == "none"
    with pytest.raises(ValueError, match="ask for approval first"):
        publishing.publish(db, world["qa"], Q3, today=TODAY)
    assert publish_approved(db, world["qa"], Q3, approver=world["rm"])["version"] == 2
    assert [(v["version"], v["status"]) for v in publishing.versions(db, world["qa"], Q3)] == [
        (2, "live"), (1, "withdrawn")]


def test_a_version_can_be_marked_superseded_with_a_reason(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    publishing.supersede(db, world["qa"], Q3, 1, "Replaced by the annual report.")
    row = publishing.versions(db, world["qa"], Q3)[0]
    assert (row["status"], row["status_reason"]) == ("superseded", "Replaced by the annual report.")
    assert last_history(db, "report_versions")[3] == {"status": ["live", "superseded"],
                                                       "reason": "Replaced by the annual report."}


@pytest.mark.parametrize("reason, problem", [
    ("", "is required"), ("   \n\t  ", "is required"), ("\x00\x07\x1b", "is required"),
    ("x" * 10_000, "must be at most 2,000 characters"),
])
def test_withdrawing_needs_a_reason_of_sensible_length(db, world, reason, problem):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    with pytest.raises(ValueError, match=f"The reason for withdrawing it {problem}"):
        publishing.withdraw(db, world["qa"], Q3, 1, reason)
    assert publishing.versions(db, world["qa"], Q3)[0]["status"] == "live"


@pytest.mark.parametrize("typed, kept", [
    ("Bad\x00 quote\x1b[31m", "Bad quote[31m"),
    ("**Not bold** <script>alert(1)</script> [link](http://x) :red[red]", None),
    ("Two\r\nlines", "Two\nlines"),
])
def test_a_withdrawal_reason_is_kept_as_plain_text_without_control_characters(db, world, typed, kept):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    publishing.withdraw(db, world["qa"], Q3, 1, typed)
    assert publishing.versions(db, world["qa"], Q3)[0]["status_reason"] == (kept or typed)


def test_only_qa_withdraws_and_an_unknown_version_is_refused(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    for role in ("registered_manager", "manager"):
        with pytest.raises(PermissionDenied):
            publishing.withdraw(db, add_user(db, role), Q3, 1, "Because.")
    with pytest.raises(ValueError, match="no version 7"):
        publishing.withdraw(db, world["qa"], Q3, 7, "Because.")


# ---- Alerts ------------------------------------------------------------------------------------------------


def entry(db, world):
    return feedback.get(db, world["qa"], world["quoted"])


def correct(db, world, **changes):
    before = entry(db, world)
    fields = {k: before[k] for k in ("household_id", "contact_on", "method", "outcome", "relationship")}
    feedback.update(db, world["qa"], world["quoted"], {**fields, "answers": before["answers"],
                                                       "comments": before["comments"], **changes}, today=TODAY)


def test_the_version_keeps_the_comments_it_quotes(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    stored = db.execute("select quoted_comment_ids from report_versions").fetchone()[0]
    assert json.loads(stored) == [world["comment"]]
    assert alerts.alerts(db, world["qa"]) == []


def test_withdrawing_consent_for_a_quoted_comment_tells_qa_to_withdraw_or_supersede_the_version(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    correct(db, world, comments={"CAR_WELL": {"text": QUOTED, "consent": False}})
    with store.write(db):  # the correction was made on 2 Mar 2026
        db.execute("update history set at = '2026-03-02T10:00:00+00:00' where id = (select max(id) from history)")
    found = alerts.alerts(db, world["qa"])
    assert [a["message"] for a in found] == [
        "Version 1 of the 2025/26 Q3 report quotes an entry whose consent was withdrawn on 2 Mar 2026 — "
        "withdraw or supersede it."]
    assert (found[0]["comment_id"], found[0]["response_id"]) == (world["comment"], world["quoted"])


def test_flagging_a_quoted_entry_for_safeguarding_tells_qa(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    correct(db, world, safeguarding=True, safeguarding_note="Disclosed at the call.",
            safeguarding_told="Duty social worker")
    [alert] = alerts.alerts(db, world["qa"])
    flagged_on = db.execute("select created_at from follow_ups where kind = 'safeguarding'").fetchone()[0]
    assert alert["problems"] == [("that was flagged for safeguarding", flagged_on)]
    assert alert["message"].startswith("Version 1 of the 2025/26 Q3 report quotes an entry that was flagged for "
                                       "safeguarding on ")


def test_deleting_a_quoted_entry_tells_qa_and_restoring_it_ends_the_alert(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    feedback.soft_delete(db, world["qa"], world["quoted"], "Recorded twice.")
    [alert] = alerts.alerts(db, world["qa"])
    assert alert["message"].startswith("Version 1 of the 2025/26 Q3 report quotes an entry that was deleted on ")
    feedback.restore(db, world["qa"], world["quoted"])
    assert alerts.alerts(db, world["qa"]) == []


def test_a_withdrawn_or_superseded_version_raises_no_alert(db, world):
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    feedback.soft_delete(db, world["qa"], world["quoted"], "Recorded twice.")
    assert len(alerts.alerts(db, world["qa"])) == 1
    publishing.withdraw(db, world["qa"], Q3, 1, "Quotes a deleted entry.")
    assert alerts.alerts(db, world["qa"]) == []


def test_a_quote_left_out_when_the_version_was_published_raises_no_alert_later(db, world):
    correct(db, world, comments={"CAR_WELL": {"text": QUOTED, "consent": False}})  # before publishing
    publish_approved(db, world["qa"], Q3, approver=world["rm"])
    assert json.loads(db.execute("select quoted_comment_ids from report_versions").fetchone()[0]) == []
    assert alerts.alerts(db, world["qa"]) == []


def test_only_qa_sees_the_alerts(db, world):
    for role in ("registered_manager", "manager"):
        with pytest.raises(PermissionDenied):
            alerts.alerts(db, add_user(db, role))


# ---- The migration -----------------------------------------------------------------------------------------


def test_the_migration_marks_older_versions_superseded_and_finds_the_comments_each_quotes(tmp_path):
    import sqlite_utils

    from lib.store import migrations

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.steps.apply(old, stop_before="m017_report_sign_off")
    with store.write(old):
        old.execute("insert into users (id, username, display_name, created_at, updated_at) "
                    "values (1, 'quinn', 'Quinn', 'now', 'now'), (2, 'queenie', 'Queenie', 'now', 'now')")
        old.execute("insert into user_roles (user_id, role) values (1, 'qa')")
        old.execute("insert into report_drafts (period_key, quotes, updated_at) values (:k, :q, 'now')",
                    {"k": Q3, "q": json.dumps({"carers": [{"comment_id": 7, "text": "Kept."},
                                                          {"comment_id": 8, "text": "Added after."}]})})
        for version, at, by, quotes in ((1, "2026-01-05T09:00:00+00:00", 1, []),
                                        (2, "2026-01-09T09:00:00+00:00", 2, ["Kept."])):
            value = {"sections": [{"key": "carers", "quotes": [{"text": t, "source": "x"} for t in quotes]}]}
            old.execute("""insert into report_versions (period_key, version, value, fingerprint, pdf, xlsx, created_at,
                           created_by) values (:k, :v, :value, 'f', x'25', x'50', :at, :by)""",
                        {"k": Q3, "v": version, "value": json.dumps(value), "at": at, "by": by})
    old.close()
    db = store.connect(path)
    rows = {r["version"]: r for r in db.query("select * from report_versions")}
    assert (rows[1]["status"], rows[1]["status_at"], rows[1]["status_by"], rows[1]["status_reason"]) == (
        "superseded", "2026-01-09T09:00:00+00:00", 2, "Superseded by version 2.")
    assert (rows[2]["status"], rows[2]["quoted_comment_ids"], rows[1]["quoted_comment_ids"]) == ("live", "[7]", "[]")
    assert db.execute("select role from user_roles").fetchall() == [("qa",)]
    with store.write(db):
        db.execute("insert into user_roles (user_id, role) values (2, 'registered_manager')")
    db.close()


# ---- The pages (AppTest, on the demo) ----------------------------------------------------------------------


REPORT_PAGE, APPROVAL_PAGE = "app_pages/report/report_builder.py", "app_pages/report/report_approval.py"


def page_period():
    from lib import periods
    from lib.ui import session

    return periods.recent(session.today(), 8)[1].slug  # the report page's default quarter


def button(at, label):
    [found] = [b for b in at.button if b.label == label]
    return found


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def test_qa_sees_the_draft_downloads_and_may_not_publish_until_the_report_is_approved(demo_db, app):
    from tests.fixtures import open_form, user

    at = open_form(app, demo_db, "qa", REPORT_PAGE)
    assert {"Draft PDF", "Draft Excel"} <= {d.label for d in at.get("download_button")}
    assert button(at, "Publish this report").disabled
    assert any("needs the Registered Manager's approval" in i.value for i in at.info)
    button(at, "Ask for approval").click().run()
    assert no_exceptions(at) == []
    assert [s.value for s in at.success][0].startswith("Asked the Registered Manager to approve the")
    assert any(i.value.startswith("Waiting for the Registered Manager") for i in at.info)
    assert button(at, "Publish this report").disabled and not [b for b in at.button if b.label == "Ask for approval"]
    [request] = publishing.pending_approvals(demo_db, user(demo_db, "registered_manager"))
    assert (request["period_key"], request["asked_by"]) == (page_period(), user(demo_db, "qa").id)


def test_the_registered_manager_approves_on_their_page_and_qa_then_publishes_the_approved_report(demo_db, app):
    from tests.fixtures import open_form, user

    qa = user(demo_db, "qa")
    publishing.ask_for_approval(demo_db, qa, page_period(), today=_today())
    home = app(user(demo_db, "registered_manager"))
    assert any("1 feedback report(s) are waiting for your approval" in i.value for i in home.info)
    at = open_form(app, demo_db, "registered_manager", APPROVAL_PAGE)
    assert {"Draft PDF", "Draft Excel"} <= {d.label for d in at.get("download_button")}
    assert [e.label for e in at.expander[:2]] == ["Key findings", "Headline numbers"]  # section by section
    button(at, "Approve this report for publishing").click().run()
    assert no_exceptions(at) == []
    assert [s.value for s in at.success][0].startswith("Approved the ")
    assert any(i.value == "Nothing is waiting for your approval." for i in at.info)
    page = open_form(app, demo_db, "qa", REPORT_PAGE)
    assert any(s.value.startswith("Approved by Marlowe Ashdown") for s in page.success)
    button(page, "Publish this report").click().run()
    assert no_exceptions(page) == []
    assert "Published version 1." in [s.value for s in page.success]
    assert any(t.startswith("Approved by Marlowe Ashdown (demo registered manager) · ") for t in texts(page))
    assert "Live" in texts(page)
    assert any(s.value.startswith("Published as version 1") for s in page.success)


def test_a_reason_for_declining_reaches_qa_as_plain_text(demo_db, app):
    from tests.fixtures import open_form, user

    request = publishing.ask_for_approval(demo_db, user(demo_db, "qa"), page_period(), today=_today())
    at = open_form(app, demo_db, "registered_manager", APPROVAL_PAGE)
    reason = "**Not yet**: <b>check</b> [the dates](http://example.org) :red[now]"
    [box] = [t for t in at.text_area if t.label.startswith("Reason for declining")]
    box.input(reason)
    [submit] = [b for b in at.button if b.label == "Decline"]
    submit.click().run()
    assert no_exceptions(at) == []
    assert publishing.approval(demo_db, request["id"])["decline_reason"] == reason
    page = open_form(app, demo_db, "qa", REPORT_PAGE)
    assert reason in texts(page)  # st.text: shown exactly as typed, never as markup
    assert any("declined the report on" in e.value for e in page.error)
    assert not button(page, "Ask for approval").disabled and button(page, "Publish this report").disabled


def test_someone_with_both_roles_is_not_offered_their_own_request_to_approve(demo_db, app):
    from lib.people import accounts
    from tests.fixtures import open_form, user

    qa = user(demo_db, "qa")
    accounts.update_user(demo_db, qa, qa.id, display_name=qa.display_name, email=None,
                         roles=["qa", "registered_manager"], team_id=None)
    publishing.ask_for_approval(demo_db, user(demo_db, "qa"), page_period(), today=_today())
    at = open_form(app, demo_db, "qa", APPROVAL_PAGE)
    assert any(i.value.startswith("You asked for this approval") for i in at.info)
    assert not [b for b in at.button if b.label in ("Approve this report for publishing", "Decline")]


def test_a_withdrawn_version_shows_its_status_and_reason_and_downloads_only_for_the_record(demo_db, app):
    from tests.fixtures import open_form, publish_approved, user

    qa = user(demo_db, "qa")
    publish_approved(demo_db, qa, page_period(), today=_today())
    at = open_form(app, demo_db, "qa", REPORT_PAGE)
    [box] = [t for t in at.text_area if t.label.startswith("Why (required")]
    box.input("The carer **withdrew** consent <i>today</i>")
    button(at, "Withdraw or supersede version 1").click().run()
    assert no_exceptions(at) == []
    assert "Version 1 is now withdrawn; it is kept for the record." in [s.value for s in at.success]
    status = [t for t in texts(at) if t.startswith("Withdrawn on ")]
    assert len(status) == 1 and status[0].endswith(": The carer **withdrew** consent <i>today</i>")
    assert {d.label for d in at.get("download_button")} >= {"PDF (for the record)", "Excel (for the record)"}
    assert not {"PDF", "Excel"} & {d.label for d in at.get("download_button")}
    assert not button(at, "Ask for approval").disabled  # the same report may be approved and published again
    manager = open_form(app, demo_db, "registered_manager", APPROVAL_PAGE)
    assert any(t.startswith("Withdrawn on ") for t in texts(manager))
    assert not [d for d in manager.get("download_button") if d.label in ("PDF", "Excel")]  # only QA, for the record


def test_home_and_the_report_page_tell_qa_when_a_live_version_quotes_an_entry_whose_consent_was_withdrawn(demo_db, app):
    from lib import periods
    from tests.fixtures import open_form, publish_approved, user

    qa, key = user(demo_db, "qa"), page_period()
    candidate = drafts.quote_candidates(demo_db, qa, key, "carers")[0]
    drafts.save_draft(demo_db, qa, key, quotes={"carers": [{"comment_id": candidate["comment_id"],
                                                            "text": candidate["suggested"]}]})
    publish_approved(demo_db, qa, key, today=_today())
    response_id = demo_db.execute("select response_id from comments where id = :c",
                                  {"c": candidate["comment_id"]}).fetchone()[0]
    with store.write(demo_db):  # consent withdrawn, as a correction of the entry records it (History keeps when)
        demo_db.execute("update comments set consent_to_quote = 0 where id = :c", {"c": candidate["comment_id"]})
    expected = (f"Version 1 of the {periods.period(key).short} report quotes an entry whose consent was withdrawn on "
                f"{dates_day(demo_db, response_id)} — withdraw or supersede it.")
    home = app(qa)
    assert [e.value for e in home.error if "report quotes" in e.value] == [text_md(expected)]
    page = open_form(app, demo_db, "qa", REPORT_PAGE)
    assert [e.value for e in page.error if "report quotes" in e.value] == [text_md(expected)]
    assert not [e for e in app(user(demo_db, "manager")).error if "report quotes" in e.value]


def dates_day(db, response_id):
    from lib import dates

    return dates.day(db.execute("select updated_at from responses where id = :r", {"r": response_id}).fetchone()[0])


def text_md(value):
    from lib import text

    return text.escape_markdown(value)


def _today():
    from lib.ui import session

    return session.today()
