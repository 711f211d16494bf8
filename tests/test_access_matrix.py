"""Every role against every lib write and sensitive read: allowed ones work; the rest raise
PermissionDenied and write nothing. The roles allowed are written out here, independently of lib/access.py."""

import datetime as dt
import itertools

import pytest

from lib import access, store
from lib.access import PermissionDenied
from lib.audits import casefile, findings, moderation, plan, programme, reviews
from lib.audits import targeted as targeted_audits
from lib.capture import compliance, feedback, follow_ups
from lib.kpis import figures, measures, performance, recruitment
from lib.log import actions, representations
from lib.people import accounts, register
from lib.report import build as report
from lib.report import alerts, drafts, publishing
from lib.store import backup, history, retention, settings
from lib.themes import codebook, explorer, review
from tests.conftest import add_user
from tests.fixtures import add_household, carer_entry, placing_entry

TODAY = dt.date(2026, 2, 15)
ROLES = ("bso", "social_worker", "manager", "qa", "senior_manager", "advanced_practitioner", "registered_manager")
_serial = itertools.count(1)


@pytest.fixture
def world(db, db_path):
    codebook.ensure(db)
    bso = add_user(db, "bso", username="writer")
    home = add_household(db)
    flagged = feedback.record(db, bso, "carer", carer_entry(home, safeguarding=True, callback=True), today=TODAY)
    gone = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    feedback.soft_delete(db, bso, gone, "test")
    comment = db.execute("select id from comments where response_id = :r", {"r": flagged}).fetchone()[0]
    follow_up = db.execute("select id from follow_ups where kind = 'callback'").fetchone()[0]
    team = accounts.create_team(db, add_user(db, "qa", username="matrix.qa"), "Matrix Team")
    return {"home": home, "gone": gone, "comment": comment, "follow_up": follow_up, "path": db_path, "team": team}


def n():
    return next(_serial)


