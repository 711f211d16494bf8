"""One edit path for every editable record: a change saved by someone else after a form was opened is refused
(saying who and when), never silently undone; a save from a fresh version goes through, with its history row."""

import datetime as dt
import json

import pytest

from lib.audits import casefile, moderation, plan, reviews
from lib.audits import programme as audit_programme
from lib.audits import targeted as targeted_audits
from lib.capture import feedback
from lib.kpis import measures
from lib.log import actions, representations
from lib.people import accounts
from lib.report import drafts
from lib.store import records, settings
from lib.themes import codebook
from tests.conftest import add_user
from tests.fixtures import (
    TODAY,
    add_household,
    audit_world,
    auditor,
    carer_entry,
    cases,
    draw,
    full_entry,
    moderation_entry,
    submitted,
)

NOW = dt.datetime(2026, 2, 15, 10, 0, tzinfo=dt.timezone.utc)


def complaint_case(db):
    ann, bob = add_user(db, "manager", username="ann"), add_user(db, "manager", username="bob")
    entry = {"kind": "complaint", "received_on": dt.date(2026, 1, 5), "from_who": "foster_carer",
             "summary": "Allowance paid late and nobody called back."}
    rid = representations.record(db, ann, entry, today=TODAY)
    return {
        "first": ann, "second": bob,
        "version": lambda: representations.get(db, ann, rid)["version"],
        "first_change": lambda user, version: representations.update(
            db, user, rid, {**entry, "stage1_responded_on": dt.date(2026, 1, 20)}, today=TODAY, expected=version),
        "second_change": lambda user, version: representations.update(
            db, user, rid, {**entry, "learning": "Call back within two days."}, today=TODAY, expected=version),
        "kept": lambda: db.execute("select stage1_responded_on, learning from representations").fetchone()
        == ("2026-01-20", None),
    }


def action_case(db):
    codebook.ensure(db)
    ann, bob = add_user(db, "manager", username="ann"), add_user(db, "qa", username="bob")
    entry = {"said": "Allowances are paid late.", "theme_ids": ["T06"], "from_quarter": "2025/26 Q3",
             "will_do": "Publish payment dates.", "owner": "Finance team", "due_on": dt.date(2026, 1, 31)}
    aid = actions.record(db, ann, entry, today=TODAY)

    def version():
        return next(a for a in actions.listing(db, ann) if a["id"] == aid)["version"]

    return {
        "first": ann, "second": bob, "version": version,
        "first_change": lambda user, v: actions.update(db, user, aid, {**entry, "status": "in_progress"},
                                                       today=TODAY, expected=v),
        "second_change": lambda user, v: actions.update(db, user, aid, {**entry, "will_do": "Text the dates."},
                                                        today=TODAY, expected=v),
        "kept": lambda: db.execute("select status, will_do from actions").fetchone()
        == ("in_progress", "Publish payment dates."),
    }


def targeted_case(db):
    ann, bob = add_user(db, "manager", username="ann"), add_user(db, "qa", username="bob")
    entry = {"topic": "Allowance payment delays", "reason": "complaints", "reason_detail": "Complaints in Q3",
             "scope": "Every allowance complaint in the quarter.", "cases_reviewed": 8,
             "findings": "Delays followed changes of bank details.",
             "learning": "Publish the payment dates for allowances.",
             "started_on": dt.date(2026, 1, 5), "completed_on": dt.date(2026, 1, 30)}
    tid = targeted_audits.record(db, ann, entry, today=TODAY)
    return {
        "first": ann, "second": bob,
        "version": lambda: targeted_audits.get(db, ann, tid)["version"],
        "first_change": lambda user, v: targeted_audits.update(db, user, tid, {**entry, "cases_reviewed": 9},
                                                               today=TODAY, expected=v),
        "second_change": lambda user, v: targeted_audits.update(db, user, tid, {**entry, "scope": "All of them."},
                                                                today=TODAY, expected=v),
        "kept": lambda: db.execute("select cases_reviewed, scope from targeted_audits").fetchone()
        == (9, "Every allowance complaint in the quarter."),
    }


