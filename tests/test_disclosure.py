"""The informed reader (lib/disclosure.py): figures tied across tables and sentences, percentages, charts, the
pre-publish audit, and the audit over every demo quarter and year."""

import datetime as dt
import json
import math

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from lib import disclosure, periods
from lib.disclosure import Ledger, plus
from lib.report import build as report
from lib.report.model import Chart, Section, Table
from lib.suppression import PRESETS

DFE = PRESETS["dfe"]


def integer_range(led: Ledger, target: disclosure.Figure) -> tuple[float, float]:
    """An independent reader: the integer programme (scipy's milp, not the ledger's LP) over every atom, from
    what the ledger shows and hides and the ties it declares."""
    atoms = sorted(led.atoms)
    index = {a: i for i, a in enumerate(atoms)}

    def vector(terms):
        row = np.zeros(len(atoms))
        for atom, times in dict(terms).items():
            row[index[atom]] += times
        return row

    rows, low, high = [], [], []
    for f in led.figures:
        if f.kind != "count":
            continue
        rows.append(vector(f.terms))
        if f.hidden:
            low.append(led.rules.suppress_min if f.value >= led.rules.suppress_min else 0), high.append(np.inf)
        else:
            low.append(f.value), high.append(f.value)
    for a, b in led.links:
        rows.append(vector(a) - vector(b))
        low.append(0), high.append(0)
    constraints = LinearConstraint(np.array(rows), low, high)
    ends = []
    for sign in (1, -1):
        found = milp(sign * vector(target.terms), constraints=constraints, integrality=np.ones(len(atoms)),
                     bounds=Bounds(0, np.inf))
        ends.append(math.inf if found.status != 0 else sign * found.fun)
    return ends[0], ends[1]


def assert_no_hidden_count_narrowed(led: Ledger):
    checked = 0
    for f in led.figures:
        if f.kind == "count" and f.hidden and led.rules.suppress_min <= f.value <= led.rules.suppress_max:
            low, high = integer_range(led, f)
            assert high - low + 1 >= led.rules.protection, (f.label, f.value, low, high)
            checked += 1
    return checked


def test_a_sentence_that_repeats_a_tables_count_is_the_same_figure_and_is_hidden_with_it():
    # "8 complaints, 11 compliments and c comments" beside a Received table whose total is 21 gave the comments away.
    led = Ledger(DFE)
    grid = led.table([[11], [2], [8]], column_totals=True, label="Received")
    sentence = f"{led.count(grid.terms[(2, 0)])} complaints, {led.count(grid.terms[(0, 0)])} compliments and " \
               f"{led.count(grid.terms[(1, 0)])} comments were received."
    led.settle()
    cells = [led.show(t) for (t,) in grid.cells]
    assert cells[1] == "c" and cells.count("c") >= 2 and led.show(grid.column_totals[0]) == "21"
    words = led.show(sentence).split()
    assert [words[0], words[2], words[5]] == [cells[2], cells[0], cells[1]]
    assert assert_no_hidden_count_narrowed(led) >= 1 and led.leaks() == []


def test_a_second_table_whose_total_is_a_hidden_count_does_not_print_it():
    # Complaints hidden in the Received table, and the stage table's total is the number of complaints.
    led = Ledger(DFE)
    received = led.table([[30], [12], [3]], column_totals=True, label="Received")
    stages = led.table([[2], [1], [0]], column_totals=True, label="Stages")
    led.same(received.terms[(2, 0)], stages.terms[(3, 0)])
    led.settle()
    assert led.show(received.cells[2][0]) == "c" and led.show(stages.column_totals[0]) == "c"
    assert assert_no_hidden_count_narrowed(led) >= 3 and led.leaks() == []


def test_a_summary_sum_of_two_columns_cannot_undo_the_columns_hidden_totals():
    # "de-registered: 10" under a table whose two de-registered columns add to 3 and 7.
    led = Ledger(DFE)
    grid = led.table([[1, 0], [2, 7]], column_totals=True, label="De-registered")
    gone = led.count(plus(grid.terms[(2, 0)], grid.terms[(2, 1)]), label="De-registered in the period")
    led.settle()
    assert led.show(grid.column_totals[0]) == "c"
    assert led.show(grid.column_totals[1]) == "c" or led.show(gone) == "c"
    assert assert_no_hidden_count_narrowed(led) >= 2 and led.leaks() == []


