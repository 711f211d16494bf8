"""Pure: the rules of small-number suppression, and counts, percentages and means as published.

The convention is in reference/domain.md (d): counts 1–5 show as "c" and a true zero stays 0 (DfE);
no percentage or mean on a base under 10; secondary suppression so that a hidden count cannot be
worked out, or narrowed, from what else is shown (lib/disclosure.py decides it for tables, totals and
every other figure of a report together); an "ons" preset for the ONS 10-5 rule.
"""

from __future__ import annotations

import math
import numbers
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
    # The fewest whole values a reader may narrow a hidden count to, from everything shown (lib/disclosure.py).
    protection: int = 3

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
        if not 1 <= _whole(self.protection, "The protection of a hidden count") <= 20:
            raise ValueError(f"The protection of a hidden count must leave from 1 to 20 possible values, "
                             f"not {self.protection}.")


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
        reach = f"narrowed to fewer than {rules.protection} possible values"
        parts.append(f"Other figures (in the same row or column, a total, another table or a sentence) are also "
                     f"shown as \u201c{SUPPRESSED}\u201d where needed, so that no hidden number can be worked out, "
                     f"or {reach}, from what is shown.")
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
    if rules.secondary:
        parts.append(f"secondary suppression until no hidden count can be narrowed to fewer than "
                     f"{rules.protection} values")
    else:
        parts.append("no secondary suppression")
    return "; ".join(parts)
