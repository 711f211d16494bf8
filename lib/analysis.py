"""Pure calculations on rows already read from the store: no I/O, no clock (callers pass dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lib import periods


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
    no_data: bool = False  # a month before the service's first BSO call: neither met nor missed
    team: str | None = None

    @property
    def met(self) -> bool:
        return not self.no_data and self.carers >= self.minimum_carers and self.parents >= self.minimum_parents

    @property
    def counted(self) -> bool:
        """True for a month that has ended and has data: one that can be met or missed."""
        return not self.in_progress and not self.no_data

    @property
    def status(self) -> str:
        """green: both minimums met; amber: some completed feedback but short; red: none at all; no_data: a month
        before the service's first BSO call."""
        if self.no_data:
            return "no_data"
        if self.met:
            return "green"
        return "amber" if self.carers + self.parents else "red"


STATUS_WORDS = {"green": "Met", "amber": "Below minimum", "red": "No completed feedback",
                "no_data": "No data (before the first call recorded)"}


def compliance(
    bsos: list[dict], counts: list[dict], months: list[dt.date], *, minimum_carers: int, minimum_parents: int,
    today: dt.date, first_data: dt.date | None = None,
) -> list[Compliance]:
    """Every BSO × every month, with zeros where nothing was recorded (a BSO never drops out of the table).

    bsos: [{"id", "name", optional "since" (date the account began), optional "team"}]; months before a BSO's
    account began are left out, and so are months not begun yet. counts: [{"user_id", "month" (YYYY-MM),
    "carers", "parents", "attempts"}]. Months before first_data (the service's first BSO call; None: no call
    at all) are no_data: the service was not using the app, so nobody met or missed the minimum.
    """
    found = {(c["user_id"], c["month"]): c for c in counts}
    this_month = periods.month_start(today)
    rows = []
    for month in months:
        if month > this_month:
            continue
        key = month.strftime("%Y-%m")
        for bso in bsos:
            c = found.get((bso["id"], key), {})
            if bso.get("since") and month < periods.month_start(bso["since"]) and not c:
                continue
            rows.append(Compliance(bso["id"], bso["name"], month, c.get("carers", 0), c.get("parents", 0),
                                   c.get("attempts", 0), minimum_carers, minimum_parents,
                                   in_progress=month == this_month,
                                   no_data=first_data is None or month < periods.month_start(first_data),
                                   team=bso.get("team")))
    return rows


MIN_COMPARE_BASE = 20
MOVEMENT_POINTS = 5.0


# How a movement reads, on the Themes page and in the report alike.
MOVEMENT_WORDS = {"rising": "▲ rising", "falling": "▼ falling", "steady": "steady",
                  "too few to compare": "too few to compare"}
# What the report says instead where the theme's count itself is hidden: the base may be large, the count is small.
HIDDEN_MOVEMENT = "hidden (small number)"


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


TONE_ORDER = ("Most negative", "Negative or middle", "Positive", "Most positive")
TONES = {(-1, True): "Most negative", (-1, False): "Negative or middle", (1, False): "Positive",
         (1, True): "Most positive"}


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
                    label = item.text if len(item.text) <= 44 else item.text[:43] + "…"
                    label = f"{item.id} {label} (n={summary.base}, {summary.percent_positive:.0f}% +)"
                    rows.append({"item_id": item.id, "question": label,
                                 "cohort": cohort_names.get(cohort, cohort), "answer": option.label, "tone": tone,
                                 "order": list(TONE_ORDER).index(tone), "percent": round(percent, 1),
                                 "start": edge, "end": edge + side * percent, "n": summary.base,
                                 "percent_positive": summary.percent_positive})
                    edge += side * percent
    return rows


def compare_themes(now: list[dict], now_totals: dict[str, int], before: list[dict], before_totals: dict[str, int],
                   *, reading: str | None) -> list[dict]:
    """Theme × cohort mentions in two periods with each cohort's share of comments and the movement.

    now / before: theme_counts rows (theme_id, cohort, reading, comments); reading narrows to
    strengths or areas for improvement (None: every mention).
    """
    def tally(rows):
        found: dict[tuple[str, str], int] = {}
        for row in rows:
            if reading is None or row["reading"] == reading:
                key = (row["theme_id"], row["cohort"])
                found[key] = found.get(key, 0) + row["comments"]
        return found

    after, earlier = tally(now), tally(before)
    result = []
    for theme_id, cohort in sorted(set(after) | set(earlier)):
        n_now, n_before = after.get((theme_id, cohort), 0), earlier.get((theme_id, cohort), 0)
        base_now, base_before = now_totals.get(cohort, 0), before_totals.get(cohort, 0)
        result.append({
            "theme_id": theme_id, "cohort": cohort, "before": n_before, "now": n_now,
            "share_before": round(100 * n_before / base_before, 1) if base_before else None,
            "share_now": round(100 * n_now / base_now, 1) if base_now else None,
            "movement": movement(n_now, base_now, n_before, base_before),
        })
    return sorted(result, key=lambda r: (-r["now"], r["theme_id"], r["cohort"]))


def pick(selection: list[dict] | None, names: dict[str, str], readings: dict[str, str],
         cohorts: dict[str, str]) -> dict[str, str | None] | None:
    """The drill-down a clicked bar asks for: its theme id, reading and cohort codes (None if nothing is picked)."""
    if not selection:
        return None
    point = selection[0]
    lookup = lambda table, label: next((code for code, name in table.items() if name == label), None)  # noqa: E731
    return {"theme": lookup(names, point.get("theme")), "reading": lookup(readings, point.get("reading")),
            "cohort": lookup(cohorts, point.get("cohort"))}


def rating_items(form) -> list:
    """A form's rating (not free-text) questions, each once, in the order the form asks them."""
    seen, items = set(), []
    for section in form.sections:
        for item in section.items:
            if item.id not in seen and not item.scale.is_text:
                seen.add(item.id)
                items.append(item)
    return items


def likert_summary(rows: list[dict]) -> list[dict]:
    """One line per question × cohort: n, % positive and the low-base mark."""
    summary: dict[tuple[str, str], dict] = {}
    for row in rows:
        summary[(row["question"], row["cohort"])] = {
            "Question": row["question"], "Cohort": row["cohort"], "n": row["n"],
            "% positive": row["percent_positive"], "Base": "low base" if row["n"] < 10 else ""}
    return list(summary.values())


def trend_rows(series: list[dict], theme_id: str) -> list[dict]:
    """A theme's comments and share of all comments, quarter by quarter (from themes.per_quarter)."""
    return [{"quarter": r["quarter"].label, "comments": r["themes"].get(theme_id, 0), "total": r["total"],
             "share": round(100 * r["themes"].get(theme_id, 0) / r["total"], 1) if r["total"] else 0.0}
            for r in series]