CASES = {
    "create a user": ({"qa"}, lambda db, u, w: accounts.create_user(
        db, u, username=f"new{n()}", display_name="New", roles=["bso"], password="long enough pw")),
    "create a team": ({"qa"}, lambda db, u, w: accounts.create_team(db, u, f"Team {n()}")),
    "change settings": ({"qa"}, lambda db, u, w: settings.update(db, u, {"monthly_minimum_carers": 3})),
    "import the register": ({"qa"}, lambda db, u, w: register.import_csv(
        db, u, "reference,name,cohort\nLL1,Household LL1,mainstream\n", today=TODAY)),
    "browse the register": ({"manager", "qa"}, lambda db, u, w: register.households(db, u)),
    "record carer feedback": ({"bso"}, lambda db, u, w: feedback.record(db, u, "carer", carer_entry(w["home"]),
                                                                        today=TODAY)),
    "record a child's views": ({"social_worker"}, lambda db, u, w: feedback.record(db, u, "child", {
        "household_id": w["home"], "child_reference": "C123456", "age_band": "12_plus", "contact_on": TODAY,
        "helped_by": "alone", "answers": {"Y3_01": "always"}}, today=TODAY)),
    "record audit feedback": ({"manager"}, lambda db, u, w: feedback.record(db, u, "audit", {
        "audit_reference": "A1", "contact_on": TODAY, "respondent": "carer", "household_id": w["home"],
        "answers": {"CAR01": "4"}}, today=TODAY)),
    "record direct work": ({"social_worker", "manager"}, lambda db, u, w: feedback.record(db, u, "direct_work", {
        "title": "Memory box", "respondent": "carer", "contact_on": TODAY,
        "comments": {"DW_SUMMARY": {"text": "Went well.", "consent": True}}}, today=TODAY)),
    "record placing authority feedback": ({"manager", "qa"}, lambda db, u, w: feedback.record(
        db, u, "placing_authority", placing_entry(w["home"]), today=TODAY)),
    "see deleted entries": ({"qa"}, lambda db, u, w: feedback.entries(db, u, deleted=True)),
    "restore an entry": ({"qa"}, lambda db, u, w: feedback.restore(db, u, w["gone"])),
    "see compliance": ({"manager", "qa"}, lambda db, u, w: compliance.table(db, u, first=TODAY, last=TODAY,
                                                                            today=TODAY)),
    "see my month": ({"bso"}, lambda db, u, w: compliance.my_month(db, u, today=TODAY)),
    "see follow-ups": ({"manager", "qa"}, lambda db, u, w: follow_ups.open_items(db, u)),
    "close a follow-up": ({"manager", "qa"}, lambda db, u, w: follow_ups.close(db, u, w["follow_up"], "Called.")),
    "change the codebook": ({"qa"}, lambda db, u, w: codebook.save_theme(
        db, u, None, name=f"Theme {n()}", definition="", triggers=[f"word{n()}"], applies_to=["Y"],
        usually="either")),
    "review a code": ({"manager", "qa"}, lambda db, u, w: review.decide(db, u, w["comment"], "T18", "added")),
    "explore themes": ({"manager", "qa"}, lambda db, u, w: explorer.theme_counts(
        db, u, explorer.Filters(TODAY.replace(day=1), TODAY))),
    "build the report": ({"qa"}, lambda db, u, w: report.build(db, u, "2025/26-Q4", today=TODAY)),
    "save report commentary": ({"qa"}, lambda db, u, w: drafts.save_draft(db, u, "2025/26-Q4",
                                                                        narrative={"headlines": "Fine."})),
    "see published reports": ({"qa", "registered_manager"}, lambda db, u, w: publishing.versions(db, u, "2025/26-Q4")),
    "log a complaint": ({"manager", "qa"}, lambda db, u, w: representations.record(db, u, {
        "kind": "complaint", "received_on": TODAY, "from_who": "foster_carer", "summary": "Late."}, today=TODAY)),
    "log a compliment": ({"bso", "manager", "qa"}, lambda db, u, w: representations.record(db, u, {
        "kind": "compliment", "received_on": TODAY, "from_who": "foster_carer", "summary": "Thanks."}, today=TODAY)),
    "read the log": ({"manager", "qa"}, lambda db, u, w: representations.entries(db, u)),
    "record an action": ({"manager", "qa"}, lambda db, u, w: actions.record(db, u, {
        "said": "Late money", "theme_ids": ["T06"], "from_quarter": "2025/26 Q4", "will_do": "Fix it",
        "owner": "Finance team"}, today=TODAY)),
    "download a backup": ({"qa"}, lambda db, u, w: backup.download(db, u, w["path"])),
    "read the audit log": ({"qa"}, lambda db, u, w: history.entries(db, u)),
    "preview retention": ({"qa"}, lambda db, u, w: retention.preview(db, u, today=LATER)),
    "apply retention": ({"qa"}, lambda db, u, w: retention.apply(
        db, u, today=LATER, expected=retention._counts(db, retention.cutoff(db, LATER)))),
    "see the performance dashboard": ({"manager", "qa"}, lambda db, u, w: performance.table(db, u, TODAY)),
    "see the register's figures": ({"manager", "qa"}, lambda db, u, w: recruitment.register_position(db, u, TODAY)),
    "import KPI figures": ({"qa"}, lambda db, u, w: figures.import_csv(
        db, u, "month,team,measure,in time,out of time\n2026-01,Matrix Team,Support visits in time,5,5\n", today=TODAY)),
    "enter KPI figures by hand": ({"qa"}, lambda db, u, w: figures.enter_month(
        db, u, month=TODAY, team_id=w["team"], values={"kit_call": (n(), 1)}, today=TODAY)),
    "change a KPI measure": ({"qa"}, lambda db, u, w: measures.save_measure(db, u, None, name=f"Measure {n()}",
                                                                        green_from=90, amber_from=80)),
    "retire a KPI measure": ({"qa"}, lambda db, u, w: measures.set_status(db, u, "kit_call", "retired")),
    "import recruitment figures": ({"qa"}, lambda db, u, w: recruitment.import_csv(
        db, u, "month,team,measure,number\n2026-01,,Enquiries,5\n", today=TODAY)),
    "see the figures' import history": ({"qa"}, lambda db, u, w: figures.batches(db, u)),
}
LATER = dt.date(2040, 1, 1)  # every entry in the world is past the retention period

