"""Shared test helpers (records and worlds to test against, pages opened as a role): imported by test modules,
which never import each other."""

import datetime as dt
import socket

from lib import store
from lib.audits import casefile, moderation, plan, programme
from lib.audits import programme as audit_programme
from lib.people import accounts
from lib.themes import codebook
from lib.ui import session
from tests.conftest import add_user, no_exceptions

TODAY = dt.date(2026, 2, 15)  # in 2025/26 Q4


def add_household(db, reference="LL1", cohort="mainstream", status="active"):
    with store.write(db):
        return db.execute(
            """insert into households (reference, display_name, cohort, status, created_at, updated_at)
               values (:r, :n, :c, :s, 'now', 'now')""",
            {"r": reference, "n": f"Household {reference}", "c": cohort, "s": status},
        ).lastrowid


def carer_entry(home_id, **changes):
    entry = {"household_id": home_id, "contact_on": TODAY, "method": "phone", "outcome": "completed",
             "answers": {"CAR01": "4", "CAR18": "yes", "MAIN01": "5"},
             "comments": {"CAR_WELL": {"text": "  Our SSW is great.  ", "consent": True},
                          "CAR_BETTER": {"text": "Payments late.", "consent": False}}}
    return {**entry, **changes}


def placing_entry(home_id, **changes):
    """A completed placing authority feedback entry: an IRO's survey return."""
    entry = {"household_id": home_id, "contact_on": TODAY, "professional_role": "iro",
             "placing_authority": "Northshire County Council", "method": "survey",
             "answers": {"PLA01": "4", "PLA06": "2"},
             "comments": {"PLA_WELL": {"text": "The carer keeps him settled at school.", "consent": True},
                          "PLA_BETTER": {"text": "I was told about the missing episode days later.", "consent": False}}}
    return {**entry, **changes}


Q4 = "2025/26-Q4"


CIRCULATE = dt.date(2026, 1, 1)


AUDIT_DAY = dt.date(2026, 1, 12)


def add_home(db, reference, team_id, cohort="mainstream", status="active"):
    with store.write(db):
        return db.execute(
            """insert into households (reference, display_name, cohort, team_id, status, created_at, updated_at)
               values (:r, :n, :c, :t, :s, '2020-01-01', '2020-01-01')""",
            {"r": reference, "n": f"Household {reference}", "c": cohort, "t": team_id, "s": status}).lastrowid


def audit_world(db):
    """Two teams with eight active households (mainstream and kinship), three managers, QA, two senior
    managers and an advanced practitioner."""
    codebook.ensure(db)
    north, south = add_team(db, "North"), add_team(db, "South")
    homes = {}
    for team, prefix in ((north, "N"), (south, "S")):
        for i in range(3):
            homes[f"{prefix}{i + 1}"] = add_home(db, f"{prefix}{i + 1}00", team)
        homes[f"{prefix}K"] = add_home(db, f"{prefix}K00", team, "kinship")
    return {
        "north": north, "south": south, "homes": homes,
        "mary": add_user(db, "manager", username="mary", team_id=north),
        "nina": add_user(db, "manager", username="nina", team_id=north),
        "sam": add_user(db, "manager", username="sam", team_id=south),
        "qa": add_user(db, "qa", username="quinn"),
        "sen": add_user(db, "senior_manager", username="sen"),
        "sue": add_user(db, "senior_manager", username="sue"),
        "ap": add_user(db, "advanced_practitioner", username="april"),
    }


def draw(db, w, *, size=4, seed=1, quarter=Q4, circulate=CIRCULATE, months=12, circulated=True):
    summary = audit_programme.draw(db, w["qa"], quarter, size=size, seed=seed, exclusion_months=months, circulate_on=circulate,
                          today=TODAY)
    if circulated:
        audit_programme.circulate(db, w["qa"], summary["programme_id"], today=TODAY)
    return summary["programme_id"]


def cases(db, w, programme_id):
    return audit_programme.cases(db, w["qa"], programme_id, today=TODAY)


def auditor(w, row, part="lead"):
    wanted = row[f"{part}_auditor_id"]
    return next(w[k] for k in ("mary", "nina", "sam") if w[k].id == wanted)


def full_entry(**changes):
    entry = {"audited_on": AUDIT_DAY, "ssw_discussed_on": AUDIT_DAY,
             "ssw_discussion": "Talked about the child's school move.",
             "child_spoken": True, "parent_spoken": False, "parent_not_why": "Mum declined.", "carer_spoken": True,
             "grades": {d: {"grade": "good", "evidence": f"Evidence for {d}."} for d in casefile.DOMAINS}
             | {casefile.OVERALL: {"grade": "good", "evidence": ""}}}
    return {**entry, **changes}


