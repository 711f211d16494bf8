import pytest

from lib import demo, store
from lib.demo import __main__ as demo_cli
from lib.people import accounts, register
from tests.conftest import add_user


def test_demo_data_is_sized_like_a_county_service_and_marked_as_demo(db):
    counts = demo.load(db, seed=3)
    assert counts["households"] == 245 and counts["teams"] == 5
    assert store.is_demo(db)
    summary = register.summary(db)
    active = summary["mainstream"] + summary["kinship"]
    assert 0.25 < summary["kinship"] / active < 0.45
    bsos = db.execute("select count(*) from user_roles where role = 'bso'").fetchone()[0]
    assert 8 <= bsos <= 10
    references = [r[0] for r in db.execute("select reference from households")]
    assert all(r.startswith("DEMO-") for r in references)


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager", "qa", "senior_manager", "advanced_practitioner",
                                  "registered_manager"])
def test_each_demo_account_signs_in_with_the_password_demo_and_holds_its_role(demo_db, role):
    user = accounts.sign_in(demo_db, role, "demo")
    assert user.roles == {role}


def test_other_demo_staff_cannot_sign_in(demo_db):
    db = demo_db
    other = db.execute("""select username from users where username not in
                          ('bso', 'social_worker', 'manager', 'qa', 'senior_manager', 'advanced_practitioner',
                           'registered_manager')
                          order by id desc""").fetchone()[0]
    with pytest.raises(accounts.SignInError):
        accounts.sign_in(db, other, "demo")


def test_the_same_seed_gives_the_same_data(tmp_path):
    first, second = store.connect(tmp_path / "a.db"), store.connect(tmp_path / "b.db")
    demo.load(first, seed=11)
    demo.load(second, seed=11)
    query = "select reference, display_name, cohort, approval_on from households order by reference"
    assert list(first.query(query)) == list(second.query(query))


def test_demo_data_is_refused_on_a_database_with_real_users(db):
    add_user(db, "qa")
    with pytest.raises(ValueError, match="empty database"):
        demo.load(db)
    assert not store.is_demo(db)
    assert db.execute("select count(*) from households").fetchone()[0] == 0


def test_a_real_first_administrator_marks_the_database_as_not_demo(db):
    accounts.create_first_admin(db, username="lead", display_name="Lead", password="long enough pw")
    assert store.get_meta(db, "demo") == "0" and not store.is_demo(db)


def test_the_command_line_writes_demo_data_and_refuses_a_second_time(tmp_path, capsys):
    path = tmp_path / "cli.db"
    assert demo_cli.main(["--db", str(path), "--seed", "2"]) == 0
    assert "245 households" in capsys.readouterr().out
    assert demo_cli.main(["--db", str(path)]) == 1
    assert "already has users" in capsys.readouterr().err