# Sign-off: each case runs on a world with a request for approval waiting (asked by QA) and a published version.
SIGN_OFF_CASES = {
    "download the live draft": ({"qa"}, lambda db, u, w: publishing.draft_file(db, u, "2025/26-Q4", "xlsx",
                                                                             today=TODAY)),
    "ask for approval": ({"qa"}, lambda db, u, w: publishing.ask_for_approval(db, u, "2025/26-Q4", today=TODAY)),
    "see requests waiting for approval": ({"registered_manager"}, lambda db, u, w: publishing.pending_approvals(db, u)),
    "download the draft asked about": ({"registered_manager"}, lambda db, u, w: publishing.requested_file(
        db, u, w["request"], "xlsx")),
    "approve a report": ({"registered_manager"}, lambda db, u, w: publishing.approve(db, u, w["request"])),
    "decline a report": ({"registered_manager"}, lambda db, u, w: publishing.decline(db, u, w["request"], "Dates.")),
    "publish an approved report": ({"qa"}, lambda db, u, w: publishing.publish(db, u, "2025/26-Q4", today=TODAY)),
    "download a live version": ({"qa", "registered_manager"}, lambda db, u, w: publishing.download(
        db, u, "2025/26-Q3", 2, "pdf")),
    "download a withdrawn version for the record": ({"qa"}, lambda db, u, w: publishing.download(
        db, u, "2025/26-Q3", 1, "pdf", for_the_record=True)),
    "withdraw a version": ({"qa"}, lambda db, u, w: publishing.withdraw(db, u, "2025/26-Q3", 2, "Lost consent.")),
    "supersede a version": ({"qa"}, lambda db, u, w: publishing.supersede(db, u, "2025/26-Q3", 2, "Corrected.")),
    "see alerts about live versions": ({"qa"}, lambda db, u, w: alerts.alerts(db, u)),
}
CASES.update(SIGN_OFF_CASES)


def sign_off_world(db, w) -> None:
    """A 2025/26 Q4 request for approval from QA, waiting (or, for publishing, approved by a Registered Manager);
    2025/26 Q3 version 1 withdrawn and version 2 live (stored straight, as scene-setting: no PDF is drawn)."""
    qa, manager = add_user(db, "qa", username="asker"), add_user(db, "registered_manager", username="signer")
    w["request"] = publishing.ask_for_approval(db, qa, "2025/26-Q4", today=TODAY)["id"]
    with store.write(db):
        for version, status in ((1, "withdrawn"), (2, "live")):
            db.execute("""insert into report_versions (period_key, version, value, fingerprint, pdf, xlsx, created_at,
                          created_by, status, status_at, status_by, status_reason)
                          values ('2025/26-Q3', :v, '{}', 'f', x'255044462d', x'504b', '2026-01-05T09:00:00+00:00', :u,
                                  :s, :at, :by, :why)""",
                       {"v": version, "u": qa.id, "s": status, "at": "2026-01-06T09:00:00+00:00" if version == 1 else None,
                        "by": qa.id if version == 1 else None, "why": "Lost consent." if version == 1 else None})
    w["approver"] = manager


def _case(db, number: int) -> int:
    """A 2025/26 Q4 case of tests/test_audits.py's matrix_world (1 to do, 2 submitted, 3 moderated, 4 to do)."""
    return db.execute("select id from case_audits where reference = :r", {"r": f"CFA-2025-26-Q4-0{number}"}).fetchone()[0]


def _as_lead(db, user, number: int) -> int:
    """Make the user the case's lead auditor (setting the scene, not the write under test)."""
    audit_id = _case(db, number)
    with store.write(db):
        db.execute("update case_audits set lead_auditor_id = :u where id = :id", {"u": user.id, "id": audit_id})
    return audit_id


def _user_id(db, username: str) -> int:
    return db.execute("select id from users where username = :u", {"u": username}).fetchone()[0]


