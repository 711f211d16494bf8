"""Pure: small-number suppression of counts, percentages, means and tables for published reports.

The convention is in reference/domain.md (d): counts 1–5 show as "c" and a true zero stays 0 (DfE);
no percentage or mean on a base under 10; secondary suppression so that a hidden count cannot be
worked out by subtraction from a shown total; an "ons" preset for the ONS 10-5 rule.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SUPPRESSED = "c"
NO_BASE = "–"  # a percentage or mean of nothing: nobody answered


def _whole(value, what: str) -> int:
    """Return value as an int; raise ValueError unless it is a whole number of zero or more."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be a whole number, not {value!r}.")
    if value < 0:
        raise ValueError(f"{what} cannot be negative, but it was {value}.")
    return int(value)


@dataclass(frozen=True)
class Rules:
    """The numbers in force: which counts are hidden, the smallest base for a rate, and rounding."""

    suppress_min: int = 1  # counts from suppress_min to suppress_max show as "c"; a true 0 stays "0"
    suppress_max: int = 5
    min_base: int = 10  # no percentage or mean on a base under this
    rounding: int | None = None  # None, 5 or 10: round shown counts to the nearest N (0 stays 0)
    secondary: bool = True

    def __post_init__(self):
        for name in ("suppress_min", "suppress_max", "min_base"):
            _whole(getattr(self, name), f"The suppression setting {name}")
        if self.suppress_min < 1:
            raise ValueError("The smallest suppressed count must be at least 1: a true zero is always shown.")
        if self.suppress_max < self.suppress_min:
            raise ValueError(f"The largest suppressed count ({self.suppress_max}) cannot be below "
                             f"the smallest ({self.suppress_min}).")
        if self.min_base < 1:
            raise ValueError("The smallest base for a percentage or mean must be at least 1.")
        if self.rounding not in (None, 5, 10) or isinstance(self.rounding, bool):
            raise ValueError(f"Rounding must be none, 5 or 10, not {self.rounding!r}.")


PRESETS: dict[str, Rules] = {
    "dfe": Rules(),  # DfE children looked after: 1–5 as c, secondary suppression, % needs a base of 10
    "ons": Rules(suppress_max=9, rounding=5),  # ONS 10-5 rule: hide under 10, round the rest to 5
}


def _is_small(n: int, rules: Rules) -> bool:
    return rules.suppress_min <= n <= rules.suppress_max