def test_a_register_of_small_kinship_cells_and_its_summary_line_give_nothing_away():
    # Kinship North/South/West all c, total 76 - 6 - 55 = 15: each 5, and the row totals then give the mainstream.
    led = Ledger(DFE)
    counts = [[35, 6], [0, 55], [33, 5], [57, 5], [34, 5]]
    grid = led.table(counts, row_totals=True, column_totals=True, label="Register")
    summary = f"Approved households on the register at the end of the period: {grid.grand_total}."
    led.settle()
    assert [led.show(grid.cells[r][1]) for r in (2, 3, 4)] == ["c", "c", "c"]
    assert assert_no_hidden_count_narrowed(led) >= 3 and led.leaks() == []
    assert led.show(summary).endswith(f"{led.show(grid.grand_total)}.")


def test_rows_that_each_total_the_same_audits_are_tied_so_no_domain_row_pins_its_hidden_grades():
    led = Ledger(DFE)
    moderated = led.atom(9)
    grades = led.table([[1, 7, 1, 0], [2, 4, 3, 0]], row_totals=True, label="Grades")
    for row in range(2):
        led.same(grades.terms[(row, 4)], moderated)
    led.count(moderated, label="Moderated")
    led.settle()
    assert led.show(grades.cells[0][1]) == "c"  # 7 goes too, or the 1s are pinned by 9 - 7
    assert assert_no_hidden_count_narrowed(led) >= 4 and led.leaks() == []


@pytest.mark.parametrize("numerator, base", [(9, 14), (10, 11), (3, 40), (5, 5)])
def test_a_percentage_whose_count_or_complement_is_small_is_never_printed(numerator, base):
    led = Ledger(DFE)
    pct = led.percent(numerator, base)
    led.settle()
    assert led.show(pct) == "c" and led.leaks() == []


def test_a_percentage_on_a_hidden_base_is_hidden_with_it_and_words_beside_a_hidden_count_change():
    led = Ledger(DFE)
    column = led.table([[40], [3]], column_totals=True)
    pct = led.percent(20, 40, base_of=column.cells[0][0])
    moved = led.beside(column.cells[1][0], "▲ rising", hidden="too few to compare")
    led.settle()
    assert led.show(column.cells[0][0]) == "c" and led.show(pct) == "c"
    assert led.show(moved) == "too few to compare"


def test_a_chart_draws_the_tables_own_percentages_and_leaves_a_hidden_one_empty():
    led = Ledger(DFE)
    shown, hidden = led.percent(20, 30), led.percent(9, 14)
    spec = json.dumps({"data": {"values": [{"q": "CAR01", "percent": shown}, {"q": "CAR02", "percent": hidden}]}})
    led.settle()
    rows = json.loads(led.chart(spec))["data"]["values"]
    assert rows == [{"q": "CAR01", "percent": pytest.approx(66.7)}, {"q": "CAR02", "percent": None}]


def test_a_stated_part_bigger_than_its_whole_ties_nothing_and_two_different_counts_cannot_be_the_same():
    led = Ledger(DFE)
    small, big = led.atom(3), led.atom(9)
    assert led.part(small, big) is False and led.links == []
    with pytest.raises(ValueError, match="differ"):
        led.same(small, big)
    with pytest.raises(ValueError, match="never registered"):
        led.count({"nobody": 1})
    with pytest.raises(ValueError, match="cannot be negative"):
        led.count(-1)


def test_nothing_is_shown_before_the_ledger_is_settled_and_nothing_added_after():
    led = Ledger(DFE)
    token = led.count(4)
    with pytest.raises(RuntimeError, match="settle"):
        led.show(token)
    led.settle()
    with pytest.raises(RuntimeError, match="settled"):
        led.count(7)


def section(**parts):
    return Section(parts.pop("key", "carers"), parts.pop("title", "Carers"), **parts)


def test_the_audit_finds_a_number_printed_straight_from_the_data_and_allows_dates_periods_and_codes():
    led = Ledger(DFE)
    led.section = "carers"
    counted = led.count(40)
    led.settle()
    built = [section(summary=(f"{counted} calls on 3 December 2026 at 14:05 in 2026/27 Q2 (CAR01).",
                              "7 carers said so."),
                     tables=(Table("At 31 March 2027", ("Measure", "n"), (("Under 8s", "12"),)),))]
    found = [str(leak) for leak in disclosure.audit(led, built)]
    assert found == ["Carers: a sentence prints 7, which no published figure accounts for",
                     "Carers: the table “At 31 March 2027” prints 12, which no published figure accounts for"]


