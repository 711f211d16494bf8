import datetime as dt

import pytest

from lib import store
from lib.access import PermissionDenied
from lib.people import accounts
from lib.store import settings
from tests.conftest import PASSWORD, ROOT, add_user

NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.timezone.utc)


def audit_actions(db):
    return [(r["action"], r["username"]) for r in db.query("select action, username from history order by id")]


def test_passwords_are_stored_as_argon2id_hashes_never_as_text(db):
    add_user(db, "bso", username="ann")
    stored = db.execute("select password_hash from users where username = 'ann'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_signs_in_and_is_audited(db):
    add_user(db, "bso", "manager", username="ann")
    user = accounts.sign_in(db, "  Ann ", PASSWORD, now=NOW)
    assert user.username == "ann" and user.roles == {"bso", "manager"}
    assert audit_actions(db) == [("sign_in", "ann")]
    assert db.execute("select last_sign_in_at from users").fetchone()[0] == NOW.isoformat()


@pytest.mark.parametrize("username, password", [("ann", "wrong password"), ("nobody", PASSWORD), ("ann", ""),
                                                ("", ""), ("ann", "x" * 10_000)])
def test_a_failed_sign_in_says_the_same_thing_whatever_was_wrong_and_is_audited(db, username, password):
    add_user(db, "bso", username="ann")
    with pytest.raises(accounts.SignInError, match="^Wrong user name or password.$"):
        accounts.sign_in(db, username, password, now=NOW)
    assert audit_actions(db)[-1][0] == "sign_in_failed"


PAUSED = "^Wrong user name or password, or too many tries: sign-in is paused here for {} minutes?\\."


def test_five_failures_pause_that_name_on_that_device_for_fifteen_minutes_even_against_the_right_password(db):
    add_user(db, "bso", username="ann")
    for attempt in range(4):
        with pytest.raises(accounts.SignInError, match="^Wrong user name or password.$"):
            accounts.sign_in(db, "ann", "nope", device="10.0.0.9", now=NOW)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(15)):
        accounts.sign_in(db, "ann", "nope", device="10.0.0.9", now=NOW)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(1)):
        accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW + dt.timedelta(minutes=14, seconds=30))
    user = accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW + dt.timedelta(minutes=15, seconds=1))
    assert user.username == "ann"
    assert db.execute("select count(*) from sign_in_throttle where blocked_until > :t",
                      {"t": (NOW + dt.timedelta(minutes=16)).isoformat()}).fetchone()[0] == 0


def test_a_strangers_guesses_do_not_lock_the_person_out_at_their_own_desk(db):
    add_user(db, "qa", username="ann")
    for _ in range(12):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "guessing", device="203.0.113.7", now=NOW)
    assert accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW).username == "ann"


def test_an_unknown_name_is_refused_in_exactly_the_words_of_a_real_one_and_is_never_stored(db):
    add_user(db, "bso", username="ann")
    said = {}
    for name in ("ann", "my secret passphrase"):
        messages = []
        for _ in range(6):
            with pytest.raises(accounts.SignInError) as refused:
                accounts.sign_in(db, name, "nope", device="10.0.0.9", now=NOW)
            messages.append(str(refused.value))
        said[name] = messages
    assert said["ann"] == said["my secret passphrase"]
    stored = " ".join(str(v) for row in db.execute("select * from history") for v in row)
    stored += " ".join(str(v) for row in db.execute("select * from sign_in_throttle") for v in row)
    assert "my secret passphrase" not in stored


def test_a_device_trying_many_names_is_paused_and_pauses_grow_when_guessing_goes_on(db):
    add_user(db, "bso", username="ann")
    for number in range(20):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, f"name{number}", "nope", device="203.0.113.7", now=NOW)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(15)):
        accounts.sign_in(db, "ann", PASSWORD, device="203.0.113.7", now=NOW)
    assert accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW).username == "ann"
    later = NOW + dt.timedelta(minutes=16)
    for _ in range(5):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "bob", "nope", device="198.51.100.2", now=later)
    again = later + dt.timedelta(minutes=16)
    for _ in range(4):
        with pytest.raises(accounts.SignInError, match="^Wrong user name or password.$"):
            accounts.sign_in(db, "bob", "nope", device="198.51.100.2", now=again)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(30)):  # the second pause is twice as long
        accounts.sign_in(db, "bob", "nope", device="198.51.100.2", now=again)