def audit_action_case(db):
    w = audit_world(db)
    case = cases(db, w, draw(db, w))[0]
    lead, peer = auditor(w, case), auditor(w, case, "peer")
    entry = {"action": "Update the plan.", "owner": "Team manager", "due_on": "2026-02-10"}
    action_id = plan.add_action(db, lead, case["id"], entry, today=TODAY)

    def version():
        found = casefile.get(db, lead, case["id"], today=TODAY)["actions"]
        return next(a for a in found if a["id"] == action_id)["version"]

    return {
        "first": lead, "second": peer, "version": version,
        "first_change": lambda user, v: plan.update_action(db, user, action_id, {**entry, "status": "in_progress"},
                                                           today=TODAY, expected=v),
        "second_change": lambda user, v: plan.update_action(db, user, action_id,
                                                            {**entry, "due_on": "2026-02-20"}, today=TODAY,
                                                            expected=v),
        "kept": lambda: db.execute("select status, due_on from case_audit_actions").fetchone()
        == ("in_progress", "2026-02-10"),
    }


def audit_form_case(db):
    w = audit_world(db)
    case = cases(db, w, draw(db, w))[0]
    lead, peer = auditor(w, case), auditor(w, case, "peer")
    return {
        "first": peer, "second": lead,
        "version": lambda: casefile.get(db, lead, case["id"], today=TODAY)["version"],
        "first_change": lambda user, v: casefile.save(db, user, case["id"], full_entry(ssw_discussion="Theirs"),
                                                      today=TODAY, expected=v),
        "second_change": lambda user, v: casefile.save(db, user, case["id"], full_entry(ssw_discussion="Mine"),
                                                       today=TODAY, expected=v),
        "kept": lambda: db.execute("select ssw_discussion from case_audits where id = :id",
                                   {"id": case["id"]}).fetchone() == ("Theirs",),
    }


def entry_case(db):
    bso, qa = add_user(db, "bso", username="ann"), add_user(db, "qa", username="bob")
    home = add_household(db)
    rid = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    return {
        "first": bso, "second": qa,
        "version": lambda: feedback.get(db, qa, rid)["version"],
        "first_change": lambda user, v: feedback.update(db, user, rid, carer_entry(home, method="visit"), today=TODAY,
                                                        now=NOW + dt.timedelta(minutes=1), expected=v),
        "second_change": lambda user, v: feedback.update(
            db, user, rid, carer_entry(home, answers={"CAR01": "2", "CAR18": "yes", "MAIN01": "5"}), today=TODAY,
            now=NOW + dt.timedelta(minutes=2), expected=v),
        "kept": lambda: db.execute("select r.method, a.value from responses r join answers a on a.response_id = r.id "
                                   "where a.item_id = 'CAR01'").fetchone() == ("visit", "4"),
    }


def user_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    pat = add_user(db, "bso", username="pat")

    def change(user, v, **fields):
        values = {"display_name": "Pat", "email": None, "roles": ["bso"], "team_id": None, **fields}
        return accounts.update_user(db, user, pat.id, **values, expected=v)

    return {
        "first": first, "second": second,
        "version": lambda: accounts.editable(db, pat.id)["version"],
        "first_change": lambda user, v: change(user, v, roles=["bso", "social_worker"]),
        "second_change": lambda user, v: change(user, v, display_name="Patricia"),
        "kept": lambda: (accounts.load(db, pat.id).roles, accounts.load(db, pat.id).display_name)
        == (frozenset({"bso", "social_worker"}), "Pat"),
    }


def moderation_case(db):
    w = audit_world(db)
    case = cases(db, w, draw(db, w))[0]
    submitted(db, w, case)

    def moderate(user, v, learning):
        return moderation.moderate(db, user, case["id"], moderation_entry(learning=learning), today=TODAY, expected=v)

    return {
        "first": w["sen"], "second": w["sue"],
        "version": lambda: casefile.get(db, w["sen"], case["id"], today=TODAY)["version"],
        "first_change": lambda user, v: moderate(user, v, "Theirs."),
        "second_change": lambda user, v: moderate(user, v, "Mine."),
        "kept": lambda: db.execute("select learning from case_audits where id = :id",
                                   {"id": case["id"]}).fetchone() == ("Theirs.",),
    }


