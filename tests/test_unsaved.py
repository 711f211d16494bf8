"""Nothing typed is lost: server-side drafts (store/unsaved.py) and the forms that keep and restore them."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time

import openpyxl
import pytest

from lib import periods, store, text
from lib.capture import feedback
from lib.report import build, xlsx
from lib.store import history, retention, settings, unsaved
from lib.ui import session
from tests.conftest import ROOT, no_exceptions
from tests.fixtures import household, open_form, user

FIELDS = {"household": 5, "CAR_BETTER": "Ring back on Fridays", "contact_on": dt.date(2026, 11, 30),
          "told": ["email", "newsletter"], "callback": True, "count": 3}


def keep(db, person, draft_id=None, form="carer", **changes):
    draft_id = draft_id or unsaved.new_id()
    unsaved.keep(db, person, draft_id=draft_id, form=form, page="carer_feedback",
                 label=changes.pop("label", "carer feedback for Birch Treacle (DEMO-10005)"),
                 fields=changes.pop("fields", FIELDS), **changes)
    return draft_id


def age(db, draft_id, days):
    old = store.stamp(store.utcnow() - dt.timedelta(days=days))
    with store.write(db):
        db.execute("update unsaved set updated_at = :at where id = :id", {"at": old, "id": draft_id})


# ---- lib: the drafts themselves ------------------------------------------------------------------------------


def test_a_draft_comes_back_with_its_dates_lists_and_label_and_a_second_keep_updates_it(demo_db):
    bso = user(demo_db, "bso")
    draft_id = keep(demo_db, bso, safeguarding=True)
    [row] = unsaved.mine(demo_db, bso)
    assert row["fields"] == FIELDS and row["safeguarding"] and row["label"].startswith("carer feedback for Birch")
    keep(demo_db, bso, draft_id, fields={**FIELDS, "CAR_BETTER": "Ring back on Mondays"})
    assert [r["fields"]["CAR_BETTER"] for r in unsaved.mine(demo_db, bso)] == ["Ring back on Mondays"]
    assert unsaved.mine(demo_db, bso, "complaints") == [] and unsaved.get(demo_db, bso, draft_id)["id"] == draft_id


def test_one_persons_draft_is_invisible_to_another_who_can_neither_overwrite_nor_discard_it(demo_db):
    bso, manager = user(demo_db, "bso"), user(demo_db, "manager")
    draft_id = keep(demo_db, bso)
    assert unsaved.mine(demo_db, manager) == [] and unsaved.get(demo_db, manager, draft_id) is None
    with pytest.raises(PermissionError, match="someone else's"):
        keep(demo_db, manager, draft_id, fields={"CAR_BETTER": "overwritten"})
    assert unsaved.discard(demo_db, manager, draft_id) is False
    assert unsaved.mine(demo_db, bso)[0]["fields"] == FIELDS


def test_discarding_a_draft_keeps_who_and_which_form_in_history_but_never_what_it_held(demo_db):
    bso, qa = user(demo_db, "bso"), user(demo_db, "qa")
    draft_id = keep(demo_db, bso)
    assert unsaved.discard(demo_db, bso, draft_id) is True and unsaved.mine(demo_db, bso) == []
    [row] = history.entries(demo_db, qa, action="discard_draft")
    assert row["username"] == "bso" and json.loads(row["detail"]) == {"form": "carer", "safeguarding_ticked": False}
    assert "Ring back" not in json.dumps(row) and "Birch" not in json.dumps(row)
    assert unsaved.discard(demo_db, bso, draft_id) is False  # already gone: another tab saved or discarded it


def test_keeping_a_draft_as_someone_types_leaves_the_datas_version_and_the_caches_alone(demo_db):
    before = store.data_version(demo_db)
    draft_id = keep(demo_db, user(demo_db, "bso"))
    keep(demo_db, user(demo_db, "bso"), draft_id, fields={"CAR_BETTER": "more"})
    assert store.data_version(demo_db) == before


@pytest.mark.parametrize("change, problem", [
    ({"draft_id": "../../etc"}, "not a draft's id"),
    ({"form": "carer; drop table unsaved"}, "not a form's name"),
    ({"fields": {"bad name!": 1}}, "letters, digits and underscores"),
    ({"fields": {"file": object()}}, "cannot hold a object"),
    ({"fields": {"when": dt.datetime(2026, 1, 1, 12)}}, "dates, not times"),
    ({"fields": {"essay": "x" * (unsaved.MAX_BYTES + 1)}}, "too much to keep"),
    ({"fields": "not a dict"}, "letters, digits and underscores"),
    ({"label": " \u200b "}, "Draft label is required"),
])
def test_a_hostile_or_broken_draft_is_refused_with_a_clear_error_and_nothing_kept(demo_db, change, problem):
    bso = user(demo_db, "bso")
    with pytest.raises(ValueError, match=re.escape(problem)):
        keep(demo_db, bso, **change)
    assert unsaved.mine(demo_db, bso) == []


def test_what_a_form_holds_differs_from_how_it_opened_only_when_someone_put_something_there():
    opened = {"contact_on": dt.date(2026, 12, 3), "outcome": "completed", "CAR01": None}
    assert not unsaved.differs(opened, opened)
    assert not unsaved.differs({**opened, "CAR02": None, "CAR_WELL": "", "told": []}, opened)  # new, empty fields
    assert unsaved.differs({**opened, "CAR01": "4"}, opened)
    assert unsaved.differs({**opened, "CAR_WELL": "a word"}, opened)
    assert unsaved.differs({**opened, "outcome": None}, opened)  # emptying a field is a change too


def test_drafts_older_than_the_kept_days_expire_and_retention_counts_and_removes_them(demo_db):
    bso, qa = user(demo_db, "bso"), user(demo_db, "qa")
    old, recent = keep(demo_db, bso), keep(demo_db, bso)
    age(demo_db, old, settings.get(demo_db, "unsaved_days") + 1)
    assert [r["id"] for r in unsaved.mine(demo_db, bso)] == [recent]  # an expired draft is never offered
    with store.write(demo_db):  # something for retention to do besides: a deleted entry from long ago
        demo_db.execute("update responses set contact_on = '2001-05-01', deleted_at = '2001-05-02T00:00:00+00:00', "
                        "delete_reason = 'typed twice' where id = (select min(id) from responses)")
    shown = retention.preview(demo_db, qa, today=session.today())
    assert shown["drafts_removed"] == 1
    age(demo_db, keep(demo_db, bso), 40)  # one more expires between the preview and the confirmation
    done = retention.apply(demo_db, qa, today=session.today(), expected=shown)
    assert done["drafts_removed"] == 2  # reported, not a reason to refuse
    assert json.loads(history.entries(demo_db, qa, action="retention")[0]["detail"])["drafts_removed"] == 2
    assert [r[0] for r in demo_db.execute("select id from unsaved")] == [recent]
    age(demo_db, recent, 30)
    assert unsaved.expire(demo_db) == 1 and demo_db.execute("select count(*) from unsaved").fetchone()[0] == 0
    assert unsaved.expire(demo_db) == 0


def test_no_report_workbook_or_history_view_carries_a_draft(demo_db):
    """Statically: no SQL outside store/unsaved.py touches the table but the backup's, which deletes the
    drafts from its copy (the rest of the app asks unsaved.py for one person's own drafts). Then in fact: a
    draft's words are in none of QA's views or files, nor in a backup's bytes."""
    readers = [p.relative_to(ROOT).as_posix() for p in (ROOT / "lib").rglob("*.py")
               if re.search(r"\b(from|into|update|join)\s+unsaved\b", p.read_text(), re.I)]
    assert sorted(readers) == ["lib/store/backup.py", "lib/store/unsaved.py"]  # the backup deletes them
    bso, qa = user(demo_db, "bso"), user(demo_db, "qa")
    marker = "Zebra-Quokka-7731"
    keep(demo_db, bso, fields={"CAR_BETTER": f"{marker} said something", "safeguarding_note": marker},
         label=f"carer feedback {marker}", safeguarding=True)
    report = build.build(demo_db, qa, periods.recent(session.today(), 1)[0].slug, today=session.today())
    assert marker not in repr(report)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.render(report)))
    assert not any(marker in str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    assert marker not in json.dumps(history.entries(demo_db, qa, limit=5000))
    assert marker not in json.dumps(history.reads(demo_db, qa, limit=5000))
    from lib.store import backup

    copy = backup.download(demo_db, qa)
    assert marker.encode() not in copy and marker.encode("utf-16-le") not in copy


# ---- The forms, through AppTest -------------------------------------------------------------------------------


def drafts_of(db, username):
    return [dict(r) for r in db.query("select d.form, d.label, d.fields, d.safeguarding from unsaved d join users u "
                                       "on u.id = d.user_id where u.username = :u", {"u": username})]


def start_a_call(at, db, base="carer_0"):
    """Type a whole carer call into the form: every kind of field, none of it saved."""
    home = household(db)
    at.selectbox(key=f"{base}_household").set_value(home).run()
    at.date_input(key=f"{base}_contact_on").set_value(session.today() - dt.timedelta(days=2)).run()
    at.radio(key=f"{base}_method").set_value("visit").run()
    at.radio(key=f"{base}_CAR01").set_value("4").run()
    at.radio(key=f"{base}_CAR18").set_value("no").run()
    at.text_area(key=f"{base}_CAR_BETTER").input("Ring back on Fridays, please.").run()
    at.checkbox(key=f"{base}_CAR_BETTER_consent").check().run()
    at.checkbox(key=f"{base}_callback").check().run()
    at.text_input(key=f"{base}_callback_note").input("About the allowance").run()
    return home


def assert_the_call_is_back(at, home, base="carer_1"):
    assert at.selectbox(key=f"{base}_household").value == home
    assert at.date_input(key=f"{base}_contact_on").value == session.today() - dt.timedelta(days=2)
    assert (at.radio(key=f"{base}_method").value, at.radio(key=f"{base}_CAR01").value,
            at.radio(key=f"{base}_CAR18").value) == ("visit", "4", "no")
    assert at.text_area(key=f"{base}_CAR_BETTER").value == "Ring back on Fridays, please."
    assert at.checkbox(key=f"{base}_CAR_BETTER_consent").value and at.checkbox(key=f"{base}_callback").value
    assert at.text_input(key=f"{base}_callback_note").value == "About the allowance"


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert no_exceptions(at) == []


def restore(at):
    press(at, "Restore")


def call_left_and_back(app, db, away="app_pages/capture/my_month.py"):
    """A BSO types a whole call, goes to another page and comes back to the carer form (the offer)."""
    at = open_form(app, db, "bso", "app_pages/capture/carer_feedback.py")
    home = start_a_call(at, db)
    at.switch_page(away).run()
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    return at, home


def discard_it(at):
    press(at, "Discard")
    press(at, "Yes, discard it")


def test_a_bso_types_a_call_goes_to_my_month_comes_back_restores_every_field_and_saves_it(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    home = start_a_call(at, demo_db)
    at.switch_page("app_pages/capture/my_month.py").run()
    name, reference = demo_db.execute("select display_name, reference from households where id = :h",
                                      {"h": home}).fetchone()
    assert any(link.label == text.escape_markdown(f"carer feedback for {name} ({reference})") + f" · "
               f"{dates_time(demo_db)}" for link in at.sidebar.get("page_link"))
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    assert [i.value for i in at.info][0] == text.escape_markdown(
        f"Restore your unsaved carer feedback for {name} ({reference}) from {dates_time(demo_db)}?")
    assert not [s for s in at.selectbox if s.key == "carer_0_household"]  # the form waits for the choice
    restore(at)
    assert at.success[0].value.startswith(text.escape_markdown(f"Restored your unsaved carer feedback for {name}"))
    assert_the_call_is_back(at, home)
    at.button(key="save_carer_1").click().run()
    assert at.success[0].value == text.escape_markdown(
        f"Saved carer feedback for {name} ({reference}) as entry "
        f"#{demo_db.execute('select max(id) from responses').fetchone()[0]}; call-back opened. "
        "The form is ready for the next one.")
    saved = feedback.get(demo_db, user(demo_db, "qa"), demo_db.execute("select max(id) from responses").fetchone()[0])
    assert (saved["method"], saved["answers"]["CAR01"], saved["comments"]["CAR_BETTER"]["text"]) == \
        ("visit", "4", "Ring back on Fridays, please.")
    assert drafts_of(demo_db, "bso") == []  # deleted with the save


def dates_time(db):
    from lib import dates
    return dates.time(db.execute("select updated_at from unsaved order by updated_at desc limit 1").fetchone()[0])


def test_the_idle_timeout_signs_out_a_typist_keeps_the_call_and_restores_it_after_signing_in(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    home = start_a_call(at, demo_db)
    at.session_state[session.ACTIVE_KEY] = time.time() - 31 * 60
    at.run()
    notice = [i.value for i in at.info][0]
    assert notice.startswith("You were signed out after 30 minutes without activity.")
    assert "kept as a draft: sign in and open the form" in notice
    assert "DEMO-" not in notice and "carer feedback for" not in notice  # the screen anyone may see names nobody
    next(t for t in at.text_input if t.label == "User name").input("bso")
    next(t for t in at.text_input if t.label == "Password").input("demo")
    press(at, "Sign in")
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    restore(at)
    assert_the_call_is_back(at, home)


def test_discarding_a_draft_asks_once_more_and_then_it_is_gone_for_good(demo_db, app):
    at, _ = call_left_and_back(app, demo_db)
    press(at, "Discard")
    assert at.warning[-1].value.startswith("Discard your unsaved carer feedback for ")
    press(at, "Keep it")
    assert len(drafts_of(demo_db, "bso")) == 1 and any(b.label == "Restore" for b in at.button)
    discard_it(at)
    assert drafts_of(demo_db, "bso") == [] and at.success[0].value.startswith("Discarded your unsaved carer feedback")
    assert at.selectbox(key="carer_0_household").value is None  # an empty form


def test_starting_a_new_call_keeps_the_draft_for_later(demo_db, app):
    at, _ = call_left_and_back(app, demo_db)
    next(b for b in at.button if b.label.startswith("Start a new carer feedback")).click().run()
    assert at.selectbox(key="carer_0_household").value is None and at.text_area(key="carer_0_CAR_BETTER").value == ""
    at.radio(key="carer_0_CAR01").set_value("2").run()  # the new call is a draft of its own
    assert sorted(json.loads(d["fields"]).get("CAR01") for d in drafts_of(demo_db, "bso")) == ["2", "4"]


def test_another_person_is_never_offered_someone_elses_draft(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    start_a_call(at, demo_db)
    from lib.people import accounts

    accounts.create_user(demo_db, user(demo_db, "qa"), username="second.bso", display_name="Second Officer",
                         roles=["bso"], password="long enough pw")
    other = open_form(app, demo_db, "second.bso", "app_pages/capture/carer_feedback.py")
    assert not [b for b in other.button if b.label == "Restore"]
    assert other.selectbox(key="carer_0_household").value is None
    assert not [link for link in other.sidebar.get("page_link") if "carer feedback for" in link.label]


def test_a_ticked_safeguarding_box_reminds_on_home_until_the_draft_is_saved(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    start_a_call(at, demo_db)
    at.checkbox(key="carer_0_safeguarding").check().run()
    at.switch_page("app_pages/home.py").run()
    reminder = [e.value for e in at.error]
    assert len(reminder) == 1 and "has its safeguarding box ticked and is not saved" in reminder[0]
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    restore(at)
    at.text_area(key="carer_1_safeguarding_note").input("Said the child is scared at home").run()
    at.text_input(key="carer_1_safeguarding_told").input("Duty social worker").run()
    at.button(key="save_carer_1").click().run()
    assert no_exceptions(at) == [] and "safeguarding flag opened" in at.success[0].value
    at.switch_page("app_pages/home.py").run()
    assert not [e for e in at.error if "safeguarding box ticked" in e.value]


def test_a_save_that_meets_a_busy_database_keeps_the_draft_and_a_later_save_deletes_it(demo_db, db_path, app,
                                                                                        monkeypatch):
    import sqlite3

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    start_a_call(at, demo_db)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        at.button(key="save_carer_0").click().run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [e.value for e in at.error] == [store.BUSY_MESSAGE]
    assert json.loads(drafts_of(demo_db, "bso")[0]["fields"])["CAR_BETTER"] == "Ring back on Fridays, please."
    at.button(key="save_carer_0").click().run()
    assert at.success and drafts_of(demo_db, "bso") == []


def test_a_restored_correction_still_refuses_a_change_someone_saved_meanwhile(demo_db, app):
    qa = user(demo_db, "qa")
    entry = demo_db.execute("select max(id) from responses where form = 'carer' and outcome = 'completed' "
                            "and deleted_at is null").fetchone()[0]
    at = open_form(app, demo_db, "qa", "app_pages/capture/entries.py")
    from tests.test_capture_pages import ui_date
    next(d for d in at.date_input if d.label == "From").set_value(ui_date(demo_db, entry)).run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry).run()
    at.radio(key=f"edit_{entry}_0_method").set_value("text").run()
    at.switch_page("app_pages/home.py").run()
    row = feedback.get(demo_db, qa, entry)
    feedback.update(demo_db, qa, entry, {**row, "method": "email"}, today=session.today(), expected=row["version"])
    at.switch_page("app_pages/capture/entries.py").run()
    next(d for d in at.date_input if d.label == "From").set_value(ui_date(demo_db, entry)).run()
    next(s for s in at.selectbox if s.label == "Open entry").set_value(entry).run()
    restore(at)
    assert at.radio(key=f"edit_{entry}_1_method").value == "text"
    at.button(key=f"save_edit_{entry}_1").click().run()
    assert [e.value for e in at.error][0].startswith(text.escape_markdown(qa.display_name) + " changed this entry")
    assert feedback.get(demo_db, qa, entry)["method"] == "email"


@pytest.mark.parametrize("script, field, words", [
    ("app_pages/log/complaints.py", "rep_new_0_summary", "The carer praised the duty team."),
    ("app_pages/audits/targeted_audits.py", "targeted_new_0_findings", "Three files lacked a safer caring plan."),
])
def test_the_log_and_the_targeted_audit_offer_their_drafts_back_too(demo_db, app, script, field, words):
    view = "rep_view" if "complaints" in script else "targeted_view"
    at = open_form(app, demo_db, "manager", script)
    at.session_state[view] = "Record"
    at.run()
    at.text_area(key=field).input(words).run()
    at.switch_page("app_pages/home.py").run()
    assert any(c.value == "Your unsaved draft" for c in at.caption)  # Home lists it
    at.switch_page(script).run()
    at.session_state[view] = "Record"  # the person opens the form again
    at.run()
    restore(at)
    assert at.text_area(key=field.replace("_0_", "_1_")).value == words


def test_the_idle_warning_offers_stay_signed_in_and_the_button_gives_a_whole_timeout_more():
    """The session watch as a timer rerun draws it (a full run is activity itself, so it never warns there)."""
    from streamlit.testing.v1 import AppTest

    def watch():
        import time

        import streamlit as st

        from lib.ui import session

        st.session_state.setdefault(session.USER_KEY, 1)
        st.session_state.setdefault(session.ACTIVE_KEY, time.time() - (30 * 60 - 60))  # a minute to go
        session._watch(None, 30 * 60.0)

    at = AppTest.from_function(watch, default_timeout=30).run()
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("You will be signed out at ") and "(in about 1 minute)" in warning
    assert "kept as a draft" in warning
    at.button(key=session.STAY_KEY).click().run()
    assert time.time() - at.session_state[session.ACTIVE_KEY] < 5 and not at.warning


def test_a_draft_saved_in_one_tab_is_not_saved_again_from_another(demo_db, app):
    """Two tabs restore the same draft; the first saves it; the second is told, saves nothing, and may keep
    its copy as a new draft (when the other tab discarded it, say)."""
    first = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    start_a_call(first, demo_db)
    tabs = [open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py") for _ in range(2)]
    for tab in tabs:
        restore(tab)
    before = demo_db.execute("select count(*) from responses").fetchone()[0]
    tabs[0].button(key="save_carer_1").click().run()
    assert tabs[0].success and demo_db.execute("select count(*) from responses").fetchone()[0] == before + 1
    tabs[1].text_area(key="carer_1_CAR_WELL").input("One more thing").run()
    assert tabs[1].warning[-1].value.startswith("This was saved or discarded in another tab or window since")
    tabs[1].button(key="save_carer_1").click().run()
    assert [e.value for e in tabs[1].error][0].startswith("This was saved or discarded in another tab")
    assert demo_db.execute("select count(*) from responses").fetchone()[0] == before + 1
    tabs[1].button(key="_unsaved_anew_carer").click().run()
    assert drafts_of(demo_db, "bso") and json.loads(drafts_of(demo_db, "bso")[0]["fields"])["CAR_WELL"] == \
        "One more thing"
    tabs[1].button(key="save_carer_1").click().run()
    assert demo_db.execute("select count(*) from responses").fetchone()[0] == before + 2


def test_a_discarded_draft_leaves_a_form_that_starts_a_new_one_without_complaint(demo_db, app):
    at, _ = call_left_and_back(app, demo_db, away="app_pages/home.py")
    discard_it(at)
    at.radio(key="carer_0_CAR01").set_value("1").run()
    assert not [w for w in at.warning if "another tab" in w.value] and json.loads(drafts_of(demo_db, "bso")[0]["fields"])["CAR01"] == "1"


def test_the_typing_keepers_messages_are_data_and_a_forged_one_keeps_only_a_text_box_of_the_form_on_screen(demo_db):
    """What the browser sends is the person's own words at best and anything at worst: only strings, for text
    boxes of a form this session drew, within the size limit, under this session's mark, are kept."""
    from streamlit.testing.v1 import AppTest

    def keeper():
        import datetime as dt

        import streamlit as st

        from lib import store
        from lib.people import accounts
        from lib.store import unsaved as drafts
        from lib.ui import unsaved as ui

        db = store.connect()
        bso = accounts.load(db, db.execute("select id from users where username = 'bso'").fetchone()[0])
        st.session_state.setdefault(ui.MARK, "this-session")
        st.session_state.setdefault(ui.REGISTRY, {"carer": {
            "base": "carer_0", "baseline": {}, "stored": False, "run": 0, "page": "carer_feedback",
            "label": "carer feedback", "opened": None, "safeguarding": False,
            "last": drafts.encode({"contact_on": dt.date(2026, 12, 1), "safeguarding": False, "CAR_WELL": ""})}})
        for message in st.session_state.pop("messages", []):
            ui.typed(db, bso, message)
        db.close()

    mine = "this-session"
    at = AppTest.from_function(keeper, default_timeout=30)
    at.session_state["messages"] = [
        None, "carer_0_CAR_WELL", ["carer_0_CAR_WELL"], {"seq": 1}, {"seq": 2, "fields": "text", "session": mine},
        {"seq": 9, "session": "another person's", "fields": {"carer_0_CAR_WELL": "before the sign-out"}},
        {"seq": True, "session": mine, "fields": {
            "carer_0_CAR_WELL": 7, "carer_0_CAR_BETTER": ["a"], "other_0_x": "not this form",
            "carer_0_contact_on": "not a date", "carer_0_safeguarding": "not a tick",
            "edit_12_0_CAR_WELL": "nor this", "carer_0_CAR_ELSE": "x" * 100_001}},
        {"seq": 3, "session": mine, "fields": {"carer_0_CAR_WELL": "[click](javascript:alert(1)) <script>x</script>",
                                               5: "five"}},
    ]
    at.run()
    assert no_exceptions(at) == []
    [row] = drafts_of(demo_db, "bso")
    assert json.loads(row["fields"]) == {"contact_on": {"date": "2026-12-01"}, "safeguarding": False,
                                         "CAR_WELL": "[click](javascript:alert(1)) <script>x</script>"}
    from lib.ui import unsaved as ui

    assert at.session_state[ui.ACK] == 3



def run_keeper(registry: dict, messages: list) -> dict:
    """typed() as the session watch calls it, on a session that drew the forms in `registry`; returns the
    overlay of words it kept."""
    from streamlit.testing.v1 import AppTest

    def keeper():
        import streamlit as st

        from lib import store
        from lib.people import accounts
        from lib.ui import unsaved as ui

        db = store.connect()
        bso = accounts.load(db, db.execute("select id from users where username = 'bso'").fetchone()[0])
        st.session_state.setdefault(ui.MARK, "mark")
        for message in st.session_state.pop("messages", []):
            ui.typed(db, bso, {"session": "mark", **message})
        db.close()

    from lib.ui import unsaved as ui

    at = AppTest.from_function(keeper, default_timeout=30)
    at.session_state[ui.REGISTRY] = {form: {"baseline": {}, "stored": False, "run": 0, "page": "p", "label": form,
                                            "opened": None, "safeguarding": False, "last": None, **ctx}
                                     for form, ctx in registry.items()}
    at.session_state["messages"] = messages
    at.run()
    assert no_exceptions(at) == []
    return at.session_state[ui.TYPED]


def test_words_for_a_form_whose_name_another_forms_name_begins_go_to_that_form_alone(demo_db):
    typed = run_keeper({"audit": {"base": "audit_3"}, "case_audit_3": {"base": "audit_3_0"}},
                       [{"seq": 1, "fields": {"audit_3_0_ssw": "Discussed the school move"}}])
    assert typed == {"audit_3_0_ssw": "Discussed the school move"}
    assert [(d["form"], json.loads(d["fields"])) for d in drafts_of(demo_db, "bso")] == \
        [("case_audit_3", {"ssw": "Discussed the school move"})]


def test_words_in_the_reports_commentary_reach_its_draft_though_the_page_writes_its_key_otherwise(demo_db):
    """The report's keys hold the period (2026/27-Q2); the page's class names write / as -."""
    base = "narrative_2026/27-Q2_carers_0"
    typed = run_keeper({"narrative_2026_27_q2_carers": {"base": base}},
                       [{"seq": 1, "fields": {"narrative_2026-27-Q2_carers_0_text": "Kinship carers asked for help."}}])
    assert typed == {f"{base}_text": "Kinship carers asked for help."}
    assert json.loads(drafts_of(demo_db, "bso")[0]["fields"]) == {"text": "Kinship carers asked for help."}


def test_a_restored_draft_says_what_could_not_be_put_back_and_keeps_it(demo_db, app):
    at = open_form(app, demo_db, "bso", "app_pages/capture/carer_feedback.py")
    home = start_a_call(at, demo_db)
    at.switch_page("app_pages/home.py").run()
    with store.write(demo_db):  # the household leaves the register meanwhile
        demo_db.execute("update households set status = 'inactive' where id = :h", {"h": home})
    at.switch_page("app_pages/capture/carer_feedback.py").run()
    restore(at)
    assert any(w.value.startswith("1 of the draft's answers could not be put back") for w in at.warning)
    assert at.selectbox(key="carer_1_household").value is None
    assert json.loads(drafts_of(demo_db, "bso")[0]["fields"])["household"] == home  # still in the draft


def test_home_lists_every_draft_and_discards_one_whose_form_cannot_be_opened_any_more(demo_db, app):
    bso = user(demo_db, "bso")
    keep(demo_db, bso, form="edit_1", label="correction of carer feedback #1 for Birch Treacle (DEMO-10005)")
    at = open_form(app, demo_db, "bso", "app_pages/home.py")
    assert any(t.value.startswith("correction of carer feedback #1 for Birch Treacle") for t in at.text)
    discard_it(at)
    assert drafts_of(demo_db, "bso") == [] and at.success[0].value.startswith("Discarded your unsaved correction")
