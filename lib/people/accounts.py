"""Local accounts: users, roles, teams, sign-in with lockout, and password changes."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Iterable

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lib import access, store, text
from lib.access import User
from lib.people import throttle
from lib.store import history, records, settings

hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRONG_CREDENTIALS = "Wrong user name or password."


class SignInError(ValueError):
    """Sign-in refused; the message is safe to show (it never says which of name or password was wrong)."""


def hash_password(password: str) -> str:
    return hasher.hash(password)


PASSWORD_RULE = ("At least 10 characters, not a common password and not containing the user name; "
                 "three or four unrelated words make a strong one.")
_COMMON: frozenset[str] | None = None
COMMON_PASSWORD = ("That password is one of the most common ones, so it is among the first an attacker tries. "
                   "Choose another: three or four unrelated words make a strong one that is easy to remember.")


def _common() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, shipped with the package: nothing is downloaded)."""
    global _COMMON
    if _COMMON is None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        _COMMON = frozenset(FREQUENCY_LISTS["passwords"])
    return _COMMON


def check_password(password: str, *, username: str | None = None) -> str:
    """The password if it meets the policy; ValueError saying what is wrong otherwise.

    At least 10 characters, not only spaces, not one of the most common passwords (nor one of them with
    a few digits or symbols added, as in "letmein123"), and not containing the user name.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if not password.strip():
        raise ValueError("The password cannot be only spaces.")
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!?.@#$%^&*_-+= ")
    if lowered in _common() or (len(stem) >= 4 and len(lowered) - len(stem) <= 4 and stem in _common()) \
            or len(set(lowered)) <= 2:
        raise ValueError(COMMON_PASSWORD)
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in lowered:
        raise ValueError("The password must not contain the user name.")
    return password


def _username(value: str) -> str:
    name = (value or "").strip().lower()
    if not _USERNAME.match(name):
        raise ValueError(
            "User name must be 2 to 40 characters: lower-case letters, digits, dots, hyphens or underscores, "
            "starting with a letter or digit."
        )
    return name


def _email(value: str | None) -> str | None:
    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 200 or not _EMAIL.match(email):
        raise ValueError(f"'{email}' is not an e-mail address.")
    return email


def _roles(values: Iterable[str]) -> list[str]:
    roles = sorted(set(values))
    if not roles:
        raise ValueError("Choose at least one role.")
    unknown = [r for r in roles if r not in access.ROLES]
    if unknown:
        raise ValueError(f"Unknown role: {', '.join(unknown)}.")
    return roles


def _team_id(db: sqlite_utils.Database, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    if not db.execute("select 1 from teams where id = :id", {"id": team_id}).fetchone():
        raise ValueError("That team does not exist.")
    return int(team_id)


def user_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from users").fetchone()[0]


def load(db: sqlite_utils.Database, user_id: int | None) -> User | None:
    """The active user with this id, with their current roles; None if missing or deactivated."""
    if user_id is None:
        return None
    row = db.execute(
        "select id, username, display_name, team_id from users where id = :id and active = 1", {"id": user_id}
    ).fetchone()
    if row is None:
        return None
    roles = frozenset(r[0] for r in db.execute("select role from user_roles where user_id = :id", {"id": user_id}))
    return User(id=row[0], username=row[1], display_name=row[2], roles=roles, team_id=row[3])


NO_LONGER = "Your account is no longer active, so this was not done. Ask the QA team if this is a mistake."


def as_it_stands(db: sqlite_utils.Database, user: User, action: str) -> User:
    """The person's account as it stands in the database now, if it may still take the action.

    For work that runs later than the page that offered it (a download made on a tab drawn before the
    account was deactivated or its roles changed): raises PermissionDenied rather than act on the rights
    the person had when the page was drawn.
    """
    current = load(db, user.id)
    if current is None:
        raise access.PermissionDenied(NO_LONGER)
    access.require(current, action)
    return current


def for_email(db: sqlite_utils.Database, email: str | None) -> User | None:
    """The active local user whose e-mail matches (for organisation sign-in); None if there is none."""
    if not email:
        return None
    row = db.execute("select id from users where email = :email and active = 1", {"email": email.strip()}).fetchone()
    return load(db, row[0]) if row else None


def _insert_user(db, *, username, display_name, roles, password_hash, email=None, team_id=None) -> int:
    now = store.stamp()
    cursor = db.execute(
        """insert into users (username, display_name, email, password_hash, team_id, created_at, updated_at)
           values (:username, :display_name, :email, :hash, :team_id, :now, :now)""",
        {"username": username, "display_name": display_name, "email": email, "hash": password_hash,
         "team_id": team_id, "now": now},
    )
    user_id = cursor.lastrowid
    for role in roles:
        db.execute("insert into user_roles (user_id, role) values (:id, :role)", {"id": user_id, "role": role})
    return user_id


def _clean_user_fields(db, username, display_name, email, roles, team_id, *, user_id: int | None = None):
    fields = {
        "username": _username(username),
        "display_name": text.clean(display_name, field="Full name", max_length=80, required=True),
        "email": _email(email),
        "roles": _roles(roles),
        "team_id": _team_id(db, team_id),
    }
    clash = db.execute(
        """select username from users where id != coalesce(:id, -1)
           and (username = :u or (email is not null and email = :e))""",
        {"u": fields["username"], "e": fields["email"], "id": user_id},
    ).fetchone()
    return fields, clash


def create_first_admin(
    db: sqlite_utils.Database, *, username: str, display_name: str, password: str, email: str | None = None
) -> User:
    """Create the first QA administrator of a new, empty database.

    Refused (ValueError) once any user exists, so it cannot be used to take over an install.
    """
    check_password(password, username=username)
    with store.write(db):
        if user_count(db):
            raise ValueError("This database already has users; sign in instead.")
        fields, _ = _clean_user_fields(db, username, display_name, email, ["qa"], None)
        fields.pop("roles")
        user_id = _insert_user(db, roles=["qa"], password_hash=hash_password(password), **fields)
        store.set_meta(db, "demo", "0")
        history.add(db, action="create", user_id=user_id, username=fields["username"], entity="users",
                    entity_id=user_id, detail={"first_administrator": True, "roles": ["qa"]})
    return load(db, user_id)


def create_user(
    db: sqlite_utils.Database, actor: User, *, username: str, display_name: str, roles: Iterable[str],
    password: str, email: str | None = None, team_id: int | None = None,
) -> int:
    """Add a user (QA only); returns the new id. ValueError for a bad or duplicate field."""
    access.require(actor, "manage_users")
    check_password(password, username=username)
    with store.write(db):
        fields, clash = _clean_user_fields(db, username, display_name, email, roles, team_id)
        if clash:
            raise ValueError(f"A user with that user name or e-mail already exists ({clash[0]}).")
        user_id = _insert_user(db, password_hash=hash_password(password), **fields)
        history.add(db, action="create", user_id=actor.id, username=actor.username, entity="users",
                    entity_id=user_id, detail={k: v for k, v in fields.items() if k != "username"} | {"username": fields["username"]})
    return user_id


def _row(db, user_id: int) -> dict:
    rows = list(db.query("select * from users where id = :id", {"id": user_id}))
    if not rows:
        raise ValueError("That user does not exist.")
    row = rows[0]
    row["roles"] = sorted(r[0] for r in db.execute("select role from user_roles where user_id = :id", {"id": user_id}))
    return row


def _active_qa_count(db, excluding: int) -> int:
    return db.execute(
        """select count(*) from users u join user_roles r on r.user_id = u.id
           where r.role = 'qa' and u.active = 1 and u.id != :id""",
        {"id": excluding},
    ).fetchone()[0]


EDITABLE = ("id", "username", "display_name", "email", "team_id", "active", "updated_at")


def editable(db: sqlite_utils.Database, user_id: int) -> dict:
    """The fields of a user that QA edits, with their roles and the version a form keeps (not sign-in counters)."""
    row = _row(db, user_id)
    found = {k: row[k] for k in EDITABLE} | {"roles": row["roles"]}
    return found | {"version": records.version(found)}


def update_user(
    db: sqlite_utils.Database, actor: User, user_id: int, *, display_name: str, email: str | None,
    roles: Iterable[str], team_id: int | None, expected: str | None = None,
) -> dict:
    """Change a user's name, e-mail, roles and team (QA only); returns the changes, which history keeps.

    Refuses to take the QA role from the last active QA user, so the service is never locked out. With
    expected (editable()'s version when the form was opened), a change another QA officer saved in between
    is refused with records.StaleEdit.
    """
    access.require(actor, "manage_users")
    chosen: dict = {}

    def clean(before: dict) -> dict:
        fields, clash = _clean_user_fields(db, before["username"], display_name, email, roles, team_id,
                                           user_id=user_id)
        if clash:
            raise ValueError(f"Another user already has that e-mail ({clash[0]}).")
        if "qa" in before["roles"] and "qa" not in fields["roles"] and not _active_qa_count(db, user_id):
            raise ValueError("This is the last active QA user; give another user the QA role first.")
        chosen["roles"] = fields["roles"]
        return {"display_name": fields["display_name"], "email": fields["email"], "team_id": fields["team_id"]}

    def set_roles(before: dict, values: dict) -> dict:
        if list(chosen["roles"]) == list(before["roles"]):
            return {}
        db.execute("delete from user_roles where user_id = :id", {"id": user_id})
        for role in chosen["roles"]:
            db.execute("insert into user_roles (user_id, role) values (:id, :role)", {"id": user_id, "role": role})
        return {"roles": [before["roles"], chosen["roles"]]}

    def load_row() -> dict:
        found = editable(db, user_id)
        found.pop("version")
        return found

    return records.edit(db, actor, "users", user_id, clean=clean, expected=expected, what="user", also=set_roles,
                        load_row=load_row)


def set_active(db: sqlite_utils.Database, actor: User, user_id: int, active: bool) -> None:
    """Deactivate or reactivate a user (QA only). Users are never deleted: their entries keep their author."""
    access.require(actor, "manage_users")
    with store.write(db):
        before = _row(db, user_id)
        if not active and user_id == actor.id:
            raise ValueError("You cannot deactivate your own account.")
        if not active and "qa" in before["roles"] and not _active_qa_count(db, user_id):
            raise ValueError("This is the last active QA user; give another user the QA role first.")
        if bool(before["active"]) == active:
            return
        db.execute("update users set active = :active, updated_at = :now where id = :id",
                   {"active": int(active), "now": store.stamp(), "id": user_id})
        history.add(db, action="update", user_id=actor.id, username=actor.username, entity="users",
                    entity_id=user_id, detail={"active": [bool(before["active"]), active]})


def reset_password(db: sqlite_utils.Database, actor: User, user_id: int, new_password: str) -> None:
    """Set a new password for a user and clear any lock (QA only)."""
    access.require(actor, "manage_users")
    with store.write(db):
        username = _row(db, user_id)["username"]
        check_password(new_password, username=username)
        db.execute("update users set password_hash = :hash, updated_at = :now where id = :id",
                   {"hash": hash_password(new_password), "now": store.stamp(), "id": user_id})
        unlock(db, username)
        history.add(db, action="update", user_id=actor.id, username=actor.username, entity="users",
                    entity_id=user_id, detail={"password": "reset by QA"})


def change_own_password(db: sqlite_utils.Database, user: User, current: str, new: str) -> None:
    """Change the signed-in user's password after checking the current one."""
    access.require(user, "change_own_password")
    row = _row(db, user.id)
    if not _verify(row["password_hash"], current):
        with store.write(db):
            throttle.failed(db, user.username, "changing the password", store.utcnow(),
                            limit=settings.get(db, "lockout_attempts"), minutes=settings.get(db, "lockout_minutes"))
            history.add(db, action="sign_in_failed", user_id=user.id, username=user.username, entity="users",
                        entity_id=user.id, detail={"reason": "wrong current password when changing it"})
        raise ValueError("The current password is wrong.")
    check_password(new, username=user.username)
    if new == current:
        raise ValueError("The new password must differ from the current one.")
    with store.write(db):
        db.execute("update users set password_hash = :hash, updated_at = :now where id = :id",
                   {"hash": hash_password(new), "now": store.stamp(), "id": user.id})
        history.add(db, action="update", user_id=user.id, username=user.username, entity="users",
                    entity_id=user.id, detail={"password": "changed by its owner"})


def _verify(password_hash: str | None, password: str) -> bool:
    if not password_hash or not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def _equal_time_check(password: str) -> None:
    """Spend as long on an unknown user name as on a real one, so timing does not reveal which names exist."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash("not a real password")
    _verify(_DUMMY_HASH, password)


def _audit_attempt(db, action: str, user_id: int | None, name: str | None, at: dt.datetime, **detail) -> None:
    history.add(db, action=action, user_id=user_id, username=name, entity="users",
                entity_id=user_id, detail=detail or None, at=at)


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    """The one refusal for too many attempts: the same whether or not the name is an account."""
    minutes = throttle.minutes_until(until, now)
    return (f"Wrong user name or password, or too many tries: sign-in is paused here for {minutes} "
            f"minute{'s' if minutes != 1 else ''}. If you have forgotten your password, ask the QA team to reset it.")


_ACCOUNT_LOCKS = tuple(threading.Lock() for _ in range(64))
UNKNOWN_DEVICE = "unknown device"


def sign_in(db: sqlite_utils.Database, username: str, password: str, *, device: str | None = None,
            now: dt.datetime | None = None) -> User:
    """Check a user name and password and return the user; SignInError otherwise.

    Every attempt is audited, but a name that is not an account is never stored (it may be a
    password typed into the wrong box). Failures are counted by lib.people.throttle: the same name
    from the same device (browser address) is paused after the configured number of failures for
    the configured time, doubling if it goes on; a device trying many names, and many devices trying
    one name, are slowed too; nobody else's attempts can lock a person out at their own desk. The
    refusal reads the same for a real and an unknown name. Attempts on one name run one at a time in
    this process, so parallel guesses are counted one by one. The password hash (~150 ms of CPU) is
    checked before the database write lock is taken, so other people's saves do not queue behind it.
    """
    now = now or store.utcnow()
    name = (username or "").strip().lower()[:60]
    device = (device or UNKNOWN_DEVICE)[:100]
    limit = settings.get(db, "lockout_attempts")
    minutes = settings.get(db, "lockout_minutes")
    select = "select id, password_hash, active from users where username = :u"
    with _ACCOUNT_LOCKS[hash(name) % len(_ACCOUNT_LOCKS)]:
        seen = db.execute(select, {"u": name}).fetchone()
        if seen is None:
            _equal_time_check(password)
            correct = False
        else:
            correct = _verify(seen[1], password)
        new_hash = hash_password(password) if correct and hasher.check_needs_rehash(seen[1]) else None
        with store.write(db):
            row = db.execute(select, {"u": name}).fetchone()
            if row is not None and (seen is None or row[1] != seen[1]):  # created or reset meanwhile: check again
                correct, new_hash = _verify(row[1], password), None
            outcome = _decide(db, row, name, device, correct, new_hash, now, limit, minutes)
    if isinstance(outcome, SignInError):
        raise outcome
    return outcome


def _decide(db, row, name, device, correct, new_hash, now, limit, minutes) -> "User | SignInError":
    """The sign-in decision, written inside the caller's transaction."""
    user_id = row[0] if row else None
    shown_name = name if row else None  # never store what was typed unless it names an account
    until = throttle.blocked(db, name, device, now)
    if until is not None:
        _audit_attempt(db, "sign_in_failed", user_id, shown_name, now, reason="paused after too many tries",
                       device=device)
        return SignInError(_locked_message(until, now))
    if row is None or not correct:
        until = throttle.failed(db, name, device, now, limit=limit, minutes=minutes)
        _audit_attempt(db, "sign_in_failed", user_id, shown_name, now,
                       reason="wrong password" if row else "unknown user name", paused=until is not None,
                       device=device)
        return SignInError(_locked_message(until, now)) if until else SignInError(WRONG_CREDENTIALS)
    password_hash, active = row[1], row[2]
    if not active:
        _audit_attempt(db, "sign_in_failed", user_id, name, now, reason="deactivated", device=device)
        return SignInError("This account has been deactivated. Ask the QA team if you need access again.")
    throttle.succeeded(db, name, device, now)
    db.execute(
        """update users set failed_attempts = 0, locked_until = null, last_sign_in_at = :now,
           password_hash = :hash where id = :id""",
        {"id": user_id, "now": store.stamp(now), "hash": new_hash or password_hash},
    )
    _audit_attempt(db, "sign_in", user_id, name, now, device=device)
    return load(db, user_id)


def unlock(db: sqlite_utils.Database, name: str) -> int:
    """Lift every pause on a user name, from every device (inside the caller's write); how many counts went."""
    db.execute("update users set failed_attempts = 0, locked_until = null where username = :u",
               {"u": name.strip().lower()})
    return throttle.clear(db, name.strip().lower())


def record_sign_in(db: sqlite_utils.Database, user: User, *, how: str) -> None:
    """Audit a sign-in made some other way than a password (organisation account)."""
    with store.write(db):
        _audit_attempt(db, "sign_in", user.id, user.username, store.utcnow(), how=how)


def record_sign_out(db: sqlite_utils.Database, user: User, *, reason: str = "signed out") -> None:
    """Audit a sign-out (by the user or by the idle timeout)."""
    with store.write(db):
        history.add(db, action="sign_out", user_id=user.id, username=user.username, entity="users",
                    entity_id=user.id, detail={"reason": reason})


def users(db: sqlite_utils.Database, *, now: dt.datetime | None = None) -> list[dict]:
    """Every user with roles, team and state (active, locked), for the users page."""
    now = now or store.utcnow()
    rows = list(db.query(
        """select u.id, u.username, u.display_name, u.email, u.team_id, t.name as team, u.active,
                  u.locked_until, u.last_sign_in_at,
                  (select group_concat(role, ', ') from (select role from user_roles r
                    where r.user_id = u.id order by role)) as roles
           from users u left join teams t on t.id = u.team_id order by u.display_name collate nocase"""
    ))
    for row in rows:
        row["locked"] = throttle.is_locked(db, row["username"], now)  # paused from some device
        row["roles"] = (row["roles"] or "").split(", ") if row["roles"] else []
    return rows


def teams(db: sqlite_utils.Database, *, active_only: bool = False) -> list[dict]:
    """Teams with how many active users and active households each has, and each team's version (for editing)."""
    return [row | {"version": records.current(db, "teams", row["id"])} for row in db.query(
        f"""select t.id, t.name, t.active,
                  (select count(*) from users u where u.team_id = t.id and u.active = 1) as users,
                  (select count(*) from households h where h.team_id = t.id and h.status = 'active') as households
           from teams t {'where t.active = 1' if active_only else ''} order by t.name collate nocase"""
    )]


def _team_name(db, name: str, *, excluding: int | None = None) -> str:
    clean = text.clean(name, field="Team name", max_length=60, required=True)
    clash = db.execute("select id from teams where name = :n and id != coalesce(:id, -1)",
                       {"n": clean, "id": excluding}).fetchone()
    if clash:
        raise ValueError(f"There is already a team called '{clean}'.")
    return clean


def create_team(db: sqlite_utils.Database, actor: User, name: str) -> int:
    """Add a team (QA only); returns its id."""
    access.require(actor, "manage_users")
    with store.write(db):
        clean = _team_name(db, name)
        team_id = db.execute("insert into teams (name, created_at) values (:n, :now)",
                             {"n": clean, "now": store.stamp()}).lastrowid
        history.add(db, action="create", user_id=actor.id, username=actor.username, entity="teams",
                    entity_id=team_id, detail={"name": clean})
    return team_id


def update_team(db: sqlite_utils.Database, actor: User, team_id: int, *, name: str, active: bool,
                expected: str | None = None) -> dict:
    """Rename a team or mark it inactive (QA only); returns the audited changes. With expected (the team's
    records.version() when the form was opened), a change another QA officer saved in between is refused."""
    access.require(actor, "manage_users")
    return records.edit(
        db, actor, "teams", team_id, expected=expected, what="team",
        clean=lambda _before: {"name": _team_name(db, name, excluding=team_id), "active": int(bool(active))})
