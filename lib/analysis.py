"""Pure calculations on rows already read from the store: no I/O, no clock (callers pass dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every calendar month from first's month to last's month, inclusive."""
    months, current = [], month_start(first)
    while current <= month_start(last):
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Compliance:
    """One BSO's month against the monthly minimum."""

    user_id: int
    name: str
    month: dt.date
    carers: int
    parents: int
    attempts: int
    minimum_carers: int
    minimum_parents: int
    in_progress: bool

    @property
    def met(self) -> bool:
        return self.carers >= self.minimum_carers and self.parents >= self.minimum_parents

    @property
    def status(self) -> str:
        """green: both minimums met; amber: some completed feedback but short; red: none at all."""
        if self.met:
            return "green"
        return "amber" if self.carers + self.parents else "red"


STATUS_WORDS = {"green": "Met", "amber": "Below minimum", "red": "No completed feedback"}


def compliance(
    bsos: list[dict], counts: list[dict], months: list[dt.date], *, minimum_carers: int, minimum_parents: int,
    today: dt.date,
) -> list[Compliance]:
    """Every BSO × every month, with zeros where nothing was recorded (a BSO never drops out of the table).

    bsos: [{"id", "name", optional "since" (date the account began)}]; months before a BSO's account
    began are left out. counts: [{"user_id", "month" (YYYY-MM), "carers", "parents", "attempts"}].
    """
    found = {(c["user_id"], c["month"]): c for c in counts}
    rows = []
    for month in months:
        key = month.strftime("%Y-%m")
        for bso in bsos:
            c = found.get((bso["id"], key), {})
            if bso.get("since") and month < month_start(bso["since"]) and not c:
                continue
            rows.append(Compliance(bso["id"], bso["name"], month, c.get("carers", 0), c.get("parents", 0),
                                   c.get("attempts", 0), minimum_carers, minimum_parents,
                                   in_progress=month == month_start(today)))
    return rows


MIN_COMPARE_BASE = 20
MOVEMENT_POINTS = 5.0


def movement(now: int, now_total: int, before: int, before_total: int, *, min_base: int = MIN_COMPARE_BASE) -> str:
    """How a theme moved against the previous period, by its share of comments.

    'rising' or 'falling' when the share moved by at least 5 percentage points, 'steady' otherwise,
    and 'too few to compare' unless both periods have at least min_base comments.
    """
    if now_total < min_base or before_total < min_base:
        return "too few to compare"
    change = 100 * now / now_total - 100 * before / before_total
    if change >= MOVEMENT_POINTS:
        return "rising"
    if change <= -MOVEMENT_POINTS:
        return "falling"
    return "steady"


@dataclass(frozen=True)
class Likert:
    """One rating question's answers: counts per answer, the valid base, and % positive."""

    item_id: str
    counts: dict[str, int]
    base: int  # valid answers: all answers except not applicable / don't know
    positive: int  # answers in the top two (the scale's positive answers)

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def percent_positive(self) -> float | None:
        return round(100 * self.positive / self.base, 1) if self.base else None


def likert(item_id: str, counts: dict[str, int], *, positive: frozenset[str], excluded: frozenset[str]) -> Likert:
    """% positive = top-two answers over valid answers (not applicable and don't know left out)."""
    base = sum(n for code, n in counts.items() if code not in excluded)
    return Likert(item_id, dict(counts), base, sum(n for code, n in counts.items() if code in positive))


TONE_ORDER = ("Most negative", "Less positive", "Positive", "Most positive")
TONES = {(-1, True): "Most negative", (-1, False): "Less positive", (1, False): "Positive", (1, True): "Most positive"}


def likert_rows(items: list, counts: list[dict], *, cohort_names: dict[str, str]) -> list[dict]:
    """Rows for the diverging Likert chart and its table, from answer counts (item_id, cohort, value, n).

    items: the question-bank items to show (rating items only), in order. Positive answers are placed
    right of zero, the rest of the valid answers left of it; not applicable / don't know are left out.
    """
    by_key: dict[tuple[str, str], dict[str, int]] = {}
    for row in counts:
        by_key.setdefault((row["item_id"], row["cohort"]), {}).setdefault(row["value"], 0)
        by_key[(row["item_id"], row["cohort"])][row["value"]] += row["n"]
    rows = []
    for item in items:
        scale = item.scale
        valid = [o for o in scale.options if o.code not in scale.excluded]
        for cohort in sorted({c for (i, c) in by_key if i == item.id}):
            found = by_key[(item.id, cohort)]
            summary = likert(item.id, found, positive=scale.positive, excluded=scale.excluded)
            if not summary.base:
                continue
            positives = [o for o in valid if o.code in scale.positive][::-1]
            others = [o for o in valid if o.code not in scale.positive]
            for side, options in ((1, positives), (-1, others)):
                edge = 0.0
                for index, option in enumerate(options):
                    percent = 100 * found.get(option.code, 0) / summary.base
                    outermost = index == len(options) - 1 and len(options) > 1
                    tone = TONES[(side, outermost)]
                    rows.append({"item_id": item.id, "question": f"{item.id} {item.text}"[:90],
                                 "cohort": cohort_names.get(cohort, cohort), "answer": option.label, "tone": tone,
                                 "order": list(TONE_ORDER).index(tone), "percent": round(percent, 1),
                                 "start": edge, "end": edge + side * percent, "n": summary.base,
                                 "percent_positive": summary.percent_positive})
                    edge += side * percent
    return rows