def test_the_audit_flags_commentary_that_mentions_a_number_its_section_hides_in_digits_or_words():
    led = Ledger(DFE)
    led.section = "carers"
    hidden = led.count(4)
    led.section = "parents"
    led.count(2)
    led.settle()
    words = "Four carers told us about the allowance; 2 parents did too; we held 12 sessions."
    found = [str(leak) for leak in disclosure.audit(led, [section(summary=(f"{hidden} said so.",), narrative=words)])]
    assert found == ["Carers: the commentary mentions 4, a number this section hides: reword it before publishing"]


def test_words_typed_to_look_like_a_token_stay_words():
    led = Ledger(DFE)
    hidden = led.count(3)
    forged = disclosure.OPEN + "0" + disclosure.CLOSE + " and " + hidden.replace(hidden[1:-1].split(":")[0], "beef")
    led.settle()
    assert led.show(hidden) == "c" and led.show(forged) == forged


def test_the_audit_reads_chart_labels_and_table_notes_too():
    led = Ledger(DFE)
    led.settle()
    built = [section(tables=(Table("T", ("A", "B"), (), note="3 left out"),),
                     charts=(Chart("C", "{}", alt="bars", note="5 points not drawn"),))]
    assert len(disclosure.audit(led, built)) == 2


# ---- the demo: every quarter and year ----------------------------------------------------------------


def demo_periods(today: dt.date) -> list[str]:
    """Every financial year from 2024/25 (before the demo's data) to today's, each followed by its started quarters."""
    keys, year = [], periods.FinancialYear(2024)
    while year.start <= today:
        keys += [year.label] + [periods.of_quarter(q).key for q in year.quarters if periods.of_quarter(q).start <= today]
        year = periods.FinancialYear(year.start_year + 1)
    return keys


def copy_of(template, path):
    import sqlite3

    from lib import store
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    source.backup(target)
    source.close(), target.close()
    return store.connect(path)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory, demo_template):
    from lib.access import User
    db = copy_of(demo_template, tmp_path_factory.mktemp("demo") / "demo.db")
    qa = User(0, "qa", "QA", frozenset({"qa"}))
    today = dt.date.today()
    return [(key, *report.build_with_ledger(db, qa, key, today=today)) for key in demo_periods(today)]


def test_every_demo_quarter_and_year_passes_the_informed_reader_audit_with_no_leak(demo_reports):
    assert len(demo_reports) >= 8
    assert {key: value.leaks for key, value, _ in demo_reports if value.leaks} == {}


def test_an_independent_integer_reader_cannot_narrow_any_hidden_count_in_any_demo_report(demo_reports):
    checked = sum(assert_no_hidden_count_narrowed(led) for _, _, led in demo_reports)
    assert checked > 100  # the demo hides plenty: the check is not vacuous


def test_no_demo_report_prints_a_percentage_that_gives_a_small_count_away(demo_reports):
    for key, _, led in demo_reports:
        for f in led.figures:
            if f.kind == "percent" and not f.hidden and f.text.endswith("%"):
                assert f.base >= 10 and not 1 <= f.numerator <= 5 and not 1 <= f.base - f.numerator <= 5, (key, f)


def test_a_stricter_protection_setting_hides_more_and_still_passes(tmp_path, demo_template):
    from lib.access import User
    from lib.store import settings
    db = copy_of(demo_template, tmp_path / "strict.db")
    qa = User(1, "qa", "QA", frozenset({"qa"}))
    today = dt.date.today()
    key = demo_periods(today)[-2]
    before, led_before = report.build_with_ledger(db, qa, key, today=today)
    settings.update(db, qa, {"disclosure_protection": 5})
    after, led_after = report.build_with_ledger(db, qa, key, today=today)
    assert led_after.rules.protection == 5 and after.leaks == ()
    hidden = [sum(f.hidden for f in led.figures if f.kind == "count") for led in (led_before, led_after)]
    assert hidden[1] >= hidden[0]
    assert_no_hidden_count_narrowed(led_after)


# ---- commentary that gives a hidden number away is refused before approval and publishing -----------------


def hidden_in_section(led: Ledger, key: str) -> int:
    return next(f.value for f in led.figures if f.kind == "count" and f.hidden and f.section == key
                and 1 <= f.value <= 5)


