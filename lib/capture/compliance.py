"""The BSO monthly minimum: completed carer and birth-parent feedback per BSO per calendar month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlite_utils

from lib import access, analysis, dates, periods, text
from lib.access import User
from lib.store import settings


def _counts(db, first: dt.date, last: dt.date, author_id: int | None = None) -> list[dict]:
    return list(db.query(
        """select author_id as user_id, substr(contact_on, 1, 7) as month,
                  sum(outcome = 'completed' and form = 'carer') as carers,
                  sum(outcome = 'completed' and form = 'parent') as parents,
                  sum(outcome != 'completed') as attempts
           from responses
           where form in ('carer', 'parent') and deleted_at is null
             and contact_on >= :first and contact_on < :after
             and (:author is null or author_id = :author)
           group by author_id, month""",
        {"first": first.isoformat(), "after": ((last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)).isoformat(),
         "author": author_id},
    ))


def table(db: sqlite_utils.Database, user: User, *, first: dt.date, last: dt.date, today: dt.date
          ) -> list[analysis.Compliance]:
    """Every active BSO (and anyone who recorded BSO calls in the range) × month, for managers and QA."""
    access.require(user, "view_compliance")
    if first > last:
        raise ValueError("The first month must not be after the last month.")
    months = periods.months_between(first, last)
    if len(months) > 36:
        raise ValueError("Choose at most 36 months.")
    counts = _counts(db, months[0], months[-1])
    bsos = list(db.query(
        """select u.id, u.display_name as name, substr(u.created_at, 1, 10) as since, t.name as team
           from users u left join teams t on t.id = u.team_id
           where (u.active = 1 and exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'bso'))
              or u.id in (select value from json_each(:authors))
           order by u.display_name collate nocase""",
        {"authors": "[" + ",".join(str(c["user_id"]) for c in counts) + "]"},
    ))
    for bso in bsos:
        bso["since"] = dt.date.fromisoformat(bso["since"])
    return analysis.compliance(bsos, counts, months, minimum_carers=settings.get(db, "monthly_minimum_carers"),
                               minimum_parents=settings.get(db, "monthly_minimum_parents"), today=today,
                               first_data=first_call(db))


def first_call(db: sqlite_utils.Database) -> dt.date | None:
    """The day of the service's first BSO call recorded (any outcome), or None before there is one."""
    found = db.execute("""select min(contact_on) from responses where form in ('carer', 'parent')
                          and deleted_at is null""").fetchone()[0]
    return dt.date.fromisoformat(found) if found else None


def my_month(db: sqlite_utils.Database, user: User, *, today: dt.date) -> analysis.Compliance:
    """The signed-in BSO's standing for the current calendar month."""
    access.require(user, "view_my_month")
    month = periods.month_start(today)
    counts = _counts(db, month, month, author_id=user.id)
    # The BSO's own month is always one that counts, whether or not the service had calls before it.
    return analysis.compliance([{"id": user.id, "name": user.display_name}], counts, [month],
                               minimum_carers=settings.get(db, "monthly_minimum_carers"),
                               minimum_parents=settings.get(db, "monthly_minimum_parents"), today=today,
                               first_data=month)[0]


def as_csv(rows: list[analysis.Compliance]) -> bytes:
    """The compliance table as CSV bytes (UTF-8 with a BOM, for Excel); no cell starts like a formula."""
    frame = pd.DataFrame([{
        "BSO": r.name, "Month": dates.month(r.month), "Carer feedback": r.carers, "Birth-parent feedback": r.parents,
        "Attempts": r.attempts, "Minimum carers": r.minimum_carers, "Minimum parents": r.minimum_parents,
        "Team": r.team or "",
        "Status": analysis.STATUS_WORDS[r.status] + (" (month in progress)" if r.in_progress else ""),
    } for r in rows])
    return frame.map(text.spreadsheet_safe).to_csv(index=False).encode("utf-8-sig")
