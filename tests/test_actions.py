import datetime as dt

import pytest

from lib import dates

from lib.log import actions
from lib.report import build as report
from lib.themes import codebook
from tests.conftest import add_user

Q3_DAY, Q4_DAY = dt.date(2025, 11, 3), dt.date(2026, 2, 2)


@pytest.fixture
def manager(db):

    codebook.ensure(db)
    return add_user(db, "manager")


def action(**changes):
    return {"said": "Allowances are paid late.", "theme_ids": ["T06"], "from_quarter": "2025/26 Q3",
            "will_do": "Publish payment dates.", "owner": "Finance team", "due_on": dt.date(2026, 1, 31), **changes}


def test_an_action_carries_across_quarters_until_it_is_closed(db, manager):
    first = actions.record(db, manager, action(), today=Q3_DAY)
    second = actions.record(db, manager, action(said="Evening training", theme_ids=["T05"], owner="Training team"),
                            today=Q3_DAY)
    actions.update(db, manager, first, action(status="in_progress"), today=dt.date(2026, 1, 10))
    actions.update(db, manager, second, action(said="Evening training", theme_ids=["T05"], owner="Training team",
                                               status="done", did="Two evening sessions run."), today=Q4_DAY)
    q3 = actions.for_period(db, dt.date(2025, 10, 1), dt.date(2025, 12, 31), today=dt.date(2026, 2, 16))
    q4 = actions.for_period(db, dt.date(2026, 1, 1), dt.date(2026, 3, 31), today=dt.date(2026, 2, 16))
    assert [a["id"] for a in q3["opened"]] == [first, second] and q3["closed"] == []
    assert [a["id"] for a in q4["progressed"]] == [first] and [a["id"] for a in q4["closed"]] == [second]
    assert [a["id"] for a in q4["overdue"]] == [first]  # due 31 January, still open
    assert [a["id"] for a in actions.listing(db, manager, open_only=True)] == [first]


@pytest.mark.parametrize(
    "changes, message",
    [({"said": ""}, "What people said is required"), ({"theme_ids": []}, "at least one theme"),
     ({"theme_ids": ["T99"]}, "Unknown theme"), ({"owner": "Jo Bloggs"}, "not a person's name"),
     ({"status": "finished"}, "Status must be one of"), ({"status": "dropped"}, "why the action was dropped"),
     ({"status": "done"}, "what we did"), ({"from_quarter": "next year"}, "2025/26 Q4"),
     ({"told_back": ["carrier pigeon"]}, "chosen from the list"), ({"cohort": "residential"}, "Cohort must be")],
)
def test_bad_actions_are_refused_clearly(db, manager, changes, message):
    with pytest.raises(ValueError, match=message):
        actions.record(db, manager, action(**changes), today=Q3_DAY)


def test_the_report_lists_actions_opened_progressed_and_closed_in_plain_words(db, manager):
    qa = add_user(db, "qa")
    first = actions.record(db, manager, action(), today=Q3_DAY)
    actions.update(db, manager, first, action(status="done", did="Dates published in the newsletter.",
                                              told_back=["newsletter"]), today=Q4_DAY)
    value = report.build(db, qa, "2025/26-Q4", today=dt.date(2026, 2, 16))
    section = next(s for s in value.sections if s.key == "actions")
    assert [t.title for t in section.tables] == [
        "Closed this period", "Did it come back? Each theme as a concern before and after the action"]
    closed_on = dates.long_day(Q4_DAY)
    assert section.tables[0].rows == (("Allowances are paid late.", "Dates published in the newsletter.",
                                       "Finance team", "Done", closed_on, "Allowances, fees and expenses"),)
    # no comments at all, before or since: too few to compare, never a 0% that looks like success
    assert section.tables[1].rows[0][3:] == ("no data", "no data", "too few to compare")