def test_commentary_naming_a_hidden_count_is_listed_and_stops_approval_and_publishing(demo_db):
    from lib.report import drafts, publishing
    from lib.ui import session
    from tests.fixtures import user

    qa = user(demo_db, "qa")
    key = periods.recent(session.today(), 8)[1].slug
    _, led = report.build_with_ledger(demo_db, qa, key, today=session.today())
    number = hidden_in_section(led, "complaints")
    drafts.save_draft(demo_db, qa, key, narrative={"complaints": f"Only {number} of them came from carers."})
    value = report.build(demo_db, qa, key, today=session.today())
    assert [leak for leak in value.leaks if "commentary" in leak] == [
        f"Compliments, comments and complaints: the commentary mentions {number}, a number this section hides: "
        "reword it before publishing"]
    for attempt in (lambda: publishing.ask_for_approval(demo_db, qa, key, today=session.today()),
                    lambda: publishing.publish(demo_db, qa, key, today=session.today())):
        with pytest.raises(ValueError, match="disclosure check found 1 place"):
            attempt()
    drafts.save_draft(demo_db, qa, key, narrative={"complaints": "Most of them came from professionals."})
    assert report.build(demo_db, qa, key, today=session.today()).leaks == ()


def test_the_report_page_lists_what_the_disclosure_check_found(demo_db, app):
    from lib.report import drafts
    from lib.ui import session
    from tests.fixtures import open_form, user

    qa = user(demo_db, "qa")
    key = periods.recent(session.today(), 8)[1].slug
    _, led = report.build_with_ledger(demo_db, qa, key, today=session.today())
    drafts.save_draft(demo_db, qa, key, narrative={"complaints": f"We had {hidden_in_section(led, 'complaints')}."})
    at = open_form(app, demo_db, "qa", "app_pages/report/report_builder.py")
    assert any(e.value.startswith("The disclosure check found") for e in at.error)
    assert any("the commentary mentions" in t.value for t in at.text)
    assert [b.disabled for b in at.button if b.label in ("Ask for approval", "Publish this report")] == [True, True]


def test_every_demo_charts_data_holds_numbers_from_the_ledger_never_tokens_or_display_strings(demo_reports):
    drawn = 0
    for key, value, _ in demo_reports:
        for section in value.sections:
            for chart in section.charts:
                assert disclosure.OPEN not in chart.spec, (key, chart.title)
                spec = json.loads(chart.spec)
                for rows in [*spec.get("datasets", {}).values(), spec.get("data", {}).get("values", [])]:
                    for row in rows:
                        assert row.get("percent") is None or isinstance(row["percent"], (int, float)), (key, row)
                        drawn += row.get("percent") is not None
    assert drawn > 50


@pytest.mark.parametrize("words, found", [
    ("In 2026 we met 1,234 carers", {1234}), ("on 3 December 2026, 5 said so", {5}),
    ("five of them, for 2.5 hours; 12% more", {5, 12}), ("CAR01, Y1_01 and 7 more", {7}), ("", set())])
def test_commentary_numbers_are_read_whole_in_digits_or_words_but_not_in_dates_or_codes(words, found):
    assert disclosure.mentioned(words) == found


def _register(led: Ledger, kinship: int) -> list[str]:
    grid = led.table([[30, kinship], [25, 2]], row_totals=True, column_totals=True, label="register")
    return [cell for row in grid.cells for cell in row] + list(grid.row_totals) + list(grid.column_totals)


def test_a_ledger_of_the_same_shape_reuses_what_was_decided_without_solving_again(monkeypatch):
    first = Ledger(PRESETS["dfe"])
    tokens = _register(first, 4)
    first.settle()
    solved = []
    original = Ledger._solve
    monkeypatch.setattr(Ledger, "_solve", lambda self, *a: solved.append(1) or original(self, *a))
    again = Ledger(PRESETS["dfe"])
    same = _register(again, 4)
    again.settle()
    assert solved == [] and [again.show(t) for t in same] == [first.show(t) for t in tokens]
    assert again.leaks() == []
    other = Ledger(PRESETS["dfe"])  # one count differs: a new shape, decided afresh
    _register(other, 3)
    other.settle()
    assert solved and other.shape() != again.shape() == first.shape()


def test_a_percentage_is_hidden_with_its_printed_numerator_as_with_its_base():
    led = Ledger(PRESETS["dfe"])
    heard = led.count(12, label="heard from", hide=True)  # hidden to protect another count, say
    base = led.count(55, label="on the register")
    pct = led.percent(12, 55, base_of=base, numerator_of=heard, label="12 of 55")
    alone = led.percent(12, 55, base_of=base, label="12 of 55, its count not printed")
    led.settle()
    assert [led.show(t) for t in (heard, base, pct, alone)] == ["c", "55", "c", "22%"]
    assert led.leaks() == []
