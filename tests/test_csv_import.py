"""The one CSV reader behind every import."""

import pytest

from lib import csv_import

COLUMNS = {"reference": ("reference", "ref"), "name": ("name",)}


def key(heading):
    return heading.strip().lower()


def test_rows_are_numbered_as_excel_numbers_them_so_a_cell_with_line_breaks_is_one_row():
    found, rows = csv_import.read_rows('Ref,Name,Other\nA1,"two\nlines"\n\nA2,Ann\n', COLUMNS, key, max_rows=10)
    assert found == {"reference", "name"}
    assert rows == [(2, {"reference": "A1", "name": "two\nlines"}), (4, {"reference": "A2", "name": "Ann"})]


def test_a_utf8_file_with_one_stray_byte_is_refused_naming_its_line_not_read_as_windows_1252():
    data = "ref,name\nA1,Zoë\nA2,Siân\n".encode("utf-8") + b"A3,Bj\xf6rk\n"
    with pytest.raises(ValueError, match=r"^Line 4 of the file has a character that is not UTF-8 \(the byte 0xf6\)"):
        csv_import.read_rows(data, COLUMNS, key, max_rows=10)


def test_excels_utf8_byte_order_mark_and_windows_1252_are_read():
    assert csv_import.read_rows("\ufeffref,name\nA1,Zoë\n".encode("utf-8"), COLUMNS, key, max_rows=10)[1] == \
        [(2, {"reference": "A1", "name": "Zoë"})]
    assert csv_import.read_rows("ref,name\nA1,Zoë\n".encode("cp1252"), COLUMNS, key, max_rows=10)[1] == \
        [(2, {"reference": "A1", "name": "Zoë"})]


