"""The only lib module that imports streamlit: the connection for a run, identity, and shared widgets."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pandas as pd
import streamlit as st

from lib import access, accounts, settings
from lib import db as store
from lib.access import User

_run = threading.local()
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


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for organisation sign-in."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


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
    timeout = settings.get(db, "idle_timeout_minutes") * 60
    idle = time.time() - st.session_state.get(ACTIVE_KEY, 0)
    if user is None or idle > timeout:
        if user is not None:
            accounts.record_sign_out(db, user, reason="idle timeout")
            st.session_state[NOTICE_KEY] = (
                f"You were signed out after {timeout // 60} minutes without activity. Please sign in again."
            )
        else:
            st.session_state[NOTICE_KEY] = "Your account is no longer active. Ask the QA team if this is a mistake."
        _forget_user()
        return None
    st.session_state[ACTIVE_KEY] = time.time()
    return user


def sign_in(db, user: User, *, how: str = "password") -> None:
    """Remember the user in this browser tab's session."""
    st.session_state[USER_KEY] = user.id
    st.session_state[ACTIVE_KEY] = time.time()
    st.session_state.pop(NOTICE_KEY, None)
    if how != "password":
        # Password sign-ins are audited by accounts.sign_in; other ways in are audited here.
        with store.write(db):
            store.audit(db, action="sign_in", user_id=user.id, username=user.username, entity="users",
                         entity_id=user.id, detail={"how": how})


def _forget_user() -> None:
    for key in list(st.session_state.keys()):
        if key != NOTICE_KEY:
            del st.session_state[key]


def sign_out() -> None:
    """Button callback: audit the sign-out and forget the user (and every half-filled widget)."""
    db = store.connect()
    try:
        user = accounts.load(db, st.session_state.get(USER_KEY))
        if user is not None:
            accounts.record_sign_out(db, user)
    finally:
        db.close()
    _forget_user()
    st.session_state[NOTICE_KEY] = "You have signed out."
    if oidc_configured() and st.user.get("is_logged_in", False):
        st.logout()


def demo_banner() -> None:
    st.warning("Demo: every person, household and comment here is fictional.", icon=":material/theater_comedy:")


FLASH_KEY = "flash"


def fresh_key(name: str) -> str:
    """A widget or form key that changes after a successful attempt(..., reset=name), emptying it."""
    return f"{name}_{st.session_state.get(f'_generation_{name}', 0)}"


def attempt(
    action: Callable[[], Any], *, success: str | Callable[[Any], str] | None = None, reset: str | None = None,
) -> Any:
    """Run a lib call; show its ValueError/PermissionError as a plain error and return None instead.

    With `success`, a successful call reruns the page so every table shows the change, and the
    message (a string, or a function of the result) is shown at the top of the next run. With
    `reset`, the widgets keyed by fresh_key(reset) start empty after a success; after an error
    they keep what was typed.
    """
    try:
        result = action()
    except (ValueError, PermissionError) as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    if reset:
        st.session_state[f"_generation_{reset}"] = st.session_state.get(f"_generation_{reset}", 0) + 1
    if success:
        st.session_state[FLASH_KEY] = success(result) if callable(success) else success
        st.rerun()
    return result


def show_flash() -> None:
    """Show the message left by the last successful attempt(), once."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def table(rows: list[dict] | pd.DataFrame, *, columns: dict[str, str] | None = None, height: int | str = "auto",
          key: str | None = None, **kwargs) -> Any:
    """A read-only data grid: user text inside it is shown as text, never as markup."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows or None, columns=None if rows else list(columns or []))
    if columns:
        frame = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    return st.dataframe(frame, hide_index=True, height=height, key=key, **kwargs)
