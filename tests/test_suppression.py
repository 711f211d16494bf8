import random

import pytest

from lib import suppression
from lib.disclosure import table
from lib.suppression import (
    PRESETS,
    SUPPRESSED,
    Rules,
    count,
    describe,
    footnote,
    mean,
    percent,
)

DFE, ONS = PRESETS["dfe"], PRESETS["ons"]


@pytest.mark.parametrize("n, shown", [(0, "0"), (1, "c"), (3, "c"), (5, "c"), (6, "6"), (10, "10"), (1234, "1,234")])
def test_a_count_of_one_to_five_shows_as_c_and_zero_stays_zero(n, shown):
    assert count(n, DFE) == shown


@pytest.mark.parametrize(
    "numerator, base, kwargs, shown",
    [(0, 0, {}, "–"), (1, 1, {}, "c"), (9, 9, {}, "c"), (6, 12, {}, "50%"), (0, 10, {}, "0%"),
     (20, 30, {}, "67%"), (10, 80, {}, "13%"), (20, 30, {"digits": 1}, "66.7%"), (30, 30, {}, "100%"),
     # Beside its base a percentage would give away a hidden count: 3 of 10, or 9 of 14 (5 did not).
     (3, 10, {}, "c"), (9, 14, {}, "c"), (10, 11, {}, "c"), (6, 11, {}, "c"), (7, 13, {}, "54%")],
)
def test_a_percentage_needs_a_base_of_ten_and_rounds_half_up(numerator, base, kwargs, shown):
    assert percent(numerator, base, DFE, **kwargs) == shown


@pytest.mark.parametrize(
    "total, base, kwargs, shown",
    [(0.0, 0, {}, "–"), (27, 9, {}, "c"), (35, 10, {}, "3.5"), (22.5, 10, {}, "2.3"), (-5, 10, {}, "-0.5"),
     (-0.4, 10, {}, "0.0"), (41, 12, {"digits": 2}, "3.42")],
)
def test_a_mean_needs_a_base_of_ten_and_rounds_half_up(total, base, kwargs, shown):
    assert mean(total, base, DFE, **kwargs) == shown


@pytest.mark.parametrize("n, shown", [(0, "0"), (1, "c"), (9, "c"), (10, "10"), (12, "10"), (13, "15"), (17, "15"),
                                      (18, "20")])
def test_the_ons_preset_hides_under_ten_and_rounds_the_rest_to_five(n, shown):
    assert count(n, ONS) == shown
    assert percent(5, 9, ONS) == "c" and percent(5, 10, ONS) == "c" and percent(10, 20, ONS) == "50%"


@pytest.mark.parametrize(
    "rules, n, shown",
    [(Rules(rounding=10), 6, "10"), (Rules(rounding=10), 14, "10"), (Rules(rounding=10), 15, "20"),
     (Rules(rounding=10), 0, "0"), (Rules(suppress_max=1, rounding=10), 2, "10"),
     (Rules(suppress_max=1, rounding=5), 2, "5"), (Rules(suppress_max=1, rounding=5), 3, "5")],
)
def test_rounding_is_half_up_and_never_turns_a_count_into_zero(rules, n, shown):
    assert count(n, rules) == shown


@pytest.mark.parametrize(
    "kwargs",
    [{"suppress_min": 0}, {"suppress_max": 0}, {"suppress_min": 3, "suppress_max": 2}, {"min_base": 0},
     {"rounding": 3}, {"rounding": True}, {"suppress_max": 5.5}],
)
def test_impossible_rules_are_refused_with_a_sentence(kwargs):
    with pytest.raises(ValueError, match=r"\.$"):
        Rules(**kwargs)


@pytest.mark.parametrize(
    "call",
    [lambda: count(-1, DFE), lambda: count(2.0, DFE), lambda: count(True, DFE), lambda: count("3", DFE),
     lambda: percent(-1, 10, DFE), lambda: percent(1, 10.0, DFE), lambda: mean(float("nan"), 10, DFE),
     lambda: mean(3, -1, DFE), lambda: table([[1, 2], [3]], DFE), lambda: table([[1, -2]], DFE)],
)
def test_negative_or_fractional_counts_are_refused(call):
    with pytest.raises(ValueError, match=r"^[A-Z].*\.$"):
        call()


def test_numpy_integers_from_a_dataframe_are_accepted():
    np = pytest.importorskip("numpy")
    assert count(np.int64(3), DFE) == "c" and percent(np.int64(6), np.int64(12), DFE) == "50%"


# --- tables ----------------------------------------------------------------------------------------


def hidden_positions(t):
    """Every hidden position in the augmented grid (totals at column len(row) / row len(cells))."""
    grid = [list(row) + ([t.row_totals[r]] if t.row_totals else []) for r, row in enumerate(t.cells)]
    if t.column_totals is not None:
        grid.append(list(t.column_totals) + ([t.grand_total] if t.row_totals else []))
    return {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == SUPPRESSED}