@pytest.mark.parametrize("data, message", [
    ("ref,name\nA1,Ann\n".encode("utf-16"), csv_import.UNREADABLE),
    (b"", "The file is empty."),
    (b"x" * (csv_import.MAX_BYTES + 1), "larger than 5 MB"),
    ("ref,name\n" + "A,B\n" * 4, "more than 3 households"),
])
def test_files_that_cannot_be_read_are_refused_with_a_sentence_saying_why(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        csv_import.read_rows(data, COLUMNS, key, max_rows=3, what="households")


# ---- The pipeline: read, validate with line numbers, refuse whole, apply in one transaction -----------------

import datetime as dt  # noqa: E402

from lib.kpis import figures, recruitment  # noqa: E402
from lib.people import accounts, register  # noqa: E402
from lib.access import PermissionDenied  # noqa: E402
from lib.store import imports  # noqa: E402
from tests.conftest import add_user  # noqa: E402

LAYOUT = csv_import.Layout(columns=COLUMNS, names={"reference": "reference", "name": "name"}, key=key,
                           hint="The first line must name the columns: reference, name.", what="households")
TODAY = dt.date(2026, 5, 20)


def test_each_row_is_checked_by_its_line_and_one_bad_row_does_not_hide_the_others():
    _, rows = csv_import.read("ref,name\nA1,Ann\nA2,\n\nA3,\n", LAYOUT, required=("reference",))

    def check(line, cell):
        if not cell["name"]:
            raise ValueError("name is missing")
        return cell["name"].upper()

    good, errors = csv_import.validate(rows, check, label=lambda cell: cell["reference"])
    assert good == [(2, "ANN")]
    assert errors == [csv_import.RowError(3, "name is missing", "A2"), csv_import.RowError(5, "name is missing", "A3")]


def test_a_key_seen_on_an_earlier_line_is_refused_naming_that_line():
    once = csv_import.Once("the same month and team")
    once.check(("2026-04", 1), 2)
    once.check(("2026-04", 2), 3)
    with pytest.raises(ValueError, match=r"^the same month and team is also on line 2$"):
        once.check(("2026-04", 1), 7)


@pytest.mark.parametrize("data, message", [
    ("name\nAnn\n", "The file has no 'reference' column. The first line must name the columns: reference, name."),
    ("ref,name\n\n,\n", "The file has a header but no households."),
])
def test_a_missing_column_or_a_header_with_nothing_under_it_is_refused_with_the_files_own_hint(data, message):
    with pytest.raises(ValueError) as raised:
        csv_import.read(data, LAYOUT, required=("reference", "name"))
    assert str(raised.value) == message


def test_the_refusal_counts_the_rows_and_lists_the_first_five_by_line():
    with pytest.raises(ValueError) as one:
        csv_import.refuse([csv_import.RowError(4, "team is missing")])
    assert str(one.value) == "Nothing was imported: 1 row needs fixing. line 4: team is missing."
    with pytest.raises(ValueError) as many:
        csv_import.refuse([csv_import.RowError(n, f"problem {n}") for n in range(2, 10)])
    assert str(many.value).startswith("Nothing was imported: 8 rows need fixing. line 2: problem 2; line 3:")
    assert "line 6: problem 6 (and 3 more)." in str(many.value) and "line 7" not in str(many.value)


@pytest.fixture
def importers(db, qa):
    accounts.create_team(db, qa, "North Team")
    return {
        "register": (lambda data: register.import_csv(db, qa, data, today=TODAY), "households",
                     "reference,name,cohort\nLL1,Ash,mainstream\nLL2,Birch,nonsense\n"),
        "kpi": (lambda data: figures.import_csv(db, qa, data, today=TODAY), "kpi_figures",
                "month,team,measure,in time,out of time\n2026-04,North Team,Support visits in time,4,1\n"
                "2026-04,North Team,Support visits in time,x,1\n"),
        "recruitment": (lambda data: recruitment.import_csv(db, qa, data, today=TODAY), "recruitment_figures",
                        "month,team,measure,number\n2026-04,,Enquiries,3\n2026-04,,Enquiries,4\n"),
    }


@pytest.mark.parametrize("kind", ["register", "kpi", "recruitment"])
def test_every_import_refuses_the_whole_file_for_one_bad_row_in_the_same_words_and_writes_nothing(db, importers, kind):
    run, table, data = importers[kind]
    before = db.execute("select count(*) from history").fetchone()[0]
    with pytest.raises(ValueError, match=r"^Nothing was imported: 1 row needs fixing\. line 3: "):
        run(data)
    assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0
    assert db.execute("select count(*) from history").fetchone()[0] == before


def test_an_import_plans_again_inside_its_write_so_a_household_added_since_the_preview_is_counted(db, qa):
    register.import_csv(db, qa, "reference,name,cohort\nLL1,Ash,mainstream\n", today=TODAY)
    data = "reference,name,cohort\nLL1,Ash,mainstream\nLL3,Cedar,kinship\n"
    preview = register.plan(db, data, today=TODAY)
    register.import_csv(db, qa, "reference,name,cohort\nLL1,Ash,mainstream\nLL2,Birch,kinship\n", today=TODAY)
    done = register.import_csv(db, qa, data, today=TODAY)
    assert preview.deactivated == [] and done.deactivated == ["LL2"]
    assert db.execute("select status from households where reference = 'LL2'").fetchone()[0] == "inactive"


def test_an_import_that_fails_part_way_through_leaves_nothing_written(db, qa):
    def apply(_plan):
        db.execute("insert into teams (name, created_at) values ('Written', '2026-05-20')")
        raise ValueError("Nothing was imported: the second step failed.")

    with pytest.raises(ValueError, match="the second step failed"):
        imports.run(db, qa, permission="import_register", plan=lambda: register.ImportPlan(), apply=apply)
    assert db.execute("select count(*) from teams where name = 'Written'").fetchone()[0] == 0


def test_an_import_needs_its_permission_before_anything_is_read(db):
    bso = add_user(db, "bso")
    with pytest.raises(PermissionDenied):
        imports.run(db, bso, permission="import_register", plan=lambda: pytest.fail("planned"), apply=print)
