"""Pure: the informed reader. Every figure a report publishes, as a linear fact about unknown counts,
so that no hidden count can be narrowed, from totals, other tables, sentences or charts, past what the
rules allow; and the audit that proves it before a report is published.

A report is built against one Ledger. Each count it prints is a sum of *atoms* (the finest counts it
is made of: one table cell, one month's figure); a table's totals are the sums of its cells; two
figures from different tables that count the same people are tied with same() (the complaints in the
Received table and the complaints by stage), and a figure that counts part of another with part().
The ledger hands back a *token* for each figure, which the report's text and tables carry until
settle() decides what is hidden; show() then writes each token as the published string.

What a reader who knows the rules can work out is a system of linear equations and inequalities: every
shown count equals its sum of atoms (within half the rounding base, if counts are rounded), every "c"
is at least the smallest hidden count (a true 0 is never hidden), and every atom is at least 0. For a
hidden count, the smallest and largest values that system allows are found by linear programming
(scipy's HiGHS), as τ-ARGUS audits tables. settle() hides counts that are small (primary), then keeps
hiding the smallest shown count that widens a too-narrow interval (secondary) until every small hidden
count keeps the protection the rules name: Rules.protection, by default 3, is the fewest whole values
a reader may be left with (a reader who sees "c | c" under a total of 8 knows each is 1 to 7; one who
sees "c | 7 | c" under 9 knows both are 1). The whole 1 to 5 range cannot always stay possible: two
hidden cells and their hidden total tell a reader that the total is at least 2.

A percentage is published with the figures it comes from: suppression.percent() withholds it when its
base is small or its numerator or complement is a number that would itself be hidden, and the ledger
withholds it too when its base is a hidden count. A chart's data rows carry tokens as well; a row whose
figure is hidden is not drawn.

audit() is the pre-publish check: it checks every interval for the final shown and hidden figures,
re-checks every shown percentage, confirms that every number in the report's text came from the ledger
(or is a date, a period or a code), and flags commentary that mentions a number the report hides.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import numbers
import re
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from lib import suppression
from lib.suppression import SUPPRESSED, Rules

SETTLED_KEPT = 32  # the decisions of the last ledgers settled in this process, by shape
_SETTLED: OrderedDict[str, tuple] = OrderedDict()

# A token is a figure's number between private-use characters, behind a secret of its ledger: words someone typed
# (a theme's name, a commentary) cannot pose as a figure, even if they hold those characters.
OPEN, CLOSE = "\ue000", "\ue001"
Terms = dict[str, int]


def plus(*terms: Terms) -> Terms:
    """The sum of several sums of atoms."""
    total: Terms = {}
    for part in terms:
        for atom, times in part.items():
            total[atom] = total.get(atom, 0) + times
    return {atom: times for atom, times in total.items() if times}


@dataclass(eq=False)
class Figure:
    """One published figure: a count (a sum of atoms), a percentage, or a public number that is not about people."""

    id: int
    kind: str  # "count", "percent" or "public"
    label: str
    section: str
    terms: tuple[tuple[str, int], ...] = ()
    value: int = 0
    forced: bool = False  # hidden by a rule of its own (e.g. a KPI row with one small count)
    fixed: bool = False  # seen whatever the rules say (the number of rows a list shows): never hidden
    text: str = ""  # a percentage's or a public figure's display
    numerator: int = 0
    base: int = 0
    base_of: int | None = None  # the figure that is the percentage's base (or that words go beside)
    numerator_of: int | None = None  # the figure that is the percentage's numerator, where it is printed too
    hidden_text: str = SUPPRESSED  # what words beside a figure become when it is hidden
    hidden: bool = False

    @property
    def atoms(self) -> set[str]:
        return {atom for atom, _ in self.terms}


@dataclass(frozen=True)
class Grid:
    """A table of counts registered with the ledger: tokens, and each figure's sum of atoms.

    Row totals are at column len(row), column totals at row len(cells), as in `terms`."""

    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...] | None
    column_totals: tuple[str, ...] | None
    grand_total: str | None
    terms: dict[tuple[int, int], Terms] = field(repr=False)


@dataclass(frozen=True)
class Leak:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


class Ledger:
    """The figures of one report, the ties between them, and (after settle()) which are hidden."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.section = ""  # the report section figures are registered for, for messages and the commentary screen
        self.atoms: dict[str, int] = {}
        self.figures: list[Figure] = []
        self.links: list[tuple[Terms, Terms]] = []
        self._by_terms: dict[tuple, Figure] = {}
        self.settled = False
        # Set by settle(): each atom's group, and each group's counts and ties (what its reader's model reads).
        self._root: dict[str, str] = {}
        self._group_counts: dict[str, list[Figure]] = {}
        self._group_links: dict[str, list[tuple[Terms, Terms]]] = {}
        # Intervals by figure and by what its group shows and hides: the audit, and a group checked again in the
        # same state, read them instead of solving again.
        self._intervals: dict[tuple, tuple[float, float]] = {}
        self._safe: dict[int, frozenset[int]] = {}  # a hidden count's id -> the hidden set it was proven protected in
        secret = secrets.token_hex(6)
        self._tokens = re.compile(f"{OPEN}{secret}:(\\d+){CLOSE}")
        self._whole = re.compile(f"^{OPEN}{secret}:(\\d+){CLOSE}$")
        self._secret = secret

    def _token(self, number: int) -> str:
        return f"{OPEN}{self._secret}:{number}{CLOSE}"

    # ---- registering figures --------------------------------------------------------------------

    def atom(self, value: int, key: str | None = None) -> Terms:
        """A new unknown count (or a named one, registered once) with its true value, as a sum of atoms."""
        value = suppression._whole(value, "A count")
        key = key or f"#{len(self.atoms)}"
        if self.atoms.setdefault(key, value) != value:
            raise ValueError(f"The count {key} was registered as {self.atoms[key]} and as {value}.")
        return {key: 1}

    def count(self, what: int | Terms, *, label: str = "a count", hide: bool = False, fixed: bool = False) -> str:
        """A token for a published count: a whole number (a new atom) or a sum of atoms already registered.

        The same sum of atoms is one figure wherever it is printed, so it is shown or hidden everywhere alike.
        """
        self._open()
        terms = self.atom(what) if isinstance(what, numbers.Integral) and not isinstance(what, bool) else dict(what)
        unknown = [atom for atom in terms if atom not in self.atoms]
        if unknown:
            raise ValueError(f"A count refers to atoms never registered: {', '.join(unknown)}.")
        key = tuple(sorted((atom, times) for atom, times in terms.items() if times))
        figure = self._by_terms.get(key)
        if figure is None:
            figure = Figure(len(self.figures), "count", f"{label}", self.section, key,
                            sum(self.atoms[atom] * times for atom, times in key))
            self.figures.append(figure)
            self._by_terms[key] = figure
        figure.forced |= hide
        figure.fixed |= fixed
        return self._token(figure.id)

    def table(self, counts: Sequence[Sequence[int]], *, row_totals: bool = False, column_totals: bool = False,
              label: str = "a table", rows: Sequence[str] = (), columns: Sequence[str] = (),
              names: Sequence[Sequence[str | None]] = ()) -> Grid:
        """Register a table of counts with its optional row and column totals; its tokens and sums of atoms.

        names: an atom's key per cell (None for a new one), where another figure counts the same cell."""
        grid = [[suppression._whole(v, f"The count in row {r + 1}, column {c + 1}") for c, v in enumerate(row)]
                for r, row in enumerate(counts)]
        height, width = len(grid), len(grid[0]) if grid else 0
        if any(len(row) != width for row in grid):
            raise ValueError("Every row of the table must have the same number of cells.")

        def name(r: int, c: int) -> str:
            row = rows[r] if r < len(rows) else ("total" if r == height else f"row {r + 1}")
            col = columns[c] if c < len(columns) else ("total" if c == width else f"column {c + 1}")
            return f"{label} ({row}, {col})"

        terms = {(r, c): self.atom(grid[r][c], names[r][c] if r < len(names) and c < len(names[r]) else None)
                 for r in range(height) for c in range(width)}
        if row_totals:
            terms.update({(r, width): plus(*(terms[(r, c)] for c in range(width))) for r in range(height)})
        if column_totals:
            terms.update({(height, c): plus(*(terms[(r, c)] for r in range(height))) for c in range(width)})
        if row_totals and column_totals:
            terms[(height, width)] = plus(*(terms[(r, c)] for r in range(height) for c in range(width)))
        token = {p: self.count(t, label=name(*p)) for p, t in terms.items()}
        return Grid(
            cells=tuple(tuple(token[(r, c)] for c in range(width)) for r in range(height)),
            row_totals=tuple(token[(r, width)] for r in range(height)) if row_totals else None,
            column_totals=tuple(token[(height, c)] for c in range(width)) if column_totals else None,
            grand_total=token[(height, width)] if row_totals and column_totals else None,
            terms=terms)

    def percent(self, numerator: int, base: int, *, base_of: str | None = None, numerator_of: str | None = None,
                label: str = "a percentage", digits: int = 0, text: str | None = None) -> str:
        """A token for numerator/base as a percentage; base_of and numerator_of are the tokens of the base and the
        numerator where they are published too (a % beside its base gives a hidden numerator away).

        text: the display when it may be shown, where a measure has its own (e.g. a KPI's "95.2%")."""
        self._open()
        rule = suppression.percent(numerator, base, self.rules, digits=digits)
        text = rule if text is None or rule in (SUPPRESSED, suppression.NO_BASE) else text
        figure = Figure(len(self.figures), "percent", label, self.section, text=text, numerator=numerator, base=base,
                        base_of=self._figure(base_of).id if base_of else None,
                        numerator_of=self._figure(numerator_of).id if numerator_of else None)
        self.figures.append(figure)
        return self._token(figure.id)

    def beside(self, token: str, text: str, *, hidden: str = SUPPRESSED, label: str = "words beside a figure") -> str:
        """A token for text that goes with a figure (its movement, its % and n): `hidden` instead where it is hidden."""
        self._open()
        figure = Figure(len(self.figures), "beside", label, self.section, text=text, base_of=self._figure(token).id,
                        hidden_text=hidden)
        self.figures.append(figure)
        return self._token(figure.id)

    def public(self, value: object, *, label: str = "a public figure") -> str:
        """A token for a number that is not a count of people (staff, thresholds, versions): never hidden."""
        self._open()
        figure = Figure(len(self.figures), "public", label, self.section, text=str(value))
        self.figures.append(figure)
        return self._token(figure.id)

    def same(self, a: Terms, b: Terms) -> None:
        """Tell the reader's model that two sums count the same people (ValueError if their true values differ)."""
        if self._value(a) != self._value(b):
            raise ValueError(f"Two figures tied as the same count differ: {self._value(a)} and {self._value(b)}.")
        self.links.append((dict(a), dict(b)))

    def part(self, whole: Terms, part: Terms) -> bool:
        """Tell the reader's model that one sum counts some of the people another does (so it is at most as big).

        Nothing is tied where the part is in fact bigger (the two count different people): False."""
        rest = self._value(whole) - self._value(part)
        if rest >= 0:
            self.same(whole, plus(part, self.atom(rest)))
        return rest >= 0

    def terms(self, token: str) -> Terms:
        """The sum of atoms behind a count's token."""
        return dict(self._figure(token).terms)

    # ---- deciding what is hidden ----------------------------------------------------------------

    def shape(self) -> str:
        """A digest of everything settle() decides from: the rules, every atom's value, every figure's kind and
        sum, the ties. Two ledgers with the same shape hide the same counts (the report rebuilt on unchanged data)."""
        figures = [(f.kind, f.terms, f.value, f.forced, f.fixed) if f.kind == "count" else f.kind
                   for f in self.figures]
        links = [(sorted(a.items()), sorted(b.items())) for a, b in self.links]
        text = repr((self.rules, sorted(self.atoms.items()), figures, links))
        return hashlib.sha256(text.encode()).hexdigest()

    def settle(self) -> None:
        """Hide small counts, then more counts until no hidden small count can be narrowed; then percentages.

        What a ledger of the same shape decided is reused (a process keeps the last few), with its solved
        intervals, so a page rebuilding an unchanged report does not solve its linear programmes again."""
        shape = self.shape()
        known = _SETTLED.get(shape)
        self._group()
        if known is not None:
            _SETTLED.move_to_end(shape)
            # The solved intervals are shared with it: the audit's solves then serve the next rebuild too.
            hidden, self._intervals, self._safe = known
            for figure, was in zip(self._counts(), hidden):
                figure.hidden = was
        else:
            self._hide_counts()
            _SETTLED[shape] = (tuple(f.hidden for f in self._counts()), self._intervals, self._safe)
            while len(_SETTLED) > SETTLED_KEPT:
                _SETTLED.popitem(last=False)
        for figure in self.figures:
            if figure.kind in ("percent", "beside"):
                figure.hidden = figure.text == SUPPRESSED or any(
                    of is not None and self.figures[of].hidden for of in (figure.base_of, figure.numerator_of))
        self.settled = True

    def _hide_counts(self) -> None:
        r = self.rules
        for figure in self._counts():
            figure.hidden = not figure.fixed and (figure.forced or suppression._is_small(figure.value, r))
        if r.secondary:
            dirty = set(self._group_counts)
            while dirty:
                group = dirty.pop()
                leak = next(self._narrowed(group), None)
                if leak is None:
                    continue
                pick = self._widen(leak)
                if pick is None:
                    raise RuntimeError(f"No further count can protect {leak[0].label}.")  # every count is hidden
                pick.hidden = True
                dirty.add(group)
            self._unhide()

    def _unhide(self) -> None:
        """Show again, largest first, each count hidden on the way that turned out not to be needed."""
        for figure in sorted(self._counts(), key=lambda f: (-f.value, f.id)):
            if not figure.hidden or figure.forced or suppression._is_small(figure.value, self.rules):
                continue
            figure.hidden = False
            if next(self._narrowed(self._group_of(figure)), None) is not None:
                figure.hidden = True

    def display(self, figure: Figure) -> str:
        if figure.kind == "count":
            return SUPPRESSED if figure.hidden else suppression._shown(figure.value, self.rules)
        if figure.kind == "beside":
            return figure.hidden_text if figure.hidden else self.show(figure.text)
        return SUPPRESSED if figure.hidden else figure.text

    def show(self, text: str) -> str:
        """The text with each token written as the figure is published."""
        if not self.settled:
            raise RuntimeError("settle() decides what is hidden before anything is shown.")
        return self._tokens.sub(lambda m: self.display(self.figures[int(m.group(1))]), text)

    def chart(self, spec: str) -> str:
        """A chart's Vega-Lite spec with its data rows' tokens as numbers; a hidden figure is left empty (null)."""
        value = json.loads(spec)

        def number(found: re.Match) -> float | int | None:
            figure = self.figures[int(found.group(1))]
            if figure.hidden:
                return None
            if figure.kind == "percent":
                return round(100 * figure.numerator / figure.base, 1) if figure.base else None
            if figure.kind == "count":
                return figure.value
            return self.show(figure.text)

        def rows(node):  # every list of data rows, inline ("values") or named ("datasets")
            if isinstance(node, dict):
                for child in node.values():
                    rows(child)
            elif isinstance(node, list):
                for index, row in enumerate(node):
                    if isinstance(row, dict):
                        node[index] = {**row, **{k: number(m) for k, v in row.items()
                                                 if isinstance(v, str) and (m := self._whole.match(v))}}
                    rows(node[index])

        rows(value)
        text = json.dumps(value, ensure_ascii=False)
        # Altair names a dataset by a hash of its rows, which held the tokens: name it by the rows as published.
        for name, found in (value.get("datasets") or {}).items():
            digest = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()[:32]
            text = text.replace(json.dumps(name), json.dumps(f"data-{digest}"))
        return text

    # ---- the reader's model -----------------------------------------------------------------------

    def interval(self, figure: Figure) -> tuple[float, float]:
        """The smallest and largest values a reader can give this count from everything shown (inf if unbounded)."""
        group = self._group_of(figure)
        counts, links = self._group_counts[group], self._group_links.get(group, [])
        if len(counts) == 1 and not links:  # nothing else published constrains it: only "at least the smallest"
            return float(self._lowest(figure)), math.inf
        state = (figure.id, tuple(f.hidden for f in counts))
        if state not in self._intervals:
            self._intervals[state] = self._solve(figure, counts, links)
        return self._intervals[state]

    def _solve(self, figure: Figure, counts: list[Figure], links: list[tuple[Terms, Terms]]) -> tuple[float, float]:
        """The reader's model of one group, as linear programmes: the least and the most this count can be."""
        atoms = sorted({atom for f in counts for atom in f.atoms} | {atom for a, b in links for atom in (*a, *b)})
        index = {atom: i for i, atom in enumerate(atoms)}

        def vector(terms) -> np.ndarray:
            row = np.zeros(len(atoms))
            for atom, times in terms:
                row[index[atom]] += times
            return row

        equal, equal_to, most, most_of = [], [], [], []
        half = (self.rules.rounding or 0) / 2
        for other in counts:
            row = vector(other.terms)
            if other.hidden:
                most.append(-row)
                most_of.append(-self._lowest(other))
            elif half:
                shown = int(suppression._shown(other.value, self.rules).replace(",", ""))
                if shown == 0:
                    equal.append(row)
                    equal_to.append(0)
                else:
                    most += [row, -row]
                    most_of += [shown + half, -(shown - half)]
            else:
                equal.append(row)
                equal_to.append(other.value)
        for a, b in links:
            equal.append(vector(a.items()) - vector(b.items()))
            equal_to.append(0)
        target = vector(figure.terms)
        ends = []
        for sign in (1, -1):
            found = linprog(sign * target, A_ub=np.array(most) if most else None, b_ub=most_of or None,
                            A_eq=np.array(equal) if equal else None, b_eq=equal_to or None,
                            bounds=(0, None), method="highs")
            if found.status == 3:  # unbounded
                ends.append(math.inf)
            elif found.status != 0:
                raise RuntimeError(f"The reader's model of {figure.label} could not be solved: {found.message}")
            else:
                ends.append(sign * found.fun)
        return ends[0], ends[1]

    def protected(self, low: float, high: float) -> bool:
        """Whether an interval leaves a hidden count the protection the rules name."""
        low, high = math.ceil(low - 1e-6), math.floor(high + 1e-6) if math.isfinite(high) else math.inf
        return high - low + 1 >= self.rules.protection

    def leaks(self) -> list[Leak]:
        """Every hidden small count a reader can narrow, every percentage that gives a count away, and every tie
        the true counts break."""
        found = []
        for a, b in self.links:
            if self._value(a) != self._value(b):
                found.append(Leak("the ledger", "two figures tied as the same count differ"))
        for group in self._group_counts:
            for figure, low, high in self._narrowed(group):
                found.append(Leak(figure.section or "the report",
                                  f"{figure.label} is shown as c but a reader can narrow it to {_range(low, high)}"))
        r = self.rules
        for figure in self.figures:
            if figure.kind != "percent" or figure.hidden or figure.text == suppression.NO_BASE:
                continue
            rest = figure.base - figure.numerator
            if figure.base < r.min_base or suppression._is_small(figure.numerator, r) or suppression._is_small(rest, r):
                found.append(Leak(figure.section or "the report",
                                  f"{figure.label} ({figure.text} of {figure.base}) gives away a count of "
                                  f"{min(figure.numerator, rest)} or a small base"))
            elif figure.base_of is not None and self.figures[figure.base_of].hidden:
                found.append(Leak(figure.section or "the report", f"{figure.label} is shown on a hidden base"))
            elif figure.numerator_of is not None and self.figures[figure.numerator_of].hidden:
                found.append(Leak(figure.section or "the report", f"{figure.label} is shown for a hidden count"))
        return found

    # ---- internals --------------------------------------------------------------------------------

    def _open(self) -> None:
        if self.settled:
            raise RuntimeError("No figure can be added once the ledger is settled.")

    def _figure(self, token: str) -> Figure:
        found = self._whole.match(token or "")
        if not found:
            raise ValueError(f"{token!r} is not a figure of this report.")
        return self.figures[int(found.group(1))]

    def _value(self, terms: Terms) -> int:
        return sum(self.atoms[atom] * times for atom, times in terms.items())

    def _counts(self) -> list[Figure]:
        return [f for f in self.figures if f.kind == "count"]

    def _lowest(self, figure: Figure) -> int:
        """What a reader knows of a "c": at least the smallest hidden count (a count forced hidden at 0 from 0)."""
        return self.rules.suppress_min if figure.value >= self.rules.suppress_min else 0

    def _group(self) -> None:
        """Join the atoms that figures and ties mention together; each group's reader's model is solved on its own."""
        parent: dict[str, str] = {atom: atom for atom in self.atoms}

        def root(atom: str) -> str:
            while parent[atom] != atom:
                parent[atom] = parent[parent[atom]]
                atom = parent[atom]
            return atom

        for sets in [f.atoms for f in self._counts()] + [set(a) | set(b) for a, b in self.links]:
            first, *rest = sorted(sets) or [None]
            for atom in rest:
                parent[root(atom)] = root(first)
        self._root = {atom: root(atom) for atom in self.atoms}
        self._group_counts = {}
        self._group_links = {}
        for figure in self._counts():
            if figure.atoms:
                self._group_counts.setdefault(self._group_of(figure), []).append(figure)
        for a, b in self.links:
            self._group_links.setdefault(self._root[next(iter(a))], []).append((a, b))

    def _group_of(self, figure: Figure) -> str:
        return self._root[next(iter(figure.atoms))]

    def _narrowed(self, group: str) -> Iterable[tuple[Figure, float, float]]:
        counts = self._group_counts.get(group, ())
        hidden = frozenset(f.id for f in counts if f.hidden)
        for figure in counts:
            if figure.hidden and suppression._is_small(figure.value, self.rules):
                # Hiding more never narrows an interval (a shown count only adds to what a reader knows): a count
                # protected while some were hidden stays protected while those and more are.
                proof = self._safe.get(figure.id)
                if proof is not None and proof <= hidden:
                    continue
                low, high = self.interval(figure)
                if self.protected(low, high):
                    self._safe[figure.id] = hidden
                else:
                    yield figure, low, high

    def _widen(self, leak: tuple[Figure, float, float]) -> Figure | None:
        """The shown count to hide next for a narrowed one: the first (smallest cells before totals) that
        protects it, else the one that widens it most."""
        figure, low, high = leak
        candidates = sorted((f for f in self._group_counts[self._group_of(figure)]
                             if not f.hidden and not f.fixed and f.value > 0),
                            key=lambda f: (len(f.terms) > 1, f.value, f.id))
        best, best_width = None, high - low
        for candidate in candidates[:12]:
            candidate.hidden = True
            try:
                wider = self.interval(figure)
            finally:
                candidate.hidden = False
            if self.protected(*wider):
                return candidate
            if wider[1] - wider[0] > best_width:
                best, best_width = candidate, wider[1] - wider[0]
        return best or (candidates[0] if candidates else None)