def review_case(db):
    w = audit_world(db)
    case = cases(db, w, draw(db, w))[0]
    submitted(db, w, case)
    moderation.moderate(db, w["sen"], case["id"], moderation_entry(), today=TODAY)
    other = add_user(db, "advanced_practitioner", username="amir")

    def review(user, v, note):
        return reviews.record_review(db, user, case["id"], {"reviewed_on": TODAY, "actions": {}, "note": note},
                                     today=TODAY, expected=v)

    return {
        "first": w["ap"], "second": other,
        "version": lambda: casefile.get(db, w["ap"], case["id"], today=TODAY)["version"],
        "first_change": lambda user, v: review(user, v, "Theirs."),
        "second_change": lambda user, v: review(user, v, "Mine."),
        "kept": lambda: db.execute("select review_note from case_audits where id = :id",
                                   {"id": case["id"]}).fetchone() == ("Theirs.",),
    }


def assignment_case(db):
    w = audit_world(db)
    case = cases(db, w, draw(db, w, circulated=False))[0]
    other = add_user(db, "qa", username="quentin")

    def assign(user, v, due):
        return audit_programme.assign(db, user, case["id"], lead_id=w["mary"].id, peer_id=w["sam"].id, due_on=due,
                                      today=TODAY, expected=v)

    return {
        "first": w["qa"], "second": other,
        "version": lambda: next(r for r in cases(db, w, case["programme_id"]) if r["id"] == case["id"])["version"],
        "first_change": lambda user, v: assign(user, v, dt.date(2026, 3, 1)),
        "second_change": lambda user, v: assign(user, v, dt.date(2026, 3, 20)),
        "kept": lambda: db.execute("select due_on from case_audits where id = :id",
                                   {"id": case["id"]}).fetchone() == ("2026-03-01",),
    }


def team_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    team = accounts.create_team(db, first, "North")
    return {
        "first": first, "second": second,
        "version": lambda: next(t for t in accounts.teams(db) if t["id"] == team)["version"],
        "first_change": lambda user, v: accounts.update_team(db, user, team, name="North East", active=True,
                                                             expected=v),
        "second_change": lambda user, v: accounts.update_team(db, user, team, name="North", active=False,
                                                              expected=v),
        "kept": lambda: db.execute("select name, active from teams").fetchone() == ("North East", 1),
    }


def theme_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    theme = next(t for t in codebook.theme_list(db) if t["id"] == "T01")

    def save(user, v, **changes):
        fields = {k: theme[k] for k in ("name", "definition", "triggers", "applies_to", "usually")}
        return codebook.save_theme(db, user, "T01", **{**fields, **changes}, expected=v)

    return {
        "first": first, "second": second,
        "version": lambda: next(t for t in codebook.theme_list(db) if t["id"] == "T01")["version"],
        "first_change": lambda user, v: save(user, v, triggers=[*theme["triggers"], "theirs"]),
        "second_change": lambda user, v: save(user, v, definition="Mine."),
        "kept": lambda: "theirs" in json.loads(db.execute("select triggers from themes where id = 'T01'").fetchone()[0])
        and db.execute("select definition from themes where id = 'T01'").fetchone()[0] == theme["definition"],
    }


def measure_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    measure = measures.measures(db)[0]

    def save(user, v, **changes):
        fields = {"name": measure.name, "description": measure.description, "aliases": measure.aliases,
                  "green_from": measure.green_from, "amber_from": measure.amber_from}
        return measures.save_measure(db, user, measure.id, **{**fields, **changes}, expected=v)

    return {
        "first": first, "second": second,
        "version": lambda: next(m for m in measures.measures(db) if m.id == measure.id).version,
        "first_change": lambda user, v: save(user, v, green_from=95),
        "second_change": lambda user, v: save(user, v, description="Mine."),
        "kept": lambda: db.execute("select green_from, description from kpi_measures where id = :id",
                                   {"id": measure.id}).fetchone() == (95, measure.description),
    }


def settings_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    return {
        "first": first, "second": second,
        "version": lambda: settings.version(db),
        "first_change": lambda user, v: settings.update(db, user, {"monthly_minimum_carers": 3}, expected=v),
        "second_change": lambda user, v: settings.update(db, user, {"monthly_minimum_carers": 2,
                                                                    "idle_timeout_minutes": 45}, expected=v),
        "kept": lambda: (settings.get(db, "monthly_minimum_carers"), settings.get(db, "idle_timeout_minutes"))
        == (3, settings.BY_KEY["idle_timeout_minutes"].default),
    }


