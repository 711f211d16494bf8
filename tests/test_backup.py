import multiprocessing
import shutil
import sqlite3

import pytest

from lib import demo, store
from lib.access import PermissionDenied
from lib.store import backup, history
from tests.conftest import add_user


def _keep_writing(path, stop):
    database = store.connect(path)
    n = 0
    while not stop.is_set() and n < 2000:
        with store.write(database):
            history.add(database, action="create", user_id=None, username="writer", entity="test", entity_id=n)
        n += 1
    database.close()


def test_a_backup_taken_while_someone_writes_is_consistent_and_restores(tmp_path, db_path, db):
    demo.load(db, seed=2)
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    writer = context.Process(target=_keep_writing, args=(db_path, stop))
    writer.start()
    try:
        facts = backup.copy(db_path, tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join(60)
    assert facts["responses"] == db.execute("select count(*) from responses").fetchone()[0] > 1000
    restored = tmp_path / "restored.db"
    shutil.copy(facts["file"], restored)
    again = store.connect(restored)
    assert again.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert again.execute("select count(*) from households").fetchone()[0] == 245
    assert again.execute("select count(*) from users where username = 'qa'").fetchone()[0] == 1


def test_the_command_line_backs_up_and_refuses_a_missing_database(tmp_path, db_path, db, capsys):
    add_user(db, "qa")
    assert backup.main(["--db", str(db_path), "--out", str(tmp_path / "b.db")]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert sqlite3.connect(tmp_path / "b.db").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert backup.main(["--db", str(tmp_path / "nope.db"), "--out", str(tmp_path / "c.db")]) == 2
    assert "there is no database" in capsys.readouterr().err


def test_only_qa_downloads_a_backup_and_it_is_audited(db_path, db):
    qa = add_user(db, "qa")
    data = backup.download(db, qa, db_path)
    assert data.startswith(b"SQLite format 3")
    assert db.execute("select count(*) from history where action = 'export' and entity = 'backup'").fetchone()[0] == 1
    with pytest.raises(PermissionDenied):
        backup.download(db, add_user(db, "manager"), db_path)