@dataclass(frozen=True)
class SuppressedTable:
    """One table of counts as published on its own. In primary/secondary a row total sits at column len(row),
    a column total at row len(cells), and the grand total at (len(cells), len(row))."""

    cells: tuple[tuple[str, ...], ...]  # display strings, same shape as the input
    row_totals: tuple[str, ...] | None
    column_totals: tuple[str, ...] | None
    grand_total: str | None  # shown only when both row and column totals are
    primary: frozenset[tuple[int, int]]  # (row, col) hidden because small
    secondary: frozenset[tuple[int, int]]  # (row, col) hidden so a small cell cannot be worked out or narrowed


def table(counts: Sequence[Sequence[int]], rules: Rules, *, row_totals: bool = False,
          column_totals: bool = False) -> SuppressedTable:
    """Suppress one table of counts, with optional row and column totals, as a ledger of its own.

    Raises ValueError for ragged rows or a count that is negative or not a whole number.
    """
    ledger = Ledger(rules)
    grid = ledger.table(counts, row_totals=row_totals, column_totals=column_totals)
    ledger.settle()
    figures = {p: ledger._by_terms[tuple(sorted(t.items()))] for p, t in grid.terms.items()}
    primary = {p for p, f in figures.items() if suppression._is_small(f.value, rules)}
    hidden = {p for p, f in figures.items() if f.hidden}

    def shown(tokens):
        return tuple(ledger.show(t) for t in tokens) if tokens is not None else None

    return SuppressedTable(tuple(shown(row) for row in grid.cells), shown(grid.row_totals), shown(grid.column_totals),
                           ledger.show(grid.grand_total) if grid.grand_total else None,
                           frozenset(primary), frozenset(hidden - primary))