def moderation_entry(grades=None, day=dt.date(2026, 1, 20), learning="Record the child's views in the safer caring plan."):
    chosen = {d: {"grade": "good", "reason": ""} for d in casefile.GRADED}
    chosen.update(grades or {})
    return {"moderated_on": day, "grades": chosen, "learning": learning}


def matrix_world(db):
    """For tests/test_access_matrix.py: a circulated 2025/26 Q4 programme whose first case is to do, second
    submitted, third moderated with one action and fourth to do; and a draft 2025/26 Q3 programme."""
    w = audit_world(db)
    q4 = draw(db, w, size=4, seed=1, circulated=False)
    fill_auditors(db, w, q4)
    audit_programme.circulate(db, w["qa"], q4, today=TODAY)
    rows = cases(db, w, q4)
    submitted(db, w, rows[1])
    plan.add_action(db, auditor(w, rows[2]), rows[2]["id"], {"action": "Update the plan.", "owner": "Team manager",
                                                               "due_on": "2026-02-01"}, today=TODAY)
    submitted(db, w, rows[2])
    moderation.moderate(db, w["sen"], rows[2]["id"], moderation_entry(), today=TODAY)
    q3 = draw(db, w, size=2, seed=1, quarter="2025/26-Q3", circulate=dt.date(2025, 10, 1), circulated=False)
    fill_auditors(db, w, q3)
    return w


def user(db, username):
    return accounts.load(db, db.execute("select id from users where username = :u", {"u": username}).fetchone()[0])


def household(db, cohort="mainstream"):
    return db.execute("select id from households where status = 'active' and cohort = :c order by id limit 1",
                      {"c": cohort}).fetchone()[0]


def open_form(app, db, role, script):
    at = app(user(db, role))
    at.switch_page(script).run()
    assert no_exceptions(at) == []
    return at


def case_in(db, stage: str) -> dict:
    """A demo case at the given stage (any programme), as programme.cases shows it."""
    qa = user(db, "qa")
    for p in programme.programmes(db, qa):
        for row in programme.cases(db, qa, p["id"], today=session.today()):
            if row["stage"] == stage:
                return row
    raise AssertionError(f"the demo has no case at stage {stage}")


def submitted(db, w, row, day=AUDIT_DAY, **changes):
    casefile.save(db, auditor(w, row), row["id"], full_entry(**changes), today=day, submit=True)
    return row["id"]


# ---- A world for the access matrix ----------------------------------------------------------------------


def fill_auditors(db, w, programme_id):
    for row in cases(db, w, programme_id):
        if row["lead_auditor_id"] is None or row["peer_auditor_id"] is None:
            lead = row["lead_auditor_id"] or next(w[k].id for k in ("mary", "sam") if w[k].id != row["peer_auditor_id"])
            peer = row["peer_auditor_id"] or next(w[k].id for k in ("sam", "mary") if w[k].id != lead)
            audit_programme.assign(db, w["qa"], row["id"], lead_id=lead, peer_id=peer, due_on=row["due_on"], today=TODAY)


def add_team(db, name):
    with store.write(db):
        return db.execute("insert into teams (name, created_at) values (:n, 'now')", {"n": name}).lastrowid


# ---- Publishing a report through its sign-off ------------------------------------------------------------


def registered_manager(db):
    """The Registered Manager who signs reports off in tests (the demo's, or one made once per database)."""
    row = db.execute("""select u.id from users u join user_roles r on r.user_id = u.id
                        where r.role = 'registered_manager' and u.active = 1 order by u.id limit 1""").fetchone()
    if row:
        return accounts.load(db, row[0])
    return add_user(db, "registered_manager", username="rm.approver")


def approve_as_it_stands(db, qa, period_key, *, today=TODAY, approver=None):
    """QA asks for approval of the report as it stands and the Registered Manager approves it; the request."""
    from lib.report import publishing

    approver = approver or registered_manager(db)  # made first: a new user's name joins the redaction names
    request = publishing.ask_for_approval(db, qa, period_key, today=today)
    return publishing.approve(db, approver, request["id"])


def publish_approved(db, qa, period_key, *, today=TODAY, now=None, approver=None):
    """Publish a report the way the app allows: asked about, approved by the Registered Manager, then published."""
    from lib.report import publishing

    approve_as_it_stands(db, qa, period_key, today=today, approver=approver)
    return publishing.publish(db, qa, period_key, today=today, now=now)


# ---- Browser tests (tests/test_browser.py, tests/test_proxy.py) -------------------------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (its status widget leaves 'running')."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=20_000)
    page.wait_for_timeout(150)


def sign_in(page, base: str, username: str, password: str = "demo") -> None:
    page.goto(base)
    settle(page)
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in as").wait_for()
    settle(page)
