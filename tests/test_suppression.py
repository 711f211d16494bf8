import random
from fractions import Fraction

import pytest

from lib import suppression
from lib.suppression import (
    PRESETS,
    SUPPRESSED,
    Rules,
    count,
    describe,
    footnote,
    mean,
    percent,
    table,
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


def assert_no_line_gives_a_cell_away(t):
    """The check the convention states: a line with a shown total has 0 or 2+ hidden cells; a hidden total has 1+."""
    hidden = hidden_positions(t)
    assert hidden == t.primary | t.secondary
    for cells, total in shown_lines(t):
        concealed = sum(p in hidden for p in cells)
        assert concealed >= 1 if total in hidden else concealed != 1, (cells, total)


def recoverable(t):
    """Hidden positions whose value follows from the shown numbers by any sums and differences of lines."""
    unknowns = sorted(hidden_positions(t))
    equations = []
    for cells, total in shown_lines(t):
        row = [Fraction((p in cells) - (p == total)) for p in unknowns]
        if any(row):
            equations.append(row)

    def rank(matrix):
        matrix, found = [row[:] for row in matrix], 0
        for col in range(len(unknowns)):
            pivot = next((i for i in range(found, len(matrix)) if matrix[i][col]), None)
            if pivot is None:
                continue
            matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
            for i in range(len(matrix)):
                if i != found and matrix[i][col]:
                    factor = matrix[i][col] / matrix[found][col]
                    matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[found])]
            found += 1
        return found

    base = rank(equations)
    return {p for i, p in enumerate(unknowns)
            if rank(equations + [[Fraction(j == i) for j in range(len(unknowns))]]) == base}


def assert_safe(t):
    assert_no_line_gives_a_cell_away(t)
    assert recoverable(t) == set()


def test_one_small_cell_in_a_totalled_row_takes_the_next_smallest_with_it():
    t = table([[3, 10, 20]], DFE, row_totals=True)
    assert t.cells == (("c", "c", "20"),) and t.row_totals == ("33",)
    assert t.primary == {(0, 0)} and t.secondary == {(0, 1)}
    assert_safe(t)


def test_a_column_with_a_total_hides_its_smallest_other_cell_and_keeps_its_zeros():
    t = table([[12], [4], [0], [9]], DFE, column_totals=True)
    assert [row[0] for row in t.cells] == ["12", "c", "0", "c"] and t.column_totals == ("25",)
    assert t.secondary == {(3, 0)}
    assert_safe(t)


def test_without_totals_or_with_secondary_off_only_small_cells_are_hidden():
    assert table([[3, 10]], DFE).cells == (("c", "10"),)
    t = table([[3, 10]], Rules(secondary=False), row_totals=True)
    assert t.cells == (("c", "10"),) and t.row_totals == ("13",) and t.secondary == frozenset()


def test_a_small_total_is_hidden_as_primary():
    t = table([[0, 4, 0, 0]], DFE, row_totals=True)
    assert t.cells == (("0", "c", "0", "0"),) and t.row_totals == ("c",)
    assert t.primary == {(0, 1), (0, 4)} and t.secondary == frozenset()
    assert_safe(t)


def test_secondary_suppression_iterates_until_no_crossing_line_is_left_with_one_hidden_cell():
    # 2 is small; hiding 9 beside it leaves column 1 with one hidden cell, and so on round the table.
    t = table([[2, 9, 15], [8, 20, 11], [30, 7, 25]], DFE, row_totals=True, column_totals=True)
    assert t.cells == (("c", "c", "15"), ("c", "20", "c"), ("30", "c", "c"))
    assert t.row_totals == ("26", "39", "62") and t.column_totals == ("40", "36", "51") and t.grand_total == "127"
    assert t.primary == {(0, 0)} and t.secondary == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 2)}
    assert_safe(t)


def test_a_line_with_nothing_else_to_hide_hides_its_total_instead():
    # 3 is small; 12 and 7 go with it; column 1 and row 1 then have no other non-zero cell, so their
    # totals go, and the margins need a second hidden total each. Only the grand total and the 0 survive.
    t = table([[3, 12], [7, 0]], DFE, row_totals=True, column_totals=True)
    assert t.cells == (("c", "c"), ("c", "0")) and t.row_totals == ("c", "c") and t.column_totals == ("c", "c")
    assert t.grand_total == "22" and t.primary == {(0, 0)}
    assert {(1, 2), (2, 1)} <= t.secondary
    assert_safe(t)


def test_a_hidden_cell_that_only_a_chain_of_lines_gives_away_is_protected_too():
    # With one hidden cell per line fixed, (2, 2) = 2 could still be found: rows 0 and 2 total
    # 26 - 13 = 13, their column-0 cells 20 - 9 = 11, and their column-1 cells are 0. Hiding the 9 stops it.
    t = table([[4, 0, 0], [9, 2, 2], [7, 0, 2]], DFE, row_totals=True, column_totals=True)
    assert t.cells == (("c", "0", "0"), ("c", "c", "c"), ("c", "0", "c"))
    assert (1, 0) in t.secondary
    assert_safe(t)


def test_suppression_is_decided_on_true_counts_and_rounding_applies_to_what_is_shown():
    t = table([[8, 12, 23]], ONS, row_totals=True)
    assert t.cells == (("c", "c", "25"),) and t.row_totals == ("45",)  # 12 hidden as secondary, 43 -> 45
    assert t.primary == {(0, 0)} and t.secondary == {(0, 1)}


@pytest.mark.parametrize("rules", [DFE, ONS], ids=["dfe", "ons"])
@pytest.mark.parametrize("totals", [(True, True), (True, False), (False, True)], ids=["both", "rows", "columns"])
def test_no_hidden_cell_in_random_tables_can_be_recovered_from_the_shown_totals(rules, totals):
    rng = random.Random(2026)
    for _ in range(60):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        counts = [[rng.choice([0, 0, 1, 2, 3, 5, 6, 8, 12, 20, 40]) for _ in range(cols)] for _ in range(rows)]
        t = table(counts, rules, row_totals=totals[0], column_totals=totals[1])
        assert [len(row) for row in t.cells] == [cols] * rows
        assert all(v == "0" for row, shown in zip(counts, t.cells) for n, v in zip(row, shown) if n == 0)
        assert_safe(t)


def test_the_footnote_and_description_state_the_numbers_in_force():
    assert describe(DFE) == ("counts 1–5 shown as c; % only on a base of 10 or more, and not when it or its "
                             "complement counts 1–5; secondary suppression")
    assert describe(ONS) == ("counts 1–9 shown as c; others rounded to the nearest 5; % only on a base of 10 or more,"
                             " and not when it or its complement counts 1–9; secondary suppression")
    text = footnote(Rules(min_base=20, rounding=10))
    assert "1 to 5" in text and "20 or more" in text and "nearest 10" in text and "subtraction" in text
    assert "subtraction" not in footnote(Rules(secondary=False))
    assert suppression.SUPPRESSED == "c"