def _shown(n: int, rules: Rules) -> str:
    """A count that is not hidden, rounded half up to the rules' base; a non-zero count never shows as 0."""
    if rules.rounding and n:
        n = max(rules.rounding, (n + rules.rounding // 2) // rules.rounding * rules.rounding)
    return f"{n:,}"


def _half_up(value: Decimal, digits: int) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return str(rounded.copy_abs() if rounded.is_zero() else rounded)  # never "-0.0"


def count(n: int, rules: Rules) -> str:
    """One count for publication: "c" if small, a true zero as "0", otherwise rounded as the rules say.

    Raises ValueError if n is negative or not a whole number.
    """
    n = _whole(n, "A count")
    return SUPPRESSED if _is_small(n, rules) else _shown(n, rules)


def _rate_base(base: int, rules: Rules) -> str | None:
    """The display for a base too small to publish a rate on, or None if the rate may be shown."""
    if base == 0:
        return NO_BASE
    return SUPPRESSED if base < rules.min_base else None


def percent(numerator: int, base: int, rules: Rules, *, digits: int = 0) -> str:
    """numerator/base as a percentage rounded half up, e.g. "67%"; "c" on a small base, "–" on a base of 0.

    Raises ValueError if either number is negative or not a whole number.
    """
    numerator, base = _whole(numerator, "The numerator of a percentage"), _whole(base, "The base of a percentage")
    withheld = _rate_base(base, rules)
    if withheld:
        return withheld
    if _is_small(numerator, rules) or _is_small(base - numerator, rules):
        # Beside its base, "64% (n=14)" gives away that 5 did not: a percentage is withheld when the people it
        # counts, or those it leaves out, are a number that would itself be hidden.
        return SUPPRESSED
    return _half_up(Decimal(numerator) * 100 / Decimal(base), digits) + "%"


def mean(total: float, base: int, rules: Rules, *, digits: int = 1) -> str:
    """total/base rounded half up, e.g. "3.5"; "c" on a small base, "–" on a base of 0.

    Raises ValueError if total is not a finite number or base is negative or not a whole number.
    """
    base = _whole(base, "The base of a mean")
    if isinstance(total, bool) or not isinstance(total, numbers.Real) or not math.isfinite(total):
        raise ValueError(f"The total for a mean must be a finite number, not {total!r}.")
    withheld = _rate_base(base, rules)
    if withheld:
        return withheld
    return _half_up(Decimal(repr(float(total))) / Decimal(base), digits)


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts as published. In primary/secondary a row total sits at column len(row),
    a column total at row len(cells), and the grand total at (len(cells), len(row))."""

    cells: tuple[tuple[str, ...], ...]  # display strings, same shape as the input
    row_totals: tuple[str, ...] | None
    column_totals: tuple[str, ...] | None
    grand_total: str | None  # shown only when both row and column totals are
    primary: frozenset[tuple[int, int]]  # (row, col) hidden because small
    secondary: frozenset[tuple[int, int]]  # (row, col) hidden so a small cell cannot be worked out


def _lines(rows: int, cols: int, row_totals: bool, column_totals: bool):
    """Each line that adds up to a published total, as (its cells, the total's position)."""
    if row_totals:  # every row, and with column totals also the row of column totals
        for r in range(rows + column_totals):
            yield tuple((r, c) for c in range(cols)), (r, cols)
    if column_totals:
        for c in range(cols + row_totals):
            yield tuple((r, c) for r in range(rows)), (rows, c)


def _ends(p: tuple[int, int], row_totals: bool, column_totals: bool) -> tuple:
    """The two lines a cell adds into, ("row", r) and ("col", c); None stands for any line with no shown total."""
    return ("row", p[0]) if row_totals else None, ("col", p[1]) if column_totals else None


def _line_leak(values, lines, hidden):
    """A cell to hide because a line gives a hidden value away by subtraction, or None.

    A line leaks when its total is shown and exactly one of its cells is hidden, or when its total is
    hidden and none of its cells is (the total is then their sum). Hide the smallest shown non-zero
    cell of the line, or else its total (a hidden total is non-zero, so it always has such a cell).
    """
    for cells, total in lines:
        if sum(p in hidden for p in cells) == (0 if total in hidden else 1):
            candidates = [p for p in cells if p not in hidden and values[p] > 0]
            return min(candidates, key=lambda p: (values[p], p)) if candidates else total
    return None


def _reach(start, links: list[tuple]) -> set:
    """Every line joined to start through the given links (pairs of lines sharing a hidden cell)."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for a, b in links:
            for here, there in ((a, b), (b, a)):
                if here == node and there not in seen:
                    seen.add(there)
                    todo.append(there)
    return seen


def _bridge_leak(values, hidden, ends):
    """A cell to hide because one hidden cell is the only hidden link between two groups of lines, or None.

    Adding up one group's lines and subtracting then gives that cell away, even though every line
    has two hidden cells. Hide the smallest shown non-zero cell that links the groups again.
    """
    for bridge in sorted(hidden):
        a, b = ends(bridge)
        links = [ends(p) for p in hidden if p != bridge]
        side = _reach(a, links)
        if b in side:
            continue
        other = _reach(b, links)
        cut = [p for p in values if p not in hidden and values[p] > 0 and len(side.intersection(ends(p))) == 1]
        if cut:
            return min(cut, key=lambda p: (not other.intersection(ends(p)), values[p], p))
    return None


def _secondary(values, lines, hidden, ends) -> None:
    """Hide more cells (in place) until no hidden value can be worked out from the shown totals.

    Each new hidden cell can make a crossing line leak, so repeat until nothing changes; it stops
    because cells are only ever added.
    """
    while (pick := _line_leak(values, lines, hidden) or _bridge_leak(values, hidden, ends)) is not None:
        hidden.add(pick)


def table(counts: Sequence[Sequence[int]], rules: Rules, *, row_totals: bool = False,
          column_totals: bool = False) -> SuppressedTable:
    """Suppress a table of counts, with optional row and column totals, for publication.

    Small cells and small totals are hidden (primary); with rules.secondary, further cells or
    totals are hidden so no hidden value can be recovered from a line's shown total. Suppression
    is decided on the true counts; rounding applies only to what is shown.
    Raises ValueError for ragged rows or a count that is negative or not a whole number.
    """
    grid = [[_whole(v, f"The count in row {r + 1}, column {c + 1}") for c, v in enumerate(row)]
            for r, row in enumerate(counts)]
    rows, cols = len(grid), len(grid[0]) if grid else 0
    if any(len(row) != cols for row in grid):
        raise ValueError("Every row of the table must have the same number of cells.")
    values = {(r, c): grid[r][c] for r in range(rows) for c in range(cols)}
    if row_totals:
        values.update({(r, cols): sum(grid[r]) for r in range(rows)})
    if column_totals:
        values.update({(rows, c): sum(row[c] for row in grid) for c in range(cols)})
    if row_totals and column_totals:
        values[(rows, cols)] = sum(map(sum, grid))
    primary = {p for p, v in values.items() if _is_small(v, rules)}
    hidden = set(primary)
    if rules.secondary:
        _secondary(values, list(_lines(rows, cols, row_totals, column_totals)), hidden,
                   lambda p: _ends(p, row_totals, column_totals))

    def show(p):
        return SUPPRESSED if p in hidden else _shown(values[p], rules)

    return SuppressedTable(
        cells=tuple(tuple(show((r, c)) for c in range(cols)) for r in range(rows)),
        row_totals=tuple(show((r, cols)) for r in range(rows)) if row_totals else None,
        column_totals=tuple(show((rows, c)) for c in range(cols)) if column_totals else None,
        grand_total=show((rows, cols)) if row_totals and column_totals else None,
        primary=frozenset(primary),
        secondary=frozenset(hidden - primary),
    )


def _span(rules: Rules, dash: str) -> str:
    if rules.suppress_min == rules.suppress_max:
        return str(rules.suppress_min)
    return f"{rules.suppress_min}{dash}{rules.suppress_max}"


def footnote(rules: Rules) -> str:
    """One plain-English paragraph explaining the suppression in force, for under a published table."""
    which = (f"a count of {rules.suppress_min} is" if rules.suppress_min == rules.suppress_max
             else f"counts of {_span(rules, ' to ')} are")
    parts = [f"To protect the privacy of the children and carers who took part, {which} shown as "
             f"\u201c{SUPPRESSED}\u201d; a 0 means none."]
    if rules.secondary:
        parts.append(f"Where a total is shown, another figure in the same row or column (or the total) is "
                     f"also shown as \u201c{SUPPRESSED}\u201d, so a hidden number cannot be worked out by subtraction.")
    if rules.rounding:
        parts.append(f"Other counts are rounded to the nearest {rules.rounding}, so totals may not equal "
                     f"the sum of the figures shown.")
    parts.append(f"Percentages and averages are given only when they are based on {rules.min_base} or more "
                 f"responses, and \u201c{NO_BASE}\u201d means there were none. A percentage is also shown as "
                 f"\u201c{SUPPRESSED}\u201d when the people it counts, or the people it leaves out, number "
                 f"{_span(rules, ' to ')}, since with its base either could be worked out.")
    return " ".join(parts)


def describe(rules: Rules) -> str:
    """A short summary of the rules, e.g. for a settings screen or a report's methods line."""
    parts = [f"counts {_span(rules, '–')} shown as {SUPPRESSED}"]
    if rules.rounding:
        parts.append(f"others rounded to the nearest {rules.rounding}")
    parts.append(f"% only on a base of {rules.min_base} or more, and not when it or its complement counts "
                 f"{_span(rules, '–')}")
    parts.append("secondary suppression" if rules.secondary else "no secondary suppression")
    return "; ".join(parts)
