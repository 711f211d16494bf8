"""The connection for a script run, the signed-in person, sign-in, sign-out and the idle timer."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from zoneinfo import ZoneInfo

import streamlit as st

from lib import access, store
from lib.access import User
from lib.people import accounts
from lib.store import settings
from lib.ui import unsaved

_run = threading.local()
# The service's own clock: dates a person types and "this month" follow UK time, not the server's.
LOCAL = ZoneInfo("Europe/London")


def now() -> dt.datetime:
    return dt.datetime.now(LOCAL)


def today() -> dt.date:
    """Today's date in the UK (pages pass it to lib, which never reads the clock itself)."""
    return now().date()
USER_KEY = "user_id"
ACTIVE_KEY = "last_active"
NOTICE_KEY = "sign_in_notice"


def open_connection():
    """Open this script run's connection (called once by the entrypoint); pages get it with connection()."""
    old = getattr(_run, "db", None)
    if old is not None:
        try:
            old.close()
        except Exception:  # a closed or broken connection must not stop the new run
            pass
    _run.db = store.connect()
    return _run.db


def connection():
    """The current script run's connection, opened by the entrypoint on this thread."""
    return getattr(_run, "db", None) or open_connection()


EXAMPLE_COOKIE_SECRET = "a long random string"  # the value in .streamlit/secrets.example.toml
MIN_COOKIE_SECRET = 32


def auth_settings() -> dict:
    """The [auth] section of .streamlit/secrets.toml (organisation sign-in), or {} without one."""
    try:
        return dict(st.secrets["auth"]) if "auth" in st.secrets else {}
    except Exception:  # no secrets file at all
        return {}


