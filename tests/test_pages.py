"""The app as each role sees it, driven through Streamlit's AppTest."""

import functools
import re
import time

import pytest

from lib import access, store
from lib.people import accounts
from lib.store import settings
from lib.ui import session
from tests.conftest import add_user, by_label, no_exceptions

ROLES = sorted(access.ROLES)


def demo_user(db, role):
    return accounts.load(db, db.execute("select id from users where username = :r", {"r": role}).fetchone()[0])


def titles(at):
    return [t.value for t in at.title]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_see_renders_without_an_exception(demo_db, app, role):
    at = app(demo_user(demo_db, role))
    assert no_exceptions(at) == []
    for page in access.pages_for(demo_user(demo_db, role)):
        at.switch_page(page.script).run()
        assert no_exceptions(at) == [], page.script
        expected = settings.get(demo_db, "service_name") if page.url_path == "home" else page.title
        assert titles(at)[0].startswith(expected), page.script


@pytest.mark.parametrize("role", ROLES)
def test_pages_a_role_may_not_see_are_not_registered(demo_db, app, role):
    user = demo_user(demo_db, role)
    at = app(user)
    hidden = [p for p in access.PAGES if p not in access.pages_for(user)]
    assert hidden or role == "qa"
    for page in hidden:
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(page.script).run()


def test_signed_out_only_the_sign_in_page_exists(demo_db, app):
    at = app()
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    for page in access.PAGES:
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(page.script).run()


def test_a_demo_database_shows_the_demo_accounts_and_a_banner_on_every_page(demo_db, app):
    at = app()
    assert any("fictional" in w.value for w in at.warning)
    assert "Demo accounts" in [s.value for s in at.subheader]
    at = app(demo_user(demo_db, "qa"))
    for page in access.pages_for(demo_user(demo_db, "qa")):
        at.switch_page(page.script).run()
        assert any("fictional" in w.value for w in at.warning), page.script


def test_a_real_database_never_shows_demo_accounts(db, app):
    accounts.create_first_admin(db, username="lead", display_name="Lead", password="long enough pw")
    at = app()
    assert "Demo accounts" not in [s.value for s in at.subheader]
    assert not any("fictional" in w.value for w in at.warning)


def test_signing_in_with_the_right_password_shows_the_home_page(demo_db, app):
    at = app()
    by_label(at.text_input, "User name").input("manager")
    by_label(at.text_input, "Password").input("demo")
    at.button[0].click().run()
    assert no_exceptions(at) == []
    assert titles(at) == ["Fostering Service"]
    assert "Signed in as" in at.markdown[0].value or any("Signed in as" in m.value for m in at.markdown)


def test_a_wrong_password_shows_an_error_and_stays_on_the_sign_in_page(demo_db, app):
    at = app()
    by_label(at.text_input, "User name").input("manager")
    by_label(at.text_input, "Password").input("not it")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert titles(at) == ["Fostering Service: Feedback Hub"]


def test_the_sign_in_page_says_that_a_reload_signs_you_out(demo_db, app):
    at = app()
    assert any("Reloading the page" in c.value for c in at.caption)


def test_signing_out_returns_to_the_sign_in_page_and_is_audited(demo_db, app):
    at = app(demo_user(demo_db, "bso"))
    at.sidebar.button(key="sign_out").click().run()
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert any("signed out" in i.value for i in at.info)
    assert demo_db.execute("select count(*) from history where action = 'sign_out'").fetchone()[0] == 1


