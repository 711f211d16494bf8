import datetime as dt

import pytest

from lib.access import PermissionDenied
from lib.people import register
from tests.conftest import add_user

TODAY = dt.date(2026, 1, 15)
HEADER = "reference,name,cohort,team,supervising social worker,approval date,status\n"
GOOD = HEADER + (
    "LL1,Sam & Alex Birch,mainstream,North,Jo Worker,2021-09-14,active\n"
    "LL2,Pat Oak,Kinship,Kinship Team,,31/01/2024,\n"
    "LL3,Lee Elm,Family and Friends,North,,,active\n"
)


def households(db):
    return {r["reference"]: r for r in db.query(
        "select h.*, t.name as team from households h left join teams t on t.id = h.team_id")}


def test_a_clean_file_imports_every_household_with_its_team_and_cohort(db, qa):
    result = register.import_csv(db, qa, GOOD, today=TODAY)
    assert sorted(result.new) == ["LL1", "LL2", "LL3"] and result.new_teams == ["North", "Kinship Team"]
    rows = households(db)
    assert rows["LL1"]["cohort"] == "mainstream" and rows["LL1"]["team"] == "North"
    assert rows["LL2"]["cohort"] == "kinship" and rows["LL2"]["approval_on"] == "2024-01-31"
    assert rows["LL3"]["cohort"] == "kinship" and rows["LL3"]["approval_on"] is None
    assert {r["status"] for r in rows.values()} == {"active"}
    assert db.execute("select count(*) from history where entity = 'households' and action = 'create'").fetchone()[0] == 3
    assert db.execute("select count(*) from history where action = 'import'").fetchone()[0] == 1


def test_a_supervising_social_worker_who_is_a_user_is_linked_to_them(db, qa):
    worker = add_user(db, "social_worker", username="jo.worker")
    db.execute("update users set display_name = 'Jo Worker' where id = :id", {"id": worker.id})
    result = register.import_csv(db, qa, GOOD, today=TODAY)
    assert households(db)["LL1"]["social_worker_id"] == worker.id
    assert result.unmatched_workers == []


@pytest.mark.parametrize(
    "line, reason",
    [
        (",No Reference,mainstream,,,,", "reference is missing"),
        ("LL9,,mainstream,,,,", "name is missing"),
        ("LL9,X,residential,,,,", "cohort 'residential' is not mainstream or kinship"),
        ("LL9,X,,,,,", "cohort '(empty)' is not mainstream or kinship"),
        ("LL9,X,mainstream,,,31/02/2024,", "approval date '31/02/2024' is not a date"),
        ("LL9,X,mainstream,,,yesterday,", "is not a date"),
        ("LL9,X,mainstream,,,2027-01-01,", "is in the future"),
        ("LL9,X,mainstream,,,,retired", "status 'retired' is not active or inactive"),
        ("LL1,Duplicate,mainstream,,,,", "reference LL1 is also on line 2"),
        ("LL" + "9" * 60 + ",X,mainstream,,,,", "longer than 40"),
    ],
)
def test_a_bad_row_is_listed_with_its_line_and_reason_and_nothing_is_imported(db, qa, line, reason):
    data = GOOD + line + "\n"
    plan = register.plan(db, data, today=TODAY)
    assert len(plan.errors) == 1
    assert plan.errors[0].line == 5 and reason in plan.errors[0].reason
    with pytest.raises(ValueError, match="Nothing was imported: 1 row"):
        register.import_csv(db, qa, data, today=TODAY)
    assert db.execute("select count(*) from households").fetchone()[0] == 0
    assert db.execute("select count(*) from teams").fetchone()[0] == 0


def test_every_bad_row_is_listed_not_just_the_first(db):
    data = HEADER + ",A,mainstream\nLL1,B,nope\nLL2,C,kinship,,,13/13/2020\nLL3,D,kinship\n"
    plan = register.plan(db, data, today=TODAY)
    assert [e.line for e in plan.errors] == [2, 3, 4]
    assert [r["reference"] for r in plan.rows] == ["LL3"]


