"""Every role against every lib write and sensitive read: allowed ones work; the rest raise
PermissionDenied and write nothing. The roles allowed are written out here, independently of lib/access.py."""

import datetime as dt
import itertools

import pytest

from lib import (accounts, actions, audit_trail, backup, compliance, feedback, follow_ups, publishing, register,
                 report, representations, retention, settings, themes)
from lib.access import PermissionDenied
from tests.conftest import add_user
from tests.test_feedback import add_household, carer_entry

TODAY = dt.date(2026, 2, 15)
ROLES = ("bso", "social_worker", "manager", "qa")
_serial = itertools.count(1)


@pytest.fixture
def world(db, db_path):
    themes.ensure(db)
    bso = add_user(db, "bso", username="writer")
    home = add_household(db)
    flagged = feedback.record(db, bso, "carer", carer_entry(home, safeguarding=True, callback=True), today=TODAY)
    gone = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    feedback.soft_delete(db, bso, gone, "test")
    comment = db.execute("select id from comments where response_id = :r", {"r": flagged}).fetchone()[0]
    follow_up = db.execute("select id from follow_ups where kind = 'callback'").fetchone()[0]
    return {"home": home, "gone": gone, "comment": comment, "follow_up": follow_up, "path": db_path}


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
    "see deleted entries": ({"qa"}, lambda db, u, w: feedback.entries(db, u, deleted=True)),
    "restore an entry": ({"qa"}, lambda db, u, w: feedback.restore(db, u, w["gone"])),
    "see compliance": ({"manager", "qa"}, lambda db, u, w: compliance.table(db, u, first=TODAY, last=TODAY,
                                                                            today=TODAY)),
    "see my month": ({"bso"}, lambda db, u, w: compliance.my_month(db, u, today=TODAY)),
    "see follow-ups": ({"manager", "qa"}, lambda db, u, w: follow_ups.open_items(db, u)),
    "close a follow-up": ({"manager", "qa"}, lambda db, u, w: follow_ups.close(db, u, w["follow_up"], "Called.")),
    "change the codebook": ({"qa"}, lambda db, u, w: themes.save_theme(
        db, u, None, name=f"Theme {n()}", definition="", triggers=[f"word{n()}"], applies_to=["Y"],
        usually="either")),
    "review a code": ({"manager", "qa"}, lambda db, u, w: themes.decide(db, u, w["comment"], "T18", "added")),
    "explore themes": ({"manager", "qa"}, lambda db, u, w: themes.theme_counts(
        db, u, themes.Filters(TODAY.replace(day=1), TODAY))),
    "build the report": ({"qa"}, lambda db, u, w: report.build(db, u, "2025/26-Q4", today=TODAY)),
    "save report commentary": ({"qa"}, lambda db, u, w: report.save_draft(db, u, "2025/26-Q4",
                                                                        narrative={"headlines": "Fine."})),
    "see published reports": ({"qa"}, lambda db, u, w: publishing.versions(db, u, "2025/26-Q4")),
    "log a complaint": ({"manager", "qa"}, lambda db, u, w: representations.record(db, u, {
        "kind": "complaint", "received_on": TODAY, "from_who": "foster_carer", "summary": "Late."}, today=TODAY)),
    "log a compliment": ({"bso", "manager", "qa"}, lambda db, u, w: representations.record(db, u, {
        "kind": "compliment", "received_on": TODAY, "from_who": "foster_carer", "summary": "Thanks."}, today=TODAY)),
    "read the log": ({"manager", "qa"}, lambda db, u, w: representations.entries(db, u)),
    "record an action": ({"manager", "qa"}, lambda db, u, w: actions.record(db, u, {
        "said": "Late money", "theme_ids": ["T06"], "from_quarter": "2025/26 Q4", "will_do": "Fix it",
        "owner": "Finance team"}, today=TODAY)),
    "download a backup": ({"qa"}, lambda db, u, w: backup.download(db, u, w["path"])),
    "read the audit log": ({"qa"}, lambda db, u, w: audit_trail.entries(db, u)),
    "preview retention": ({"qa"}, lambda db, u, w: retention.preview(db, u, today=LATER)),
    "apply retention": ({"qa"}, lambda db, u, w: retention.apply(
        db, u, today=LATER, expected=retention._counts(db, retention.cutoff(db, LATER)))),
}
LATER = dt.date(2040, 1, 1)  # every entry in the world is past the retention period

# Who may open each page, written out independently of lib/access.py's PAGES table.
EVERYONE = {"bso", "social_worker", "manager", "qa"}
PAGE_ROLES = {
    "home": EVERYONE, "carer_feedback": {"bso"}, "parent_feedback": {"bso"}, "child_feedback": {"social_worker"},
    "audit_feedback": {"manager"}, "direct_work": {"social_worker", "manager"}, "my_month": {"bso"},
    "entries": EVERYONE, "themes_explorer": {"manager", "qa"}, "complaints": {"bso", "manager", "qa"},
    "actions": {"manager", "qa"}, "report_builder": {"qa"}, "theme_review": {"manager", "qa"},
    "compliance": {"manager", "qa"}, "follow_ups": {"manager", "qa"}, "carer_register": {"manager", "qa"},
    "users": {"qa"}, "service_settings": {"qa"}, "codebook": {"qa"}, "question_bank": {"qa"},
    "audit_log": {"qa"}, "my_account": EVERYONE,
}


def footprint(db) -> tuple:
    return tuple(db.execute(f"select count(*) from {t}").fetchone()[0] for t in (
        "audit_log", "responses", "users", "teams", "households", "settings", "themes", "representations", "actions",
        "report_drafts", "comment_themes"))


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
    with pytest.raises(accounts.SignInError, match="locked"):
        accounts.sign_in(db, "ann", "correct horse battery", now=start + dt.timedelta(minutes=10))
    assert accounts.sign_in(db, "ann", "correct horse battery", now=start + dt.timedelta(minutes=16)).id == ann.id


def test_the_page_table_covers_every_page_in_app_pages():
    from tests.conftest import ROOT

    assert {p.stem for p in (ROOT / "app_pages").glob("*.py")} - {"sign_in", "first_run"} == set(PAGE_ROLES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGE_ROLES))
def test_each_role_may_open_exactly_the_pages_the_matrix_allows(demo_db, app, page, role):
    from tests.test_capture_pages import user

    at = app(user(demo_db, role))
    if role in PAGE_ROLES[page]:
        at.switch_page(f"app_pages/{page}.py").run()
        assert [e.value for e in at.exception] == []
        assert not any("do not have access" in e.value for e in at.error)
        assert at.title, f"{page} showed no title for {role}"
    else:
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(f"app_pages/{page}.py").run()
