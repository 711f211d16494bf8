"""Storage faults get a plain sentence, never a crash: a damaged file, a database from a newer version, a full
disk, a read-only file; deleted text is overwritten in the file (secure delete)."""

import sqlite3

import pytest

from lib import store
from lib.capture import feedback
from lib.store import migrations
from tests.conftest import add_user
from tests.fixtures import TODAY, add_household, carer_entry


def from_the_future(path) -> None:
    """Mark a database as changed by a newer version: a migration this code does not know."""
    raw = sqlite3.connect(path)
    raw.execute("insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
                [migrations.steps.name, "m099_from_the_future", "2027-01-01T00:00:00"])
    raw.commit()
    raw.close()


def test_a_file_that_is_not_a_database_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "feedback.db"
    path.write_bytes(b"this is not an SQLite file " * 400)
    with pytest.raises(store.StorageProblem, match=r"is damaged or is not a Feedback Hub database\. Stop the app, "
                                                    r"keep the file, and restore the latest backup"):
        store.connect(path)


def test_a_damaged_page_is_found_by_the_check_at_start_up(tmp_path):
    path = tmp_path / "feedback.db"
    db = store.connect(path)
    db.execute("create table filler (body text)")
    db.conn.executemany("insert into filler values (?)", [("x" * 500,)] * 400)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    start = len(data) - 4096 * 10 + 8  # a page of the filler table, the last one created
    data[start:start + 3990] = b"\xff" * 3990
    path.write_bytes(bytes(data))
    store._CHECKED.discard(str(path.resolve()))
    with pytest.raises(store.StorageProblem, match="damaged"):
        store.connect(path)


def test_a_database_from_a_newer_version_is_not_opened_and_is_left_as_it_was(tmp_path):
    path = tmp_path / "feedback.db"
    store.connect(path).close()
    from_the_future(path)
    before = path.read_bytes()
    with pytest.raises(store.StorageProblem, match=r"newer version of the Feedback Hub \(it has m099_from_the_future"):
        store.connect(path)
    assert path.read_bytes() == before


def test_a_full_disk_and_a_read_only_file_are_said_plainly_and_nothing_is_half_saved(db):
    bso = add_user(db, "bso")
    home = add_household(db)
    count = db.execute("select count(*) from responses").fetchone()[0]
    db.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError) as read_only:
        feedback.record(db, bso, "carer", carer_entry(home), today=TODAY)
    assert store.storage_message(read_only.value).startswith("The database can only be read at the moment")
    db.execute("PRAGMA query_only = 0")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError) as full:
        feedback.record(db, bso, "carer", carer_entry(home, comments={"CAR_WELL": {"text": "x" * 60_000}}),
                        today=TODAY)
    assert store.storage_message(full.value).startswith("The server's disk is full, so nothing could be saved.")
    assert db.execute("select count(*) from responses").fetchone()[0] == count


def test_deleted_text_does_not_stay_in_the_file(tmp_path):
    path = tmp_path / "feedback.db"
    db = store.connect(path)
    db.execute("create table notes (body text)")
    db.execute("insert into notes values ('Shhh a secret phrase 4417')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"a secret phrase 4417" in path.read_bytes()
    db.execute("delete from notes")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert b"a secret phrase 4417" not in path.read_bytes()


def test_the_app_opened_on_a_database_from_a_newer_version_says_so_instead_of_crashing(db_path, app):
    from tests.conftest import no_exceptions

    store.connect(db_path).close()
    from_the_future(db_path)
    at = app()
    assert no_exceptions(at) == []
    assert "was last changed by a newer version of the Feedback Hub" in at.error[0].value
    assert not any(b.label == "Sign in" for b in at.button)
