"""Shared fixtures: a fresh database per test, cheap password hashing, users of each role, AppTest."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from lib import demo, store
from lib.people import accounts

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
_names = itertools.count(1)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2 with tiny costs, so each sign-in in a test takes a millisecond, not 150."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def own_main_module(monkeypatch):
    """The test process's own __main__ for every test. AppTest installs the app's script as __main__ and leaves it
    there, and a process started with "spawn" re-runs __main__'s file first: a child would run the whole app."""
    monkeypatch.setitem(sys.modules, "__main__", _MAIN)


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "feedback.db"
    monkeypatch.setenv(store.ENV_VAR, str(path))
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A demo database built once per test run; tests get their own copy of it."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    database = store.connect(path)

    demo.load(database, seed=5)
    database.close()
    return path


@pytest.fixture
def demo_db(db_path, demo_template):
    """A fresh copy of the demo database at db_path (where the app under AppTest looks)."""
    import sqlite3

    source, target = sqlite3.connect(demo_template), sqlite3.connect(db_path)
    source.backup(target)
    source.close(), target.close()
    database = store.connect(db_path)
    yield database
    database.close()


@pytest.fixture
def db(db_path):
    database = store.connect(db_path)
    yield database
    database.close()


def add_user(db, *roles: str, username: str | None = None, password: str = PASSWORD, team_id=None):
    """Insert an active user with the given roles straight into the store; returns the User."""
    username = username or f"user{next(_names)}"
    with store.write(db):
        user_id = accounts._insert_user(
            db, username=username, display_name=username.title(), roles=list(roles) or ["bso"],
            password_hash=accounts.hash_password(password), team_id=team_id,
        )
    return accounts.load(db, user_id)


@pytest.fixture
def qa(db):
    return add_user(db, "qa", username="qa.lead")


@pytest.fixture
def app(db_path):
    """An AppTest factory: app(user) runs the app signed in as that user (or signed out with None)."""
    from streamlit.testing.v1 import AppTest

    def make(user=None, *, secrets=None, oidc_user=None):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
        if secrets:
            at.secrets = secrets
        if oidc_user:
            at.user = oidc_user
        if user is not None:
            import time

            at.session_state["user_id"] = user.id
            at.session_state["last_active"] = time.time()
        return at.run()

    return make


def no_exceptions(at) -> list:
    """The exceptions a run showed, as text, for a readable assertion."""
    return [e.value for e in at.exception]


def by_label(elements, label: str):
    """The one widget in an AppTest element list with this label (AppTest looks widgets up by key only)."""
    found = [e for e in elements if e.label == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}: {[e.label for e in elements]}"
    return found[0]