def test_many_devices_guessing_one_name_slow_down_but_the_person_waits_a_minute_at_most(db):
    add_user(db, "bso", username="ann")
    for number in range(40):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "nope", device=f"203.0.113.{number}", now=NOW)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(1)):
        accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW)
    assert accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW + dt.timedelta(minutes=1)).id


def test_a_success_resets_the_failure_count(db):
    add_user(db, "bso", username="ann")
    for _ in range(4):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "nope", now=NOW)
    accounts.sign_in(db, "ann", PASSWORD, now=NOW)
    with pytest.raises(accounts.SignInError, match="^Wrong"):
        accounts.sign_in(db, "ann", "nope", now=NOW)


def test_the_lockout_follows_the_settings(db, qa):
    settings.update(db, qa, {"lockout_attempts": 3, "lockout_minutes": 60})
    add_user(db, "bso", username="ann")
    for _ in range(2):
        with pytest.raises(accounts.SignInError, match="^Wrong user name or password.$"):
            accounts.sign_in(db, "ann", "nope", now=NOW)
    with pytest.raises(accounts.SignInError, match=PAUSED.format(60)):
        accounts.sign_in(db, "ann", "nope", now=NOW)


def test_a_deactivated_user_cannot_sign_in_and_keeps_their_record(db, qa):
    ann = add_user(db, "bso", username="ann")
    accounts.set_active(db, qa, ann.id, False)
    with pytest.raises(accounts.SignInError, match="deactivated"):
        accounts.sign_in(db, "ann", PASSWORD, now=NOW)
    assert accounts.load(db, ann.id) is None
    assert db.execute("select count(*) from users where username = 'ann'").fetchone()[0] == 1
    accounts.set_active(db, qa, ann.id, True)
    assert accounts.sign_in(db, "ann", PASSWORD, now=NOW).id == ann.id


def test_qa_reset_of_a_password_unlocks_the_account(db, qa):
    ann = add_user(db, "bso", username="ann")
    for _ in range(5):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "nope", now=NOW)
    accounts.reset_password(db, qa, ann.id, "a brand new secret")
    assert accounts.sign_in(db, "ann", "a brand new secret", now=NOW).id == ann.id


def test_the_first_administrator_can_be_created_only_once(db):
    admin = accounts.create_first_admin(db, username="Lead.QA", display_name="Lee Lead", password="long enough pw")
    assert admin.roles == {"qa"} and admin.username == "lead.qa"
    with pytest.raises(ValueError, match="already has users"):
        accounts.create_first_admin(db, username="other", display_name="Other", password="long enough pw")
    assert accounts.user_count(db) == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"password": "short"}, "at least 10 characters"),
        ({"password": " " * 12}, "only spaces"),
        ({"username": "a"}, "User name must be"),
        ({"username": "has space"}, "User name must be"),
        ({"username": "<script>"}, "User name must be"),
        ({"display_name": "  "}, "Full name is required"),
        ({"display_name": "x" * 81}, "at most 80"),
        ({"email": "not-an-email"}, "is not an e-mail"),
        ({"roles": []}, "at least one role"),
        ({"roles": ["admin"]}, "Unknown role"),
        ({"team_id": 999}, "team does not exist"),
    ],
)
def test_a_bad_new_user_is_refused_with_a_message_naming_the_problem(db, qa, fields, message):
    good = {"username": "ann", "display_name": "Ann", "roles": ["bso"], "password": "long enough pw"}
    with pytest.raises(ValueError, match=message):
        accounts.create_user(db, qa, **{**good, **fields})
    assert db.execute("select count(*) from users where username != 'qa.lead'").fetchone()[0] == 0


def test_a_duplicate_user_name_or_email_is_refused(db, qa):
    accounts.create_user(db, qa, username="ann", display_name="Ann", roles=["bso"], password="long enough pw",
                         email="ann@example.org")
    with pytest.raises(ValueError, match="already exists"):
        accounts.create_user(db, qa, username="ANN", display_name="Ann 2", roles=["bso"], password="long enough pw")
    with pytest.raises(ValueError, match="already exists"):
        accounts.create_user(db, qa, username="ann2", display_name="Ann 2", roles=["bso"], password="long enough pw",
                             email="ANN@example.org")


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_manage_users(db, role):
    actor = add_user(db, role)
    with pytest.raises(PermissionDenied):
        accounts.create_user(db, actor, username="eve", display_name="Eve", roles=["qa"], password="long enough pw")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(db, actor, actor.id, "long enough pw")
    with pytest.raises(PermissionDenied):
        accounts.create_team(db, actor, "Rogue team")
    assert db.execute("select count(*) from users where username = 'eve'").fetchone()[0] == 0


