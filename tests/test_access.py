import pytest

from lib import access
from lib.access import User
from tests.conftest import ROOT

# The expected role x action table, written out independently of lib/access.py.
EXPECTED = {
    "use_app": {"bso", "social_worker", "manager", "qa", "senior_manager", "advanced_practitioner", "registered_manager"},
    "change_own_password": {"bso", "social_worker", "manager", "qa", "senior_manager", "advanced_practitioner",
                            "registered_manager"},
    "record_carer_feedback": {"bso"},
    "record_parent_feedback": {"bso"},
    "record_child_feedback": {"social_worker"},
    "record_audit_feedback": {"manager"},
    "record_direct_work": {"social_worker", "manager"},
    "record_placing_authority_feedback": {"manager", "qa"},
    "view_my_month": {"bso"},
    "view_entries": {"bso", "social_worker", "manager", "qa"},
    "view_all_entries": {"manager", "qa"},
    "edit_any_entry": {"manager", "qa"},
    "view_deleted_entries": {"qa"},
    "view_compliance": {"manager", "qa"},
    "view_follow_ups": {"manager", "qa"},
    "close_follow_up": {"manager", "qa"},
    "view_question_bank": {"qa"},
    "view_themes": {"manager", "qa"},
    "build_report": {"qa"},
    "approve_report": {"registered_manager"},
    "view_published_reports": {"qa", "registered_manager"},
    "withdraw_report": {"qa"},
    "record_representation": {"bso", "manager", "qa"},
    "record_complaint": {"manager", "qa"},
    "view_representations": {"manager", "qa"},
    "edit_representation": {"manager", "qa"},
    "manage_actions": {"manager", "qa"},
    "review_codes": {"manager", "qa"},
    "manage_codebook": {"qa"},
    "view_register": {"manager", "qa"},
    "import_register": {"qa"},
    "manage_users": {"qa"},
    "edit_settings": {"qa"},
    "manage_backups": {"qa"},
    "apply_retention": {"qa"},
    "view_history": {"qa"},
    "view_kpis": {"manager", "qa"},
    "manage_kpis": {"qa"},
    "plan_audits": {"qa"},
    "view_audit_programme": {"senior_manager", "qa"},
    "record_case_audit": {"manager"},
    "moderate_audits": {"senior_manager"},
    "review_audit_actions": {"advanced_practitioner", "qa"},
    "record_targeted_audit": {"manager", "senior_manager", "qa"},
    "view_audit_findings": {"manager", "senior_manager", "qa"},
}


def person(*roles):
    return User(id=1, username="x", display_name="X", roles=frozenset(roles))


@pytest.mark.parametrize("role", sorted(access.ROLES))
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_role_may_take_exactly_the_actions_in_the_table(role, action):
    allowed = role in EXPECTED[action]
    assert access.can(person(role), action) is allowed
    if allowed:
        access.require(person(role), action)
    else:
        with pytest.raises(access.PermissionDenied, match="You do not have permission"):
            access.require(person(role), action)


def test_every_declared_action_is_in_the_expected_table():
    assert set(access.ACTIONS) == set(EXPECTED)


def test_nobody_signed_out_may_do_anything():
    assert not any(access.can(None, action) for action in access.ACTIONS)
    with pytest.raises(access.PermissionDenied):
        access.require(None, "use_app")


def test_a_person_with_several_roles_gets_the_union_of_their_pages_in_table_order():
    both = person("bso", "qa")
    pages = access.pages_for(both)
    assert len(pages) == len({p.script for p in pages})
    union = {p.script for p in access.pages_for(person("bso"))} | {p.script for p in access.pages_for(person("qa"))}
    assert {p.script for p in pages} == union
    everyone = access.pages_for(person(*access.ROLES))
    assert [p.script for p in everyone] == [p.script for p in access.PAGES]


@pytest.mark.parametrize("role", sorted(access.ROLES))
def test_pages_for_a_role_are_those_whose_action_it_holds(role):
    shown = {p.url_path for p in access.pages_for(person(role))}
    assert shown == {p.url_path for p in access.PAGES if role in EXPECTED[p.action]}


def test_every_page_in_the_table_has_a_script_and_a_unique_url():
    for page in access.PAGES:
        assert (ROOT / page.script).is_file(), page.script
    assert len({p.url_path for p in access.PAGES}) == len(access.PAGES)