def shown_lines(t):
    """Each line that adds up to a total, as (its cell positions, its total's position)."""
    rows, cols = len(t.cells), len(t.cells[0]) if t.cells else 0
    lines = []
    if t.row_totals is not None:
        lines += [([(r, c) for c in range(cols)], (r, cols)) for r in range(rows + (t.column_totals is not None))]
    if t.column_totals is not None:
        lines += [([(r, c) for r in range(rows)], (rows, c)) for c in range(cols + (t.row_totals is not None))]
    return lines


def reader_ranges(t, rules, values):
    """What an informed reader can tell of each hidden small cell, worked out independently of lib/disclosure:
    an integer programme (scipy's milp) over every position of the table, from the display strings alone.
    A shown count is within half the rounding base of what is shown (exactly it without rounding, 0 stays 0),
    a "c" is at least the smallest hidden count, and each line adds up to its total."""
    milp = pytest.importorskip("scipy.optimize").milp
    from scipy.optimize import Bounds, LinearConstraint
    import numpy as np
    grid = [list(row) + ([t.row_totals[r]] if t.row_totals else []) for r, row in enumerate(t.cells)]
    if t.column_totals is not None:
        grid.append(list(t.column_totals) + ([t.grand_total] if t.row_totals else []))
    positions = [(r, c) for r, row in enumerate(grid) for c in range(len(row))]
    index = {p: i for i, p in enumerate(positions)}
    half = (rules.rounding or 0) // 2
    low, high = [], []
    for r, c in positions:
        shown = grid[r][c]
        if shown == SUPPRESSED:
            low.append(rules.suppress_min), high.append(np.inf)
        else:
            n = int(shown.replace(",", ""))
            low.append(max(0, n - half) if n else 0), high.append(n + half if n else 0)
    rows = []
    for cells, total in shown_lines(t):
        row = np.zeros(len(positions))
        for p in cells:
            row[index[p]] += 1
        row[index[total]] -= 1
        rows.append(row)
    constraints = [LinearConstraint(np.array(rows), 0, 0)] if rows else []
    found = {}
    for p in hidden_positions(t):
        if not rules.suppress_min <= values[p] <= rules.suppress_max:
            continue
        ends = []
        for sign in (1, -1):
            objective = np.zeros(len(positions))
            objective[index[p]] = sign
            result = milp(objective, constraints=constraints, integrality=np.ones(len(positions)),
                          bounds=Bounds(low, high))
            ends.append(np.inf if result.status != 0 else round(sign * result.fun))
        found[p] = ends
    return found


def true_values(counts, row_totals, column_totals):
    values = {(r, c): v for r, row in enumerate(counts) for c, v in enumerate(row)}
    rows, cols = len(counts), len(counts[0])
    if row_totals:
        values.update({(r, cols): sum(counts[r]) for r in range(rows)})
    if column_totals:
        values.update({(rows, c): sum(row[c] for row in counts) for c in range(cols)})
    values[(rows, cols)] = sum(map(sum, counts))
    return values


def assert_safe(t, counts, rules=None, row_totals=False, column_totals=False):
    """Every hidden small count leaves a reader at least the rules' protection of whole values."""
    rules = rules or DFE
    assert hidden_positions(t) == t.primary | t.secondary
    for p, (low, high) in reader_ranges(t, rules, true_values(counts, row_totals, column_totals)).items():
        assert high - low + 1 >= rules.protection, (p, low, high, t)


def test_one_small_cell_in_a_totalled_row_takes_the_next_smallest_with_it():
    t = table([[3, 10, 20]], DFE, row_totals=True)
    assert t.cells == (("c", "c", "20"),) and t.row_totals == ("33",)
    assert t.primary == {(0, 0)} and t.secondary == {(0, 1)}
    assert_safe(t, [[3, 10, 20]], row_totals=True)


def test_a_column_with_a_total_hides_its_smallest_other_cell_and_keeps_its_zeros():
    t = table([[12], [4], [0], [9]], DFE, column_totals=True)
    assert [row[0] for row in t.cells] == ["12", "c", "0", "c"] and t.column_totals == ("25",)
    assert t.secondary == {(3, 0)}
    assert_safe(t, [[12], [4], [0], [9]], column_totals=True)


def test_without_totals_or_with_secondary_off_only_small_cells_are_hidden():
    assert table([[3, 10]], DFE).cells == (("c", "10"),)
    t = table([[3, 10]], Rules(secondary=False), row_totals=True)
    assert t.cells == (("c", "10"),) and t.row_totals == ("13",) and t.secondary == frozenset()


def test_a_small_total_is_hidden_as_primary():
    t = table([[0, 4, 0, 0]], DFE, row_totals=True)
    assert t.cells == (("0", "c", "0", "0"),) and t.row_totals == ("c",)
    assert t.primary == {(0, 1), (0, 4)} and t.secondary == frozenset()
    assert_safe(t, [[0, 4, 0, 0]], row_totals=True)