def test_changing_roles_is_audited_with_old_and_new_values(db, qa):
    ann = add_user(db, "bso", username="ann")
    team = accounts.create_team(db, qa, "North")
    diff = accounts.update_user(db, qa, ann.id, display_name="Ann B", email=None, roles=["bso", "manager"], team_id=team)
    assert diff["roles"] == [["bso"], ["bso", "manager"]]
    assert accounts.load(db, ann.id).roles == {"bso", "manager"}
    row = db.execute("select detail from history where action = 'update' and entity = 'users'").fetchone()
    assert '"roles": [["bso"], ["bso", "manager"]]' in row[0]


def test_the_last_active_qa_user_cannot_lose_the_qa_role(db, qa):
    other = add_user(db, "qa")
    accounts.update_user(db, qa, other.id, display_name="Other", email=None, roles=["manager"], team_id=None)
    with pytest.raises(ValueError, match="last active QA"):
        accounts.update_user(db, qa, qa.id, display_name="Q", email=None, roles=["manager"], team_id=None)
    assert accounts.load(db, qa.id).roles == {"qa"}


def test_you_cannot_deactivate_yourself(db, qa):
    add_user(db, "qa")
    with pytest.raises(ValueError, match="your own account"):
        accounts.set_active(db, qa, qa.id, False)


def test_changing_your_own_password_needs_the_current_one(db):
    ann = add_user(db, "bso", username="ann")
    with pytest.raises(ValueError, match="current password is wrong"):
        accounts.change_own_password(db, ann, "nope", "a new long password")
    accounts.change_own_password(db, ann, PASSWORD, "a new long password")
    assert accounts.sign_in(db, "ann", "a new long password", now=NOW).id == ann.id


def test_an_organisation_email_maps_to_the_active_local_user_with_that_email(db, qa):
    user_id = accounts.create_user(db, qa, username="ann", display_name="Ann", roles=["manager"],
                                   password="long enough pw", email="Ann.B@Council.gov.uk")
    assert accounts.for_email(db, "ann.b@council.gov.uk").id == user_id
    assert accounts.for_email(db, "someone@else.org") is None
    accounts.set_active(db, qa, user_id, False)
    assert accounts.for_email(db, "ann.b@council.gov.uk") is None


def test_teams_are_unique_by_name_and_renaming_is_audited(db, qa):
    north = accounts.create_team(db, qa, "North")
    with pytest.raises(ValueError, match="already a team"):
        accounts.create_team(db, qa, "north")
    assert accounts.update_team(db, qa, north, name="North East", active=True) == {"name": ["North", "North East"]}


def test_changing_a_users_email_to_another_users_is_refused_with_a_message(db, qa):
    accounts.create_user(db, qa, username="ann", display_name="Ann", roles=["bso"], password="long enough pw",
                         email="ann@example.org")
    bob = accounts.create_user(db, qa, username="bob", display_name="Bob", roles=["bso"], password="long enough pw",
                               email="bob@example.org")
    with pytest.raises(ValueError, match="Another user already has that e-mail"):
        accounts.update_user(db, qa, bob, display_name="Bob", email="ANN@example.org", roles=["bso"], team_id=None)
    assert accounts.update_user(db, qa, bob, display_name="Bob B", email="bob@example.org", roles=["bso"],
                                team_id=None) == {"display_name": ["Bob", "Bob B"]}


def test_a_wrong_current_password_is_audited_and_counts_towards_the_lockout(db):
    ann = add_user(db, "bso", username="ann")
    with pytest.raises(ValueError):
        accounts.change_own_password(db, ann, "guess", "a new long password")
    assert db.execute("select max(failures) from sign_in_throttle").fetchone()[0] == 1
    assert audit_actions(db) == [("sign_in_failed", "ann")]


def _guess(path, attempts):
    from argon2 import PasswordHasher


    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    database = store.connect(path)
    for _ in range(attempts):
        try:
            accounts.sign_in(database, "ann", "wrong guess")
        except accounts.SignInError:
            pass
    database.close()