def test_reimport_updates_by_reference_and_makes_missing_households_inactive_never_deleting(db, qa):
    register.import_csv(db, qa, GOOD, today=TODAY)
    second = HEADER + "ll1,Sam Birch,mainstream,South,,2021-09-14,active\nLL3,Lee Elm,kinship,North,,,\nLL4,New,kinship,,,,\n"
    result = register.import_csv(db, qa, second, today=TODAY)
    assert result.new == ["LL4"] and result.updated == ["ll1"] and result.unchanged == ["LL3"]
    assert result.deactivated == ["LL2"]
    rows = households(db)
    assert set(rows) == {"LL1", "LL2", "LL3", "LL4"}
    assert rows["LL1"]["display_name"] == "Sam Birch" and rows["LL1"]["team"] == "South"
    assert rows["LL2"]["status"] == "inactive"
    change = db.execute(
        "select detail from history where action = 'update' and entity_id = :id", {"id": rows["LL1"]["id"]}
    ).fetchone()[0]
    assert '"display_name": ["Sam & Alex Birch", "Sam Birch"]' in change


def test_a_household_back_in_the_file_becomes_active_again(db, qa):
    register.import_csv(db, qa, GOOD, today=TODAY)
    register.import_csv(db, qa, HEADER + "LL1,Sam & Alex Birch,mainstream,North\n", today=TODAY)
    register.import_csv(db, qa, GOOD, today=TODAY)
    assert {r["status"] for r in households(db).values()} == {"active"}