def test_an_idle_session_is_signed_out_after_the_timeout(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.session_state["last_active"] = time.time() - 31 * 60
    at.run()
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert any("without activity" in i.value for i in at.info)
    reason = demo_db.execute("select detail from history where action = 'sign_out'").fetchone()[0]
    assert "idle timeout" in reason


def run_the_idle_timer(at, monkeypatch):
    """Rerun only the idle-timer fragment, as the browser's run_every tick does (AppTest has no call for it)."""
    from streamlit.testing.v1 import local_script_runner

    timer = at._fragment_storage.resolve_target(session.IDLE_TIMER_KEY)
    with monkeypatch.context() as patch:
        patch.setattr(local_script_runner, "RerunData", functools.partial(
            local_script_runner.RerunData, fragment_id_queue=timer, is_auto_rerun=True))
        return at.run()


def test_the_idle_timer_is_not_activity_and_signs_an_idle_session_out_by_itself(demo_db, app, monkeypatch):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/people/carer_register.py").run()
    nearly_idle = time.time() - 29 * 60
    at.session_state["last_active"] = nearly_idle
    run_the_idle_timer(at, monkeypatch)
    assert at.session_state["last_active"] == nearly_idle, "a timer tick counted as activity"
    assert demo_db.execute("select count(*) from history where action = 'sign_out'").fetchone()[0] == 0

    at.session_state["last_active"] = nearly_idle - 2 * 60  # two more minutes pass with no click
    run_the_idle_timer(at, monkeypatch)
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert [i.value for i in at.info] == [
        "You were signed out after 30 minutes without activity. Please sign in again."]
    assert "user_id" not in at.session_state
    reason = demo_db.execute("select detail from history where action = 'sign_out'").fetchone()[0]
    assert "idle timeout" in reason


def test_a_user_deactivated_mid_session_loses_access_on_their_next_click(demo_db, app):
    qa = demo_user(demo_db, "qa")
    manager = demo_user(demo_db, "manager")
    at = app(manager)
    accounts.set_active(demo_db, qa, manager.id, False)
    at.run()
    assert titles(at) == ["Fostering Service: Feedback Hub"]


def test_a_role_taken_away_mid_session_removes_its_pages(demo_db, app):
    qa = demo_user(demo_db, "qa")
    manager = demo_user(demo_db, "manager")
    at = app(manager)
    at.switch_page("app_pages/people/carer_register.py").run()
    assert titles(at) == ["Carer register"]
    accounts.update_user(demo_db, qa, manager.id, display_name="M", email=None, roles=["bso"], team_id=None)
    at.run()
    assert "Carer register" not in titles(at)
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("app_pages/people/carer_register.py").run()


def test_an_empty_database_offers_the_first_run_screen_and_creates_the_first_administrator(db, app):
    at = app()
    assert titles(at) == ["Welcome to the Fostering Feedback Hub"]
    form = at.get("form")[0]
    by_label(form.text_input, "Full name").input("Lee Lead")
    by_label(form.text_input, "User name").input("lee")
    by_label(form.text_input, "Password").input("long enough pw")
    by_label(form.text_input, "Password again").input("long enough pw")
    at.button(key="FormSubmitter:first_admin-Create administrator").click().run()
    assert no_exceptions(at) == []
    assert titles(at) == ["Fostering Service"]
    assert accounts.load(db, 1).roles == {"qa"}


def test_the_first_run_screen_refuses_a_short_password_and_creates_nobody(db, app):
    at = app()
    form = at.get("form")[0]
    by_label(form.text_input, "Full name").input("Lee Lead")
    by_label(form.text_input, "User name").input("lee")
    by_label(form.text_input, "Password").input("short")
    by_label(form.text_input, "Password again").input("short")
    at.button(key="FormSubmitter:first_admin-Create administrator").click().run()
    assert "at least 10 characters" in at.error[0].value
    assert accounts.user_count(db) == 0


def test_the_first_run_screen_loads_demo_data_then_offers_the_demo_accounts(db, app):
    at = app()
    by_label(at.button, "Load fictional demo data").click().run()
    assert no_exceptions(at) == []
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert "Demo accounts" in [s.value for s in at.subheader]
    assert store.is_demo(db)


def test_qa_adds_a_user_who_can_then_sign_in(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/people/users.py").run()
    by_label(at.text_input, "Full name").input("Nia New")
    by_label(at.text_input, "User name").input("nia")
    by_label(at.multiselect, "Roles").set_value(["bso", "social_worker"])
    by_label(at.text_input, "First password").input("long enough pw")
    by_label(at.button, "Add user").click().run()
    assert no_exceptions(at) == []
    assert [s.value for s in at.success] == ["Added Nia New."]
    assert accounts.sign_in(demo_db, "nia", "long enough pw").roles == {"bso", "social_worker"}


def test_adding_a_user_with_a_taken_user_name_shows_the_error_and_keeps_the_form(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/people/users.py").run()
    by_label(at.text_input, "Full name").input("Second BSO")
    by_label(at.text_input, "User name").input("bso")
    by_label(at.multiselect, "Roles").set_value(["bso"])
    by_label(at.text_input, "First password").input("long enough pw")
    by_label(at.button, "Add user").click().run()
    assert "already exists" in at.error[0].value
    assert by_label(at.text_input, "Full name").value == "Second BSO"


def test_qa_changes_a_setting_on_the_settings_page(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/store/service_settings.py").run()
    by_label(at.number_input, "Monthly minimum: carer feedbacks per BSO").set_value(3)
    by_label(at.text_input, "Service name").input("Shire Fostering")
    by_label(at.button, "Save settings").click().run()
    assert [s.value for s in at.success] == ["Saved 2 change(s)."]
    assert settings.get(demo_db, "monthly_minimum_carers") == 3
    assert at.sidebar.caption[0].value == "Shire Fostering"


def test_settings_another_qa_officer_saved_meanwhile_are_not_undone_and_the_typing_stays(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/store/service_settings.py").run()
    other = add_user(demo_db, "qa", username="secondqa")
    settings.update(demo_db, other, {"monthly_minimum_parents": 4})
    by_label(at.text_input, "Service name").input("Shire Fostering")
    by_label(at.button, "Save settings").click().run()
    assert at.error[0].value.startswith(f"{other.display_name} changed this page of settings at ")
    assert by_label(at.text_input, "Service name").value == "Shire Fostering"
    assert settings.get(demo_db, "monthly_minimum_parents") == 4 and settings.get(demo_db, "service_name") != \
        "Shire Fostering"
    by_label(at.button, "Load the saved version (what you typed here is replaced)").click().run()
    assert by_label(at.number_input, "Monthly minimum: birth-parent feedbacks per BSO").value == 4
    by_label(at.text_input, "Service name").input("Shire Fostering")
    by_label(at.button, "Save settings").click().run()
    assert [s.value for s in at.success] == ["Saved 1 change(s)."]
    assert (settings.get(demo_db, "monthly_minimum_parents"), settings.get(demo_db, "service_name")) == (
        4, "Shire Fostering")


def test_the_register_page_filters_by_cohort_and_finds_by_reference(demo_db, app):
    at = app(demo_user(demo_db, "manager"))
    at.switch_page("app_pages/people/carer_register.py").run()
    by_label(at.selectbox, "Cohort").set_value("kinship").run()
    frame = at.dataframe[0].value
    assert set(frame["Cohort"]) == {"kinship"} and len(frame) > 50
    reference = demo_db.execute(
        "select reference from households where status = 'active' and cohort = 'kinship' limit 1").fetchone()[0]
    by_label(at.text_input, "Find by name or reference").input(reference.lower()).run()
    assert list(at.dataframe[0].value["Reference"]) == [reference]
    by_label(at.text_input, "Find by name or reference").input("no such household").run()
    assert len(at.dataframe[0].value) == 0 and "0 households" in [c.value for c in at.caption]
    assert "Import the register" not in [s.value for s in at.subheader]


def test_the_audit_log_shows_sign_ins_to_qa(demo_db, app):
    accounts.sign_in(demo_db, "bso", "demo")
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/store/history.py").run()
    by_label(at.selectbox, "Action").set_value("sign_in").run()
    frame = at.dataframe[0].value
    assert list(frame["Who"]) == ["bso"]


def test_a_user_changes_their_own_password(demo_db, app):
    at = app(demo_user(demo_db, "bso"))
    at.switch_page("app_pages/people/my_account.py").run()
    by_label(at.text_input, "Current password").input("demo")
    by_label(at.text_input, "New password").input("a longer password")
    by_label(at.text_input, "New password again").input("a longer password")
    by_label(at.button, "Change password").click().run()
    assert [s.value for s in at.success] == ["Password changed."]
    assert accounts.sign_in(demo_db, "bso", "a longer password").username == "bso"


OIDC = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                 "cookie_secret": "Zq8r-3LmVw0pT7yXcB1nKd5sHf9gJ2eA4uRiOoE6",
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}


def test_without_auth_settings_only_local_sign_in_is_offered(demo_db, app):
    at = app()
    assert not [b for b in at.button if "organisation" in b.label]


def test_with_auth_settings_the_sign_in_page_offers_organisation_sign_in(demo_db, app):
    at = app(secrets=OIDC)
    assert [b.label for b in at.button if "organisation" in b.label] == ["Sign in with your organisation account"]
    assert no_exceptions(at) == []


def test_an_organisation_sign_in_takes_the_roles_of_the_local_user_with_that_email(demo_db, app):
    email = demo_db.execute("select email from users where username = 'manager'").fetchone()[0]
    at = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": email.upper(),
                                                          "email_verified": True})
    assert titles(at) == ["Fostering Service"]
    at.switch_page("app_pages/people/carer_register.py").run()
    assert titles(at) == ["Carer register"]
    how = demo_db.execute("select detail from history where action = 'sign_in'").fetchone()[0]
    assert "organisation account" in how


def test_an_organisation_sign_in_with_no_matching_local_user_gets_no_access(demo_db, app):
    at = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": "stranger@example.com",
                                                          "email_verified": True})
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert any("no active account here for stranger@example.com" in i.value for i in at.info)
    assert [b.label for b in at.button if "organisation" in b.label] == ["Sign out of the organisation account"]