def _range(low: float, high: float) -> str:
    low, high = math.ceil(low - 1e-6), math.floor(high + 1e-6) if math.isfinite(high) else None
    return f"exactly {low}" if high == low else f"{low} to {high}" if high is not None else f"at least {low}"


# ---- the pre-publish audit -----------------------------------------------------------------------

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
          "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
# Numbers that are not figures: dates, financial years and quarters, times, and codes such as CAR01 or Y1_01.
NOT_FIGURES = re.compile(
    rf"\b\d{{1,2}} (?:{MONTHS})\b|\b(?:{MONTHS}) \d{{4}}\b|\b\d{{4}}/\d{{2}}\b|\b(?:19|20)\d{{2}}\b|\bQ[1-4]\b"
    r"|\b\d{1,2}:\d{2}\b|\b[A-Za-z]+\d+[A-Za-z0-9_]*\b|\bStage [1-3]\b|\b[Uu]nder \d+s\b")
NUMBER = re.compile(r"\d[\d,.]*")
NUMBER_WORDS = {word: n for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def stray_numbers(ledger: Ledger, text: str) -> list[str]:
    """Numbers in published text that came from no figure of the ledger (dates, periods and codes aside). Words
    beside a figure are read too: they are printed, and may hold a number someone typed."""
    def words(found: re.Match) -> str:
        figure = ledger.figures[int(found.group(1))]
        return f" {ledger._tokens.sub(words, figure.text)} " if figure.kind == "beside" else " "

    return NUMBER.findall(NOT_FIGURES.sub(" ", ledger._tokens.sub(words, text)))


def mentioned(text: str) -> set[int]:
    """The whole numbers a piece of writing mentions, in digits or in words up to twenty (dates and codes aside)."""
    text = NOT_FIGURES.sub(" ", text)  # "on 3 December", "in 2026/27 Q2": dates, not counts
    found = {int(n.replace(",", "")) for n in re.findall(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d.,]?\d)|(?<![\d.,])\d+(?![\d.,]?\d)",
                                                         text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return found


def audit(ledger: Ledger, sections: Sequence) -> list[Leak]:
    """The informed reader's pass over a report before it is published: every leak found, or [] if none.

    sections are the report's sections as built, with tokens not yet shown: every summary sentence, table
    cell (beyond a row's label and free-text columns), title, note and chart label is read
    for numbers that came from no figure; every hidden count and shown percentage is checked against the
    reader's model; and each section's commentary is read for a number that one of its hidden counts has.
    """
    if not ledger.settled:
        raise RuntimeError("The ledger is settled before the audit reads it.")
    found = ledger.leaks()
    for section in sections:
        texts = [("a sentence", s) for s in section.summary]
        for table in section.tables:
            texts += [(f"the table “{table.title}”", t) for t in (table.title, table.note)]
            texts += [(f"the table “{table.title}”", cell) for row in table.rows for i, cell in enumerate(row)
                      if i and i not in table.text_columns]
        for chart in section.charts:
            texts += [(f"the chart “{chart.title}”", t) for t in (chart.title, chart.alt, chart.note)]
        for where, text in texts:
            for number in stray_numbers(ledger, text):
                found.append(Leak(section.title, f"{where} prints {number}, which no published figure accounts for"))
        hidden = {f.value for f in ledger._counts() if f.hidden and f.section == section.key and f.value}
        for number in sorted(mentioned(section.narrative) & hidden):
            found.append(Leak(section.title, f"the commentary mentions {number}, a number this section hides: "
                                             "reword it before publishing"))
    return found


def show_all(ledger: Ledger, value):
    """A frozen report value (or part of one) with every token written as published and charts' rows settled."""
    if isinstance(value, str):
        return ledger.show(value)
    if isinstance(value, tuple):
        return tuple(show_all(ledger, v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            changes[f.name] = ledger.show(ledger.chart(item)) if f.name == "spec" else show_all(ledger, item)
        return dataclasses.replace(value, **changes)
    return value