@pytest.mark.parametrize(
    "data, message",
    [
        ("", "empty"),
        ("reference,name\nLL1,X\n", "no 'cohort' column"),
        ("name,cohort\nX,kinship\n", "no 'reference' column"),
        (HEADER, "no households"),
        (b"\xff\xfe\x00\x00" * 10 + b"\x81\x8d\x8f\x90\x9d", "not readable text"),
        (b"x" * (register.MAX_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(db, qa, data, message):
    with pytest.raises(ValueError, match=message):
        register.import_csv(db, qa, data, today=TODAY)
    assert db.execute("select count(*) from households").fetchone()[0] == 0


def test_excel_exports_with_a_byte_order_mark_or_windows_encoding_are_read(db, qa):
    register.import_csv(db, qa, ("\ufeff" + GOOD).encode("utf-8"), today=TODAY)
    register.import_csv(db, qa, (HEADER + "LL1,Zoë Café,mainstream\n").encode("cp1252"), today=TODAY)
    assert households(db)["LL1"]["display_name"] == "Zoë Café"


def test_column_headers_are_matched_loosely(db, qa):
    data = "Liquidlogic ID,Household Name,Carer Type,Team,SSW,Approved\nLL7,Ann Ash,Connected Persons,West,,2020-02-02\n"
    register.import_csv(db, qa, data, today=TODAY)
    row = households(db)["LL7"]
    assert (row["display_name"], row["cohort"], row["team"], row["approval_on"]) == ("Ann Ash", "kinship", "West", "2020-02-02")


def test_hostile_text_is_stored_verbatim_as_data(db, qa):
    data = HEADER + 'LL1,"=HYPERLINK(""http://x"")",mainstream\nLL2,"<script>alert(1)</script>",kinship\n' \
                    "LL3,'; drop table households; --,kinship\n"
    register.import_csv(db, qa, data, today=TODAY)
    names = {r: v["display_name"] for r, v in households(db).items()}
    assert names == {"LL1": '=HYPERLINK("http://x")', "LL2": "<script>alert(1)</script>",
                     "LL3": "'; drop table households; --"}


@pytest.mark.parametrize("role", ["bso", "social_worker", "manager"])
def test_only_qa_may_import_the_register(db, role):
    with pytest.raises(PermissionDenied):
        register.import_csv(db, add_user(db, role), GOOD, today=TODAY)
    assert db.execute("select count(*) from households").fetchone()[0] == 0


@pytest.mark.parametrize("role, allowed", [("bso", False), ("social_worker", False), ("manager", True), ("qa", True)])
def test_managers_and_qa_may_browse_the_register(db, qa, role, allowed):
    register.import_csv(db, qa, GOOD, today=TODAY)
    user = add_user(db, role)
    if allowed:
        assert [r["reference"] for r in register.households(db, user, search="birch")] == ["LL1"]
        assert [r["reference"] for r in register.households(db, user, cohort="kinship")] == ["LL3", "LL2"]
    else:
        with pytest.raises(PermissionDenied):
            register.households(db, user)


def test_a_search_with_sql_wildcards_matches_them_literally(db, qa):
    register.import_csv(db, qa, HEADER + "LL1,100% Carers,mainstream\nLL2,Plain,mainstream\n", today=TODAY)
    assert [r["reference"] for r in register.households(db, qa, search="%")] == ["LL1"]
    assert register.households(db, qa, search="_") == []


def test_a_team_named_in_different_letter_cases_is_one_new_team(db, qa):
    data = HEADER + "LL1,A,mainstream,Case Team\nLL2,B,kinship,CASE TEAM\nLL3,C,kinship,case team\n"
    result = register.import_csv(db, qa, data, today=TODAY)
    assert result.new_teams == ["Case Team"]
    assert {r["team"] for r in households(db).values()} == {"Case Team"}


def test_a_repeated_reference_is_reported_even_when_its_first_row_is_bad(db):
    data = HEADER + "LL7,,mainstream\nLL7,Second,kinship\n"
    plan = register.plan(db, data, today=TODAY)
    assert [(e.line, e.reason) for e in plan.errors] == [(2, "name is missing"), (3, "reference LL7 is also on line 2")]


def test_a_huge_reference_is_a_row_error_with_its_line_not_a_failed_file(db):
    data = HEADER + "LL1,Fine,mainstream\n" + "R" * 300 + ",Too long,kinship\n"
    plan = register.plan(db, data, today=TODAY)
    assert [(e.line, e.reason) for e in plan.errors] == [(3, "reference is longer than 40 characters")]
    assert plan.errors[0].reference == "R" * 40 + "…"


def test_the_preview_and_the_import_agree_on_what_changes(db, qa):
    worker = add_user(db, "social_worker", username="jo.worker")
    register.import_csv(db, qa, GOOD, today=TODAY)
    db.execute("update users set display_name = 'Jo Worker' where id = :id", {"id": worker.id})
    again = register.plan(db, GOOD, today=TODAY)
    assert again.updated == ["LL1"]  # the worker now links to a user
    done = register.import_csv(db, qa, GOOD, today=TODAY)
    assert done.updated == ["LL1"] and register.plan(db, GOOD, today=TODAY).updated == []


def test_a_file_that_would_make_most_households_inactive_needs_confirming(db, qa):
    big = HEADER + "".join(f"LL{i},Household {i},mainstream\n" for i in range(10))
    register.import_csv(db, qa, big, today=TODAY)
    partial = HEADER + "LL1,Household 1,mainstream\nLL2,Household 2,mainstream\n"
    with pytest.raises(ValueError, match="would make 8 active households inactive"):
        register.import_csv(db, qa, partial, today=TODAY)
    assert register.summary(db)["mainstream"] == 10
    register.import_csv(db, qa, partial, today=TODAY, confirmed=True)
    assert register.summary(db) == {"mainstream": 2, "kinship": 0, "inactive": 8}
    small_change = HEADER + "".join(f"LL{i},Household {i},mainstream\n" for i in range(1, 3))
    assert register.import_csv(db, qa, small_change, today=TODAY).deactivated == []