HOSTILE = "![x](http://example.com/a.png) :red[boom] $x^2$ <b>bold</b>"
MARKDOWN_ELEMENTS = ("markdown", "title", "header", "subheader", "caption", "success", "error", "info", "warning",
                     "toast")


UNESCAPED = re.compile(r"(?<!\\)(!\[x|:red\[|\$x|<b>)")


def rendered_markdown(at) -> list[str]:
    return [element.value for kind in MARKDOWN_ELEMENTS for element in at.get(kind)]


def test_user_text_in_names_and_settings_never_renders_as_markup(demo_db, app):
    qa = demo_user(demo_db, "qa")
    settings.update(demo_db, qa, {"service_name": HOSTILE})
    accounts.update_user(demo_db, qa, qa.id, display_name=HOSTILE, email=None, roles=["qa"], team_id=None)
    accounts.create_team(demo_db, qa, HOSTILE)
    at = app(accounts.load(demo_db, qa.id))
    for page in access.pages_for(qa):
        at.switch_page(page.script).run()
        assert no_exceptions(at) == []
        shown = rendered_markdown(at)
        assert not [value for value in shown if UNESCAPED.search(value)], page.script
        assert HOSTILE in [t.value for t in at.sidebar.text]  # the name itself is still shown, as typed
    at = app()
    assert not [value for value in rendered_markdown(at) if UNESCAPED.search(value)]
    assert any("!\\[x\\]" in title for title in titles(at))


