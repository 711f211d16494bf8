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


STATUS_WORDS = {"green": "Met", "amber": "Below minimum", "red": "None recorded"}


def compliance(
    bsos: list[dict], counts: list[dict], months: list[dt.date], *, minimum_carers: int, minimum_parents: int,
    today: dt.date,
) -> list[Compliance]:
    """Every BSO × every month, with zeros where nothing was recorded (a BSO never drops out of the table).

    bsos: [{"id", "name"}]; counts: [{"user_id", "month" (YYYY-MM), "carers", "parents", "attempts"}].
    """
    found = {(c["user_id"], c["month"]): c for c in counts}
    rows = []
    for month in months:
        key = month.strftime("%Y-%m")
        for bso in bsos:
            c = found.get((bso["id"], key), {})
            rows.append(Compliance(bso["id"], bso["name"], month, c.get("carers", 0), c.get("parents", 0),
                                   c.get("attempts", 0), minimum_carers, minimum_parents,
                                   in_progress=month == month_start(today)))
    return rows
