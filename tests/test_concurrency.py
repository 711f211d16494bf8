"""Many writers at once, and a writer killed mid-run: nothing lost, nothing duplicated, the file intact."""

import datetime as dt
import multiprocessing
import os
import signal
import time

from lib import store
from lib.capture import feedback, questions
from lib.people import accounts
from lib.store import migrations
from tests.conftest import add_user
from tests.fixtures import add_household, carer_entry

TODAY = dt.date(2026, 2, 15)
PER_PROCESS = 100  # sixteen writers contend as hard at 100 each as at 250; the run takes 40% of the time


def _record_many(path, worker, count):
    """One BSO's process: opens the file (the first to arrive migrates it), adds itself and a household, records."""
    database = store.connect(path)
    with store.write(database):
        user_id = accounts._insert_user(database, username=f"bso{worker}", display_name=f"Bso {worker}",
                                        roles=["bso"], password_hash="x", team_id=None)
    home = add_household(database, reference=f"LL{worker}")
    user = accounts.load(database, user_id)
    for i in range(count):
        feedback.record(database, user, "carer", carer_entry(home), today=TODAY, submission_key=f"w{worker}-{i}")
    database.close()


def test_sixteen_processes_on_a_new_file_recording_100_entries_each_save_exactly_1600(tmp_path):
    path = tmp_path / "new.db"  # not created yet: the sixteen race to migrate it and load the question bank
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_many, args=(path, n, PER_PROCESS)) for n in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(300)
    assert [w.exitcode for w in workers] == [0] * 16
    db = store.connect(path)
    assert db.execute("select count(*) from _sqlite_migrations").fetchone()[0] == len(migrations.steps._migrations)
    assert db.execute("select count(*) from question_banks").fetchone()[0] == 1
    assert db.execute("select count(*) from responses").fetchone()[0] == 16 * PER_PROCESS
    assert db.execute("select count(distinct submission_key) from responses").fetchone()[0] == 16 * PER_PROCESS
    assert db.execute("select count(*) from history where entity = 'responses' and action = 'create'"
                      ).fetchone()[0] == 16 * PER_PROCESS
    assert db.execute("select count(*) from answers").fetchone()[0] == 16 * PER_PROCESS * 3
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def _record_and_acknowledge(path, user_id, household_id, ack_file):
    database = store.connect(path)
    user = accounts.load(database, user_id)
    with open(ack_file, "a", buffering=1) as acks:
        for i in range(100_000):
            response_id = feedback.record(database, user, "carer", carer_entry(household_id), today=TODAY,
                                          submission_key=f"kill-{i}")
            acks.write(f"{response_id}\n")  # written only after the commit returned


def test_a_writer_killed_mid_run_leaves_an_intact_file_with_every_acknowledged_entry(db_path, db, tmp_path):
    bso = add_user(db, "bso")
    home = add_household(db)
    questions.current(db)
    ack_file = tmp_path / "acks.txt"
    context = multiprocessing.get_context("spawn")
    writer = context.Process(target=_record_and_acknowledge, args=(db_path, bso.id, home, ack_file))
    writer.start()
    deadline = time.monotonic() + 60
    while (not ack_file.exists() or ack_file.stat().st_size < 2000) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(30)
    assert writer.exitcode == -signal.SIGKILL
    acknowledged = [int(line) for line in ack_file.read_text().splitlines() if line.strip().isdigit()]
    assert len(acknowledged) > 100
    database = store.connect(db_path)
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    saved = {r[0] for r in database.execute("select id from responses")}
    assert set(acknowledged) <= saved
    # every saved response is whole: its answers and its audit row committed with it
    assert database.execute("""select count(*) from responses r where
                               (select count(*) from answers a where a.response_id = r.id) != 3""").fetchone()[0] == 0
    assert database.execute("select count(*) from history where entity = 'responses'").fetchone()[0] == len(saved)