def commentary_case(db):
    first, second = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    period = "2025/26-Q3"

    def save(user, v, text):
        return drafts.save_draft(db, user, period, narrative={"carers": text}, expected={"carers": v}) or {"saved": 1}

    return {
        "first": first, "second": second,
        "version": lambda: drafts.draft(db, first, period)["versions"]["carers"],
        "first_change": lambda user, v: save(user, v, "Theirs."),
        "second_change": lambda user, v: save(user, v, "Mine."),
        "kept": lambda: drafts.draft(db, first, period)["narrative"] == {"carers": "Theirs."},
    }


CASES = {"complaint": complaint_case, "action": action_case, "targeted audit": targeted_case,
         "audit action": audit_action_case, "audit form": audit_form_case, "entry": entry_case, "user": user_case,
         "moderation": moderation_case, "eight-week review": review_case, "auditors and due date": assignment_case,
         "team": team_case, "theme": theme_case, "KPI measure": measure_case, "settings": settings_case,
         "report commentary": commentary_case}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_change_saved_after_the_form_was_opened_is_refused_naming_who_and_the_first_change_stays(db, kind):
    case = CASES[kind](db)
    opened = case["version"]()
    case["first_change"](case["first"], opened)
    history_rows = db.execute("select count(*) from history").fetchone()[0]
    with pytest.raises(records.StaleEdit, match=rf"^{case['first'].display_name} changed this .* at \d+ \w+ 20\d\d, "
                                                r"\d\d:\d\d, after you opened it"):
        case["second_change"](case["second"], opened)
    assert case["kept"](), "the first person's change was undone"
    assert db.execute("select count(*) from history").fetchone()[0] == history_rows


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_change_made_from_the_current_version_is_saved_with_one_history_row(db, kind):
    case = CASES[kind](db)
    case["first_change"](case["first"], case["version"]())
    before = db.execute("select count(*) from history").fetchone()[0]
    diff = case["second_change"](case["second"], case["version"]())
    assert diff and not case["kept"]()
    last = db.execute("select action, username, detail from history order by id desc limit 1").fetchone()
    assert db.execute("select count(*) from history").fetchone()[0] == before + 1
    assert last[0] in ("update", "complete", "moderate", "review", "assign") and last[1] == case["second"].username and json.loads(last[2])


def test_the_version_of_a_record_changes_with_any_saved_change_and_not_otherwise():
    row = {"id": 1, "summary": "Late.", "updated_at": "2026-02-15T10:00:00+00:00"}
    assert records.version(row) == records.version(dict(reversed(list(row.items()))))
    assert records.version(row) != records.version({**row, "summary": "Late!"})


def test_a_sign_in_does_not_make_a_users_open_form_stale(db):
    qa, pat = add_user(db, "qa", username="ann"), add_user(db, "bso", username="pat")
    opened = accounts.editable(db, pat.id)["version"]
    accounts.sign_in(db, "pat", "correct horse battery")
    accounts.update_user(db, qa, pat.id, display_name="Patricia", email=None, roles=["bso"], team_id=None,
                         expected=opened)
    assert accounts.load(db, pat.id).display_name == "Patricia"


def test_saving_one_sections_commentary_keeps_what_another_person_saved_in_another_section(db):
    ann, bob = add_user(db, "qa", username="ann"), add_user(db, "qa", username="bob")
    opened = drafts.draft(db, ann, "2025/26-Q3")["versions"]
    drafts.save_draft(db, bob, "2025/26-Q3", narrative={"children": "Bob's."}, expected={"children": opened["children"]})
    drafts.save_draft(db, ann, "2025/26-Q3", narrative={"carers": "Ann's."}, expected={"carers": opened["carers"]})
    assert drafts.draft(db, ann, "2025/26-Q3")["narrative"] == {"children": "Bob's.", "carers": "Ann's."}


def test_a_change_saved_in_the_same_second_is_still_caught_because_the_version_is_the_whole_row(db):
    bso, qa = add_user(db, "bso", username="ann"), add_user(db, "qa", username="bob")
    home = add_household(db)
    rid = feedback.record(db, bso, "carer", carer_entry(home), today=TODAY, now=NOW)
    opened = feedback.get(db, qa, rid)["version"]
    feedback.update(db, bso, rid, carer_entry(home, method="visit"), today=TODAY, now=NOW, expected=opened)
    assert feedback.get(db, qa, rid)["updated_at"] == feedback.get(db, qa, rid)["created_at"]  # the same second
    with pytest.raises(records.StaleEdit):
        feedback.update(db, qa, rid, carer_entry(home, method="phone"), today=TODAY, now=NOW, expected=opened)
