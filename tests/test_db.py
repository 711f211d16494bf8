import sqlite3

import pytest

from lib import store
from lib.store import history, migrations, records


def test_a_new_file_gets_every_migration_and_the_pragmas(tmp_path):
    database = store.connect(tmp_path / "new" / "f.db")
    tables = set(database.table_names())
    assert {"users", "user_roles", "teams", "households", "settings", "history", "meta"} <= tables
    applied = [r["name"] for r in database.query("select name from _sqlite_migrations")]
    assert applied == [m.name for m in migrations.steps._migrations]
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_reopening_a_migrated_file_applies_nothing_again_and_keeps_its_data(tmp_path):
    path = tmp_path / "f.db"
    first = store.connect(path)
    first.execute("insert into teams (name, created_at) values ('North', '2025-01-01')")
    first.close()
    again = store.connect(path)
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == len(migrations.steps._migrations)
    assert [r["name"] for r in again.query("select name from teams")] == ["North"]


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute(
            """insert into households (reference, display_name, cohort, team_id, created_at, updated_at)
               values ('R1', 'X', 'mainstream', 999, 'now', 'now')"""
        )


def test_a_cohort_outside_mainstream_and_kinship_is_refused_by_the_schema(db):
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(
            """insert into households (reference, display_name, cohort, created_at, updated_at)
               values ('R1', 'X', 'other', 'now', 'now')"""
        )


def test_the_default_file_can_be_moved_with_an_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_DB", str(tmp_path / "elsewhere.db"))
    assert store.default_path() == tmp_path / "elsewhere.db"
    monkeypatch.delenv("FEEDBACK_DB")
    assert store.default_path() == store.ROOT / "data" / "feedback.db"


def test_a_failed_write_rolls_back_every_statement_including_its_audit_row(db):
    with pytest.raises(RuntimeError):
        with store.write(db):
            db.execute("insert into teams (name, created_at) values ('North', 'now')")
            history.add(db, action="create", user_id=None, entity="teams", entity_id=1)
            raise RuntimeError("boom")
    assert db.execute("select count(*) from teams").fetchone()[0] == 0
    assert db.execute("select count(*) from history").fetchone()[0] == 0


def test_a_nested_write_joins_the_outer_transaction(db):
    with pytest.raises(RuntimeError):
        with store.write(db):
            with store.write(db):
                db.execute("insert into teams (name, created_at) values ('North', 'now')")
            raise RuntimeError("outer fails")
    assert db.execute("select count(*) from teams").fetchone()[0] == 0


def test_an_audit_row_records_who_what_and_the_changed_fields(db):
    with store.write(db):
        history.add(db, action="update", user_id=None, username="ann", entity="settings", entity_id=3,
                    detail=records.changes({"a": 1, "b": 2}, {"a": 1, "b": 5}))
    row = next(db.query("select * from history"))
    assert (row["username"], row["action"], row["entity"], row["entity_id"]) == ("ann", "update", "settings", "3")
    assert row["detail"] == '{"b": [2, 5]}'
    assert row["at"].endswith("+00:00")


def test_migration_sql_runs_inside_the_open_transaction_so_a_failure_leaves_nothing_behind(db):
    with pytest.raises(RuntimeError):
        with store.write(db):
            migrations._script(db, "create table half (a text);\n-- a comment; with a semicolon\ninsert into half values ('x;y');")
            assert db.conn.in_transaction
            raise RuntimeError("the next statement failed")
    assert "half" not in db.table_names()