def oidc_problem() -> str | None:
    """Why organisation sign-in is refused although [auth] is set up (a guessable cookie secret), or None."""
    secret = str(auth_settings().get("cookie_secret", ""))
    if secret == EXAMPLE_COOKIE_SECRET or len(secret) < MIN_COOKIE_SECRET or len(set(secret)) < 8:
        return ("Organisation sign-in is off: the cookie_secret in .streamlit/secrets.toml is the example's, or "
                f"shorter than {MIN_COOKIE_SECRET} characters, or too repetitive, and anyone who knew it could sign "
                "in as anybody. Whoever runs the server: set it to a long random value, for example the output of "
                "python3 -c \"import secrets; print(secrets.token_urlsafe(48))\", and restart the app.")
    return None


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for organisation sign-in with a strong cookie secret."""
    return bool(auth_settings()) and oidc_problem() is None


def _email_verified_required() -> bool:
    """[feedback_hub] require_email_verified in secrets.toml: on unless turned off (for a provider, such as
    Microsoft Entra ID, that manages its users' e-mails itself and sends no email_verified claim)."""
    try:
        section = st.secrets.get("feedback_hub", {})
        return bool(section.get("require_email_verified", True))
    except Exception:
        return True


def _identity_fresh(timeout_minutes: float) -> bool:
    """Whether the provider's sign-in behind the identity cookie is recent enough to open a new tab without
    asking: within the idle timeout of when the provider issued it (its iat or auth_time claim)."""
    issued = st.user.get("auth_time") or st.user.get("iat")
    if not isinstance(issued, (int, float)):
        return True  # a provider that says not when: the cookie's own lifetime applies
    return time.time() - float(issued) <= timeout_minutes * 60


def device() -> str:
    """The browser's address, for counting failed sign-ins per device: as the server sees it, or, when that is
    this machine (the reverse proxy of deploy/nginx.conf), the address the proxy says it forwarded for."""
    try:
        address = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For") if address in ("127.0.0.1", "::1") else None
    except Exception:  # no request context (a thread)
        address, forwarded = None, None
    if isinstance(forwarded, str) and forwarded.strip():
        return forwarded.split(",")[-1].strip()[:100]  # the hop the local proxy added
    return address if isinstance(address, str) and address else "unknown device"  # AppTest has none


def current_user(db) -> User | None:
    """The signed-in, active user for this session, or None; signs out an idle session first.

    Called once per run by the entrypoint; pages ask page_user() for the result.
    """
    _run.user = _identify(db)
    return _run.user


def page_user(action: str) -> User:
    """The signed-in user, if they may take the page's action; otherwise stop the page with an error.

    Navigation already hides pages a user may not see; this is the second lock on the door.
    """
    user = getattr(_run, "user", None)
    if not access.can(user, action):
        st.error("You do not have access to this page.", icon=":material/block:")
        st.stop()
    return user


def _identify(db) -> User | None:
    user_id = st.session_state.get(USER_KEY)
    if user_id is None and oidc_configured() and st.user.get("is_logged_in", False):
        if _email_verified_required() and st.user.get("email_verified") is not True:
            st.session_state[NOTICE_KEY] = (
                "Your organisation account's e-mail address is not verified by the provider, so it cannot be used "
                "to sign in here. Ask the QA team.")
            st.logout()
            return None
        if not _identity_fresh(settings.get(db, "idle_timeout_minutes")):
            st.session_state[NOTICE_KEY] = ("Please sign in again: your last organisation sign-in on this computer "
                                            "was longer ago than the idle timeout.")
            st.logout()
            return None
        user = accounts.for_email(db, st.user.get("email"))
        if user is None:
            st.session_state[NOTICE_KEY] = (
                f"There is no active account here for {st.user.get('email')}. Ask the QA team to add you."
            )
            return None
        sign_in(db, user, how="organisation account")
        return user
    if user_id is None:
        return None
    user = accounts.load(db, user_id)
    minutes = settings.get(db, "idle_timeout_minutes")
    idle = time.time() - st.session_state.get(ACTIVE_KEY, 0)
    if user is None or idle > minutes * 60:
        if user is not None:
            unsaved.save_open(db, user)
            accounts.record_sign_out(db, user, reason="idle timeout")
            st.session_state[NOTICE_KEY] = (
                f"You were signed out after {minutes:g} minute{'s' if minutes != 1 else ''} without activity. "
                "Please sign in again."
                + _drafts_kept(db, user))
        else:
            st.session_state[NOTICE_KEY] = "Your account is no longer active. Ask the QA team if this is a mistake."
        _forget_user()
        if oidc_configured() and st.user.get("is_logged_in", False):
            st.logout()  # otherwise the organisation sign-in would silently sign them back in
        return None
    st.session_state[ACTIVE_KEY] = time.time()
    return user


def _drafts_kept(db, user: User) -> str:
    """What the sign-in screen says about the drafts kept for this person: how many, never what they are
    (the screen is what an unattended computer shows); "" when there are none."""
    kept = unsaved.count(db, user)
    if not kept:
        return ""
    return (f" What you had not saved is kept as {'a draft' if kept == 1 else f'{kept} drafts'}: sign in and "
            "open the form, and you will be offered it to restore.")


IDLE_TIMER_KEY = "idle_timer"
WATCH_KEY = "session_watch"
STAY_KEY = "stay_signed_in"
WARN_SECONDS = 120.0


def warning_lead(timeout: float) -> float:
    """How long before the idle timeout the page warns: two minutes, or half a timeout shorter than four."""
    return min(WARN_SECONDS, timeout / 2)


def idle_timer(db, user: User) -> None:
    """Warn before the idle timeout and sign an idle session out from the open tab, without waiting for a click.

    A fragment the browser reruns on a timer (every twelfth of the timeout, at most every 30 seconds),
    drawn in a box fixed to the corner of the page. It holds the typing keeper (unsaved.typing_keeper):
    words being typed count as activity and are kept as the form's draft at once. Two minutes before
    the timeout (half the timeout, when that is shorter: warning_lead) it shows a warning with a "Stay
    signed in" button; once the last activity is older than
    the timeout it keeps the drafts and reruns the whole app, and _identify signs the session out.
    A timer rerun runs only the fragment, so it never reaches _identify and never counts as activity.
    """
    timeout = settings.get(db, "idle_timeout_minutes") * 60
    with st.container(key=WATCH_KEY):
        st.fragment(_watch, run_every=min(30.0, max(1.0, timeout / 12)), key=IDLE_TIMER_KEY)(user, timeout)


def _stay() -> None:
    st.session_state[ACTIVE_KEY] = time.time()


def _watch(user: User, timeout: float) -> None:
    if USER_KEY not in st.session_state:
        return
    words = unsaved.typing_keeper()
    if words:
        st.session_state[ACTIVE_KEY] = time.time()  # typing is activity
        database = store.connect()
        try:
            unsaved.typed(database, user, words)
        finally:
            database.close()
        st.rerun(scope="fragment")  # so the keeper is drawn again with the words acknowledged
    left = timeout - (time.time() - st.session_state.get(ACTIVE_KEY, 0))
    if left <= 0:
        st.rerun(scope="app")
    if left <= warning_lead(timeout):
        at = dt.datetime.now(LOCAL) + dt.timedelta(seconds=left)
        st.warning(f"You will be signed out at {at:%H:%M} (in about {max(1, round(left / 60))} minute"
                   f"{'s' if round(left / 60) > 1 else ''}) because nothing has been typed or clicked for a while. "
                   "Anything you have not saved is kept as a draft.", icon=":material/timer:")
        st.button("Stay signed in", key=STAY_KEY, on_click=_stay, type="primary", icon=":material/login:")


def sign_in(db, user: User, *, how: str = "password") -> None:
    """Remember the user in this browser tab's session (password sign-ins are audited by accounts.sign_in)."""
    st.session_state[USER_KEY] = user.id
    st.session_state[ACTIVE_KEY] = time.time()
    st.session_state.pop(NOTICE_KEY, None)
    if how != "password":
        accounts.record_sign_in(db, user, how=how)
    try:
        unsaved.expire(db)  # everyone's drafts past the kept days go, a little at each sign-in
    except sqlite3.OperationalError as exc:
        if not (store.is_busy(exc) or store.storage_message(exc)):
            raise


def _forget_user() -> None:
    for key in list(st.session_state.keys()):
        if key != NOTICE_KEY:
            del st.session_state[key]


def sign_out() -> None:
    """Button callback: audit the sign-out and forget the user (and every half-filled widget)."""
    db = store.connect()
    kept = ""
    try:
        user = accounts.load(db, st.session_state.get(USER_KEY))
        if user is not None:
            unsaved.save_open(db, user)
            kept = _drafts_kept(db, user)
            accounts.record_sign_out(db, user)
    finally:
        db.close()
    _forget_user()
    st.session_state[NOTICE_KEY] = "You have signed out." + kept
    if oidc_configured() and st.user.get("is_logged_in", False):
        st.logout()
