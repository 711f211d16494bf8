"""Failed sign-ins, counted so that guessing slows itself down and no stranger can lock a person out.

Three counts, each under a hashed key (a typed user name is never stored; it may be a password):
- the user name from this device (browser address): after the setting's number of failures in a row it
  is blocked for the setting's minutes, doubling each time it is blocked again (at most a day). The same
  name from another device (the real person at their desk) is not blocked;
- the device, whatever names it tries: blocked the same way after four times as many failures, so one
  device cannot try many names or many passwords;
- the user name from every device together: after four times as many failures within the pause time,
  each further attempt waits a few seconds (doubling, at most a minute), so many devices cannot guess
  fast either.
A device the person has signed in from with that name before is "known" for it: the device-wide and
all-devices pauses do not apply to it, so strangers' guesses, however many addresses they use, never
keep the person out at their own desk (the pause for that name on that device still does). A sign-in
that succeeds clears the first and third counts; QA's password reset and `python -m lib.accounts
unlock` clear every count for the name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import sqlite_utils

from lib import store

DEVICE_FACTOR = 4  # a device may fail this many times the per-name limit before it is blocked
MAX_BLOCK = dt.timedelta(days=1)
MAX_DELAY = dt.timedelta(minutes=1)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def account_key(name: str) -> str:
    return _hash("account", name)


def _keys(name: str, device: str) -> dict[str, tuple[str, str]]:
    account = account_key(name)
    return {"pair": (_hash("pair", name, device), account), "device": (_hash("device", device), _hash("device", device)),
            "account": (account, account)}


def _known(name: str, device: str) -> str:
    return _hash("known", name, device)


def blocked(db: sqlite_utils.Database, name: str, device: str, now: dt.datetime) -> dt.datetime | None:
    """When the latest block on this attempt ends, or None if it may go ahead."""
    keys = _keys(name, device)
    known = db.execute("select 1 from sign_in_throttle where key = :k", {"k": _known(name, device)}).fetchone()
    wanted = [keys["pair"][0]] + ([] if known else [keys["device"][0], keys["account"][0]])
    found = [dt.datetime.fromisoformat(r[0]) for r in db.execute(
        f"select blocked_until from sign_in_throttle where key in ({', '.join('?' * len(wanted))}) "
        "and blocked_until is not null", wanted)]
    later = [until for until in found if until > now]
    return max(later) if later else None


def failed(db: sqlite_utils.Database, name: str, device: str, now: dt.datetime, *, limit: int, minutes: int
           ) -> dt.datetime | None:
    """Count a failure (inside the caller's write); returns when the block it causes ends, if it causes one."""
    ends = []
    for scope, (key, account) in _keys(name, device).items():
        row = db.execute("select failures, blocks, updated_at from sign_in_throttle where key = :k",
                         {"k": key}).fetchone()
        failures, blocks = (row[0] + 1, row[1]) if row else (1, 0)
        if scope == "account" and row and dt.datetime.fromisoformat(row[2]) < now - dt.timedelta(minutes=minutes):
            failures = 1  # guesses spread thinner than the pause time start the all-devices count again
        until = None
        if scope == "pair" and failures >= limit:
            until, failures, blocks = now + min(MAX_BLOCK, dt.timedelta(minutes=minutes) * 2 ** blocks), 0, blocks + 1
        elif scope == "device" and failures >= limit * DEVICE_FACTOR:
            until, failures, blocks = now + min(MAX_BLOCK, dt.timedelta(minutes=minutes) * 2 ** blocks), 0, blocks + 1
        elif scope == "account" and failures >= limit * DEVICE_FACTOR:
            until = now + min(MAX_DELAY, dt.timedelta(seconds=2 ** min(failures - limit * DEVICE_FACTOR, 10)))
        db.execute(
            """insert into sign_in_throttle (key, account, failures, blocks, blocked_until, updated_at)
               values (:k, :a, :f, :b, :u, :now) on conflict (key) do update set failures = excluded.failures,
               blocks = excluded.blocks, blocked_until = coalesce(excluded.blocked_until, blocked_until),
               updated_at = excluded.updated_at""",
            {"k": key, "a": account, "f": failures, "b": blocks, "u": store.stamp(until) if until else None,
             "now": store.stamp(now)})
        if until and scope != "account":
            ends.append(until)
    return max(ends) if ends else None


def succeeded(db: sqlite_utils.Database, name: str, device: str, now: dt.datetime) -> None:
    """A correct sign-in: this name's counts start again (the device's stay), and the device is known for it."""
    keys = _keys(name, device)
    db.execute("delete from sign_in_throttle where key in (:pair, :account)",
               {"pair": keys["pair"][0], "account": keys["account"][0]})
    db.execute("""insert into sign_in_throttle (key, account, failures, blocks, blocked_until, updated_at)
                  values (:k, :a, 0, 0, null, :now) on conflict (key) do update set updated_at = excluded.updated_at""",
               {"k": _known(name, device), "a": keys["account"][1], "now": store.stamp(now)})


def clear(db: sqlite_utils.Database, name: str) -> int:
    """Lift every block and count for a user name, from every device (inside the caller's write)."""
    return db.execute("delete from sign_in_throttle where account = :a", {"a": account_key(name)}).rowcount


def is_locked(db: sqlite_utils.Database, name: str, now: dt.datetime) -> bool:
    """Whether the name is blocked from some device now (for the users page)."""
    return db.execute("select 1 from sign_in_throttle where account = :a and blocked_until > :now limit 1",
                      {"a": account_key(name), "now": store.stamp(now)}).fetchone() is not None


def minutes_until(until: dt.datetime, now: dt.datetime) -> int:
    """Whole minutes to wait, rounded up: a 15-minute block says 15, not 16."""
    return max(1, math.ceil((until - now).total_seconds() / 60))