def _review(db, user):
    audit_id = _case(db, 3)
    action = db.execute("select id from case_audit_actions where audit_id = :a", {"a": audit_id}).fetchone()[0]
    return reviews.record_review(db, user, audit_id, {"reviewed_on": TODAY, "actions": {
        action: {"complete": True, "evidence": "Seen on file."}}}, today=TODAY)


AUDIT_CASES = {
    "draw an audit programme": ({"qa"}, lambda db, u, w: programme.draw(
        db, u, "2026/27-Q1", size=2, seed=1, exclusion_months=0, circulate_on=dt.date(2026, 4, 1), today=TODAY)),
    "circulate an audit programme": ({"qa"}, lambda db, u, w: programme.circulate(
        db, u, programme.programme_for(db, qa_reader(db), "2025/26-Q3")["id"], today=TODAY)),
    "change a case's auditors": ({"qa"}, lambda db, u, w: programme.assign(
        db, u, _case(db, 4), lead_id=_user_id(db, "mary"), peer_id=_user_id(db, "sam"), due_on="2026-02-20",
        today=TODAY)),
    "withdraw a case": ({"qa"}, lambda db, u, w: programme.withdraw(db, u, _case(db, 4), "Moved away.")),
    "see the audit programme": ({"senior_manager", "qa"}, lambda db, u, w: programme.cases(
        db, u, programme.programme_for(db, qa_reader(db), "2025/26-Q4")["id"], today=TODAY)),
    "download the circulation list": ({"senior_manager", "qa"}, lambda db, u, w: programme.export_csv(
        db, u, programme.programme_for(db, qa_reader(db), "2025/26-Q4")["id"], today=TODAY)),
    "see audit follow-ups": ({"senior_manager", "advanced_practitioner", "qa"},
                             lambda db, u, w: reviews.follow_ups(db, u, today=TODAY)),
    "see my audits": ({"manager"}, lambda db, u, w: casefile.my_audits(db, u, today=TODAY)),
    "fill in an audit form": ({"manager"}, lambda db, u, w: casefile.save(
        db, u, _as_lead(db, u, 1), {"grades": {"voice": {"grade": "good", "evidence": "Seen."}}}, today=TODAY)),
    "add an audit action": ({"manager"}, lambda db, u, w: plan.add_action(
        db, u, _as_lead(db, u, 1), {"action": "Visit.", "owner": "Team manager", "due_on": "2026-02-20"},
        today=TODAY)),
    "moderate an audit": ({"senior_manager"}, lambda db, u, w: moderation.moderate(db, u, _case(db, 2), {
        "moderated_on": TODAY, "grades": {d: {"grade": "good"} for d in casefile.GRADED}, "learning": "Good work."},
        today=TODAY)),
    "record an eight-week review": ({"advanced_practitioner", "qa"}, lambda db, u, w: _review(db, u)),
    "record a targeted audit": ({"manager", "senior_manager", "qa"}, lambda db, u, w: targeted_audits.record(db, u, {
        "topic": "Supervision", "reason": "supervision", "scope": "Ten cases.", "findings": "Gaps.",
        "learning": "Reflect more.", "completed_on": TODAY}, today=TODAY)),
    "see audit findings": ({"manager", "senior_manager", "qa"}, lambda db, u, w: findings.findings(
        db, u, dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
}
CASES.update(AUDIT_CASES)


def qa_reader(db):
    return accounts.load(db, _user_id(db, "quinn"))


@pytest.fixture(autouse=True)
def audit_programme(request):
    """The audit world, built only for the audit cases (it costs a tenth of a second)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec and callspec.params.get("case") in AUDIT_CASES:
        from tests.fixtures import matrix_world

        matrix_world(request.getfixturevalue("db"))
    if callspec and callspec.params.get("case") in SIGN_OFF_CASES:
        db, world = request.getfixturevalue("db"), request.getfixturevalue("world")
        sign_off_world(db, world)
        if callspec.params["case"] == "publish an approved report":
            publishing.approve(db, world["approver"], world["request"])

# Who may open each page, written out independently of lib/access.py's PAGES table.
EVERYONE = {"bso", "social_worker", "manager", "qa", "senior_manager", "advanced_practitioner", "registered_manager"}
PAGE_ROLES = {
    "home": EVERYONE, "capture/carer_feedback": {"bso"}, "capture/parent_feedback": {"bso"}, "capture/child_feedback": {"social_worker"},
    "capture/audit_feedback": {"manager"}, "capture/placing_authority_feedback": {"manager", "qa"}, "capture/direct_work": {"social_worker", "manager"}, "capture/my_month": {"bso"},
    "capture/entries": {"bso", "social_worker", "manager", "qa"}, "themes/themes_explorer": {"manager", "qa"}, "log/complaints": {"bso", "manager", "qa"},
    "log/actions": {"manager", "qa"}, "report/report_builder": {"qa"}, "themes/theme_review": {"manager", "qa"},
    "capture/compliance": {"manager", "qa"}, "capture/follow_ups": {"manager", "qa"}, "people/carer_register": {"manager", "qa"},
    "people/users": {"qa"}, "store/service_settings": {"qa"}, "themes/codebook": {"qa"}, "capture/question_bank": {"qa"},
    "store/history": {"qa"}, "people/my_account": EVERYONE, "kpis/kpi_dashboard": {"manager", "qa"}, "kpis/kpi_data": {"qa"},
}
PAGE_ROLES.update({
    "audits/my_audits": {"manager"}, "audits/targeted_audits": {"manager", "senior_manager", "qa"},
    "audits/audit_programme": {"senior_manager", "qa"}, "audits/audit_moderation": {"senior_manager"},
    "audits/audit_reviews": {"advanced_practitioner", "qa"}, "audits/audit_findings": {"manager", "senior_manager", "qa"},
    "report/report_approval": {"registered_manager"},
})


def footprint(db) -> tuple:
    return tuple(db.execute(f"select count(*) from {t}").fetchone()[0] for t in (
        "history", "responses", "users", "teams", "households", "settings", "themes", "representations", "actions",
        "report_drafts", "comment_themes", "kpi_figures", "recruitment_figures", "figure_batches", "kpi_measures",
        "report_approvals", "report_versions")) + tuple(db.execute(
            "select status from report_versions union all select status from report_approvals").fetchall())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_role_may_do_exactly_what_the_matrix_allows(db, world, case, role):
    allowed, call = CASES[case]
    user = add_user(db, role)
    before = footprint(db)
    if role in allowed:
        call(db, user, world)
    else:
        with pytest.raises(PermissionDenied):
            call(db, user, world)
        assert footprint(db) == before


def test_a_deactivated_user_cannot_sign_in_and_a_lock_lifts_after_the_lockout_period(db):
    qa = add_user(db, "qa")
    ann = add_user(db, "bso", username="ann")
    accounts.set_active(db, qa, ann.id, False)
    with pytest.raises(accounts.SignInError, match="deactivated"):
        accounts.sign_in(db, "ann", "correct horse battery")
    accounts.set_active(db, qa, ann.id, True)
    start = dt.datetime(2026, 2, 15, 9, 0, tzinfo=dt.timezone.utc)
    for _ in range(5):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "wrong", now=start)
    with pytest.raises(accounts.SignInError, match="paused here for 5 minutes"):
        accounts.sign_in(db, "ann", "correct horse battery", now=start + dt.timedelta(minutes=10))
    assert accounts.sign_in(db, "ann", "correct horse battery", now=start + dt.timedelta(minutes=16)).id == ann.id


def test_the_page_table_covers_every_page_in_app_pages():
    from tests.conftest import ROOT

    pages = {str(p.relative_to(ROOT / "app_pages"))[:-3] for p in (ROOT / "app_pages").rglob("*.py")}
    assert pages - {"people/sign_in", "people/first_run"} == set(PAGE_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_given_exactly_the_pages_the_matrix_allows(db, role):
    # tests/test_pages.py proves that the pages pages_for() gives a role are the ones it can open and that
    # every other page is not registered; this checks that table against the one written out above.
    user = add_user(db, role)
    given = {page.script.removeprefix("app_pages/").removesuffix(".py") for page in access.pages_for(user)}
    assert given == {page for page, roles in PAGE_ROLES.items() if role in roles}