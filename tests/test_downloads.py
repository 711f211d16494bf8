"""Every download is made for the rights the person has when they click it, not when the page was drawn: a tab
opened before a deactivation or a change of roles gets no file, and the refusal is kept in History."""

import datetime as dt
import json

import pytest

from lib.access import PermissionDenied
from lib.capture import feedback
from lib.people import accounts
from lib.report import publishing
from lib.store import backup
from lib.ui import widgets
from tests.conftest import add_user
from tests.fixtures import TODAY, add_household, carer_entry, publish_approved


def backup_button(user):
    """What the Settings page's backup button calls, for the person as the page was drawn."""
    return widgets.download_maker(user, "manage_backups", lambda database, person: backup.download(database, person),
                                  file_name="feedback-backup.db", what=None)


def last_history(db):
    row = db.execute("select action, username, entity, detail from history order by id desc limit 1").fetchone()
    return row[0], row[1], row[2], json.loads(row[3] or "{}")


def test_a_qa_officer_deactivated_after_the_settings_page_was_drawn_gets_no_backup(db, qa):
    other = add_user(db, "qa", username="qa2")
    button = backup_button(other)  # drawn while qa2 was active
    accounts.set_active(db, qa, other.id, False)
    with pytest.raises(PermissionDenied, match="no longer active"):
        button()
    action, username, entity, detail = last_history(db)
    assert (action, username, entity) == ("export_refused", "qa2", "manage_backups")
    assert db.execute("select count(*) from history where action = 'export' and entity = 'backup'").fetchone()[0] == 0


def test_a_qa_officer_still_active_gets_the_backup_and_it_is_logged_once(db, qa):
    data = backup_button(qa)()
    assert data.startswith(b"SQLite format 3\x00")
    assert db.execute("select count(*) from history where action = 'export' and entity = 'backup'").fetchone()[0] == 1


def test_a_qa_officer_made_a_bso_after_the_report_page_was_drawn_gets_no_published_report(db, qa):
    bso = add_user(db, "bso", username="ann")
    feedback.record(db, bso, "carer", carer_entry(add_household(db), contact_on=dt.date(2025, 11, 5)), today=TODAY)
    published = publish_approved(db, qa, "2025/26-Q3", today=TODAY)
    other = add_user(db, "qa", username="qa2")
    button = widgets.download_maker(
        other, "build_report", lambda database, person: publishing.download(database, person, "2025/26-Q3",
                                                                            published["version"], "pdf"),
        file_name="report.pdf", what=None)
    assert button().startswith(b"%PDF-")
    accounts.update_user(db, qa, other.id, display_name=other.display_name, email=None, roles=["bso"], team_id=None)
    with pytest.raises(PermissionDenied, match="permission to"):
        button()
    assert last_history(db)[:3] == ("export_refused", "qa2", "build_report")


def test_a_csv_made_from_the_page_is_logged_as_an_export_for_the_person_as_they_now_stand(db, qa):
    data = widgets.download_maker(qa, "view_compliance", lambda _db, _person: b"BSO,Month\r\n",
                                  file_name="compliance.csv", what="compliance")()
    assert data == b"BSO,Month\r\n"
    action, username, entity, detail = last_history(db)
    assert (action, username, entity, detail) == ("export", qa.username, "compliance",
                                                  {"file": "compliance.csv", "bytes": 11})