def test_parallel_guessing_is_stopped_after_five_wrong_passwords(db_path, db):
    import multiprocessing

    add_user(db, "bso", username="ann")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_guess, args=(db_path, 6)) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    reasons = [r[0] for r in db.execute(
        "select json_extract(detail, '$.reason') from history where action = 'sign_in_failed'")]
    assert len(reasons) == 36
    assert reasons.count("wrong password") == 5 and reasons.count("paused after too many tries") == 31
    assert accounts.users(db)[0]["locked"] is True


def test_the_slow_password_check_runs_before_the_database_write_lock_so_others_saves_do_not_queue(db, monkeypatch):
    add_user(db, "bso", username="ann")
    held = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda stored, given: held.append(db.conn.in_transaction)
                        or real(stored, given))
    assert accounts.sign_in(db, "ann", PASSWORD).username == "ann"
    assert held == [False]


def test_the_server_administrator_unlocks_an_account_and_resets_a_password_from_the_command_line(
        db_path, db, monkeypatch, capsys):
    import io
    import subprocess
    import sys

    from lib.people.__main__ import main

    add_user(db, "qa", username="ann")
    for _ in range(5):
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "nope")
    assert accounts.users(db)[0]["locked"]
    assert main(["--db", str(db_path), "unlock", "Ann"]) == 0
    assert "Unlocked ann" in capsys.readouterr().out
    assert not accounts.users(db)[0]["locked"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("password123\n"))
    assert main(["--db", str(db_path), "reset", "ann", "--stdin"]) == 2
    assert "most common" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a fresh start for ann?\n"))
    assert main(["--db", str(db_path), "reset", "ann", "--stdin"]) == 2  # contains the user name
    monkeypatch.setattr(sys, "stdin", io.StringIO("tangerine lighthouse gravel\n"))
    assert main(["--db", str(db_path), "reset", "ann", "--stdin"]) == 0
    assert accounts.sign_in(db, "ann", "tangerine lighthouse gravel").username == "ann"
    assert main(["--db", str(db_path), "unlock", "nobody"]) == 2
    assert [r[0] for r in db.execute("select username from history where username = 'lib.accounts'")] == \
        ["lib.accounts", "lib.accounts"]
    shown = subprocess.run([sys.executable, "-m", "lib.accounts", "--help"], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)
    assert shown.returncode == 0 and "unlock" in shown.stdout and "reset" in shown.stdout


@pytest.mark.parametrize("password", ["password12", "1234567890", "letmein123", "qwertyuiop!", "aaaaaaaaaaaa",
                                      "Password2024"])
def test_common_passwords_and_their_usual_variations_are_refused(db, qa, password):
    with pytest.raises(ValueError, match="one of the most common ones"):
        accounts.create_user(db, qa, username="newbso", display_name="New BSO", roles=["bso"], password=password)


def test_a_password_with_the_user_name_in_it_is_refused_and_a_passphrase_is_taken(db, qa):
    with pytest.raises(ValueError, match="must not contain the user name"):
        accounts.create_user(db, qa, username="jsmith", display_name="J Smith", roles=["bso"],
                             password="jsmith-rules-the-office")
    assert accounts.create_user(db, qa, username="jsmith", display_name="J Smith", roles=["bso"],
                                password="velvet otter harbour")


def test_strangers_on_many_addresses_pacing_their_guesses_cannot_keep_the_person_out_at_a_device_they_use(db):
    add_user(db, "bso", username="ann")
    accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=NOW)  # her desk, known for her name from now on
    moment = NOW
    for number in range(40):  # five tries each from eight addresses, paced to dodge the pauses
        moment += dt.timedelta(seconds=61)
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(db, "ann", "guessing", device=f"203.0.113.{number // 5}", now=moment)
    with pytest.raises(accounts.SignInError, match="paused here"):  # a device she never used is still slowed
        accounts.sign_in(db, "ann", PASSWORD, device="198.51.100.77", now=moment)
    assert accounts.sign_in(db, "ann", PASSWORD, device="10.0.0.9", now=moment).username == "ann"


def test_guesses_spread_thinner_than_the_pause_time_do_not_add_up_to_an_all_devices_pause(db):
    add_user(db, "bso", username="ann")
    moment = NOW
    for number in range(30):
        moment += dt.timedelta(minutes=16)
        with pytest.raises(accounts.SignInError, match="^Wrong user name or password.$"):
            accounts.sign_in(db, "ann", "guessing", device=f"203.0.113.{number}", now=moment)
    assert accounts.sign_in(db, "ann", PASSWORD, device="198.51.100.77", now=moment).username == "ann"