def test_two_hidden_cells_in_a_row_are_not_enough_when_the_row_total_pins_them_both():
    # The audit grades row: "Voice of the child | c | 7 | c | 0 | 9" tells a reader both c are 1.
    counts = [[1, 7, 1, 0]]
    t = table(counts, DFE, row_totals=True)
    assert t.cells == (("c", "c", "c", "0"),) and t.row_totals == ("9",)
    assert_safe(t, counts, row_totals=True)


def test_three_hidden_cells_under_a_total_of_nineteen_are_widened_until_each_has_three_possible_values():
    # The annual "Quality of matching | c | 16 | c | c | 19": each c is 1 (19 - 16 = 3 over three cells).
    counts = [[1, 16, 1, 1]]
    t = table(counts, DFE, row_totals=True)
    assert t.cells[0][1] == "c" and t.row_totals == ("19",)
    assert_safe(t, counts, row_totals=True)


def test_a_team_by_cohort_register_does_not_give_away_small_kinship_cells_through_the_margins():
    # Kinship North/South/West all c under a kinship total of 15 pins each at 5, and then each mainstream cell.
    counts = [[20, 5], [18, 5], [17, 5]]
    t = table(counts, DFE, row_totals=True, column_totals=True)
    hidden = hidden_positions(t)
    assert {(0, 1), (1, 1), (2, 1)} <= hidden
    assert_safe(t, counts, row_totals=True, column_totals=True)


def test_a_chain_of_lines_that_would_give_a_cell_away_is_broken():
    counts = [[4, 0, 0], [9, 2, 2], [7, 0, 2]]
    t = table(counts, DFE, row_totals=True, column_totals=True)
    assert t.cells[0][0] == t.cells[1][1] == t.cells[1][2] == t.cells[2][2] == "c"
    assert_safe(t, counts, row_totals=True, column_totals=True)


def test_with_rounding_a_reader_allows_for_each_shown_count_being_off_by_half_the_base():
    # 12 shows as 10 and 23 as 25 under a total shown as 45: the hidden 8 could be anything from 3 to 17.
    t = table([[8, 12, 23]], ONS, row_totals=True)
    assert t.cells == (("c", "10", "25"),) and t.row_totals == ("45",)
    assert t.primary == {(0, 0)} and t.secondary == frozenset()
    assert_safe(t, [[8, 12, 23]], ONS, row_totals=True)


def test_a_stricter_protection_hides_more():
    counts = [[2, 9, 15]]
    assert table(counts, Rules(protection=3), row_totals=True).cells == (("c", "c", "15"),)
    t = table(counts, Rules(protection=20), row_totals=True)
    assert t.cells == (("c", "9", "15"),) and t.row_totals == ("c",)  # hiding the 9 would leave 1 to 10
    assert_safe(t, counts, Rules(protection=20), row_totals=True)


@pytest.mark.parametrize("protection", [0, 21, 2.5, True])
def test_a_protection_outside_one_to_twenty_values_is_refused(protection):
    with pytest.raises(ValueError, match="protection"):
        Rules(protection=protection)


@pytest.mark.parametrize("rules", [DFE, ONS], ids=["dfe", "ons"])
@pytest.mark.parametrize("totals", [(True, True), (True, False), (False, True)], ids=["both", "rows", "columns"])
def test_no_hidden_small_cell_in_random_tables_can_be_narrowed_by_an_independent_reader(rules, totals):
    rng = random.Random(2026)
    for _ in range(60):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        counts = [[rng.choice([0, 0, 1, 2, 3, 5, 6, 8, 12, 20, 40]) for _ in range(cols)] for _ in range(rows)]
        t = table(counts, rules, row_totals=totals[0], column_totals=totals[1])
        assert [len(row) for row in t.cells] == [cols] * rows
        assert all(v == "0" for row, shown in zip(counts, t.cells) for n, v in zip(row, shown) if n == 0)
        assert_safe(t, counts, rules, row_totals=totals[0], column_totals=totals[1])


def test_the_footnote_and_description_state_the_numbers_in_force():
    assert describe(DFE) == ("counts 1–5 shown as c; % only on a base of 10 or more, and not when it or its "
                             "complement counts 1–5; secondary suppression until no hidden count can be narrowed "
                             "to fewer than 3 values")
    assert describe(ONS).startswith("counts 1–9 shown as c; others rounded to the nearest 5; % only on a base of 10 "
                                    "or more, and not when it or its complement counts 1–9; secondary")
    text = footnote(Rules(min_base=20, rounding=10, protection=4))
    assert "1 to 5" in text and "20 or more" in text and "nearest 10" in text and "fewer than 4" in text
    assert "narrowed" not in footnote(Rules(secondary=False))
    assert suppression.SUPPRESSED == "c"