def test_an_error_that_quotes_user_input_shows_it_literally(demo_db, app):
    at = app(demo_user(demo_db, "qa"))
    at.switch_page("app_pages/people/users.py").run()
    by_label(at.text_input, "Full name").input("Someone")
    by_label(at.text_input, "User name").input("someone")
    by_label(at.text_input, "Work e-mail (optional)").input("![x](http://example.com/a.png)")
    by_label(at.multiselect, "Roles").set_value(["bso"])
    by_label(at.text_input, "First password").input("long enough pw")
    by_label(at.button, "Add user").click().run()
    assert at.error[0].value == "'!\\[x\\](http\\://example.com/a.png)' is not an e-mail address."


def test_an_idle_organisation_session_is_signed_out_of_the_provider_too(demo_db, app):
    email = demo_db.execute("select email from users where username = 'manager'").fetchone()[0]
    at = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": email, "email_verified": True})
    assert titles(at) == ["Fostering Service"]
    at.session_state["last_active"] = time.time() - 31 * 60
    at.run()
    assert at.user.get("is_logged_in") is False
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    at.run()
    assert titles(at) == ["Fostering Service: Feedback Hub"]


@pytest.mark.parametrize("secret", ["a long random string", "short", "ab" * 20])
def test_organisation_sign_in_refuses_to_start_with_the_example_or_a_weak_cookie_secret(demo_db, app, secret):
    at = app(secrets={"auth": {**OIDC["auth"], "cookie_secret": secret}})
    assert not [b for b in at.button if "organisation" in b.label]
    assert any(w.value.startswith("Organisation sign-in is off: the cookie") for w in at.warning)
    assert no_exceptions(at) == []


def test_an_organisation_account_whose_email_is_not_verified_gets_no_access_unless_the_service_says_so(demo_db, app):
    email = demo_db.execute("select email from users where username = 'manager'").fetchone()[0]
    at = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": email, "email_verified": False})
    assert titles(at) == ["Fostering Service: Feedback Hub"]
    assert any("not verified by the provider" in i.value for i in at.info)
    assert at.user.get("is_logged_in") is False
    relaxed = {**OIDC, "feedback_hub": {"require_email_verified": False}}
    at = app(secrets=relaxed, oidc_user={"is_logged_in": True, "email": email})
    assert titles(at) == ["Fostering Service"]


def test_a_new_tab_long_after_the_organisation_sign_in_asks_to_sign_in_again(demo_db, app):
    email = demo_db.execute("select email from users where username = 'manager'").fetchone()[0]
    recent = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": email, "email_verified": True,
                                          "iat": int(time.time()) - 60})
    assert titles(recent) == ["Fostering Service"]
    stale = app(secrets=OIDC, oidc_user={"is_logged_in": True, "email": email, "email_verified": True,
                                         "iat": int(time.time()) - 31 * 60})
    assert titles(stale) == ["Fostering Service: Feedback Hub"]
    assert any("Please sign in again" in i.value for i in stale.info)
    assert stale.user.get("is_logged_in") is False
