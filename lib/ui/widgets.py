"""The only lib module that imports streamlit: the connection for a run, identity, and shared widgets."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any, Callable

import pandas as pd
import sqlite_utils
import streamlit as st

from lib import csv_import, dates, periods, store, text
from lib.access import User
from lib.people import accounts
from lib.store import history, records


Maker = Callable[[sqlite_utils.Database, User], bytes]


def download_maker(user: User, action: str, make: Maker, *, file_name: str, what: str | None) -> Callable[[], bytes]:
    """The function a download button calls when clicked: on Streamlit's download thread, with its own
    connection, for the account as it stands then (accounts.as_it_stands), however long ago the page was
    drawn. A deactivated or demoted person gets no file, and the refusal is kept in History.

    make(db, person) makes the file for the account as it now stands. With `what`, the download is logged
    as an export of it; without, make's lib call logs it itself (a backup, a published report).
    """
    def build() -> bytes:
        database = store.connect()
        try:
            try:
                person = accounts.as_it_stands(database, user, action)
            except PermissionError as refused:
                with store.write(database):
                    history.add(database, action="export_refused", user_id=user.id, username=user.username,
                                entity=what or action, detail={"file": file_name, "why": str(refused)})
                raise
            data = make(database, person)
            if what:
                with store.write(database):
                    history.add(database, action="export", user_id=person.id, username=person.username, entity=what,
                                detail={"file": file_name, "bytes": len(data)})
            return data
        finally:
            database.close()

    return build


def audited_download(label: str, *, user: User, action: str, make: Maker, file_name: str, mime: str,
                     what: str | None, key: str | None = None, icon: str = ":material/download:", container=st) -> None:
    """A download button whose file is made only when clicked, for the rights the person has then, and
    logged as an export (see download_maker)."""
    container.download_button(label, data=download_maker(user, action, make, file_name=file_name, what=what),
                              file_name=file_name, mime=mime, icon=icon, on_click="ignore", key=key)


def note_read(db, user: User, what: str, *, entity: str | None = None, entity_id: Any = None,
              detail: dict | None = None) -> None:
    """Keep that this person looked at something sensitive: once per session for each thing, not on every rerun."""
    seen = st.session_state.setdefault("_reads_noted", set())
    marker = (what, entity, None if entity_id is None else str(entity_id), repr(sorted((detail or {}).items())))
    if marker in seen:
        return
    try:
        history.read(db, user, what, entity=entity, entity_id=entity_id, detail=detail)
    except sqlite3.OperationalError as exc:  # a full disk, a read-only file, a lock held too long
        problem = store.BUSY_MESSAGE if store.is_busy(exc) else store.storage_message(exc)
        if problem is None:
            raise
        # Not shown unrecorded: who looked at a child's words must be known, so the page stops here.
        st.error("This is not shown, because the record of who looked at it could not be saved. " + problem,
                 icon=":material/storage:")
        st.stop()
    seen.add(marker)


def md(value: object) -> str:
    """User text escaped for a markdown element (title, write, caption, success…)."""
    return text.escape_markdown(value)


def demo_banner() -> None:
    st.warning("Demo: every person, household and comment here is fictional.", icon=":material/theater_comedy:")


FLASH_KEY = "flash"


def fresh_key(name: str) -> str:
    """A widget or form key that changes after a successful attempt(..., reset=name), emptying it."""
    return f"{name}_{st.session_state.get(f'_generation_{name}', 0)}"


def edit_key(key: str, record: dict | None) -> tuple[str, str | None]:
    """The widget-key base for a form over a stored record, and the record's version when this person opened it.

    The version (record["version"], from lib) is kept across reruns until the form is saved or its saved
    version is loaded again, so a change someone else saves meanwhile is caught (records.StaleEdit) and the
    widgets keep what this person typed. Both then start again together from the saved record, so the
    widgets never show one version while the form holds another. A new record (None) has no version.
    """
    if not record:
        return fresh_key(key), None
    opened = st.session_state.setdefault(f"_opened_{key}", record["version"])
    return fresh_key(key), opened


def save_form(key: str, prior: dict | None, opened: str | None, *, update: Callable[[int, str | None], dict],
              record: Callable[[], Any], created: Callable[[Any], str], draft: Any = None,
              changed: Callable[[dict], str] | None = None) -> None:
    """Save a form opened with edit_key(key, prior): a correction of the stored record (refused if it went
    stale, saying who changed it) or, with no prior record, a new one, which empties the form. With
    `draft` (unsaved.begin), its draft goes in the same transaction."""
    if prior:
        attempt(lambda: update(prior["id"], opened), opened=key, success=changed or saved_changes, draft=draft)
    else:
        attempt(record, reset=key, success=created, draft=draft)


def delete_form(key: str, what: str, delete: Callable[[str], Any]) -> None:
    """The form that deletes a record with a reason (soft: it is hidden, and QA can restore it)."""
    with st.form(fresh_key(key)):
        reason = st.text_input("Why delete it?", max_chars=500, help="QA can see deleted entries and restore them.")
        if st.form_submit_button("Delete entry", icon=":material/delete:"):
            attempt(lambda: delete(reason), success=f"Deleted {what}. QA can restore it.")


def saved_changes(diff: dict) -> str:
    """The message after an edit: how many fields changed, or that nothing did."""
    return f"Saved {len(diff)} change(s)." if diff else "Nothing changed."


def _load_saved(key: str, draft: Any = None) -> None:
    """Forget the version a form was opened with and empty its widgets, so both come from the saved record
    (and, with the form's draft, throw that away: the person chose the saved version over it)."""
    if draft is not None:
        draft.discard()
    st.session_state.pop(f"_opened_{key}", None)
    st.session_state[f"_generation_{key}"] = st.session_state.get(f"_generation_{key}", 0) + 1


def attempt(
    action: Callable[[], Any], *, success: str | Callable[[Any], str] | None = None, reset: str | None = None,
    opened: str | None = None, draft: Any = None,
) -> Any:
    """Run a lib call; show its ValueError/PermissionError as a plain error and return None instead.

    With `success`, a successful call reruns the page so every table shows the change, and the
    message (a string, or a function of the result) is shown at the top of the next run. With
    `reset`, the widgets keyed by fresh_key(reset) start empty after a success; after an error
    they keep what was typed. With `opened` (the key given to edit_key), a success forgets the
    version the form was opened with, and a stale edit offers to load the saved version. A save
    that meets a database still busy after the wait says so plainly; nothing typed is lost. With
    `draft` (unsaved.begin), the form's draft is deleted in the save's own transaction.
    """
    def run() -> Any:
        if draft is None:
            return action()
        with store.write(draft.db):
            saved = action()
            draft.drop(draft.db)
        return saved

    try:
        result = run()
    except records.StaleEdit as exc:
        st.error(text.escape_markdown(exc), icon=":material/sync_problem:")
        if opened:
            st.button("Load the saved version (what you typed here is replaced)", key=f"_reload_{opened}",
                      on_click=_load_saved, args=(opened, draft), icon=":material/refresh:")
        return None
    except (ValueError, PermissionError) as exc:
        st.error(text.escape_markdown(exc), icon=":material/error:")
        return None
    except sqlite3.OperationalError as exc:
        if store.is_busy(exc):
            st.error(store.BUSY_MESSAGE, icon=":material/hourglass_top:")
            return None
        problem = store.storage_message(exc)
        if problem is None:
            raise
        st.error(problem, icon=":material/storage:")
        return None
    if draft is not None:
        draft.done()
    if opened:
        _load_saved(opened)
    if reset:
        st.session_state[f"_generation_{reset}"] = st.session_state.get(f"_generation_{reset}", 0) + 1
    if success:
        st.session_state[FLASH_KEY] = success(result) if callable(success) else success
        st.rerun()
    return result


def import_file(label: str, *, key: str, plan: Callable[[bytes], Any], run: Callable[..., Any],
                preview: Callable[[Any], dict | None], button: Callable[[Any], str], success: Callable[[Any], str],
                max_bytes: int = csv_import.MAX_BYTES) -> None:
    """The one import screen: upload a CSV, see its row errors by line (nothing can be imported) or a
    preview of what it would change, then import it all or nothing.

    plan(data) works out the preview (lib's plan(), writing nothing); preview(plan) draws it and returns
    any options the person chose there (such as a confirmation), passed on as run(data, file_name, **options).
    """
    upload = st.file_uploader(label, type=["csv"], key=fresh_key(key), max_upload_size=max_bytes // (1024 * 1024))
    if upload is None:
        return
    data, name = upload.getvalue(), upload.name
    result = attempt(lambda: plan(data))
    if result is None:
        return
    if result.errors:
        st.error(f"Nothing can be imported yet: {csv_import.rows_to_fix(len(result.errors))} in the file.",
                 icon=":material/error:")
        labelled = any(e.reference for e in result.errors)
        table([{"Line": e.line, **({"Reference": e.reference} if labelled else {}), "Problem": e.reason}
               for e in result.errors], key=f"{key}_errors")
        return
    options = preview(result) or {}
    if st.button(button(result), type="primary", icon=":material/upload:", key=f"{key}_import"):
        attempt(lambda: run(data, name, **options), reset=key, success=success)


def open_chosen(label: str, rows: list[dict], load: Callable[[int], Any], *, key: str,
                describe: Callable[[dict], str], placeholder: str = "Choose a case") -> Any:
    """A picker over rows by id; the chosen one loaded with load(id). Stops the page while nothing is
    chosen, or when loading fails (its error shown)."""
    by_id = {row["id"]: row for row in rows}
    chosen = st.selectbox(label, list(by_id), index=None, placeholder=placeholder, key=key,
                          format_func=lambda i: describe(by_id[i]))
    loaded = None if chosen is None else attempt(lambda: load(chosen))
    if loaded is None:
        st.stop()
    return loaded


def flash(message: str, *, kind: str = "success") -> None:
    """Queue a message for the top of the next run (after a write and rerun)."""
    st.session_state.setdefault(FLASH_QUEUE, []).append((kind, message))


FLASH_QUEUE = "flash_queue"
_FLASH_STYLE = {"success": (st.success, ":material/check_circle:"), "error": (st.error, ":material/warning:"),
                "info": (st.info, ":material/info:")}


def show_flash() -> None:
    """Show the messages left by the last successful writes, once."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(text.escape_markdown(message), icon=":material/check_circle:")
        st.toast(text.escape_markdown(message), icon=":material/check_circle:")  # seen when scrolled down
    for kind, queued in st.session_state.pop(FLASH_QUEUE, []):
        show, icon = _FLASH_STYLE[kind]
        show(text.escape_markdown(queued), icon=icon)
        if kind == "error":  # stays on screen until dismissed, wherever the page is scrolled
            st.toast(text.escape_markdown(queued), icon=icon, duration="infinite")


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _uk_dates(frame: pd.DataFrame) -> dict:
    """Stored ISO dates and UTC timestamps in a table, as dates and UK local times the grid shows in the house style
    (lib/dates.py: 2 Dec 2026, 2 Dec 2026, 14:05) and still sorts by date; returns their column settings."""
    config = {}
    for column in frame.columns:
        values = [v for v in frame[column].dropna() if v != ""]  # an empty cell is a missing date, not text
        if not values or not all(isinstance(v, str) for v in values):
            continue
        if all(_ISO_DAY.match(v) for v in values):
            frame[column] = [dt.date.fromisoformat(v) if isinstance(v, str) and v else None for v in frame[column]]
            config[column] = st.column_config.DateColumn(column, format="D MMM YYYY")
        elif all(_ISO_MOMENT.match(v) for v in values):
            frame[column] = [dates.local(v).replace(tzinfo=None) if isinstance(v, str) and v else None
                             for v in frame[column]]
            config[column] = st.column_config.DatetimeColumn(column, format="D MMM YYYY, HH:mm")
        elif any(_ISO_DAY.match(v) or _ISO_MOMENT.match(v) for v in values):  # dates beside words ("not yet")
            frame[column] = [(dates.day(v) if _ISO_DAY.match(v) else dates.moment(v))
                             if isinstance(v, str) and (_ISO_DAY.match(v) or _ISO_MOMENT.match(v)) else v
                             for v in frame[column]]
    return config


def table(rows: list[dict] | pd.DataFrame, *, columns: dict[str, str] | None = None, height: int | str = "auto",
          key: str | None = None, **kwargs) -> Any:
    """A read-only data grid: user text inside it is shown as text, never as markup; dates in the house style."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows or None, columns=None if rows else list(columns or []))
    if columns:
        frame = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    frame = frame.copy()
    kwargs["column_config"] = {**_uk_dates(frame), **(kwargs.get("column_config") or {})}
    return st.dataframe(frame, hide_index=True, height=height, key=key, **kwargs)


PERIOD_KINDS = {"quarter": "Quarter", "year": "Financial year", "range": "Range of quarters"}


def period_picker(key: str, *, today: dt.date, kinds: tuple[str, ...] = ("quarter", "year"), count: int = 8,
                  default: int = 0, label: str = "Period") -> periods.Period:
    """The one period picker: a quarter, a financial year or a range of quarters, as a periods.Period.

    Its widgets are keyed {key}_kind, {key}_quarter, {key}_year, {key}_from and {key}_to; `default` is the
    index of the quarter chosen at first (0: the quarter today is in).
    """
    recent = periods.recent(today, count)
    kind = "quarter"
    if len(kinds) > 1:
        kind = st.segmented_control(label, list(kinds), format_func=PERIOD_KINDS.get, default=kinds[0],
                                    required=True, key=f"{key}_kind")
    if kind == "quarter":
        chosen = st.selectbox("Quarter", recent, index=min(default, len(recent) - 1), format_func=lambda q: q.label,
                              key=f"{key}_quarter")
        return periods.of_quarter(chosen)
    if kind == "year":
        years = sorted({q.year for q in recent}, reverse=True)
        year = st.selectbox("Financial year", years, format_func=lambda y: y.label, key=f"{key}_year")
        return periods.of_year(year)
    left, right = st.columns(2)
    last = right.selectbox("To", recent, format_func=lambda q: q.label, key=f"{key}_to")
    first = left.selectbox("From", [q for q in recent if q <= last], format_func=lambda q: q.label,
                           index=min(1, sum(1 for q in recent if q <= last) - 1), key=f"{key}_from")
    return periods.of_quarters(first, last)
