"""Fictional performance figures for the demo: 18 months of KPI and recruitment extracts per team, and the
register's history of households made inactive.

The figures go in through figures.import_csv and recruitment.import_csv, the same path QA's monthly imports
take, so the demo obeys every rule; the latest month is imported twice (a corrected extract), so its
history shows a replaced import. Support visits are missing for every team in one month and the KIT call
for one team in another, as happens when an extract is late.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import sqlite_utils

from lib import periods
from lib.kpis import figures, measures, recruitment
from lib.people import accounts
from lib.store import history

MONTHS = 18
# Roughly where each measure sits across the service (the framework's own table has 67% to 88%, and 11% for KIT calls).
TYPICAL = {"support_visits": 0.9, "unannounced_visits": 0.86, "annual_review": 0.76, "formal_supervision": 0.7,
           "management_supervision": 0.88, "training": 0.74, "kit_call": 0.62, "notifications": 0.6}


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def load(db: sqlite_utils.Database, *, seed: int, today: dt.date) -> dict:
    """Import 18 months of fictional KPI and recruitment figures (up to last month) and de-registration history."""
    rng = random.Random(seed * 31 + 9)
    qa = accounts.load(db, db.execute("select id from users where username = 'qa'").fetchone()[0])
    months = periods.months_back(today.replace(day=1) - dt.timedelta(days=1), MONTHS)
    teams = list(db.query(
        """select t.id, t.name, (select count(*) from households h where h.team_id = t.id and h.status = 'active')
           as households from teams t where t.active = 1 order by t.id"""))
    active = [m for m in measures.measures(db) if m.active]
    skill = {(t["id"], m.id): rng.uniform(-0.07, 0.06) for t in teams for m in active}
    gap_all, gap_one = months[-5], months[-9]  # a month without support visits, and one team without KIT calls
    rows = []
    for index, month in enumerate(months):
        drift = 0.004 * index  # slowly improving, as a service with a QA framework hopes
        for team in teams:
            for measure in active:
                if measure.id == "support_visits" and month == gap_all:
                    continue
                if measure.id == "kit_call" and month == gap_one and team["id"] == teams[0]["id"]:
                    continue
                base = rng.randint(8, 22) if measure.id == "notifications" else max(
                    6, team["households"] + rng.randint(-3, 3))
                share = min(1.0, max(0.05, TYPICAL.get(measure.id, 0.8) + skill[(team["id"], measure.id)] + drift
                                     + rng.gauss(0, 0.04)))
                in_time = round(base * share)
                rows.append([month.strftime("%Y-%m"), team["name"], measure.name, in_time, base - in_time])
    header = ["month", "team", "measure", "in time", "out of time"]
    figures.import_csv(db, qa, _csv(header, rows), today=today, file_name="demo-kpi-extract.csv")
    latest = [row for row in rows if row[0] == months[-1].strftime("%Y-%m")]
    for row in latest[: len(active)]:  # a corrected extract for the latest month: the first team's figures move
        moved = min(row[4], 2)
        row[3], row[4] = row[3] + moved, row[4] - moved
    figures.import_csv(db, qa, _csv(header, latest), today=today, file_name="demo-kpi-extract-corrected.csv")

    kinship = next((t for t in teams if "kinship" in t["name"].lower()), teams[-1])
    recruited = []
    for month in months:
        winter = month.month in (11, 12, 1)
        recruited += [[month.strftime("%Y-%m"), "", "Enquiries", rng.randint(8, 18) if winter else rng.randint(14, 32)],
                      [month.strftime("%Y-%m"), "", "Assessments started", rng.randint(1, 7)],
                      [month.strftime("%Y-%m"), "", "Approvals", rng.randint(0, 4)],
                      [month.strftime("%Y-%m"), kinship["name"], "Regulation 24 placements", rng.randint(1, 6)],
                      # its own generator, so the demo's other figures stay as they were before it was added
                      [month.strftime("%Y-%m"), "", "Annual Reviews held", random.Random(month.toordinal()).randint(14, 24)]]
    recruitment.import_csv(db, qa, _csv(["month", "team", "measure", "number"], recruited), today=today,
                           file_name="demo-recruitment.csv")

    # The register's history: the demo's inactive households left it during the last year, as a register
    # import that no longer lists a household records it.
    gone = [r[0] for r in db.execute("select id from households where status = 'inactive' order by id")]
    for household_id in gone:
        day = today - dt.timedelta(days=rng.randint(20, 360))
        history.add(db, action="update", user_id=qa.id, username=qa.username, entity="households",
                    entity_id=household_id, detail={"via": "register import: not in the new file",
                                                    "status": ["active", "inactive"]},
                    at=dt.datetime.combine(day, dt.time(10), dt.timezone.utc))
    return {"KPI figures": len(rows), "recruitment figures": len(recruited)}
