"""A clearly fictional demo data set sized like a county fostering service, with 18 months of feedback.

Run `python -m lib.demo --db PATH [--seed N]` on a new database, or use the button on the first-run
screen. It is refused on a database that already has users, so it can never mix with real data.
The demo accounts are the role names (bso, social_worker, manager, qa, senior_manager,
advanced_practitioner, registered_manager) with the password `demo`.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlite_utils

from lib import store
from lib.demo import audits as demo_audits
from lib.demo import feedback as demo_feedback
from lib.demo import kpis as demo_kpis
from lib.people import accounts
from lib.store import history

DEMO_PASSWORD = "demo"
TEAMS = ("North Fostering Team", "South Fostering Team", "East Fostering Team", "West Fostering Team",
         "Kinship Team")
FIRST_NAMES = ("Alder", "Bramble", "Clover", "Dusk", "Ember", "Fern", "Gale", "Heather", "Iris", "Juniper",
               "Kestrel", "Linden", "Maple", "Nettle", "Orchid", "Poppy", "Quill", "Rowan", "Sorrel", "Tansy",
               "Umber", "Vale", "Willow", "Yarrow", "Zephyr", "Ash", "Birch", "Cedar", "Dale", "Elm")
SURNAMES = ("Applewhite", "Brookfield", "Cobblestone", "Dovecote", "Elderberry", "Foxglove", "Gooseberry",
            "Hollyhock", "Inkwell", "Jollyboat", "Kettleby", "Lamplight", "Marigold", "Nutmeg", "Oakapple",
            "Pebbleton", "Quayside", "Rosehip", "Saffron", "Thistledown", "Underhill", "Velvetleaf",
            "Wheatley", "Yewbank", "Zestwood", "Acornley", "Buttercup", "Candlewick", "Dandelion", "Eggleston",
            "Fiddlewood", "Gingerbread", "Honeysett", "Ivybridge", "Juniperfield", "Kipperton", "Larkspur",
            "Mistletoe", "Nightingale", "Oatcake", "Parsnip", "Quince", "Rhubarb", "Snowdrop", "Treacle")
# (role, how many, user-name stem); the first of each role is the demo account named after the role.
STAFF = (("bso", 9), ("social_worker", 14), ("manager", 6), ("qa", 2))
# The Registered Manager signs the report off; added last, with a fixed name, so the seeded data stays the same.
REGISTERED_MANAGER = "Marlowe Ashdown"
HOUSEHOLDS = 245
KINSHIP_SHARE = 0.34


def _person(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        if (first, last) not in used:
            used.add((first, last))
            return first, last


def load(db: sqlite_utils.Database, *, seed: int = 7, today: dt.date | None = None) -> dict:
    """Fill an empty database with fictional teams, staff and carer households; return counts.

    Raises ValueError if the database already has users (demo data never mixes with real data).
    """
    today = today or dt.date.today()
    rng = random.Random(seed)
    demo_hash = accounts.hash_password(DEMO_PASSWORD)
    now = store.stamp()
    used: set = set()
    with store.write(db):
        if accounts.user_count(db):
            raise ValueError("This database already has users; demo data can only be loaded into a new, empty database.")
        store.set_meta(db, "demo", "1")
        team_ids = [db.execute("insert into teams (name, created_at) values (:n, :now)", {"n": n, "now": now}).lastrowid
                    for n in TEAMS]
        workers_by_team: dict[int, list[tuple[int, str]]] = {t: [] for t in team_ids}
        counts = {"teams": len(team_ids), "users": 0}
        for role, how_many in STAFF:
            for index in range(how_many):
                first, last = _person(rng, used)
                demo_account = index == 0
                team_id = team_ids[index % len(team_ids)] if role in ("social_worker", "manager", "bso") else None
                user_id = accounts._insert_user(
                    db,
                    username=role if demo_account else f"{first}.{last}".lower(),
                    display_name=f"{first} {last}" + (f" (demo {role.replace('_', ' ')})" if demo_account else ""),
                    email=f"{first}.{last}@example.org".lower(),
                    roles=[role],
                    password_hash=demo_hash if demo_account else None,
                    team_id=team_id,
                )
                counts["users"] += 1
                if role == "social_worker":
                    workers_by_team[team_id].append((user_id, f"{first} {last}"))
        # The fictional staff have been in post since before the demo's 18 months of feedback.
        db.execute("update users set created_at = :t, updated_at = :t",
                   {"t": store.stamp(dt.datetime.combine(today - dt.timedelta(days=700), dt.time(9),
                                                         dt.timezone.utc))})
        kinship_team = team_ids[-1]
        for number in range(HOUSEHOLDS):
            kinship = rng.random() < KINSHIP_SHARE
            team_id = kinship_team if kinship and rng.random() < 0.7 else rng.choice(team_ids[:-1])
            worker_id, worker_name = rng.choice(workers_by_team[team_id] or workers_by_team[team_ids[0]])
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            partner = rng.choice(FIRST_NAMES)
            name = f"{first} & {partner} {last}" if rng.random() < 0.6 else f"{first} {last}"
            approved = today - dt.timedelta(days=rng.randint(60, 15 * 365))
            db.execute(
                """insert into households (reference, display_name, cohort, team_id, social_worker_id,
                     social_worker_name, approval_on, status, created_at, updated_at)
                   values (:ref, :name, :cohort, :team, :worker_id, :worker, :approved, :status, :now, :now)""",
                {"ref": f"DEMO-{10001 + number}", "name": name, "cohort": "kinship" if kinship else "mainstream",
                 "team": team_id, "worker_id": worker_id, "worker": worker_name, "approved": approved.isoformat(),
                 "status": "inactive" if rng.random() < 0.05 else "active", "now": now},
            )
        counts["households"] = HOUSEHOLDS
        counts.update(demo_feedback.load(db, seed=seed, today=today))
        counts.update(demo_feedback.load_log(db, seed=seed, today=today))
        counts.update(demo_audits.load(db, seed=seed, today=today, password_hash=demo_hash))
        counts["users"] = accounts.user_count(db)  # the audits add senior managers and advanced practitioners
        counts.update(demo_kpis.load(db, seed=seed, today=today))
        counts.update(demo_feedback.load_placing_authorities(db, seed=seed, today=today))
        first, last = REGISTERED_MANAGER.split()
        accounts._insert_user(db, username="registered_manager",
                              display_name=f"{REGISTERED_MANAGER} (demo registered manager)",
                              email=f"{first}.{last}@example.org".lower(), roles=["registered_manager"],
                              password_hash=demo_hash)
        counts["users"] = accounts.user_count(db)
        history.add(db, action="create", user_id=None, username="lib.demo", entity="demo",
                    detail={"seed": seed, **counts})
    return counts
