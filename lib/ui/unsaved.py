"""Drafts on screen: every form keeps what its person typed as a server-side draft (store/unsaved.py), and
offers it back ("Restore your unsaved carer feedback for Birch Treacle from 14:05?") when the form is
opened again with empty widgets: after a page change, a reload, a new tab, the idle timeout or sign-out.

A form takes part like this (widgets keyed f"{base}_...", buttons and other state keyed outside it):

    draft = unsaved.begin(db, user, key, base, noun="carer feedback", opened=opened)
    if draft.offered:          # the offer is on screen instead of the form
        return
    with draft.box():          # a bordered container the typing keeper watches
        ...widgets...
        save = st.button("Save", key=f"save_{base}")
    draft.keep(label="carer feedback for Birch Treacle (DEMO-10005)", safeguarding=ticked)
    if save:
        widgets.attempt(..., draft=draft)   # the draft goes in the save's own transaction

What is kept, and when:
- every widget change reruns the page (the forms have no st.form, so nothing waits for a submit), and
  keep() stores the form's widget values when they differ from what it opened with;
- words being typed reach the server before Streamlit sends them (it sends a text box's value only
  when it loses focus): the typing keeper, a small script of ours, sends the text boxes' contents at
  most every two seconds while someone types, and session.idle_timer passes them to typed();
- a click on another page loses nothing: the last run stored the form's widgets, and the keeper notes
  a text box's words as it loses focus and sends them once the new page has been drawn.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import streamlit as st

from lib import dates, store
from lib.access import User
from lib.store import unsaved
from lib.ui import widgets

REGISTRY = "_unsaved_forms"      # form key -> what keep() knows about the form on screen
TYPED = "_unsaved_typed"         # widget key -> the words in a text box the browser has not sent yet
COMMITTED = "_unsaved_committed"  # widget key -> its value at the last full run
RUN = "_unsaved_run"             # counts full runs, so flush() knows which forms the last run drew
PAGE = "_unsaved_page"           # the url path of the page this run draws (set by the entrypoint)
ACK = "_unsaved_ack"             # the number of the keeper's last message that reached the server
MAX_TYPED = 100_000              # characters in one text box the keeper may send
KEPT_RUNS = 5                    # full runs a form not drawn again stays known, for the keeper's late words


def form_key(key: str) -> str:
    """A widget-key stem as a draft's form name (letters, digits and underscores)."""
    return re.sub(r"[^a-z0-9_]", "_", key.lower())[:80]


def _id_key(form: str) -> str:
    return f"_unsaved_id_{form}"


def _snapshot(base: str, *, drawn: bool) -> dict[str, Any]:
    """The form's fields as they stand: its widgets' values (when the last full run drew it), with words
    typed since overlaid (they may outlive the widgets: a page change)."""
    prefix = f"{base}_"
    typed = st.session_state.get(TYPED, {})
    fields = {}
    for key in dict.fromkeys([*(st.session_state if drawn else ()), *typed]):
        if isinstance(key, str) and key.startswith(prefix):
            value = typed[key] if key in typed else st.session_state[key]
            try:
                unsaved.encode({"f": value})
            except ValueError:
                continue  # not a form value (an uploaded file, a button's state): nothing to keep
            fields[key[len(prefix):]] = value
    return fields


def _store(db, user: User, form: str, ctx: dict) -> None:
    """Keep the form's fields as its draft if they hold anything new. A busy or failing database is not
    the person's problem here: the screen still holds what they typed, and the next change tries again."""
    # Over what was kept last: a run that changes page may bring none of the old page's widget values (the
    # browser forgets them), and the typing keeper's words can arrive after the widgets are gone.
    drawn = ctx["run"] == st.session_state.get(RUN, 0)
    fields = {**(unsaved.decode(ctx["last"]) if ctx["last"] else {}), **_snapshot(ctx["base"], drawn=drawn)}
    if not ctx["stored"] and not unsaved.differs(fields, ctx["baseline"]):
        return
    try:
        data = unsaved.encode(fields)
    except ValueError:
        return
    if data == ctx["last"]:
        return
    draft_id = st.session_state.get(_id_key(form)) or unsaved.new_id()
    try:
        unsaved.keep(db, user, draft_id=draft_id, form=form, page=ctx["page"], label=ctx["label"], fields=fields,
                     opened=ctx["opened"], safeguarding=ctx["safeguarding"], existing=ctx["stored"])
    except unsaved.Gone:
        ctx["gone"] = True
        return
    except sqlite3.OperationalError as exc:
        if store.is_busy(exc) or store.storage_message(exc):
            return
        raise
    except (ValueError, PermissionError):
        return  # a label or value lib refuses: the form itself will say what is wrong on save
    st.session_state[_id_key(form)] = draft_id
    ctx.update(last=data, stored=True)


def save_open(db, user: User | None) -> None:
    """Keep the drafts of the forms the last full run drew (before a sign-out, or as words are typed)."""
    if user is None:
        return
    run = st.session_state.get(RUN, 0)
    for form, ctx in list(st.session_state.get(REGISTRY, {}).items()):
        if ctx["run"] == run:
            _store(db, user, form, ctx)


def flush() -> None:
    """At the start of each full run: start a new run, and forget the keeper's words for a text box whose
    value the browser has sent since (it is newer). Nothing is stored here: on a run that changes page,
    the old page's widgets read as their defaults (the browser no longer sends them), so what they held
    is what keep() stored on the run before, with the keeper's words."""
    typed = st.session_state.setdefault(TYPED, {})
    committed = st.session_state.get(COMMITTED, {})
    for key in list(typed):
        if key in committed and st.session_state.get(key) != committed[key]:
            typed.pop(key)
    run = st.session_state.get(RUN, 0)
    registry = st.session_state.setdefault(REGISTRY, {})
    for form in [f for f, ctx in registry.items() if ctx["run"] < run - KEPT_RUNS]:
        del registry[form]  # a few runs on, so the keeper's words from a page left behind still find their form
    st.session_state[COMMITTED] = {k: st.session_state[k] for ctx in registry.values() if ctx["run"] == run
                                   for k in list(st.session_state) if isinstance(k, str)
                                   and k.startswith(f"{ctx['base']}_")}
    st.session_state[RUN] = run + 1


def typed(db, user: User, message: Any) -> None:
    """Words the typing keeper sent from the browser ({"seq": n, "fields": {widget key: text}}): overlay them
    on the forms they belong to and keep those drafts. A page change can overtake the message; the keeper
    then sends it again (it resends until ACK reaches its number), and the form, drawn on the page before,
    is still known here."""
    if not isinstance(message, dict) or not isinstance(message.get("fields"), dict):
        return
    seq = message.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        st.session_state[ACK] = max(seq, st.session_state.get(ACK, 0))
    registry = st.session_state.get(REGISTRY, {})
    overlay = st.session_state.setdefault(TYPED, {})
    touched = set()
    for key, value in message["fields"].items():
        if not (isinstance(key, str) and isinstance(value, str) and len(value) <= MAX_TYPED):
            continue
        for form, ctx in registry.items():
            if key.startswith(f"{ctx['base']}_"):
                overlay[key] = value
                touched.add(form)
    for form in touched:
        _store(db, user, form, registry[form])


def labels(db, user: User) -> list[str]:
    """What this person's drafts are, for a message ("carer feedback for Birch Treacle (DEMO-10005)")."""
    return [row["label"] for row in unsaved.mine(db, user)]


def when(stamp: str) -> str:
    """14:05 today, else 2 Dec 2026, 14:05."""
    return dates.time(stamp) if dates.local(stamp).date() == dates.local(store.stamp()).date() else dates.moment(stamp)


def _anew(form: str) -> None:
    """"Keep this as a new draft": the form's contents become a draft of their own, which may be saved."""
    st.session_state.pop(_id_key(form), None)
    ctx = st.session_state.get(REGISTRY, {}).get(form)
    if ctx is not None:
        ctx.update(gone=False, stored=False, last=None, baseline={})


class Draft:
    """One form's draft on this run (see the module's note)."""

    def __init__(self, db, user: User, key: str, base: str, *, noun: str, opened: str | None):
        self.db, self.user, self.key, self.base, self.noun, self.opened = db, user, key, base, noun, opened
        self.form = form_key(key)
        self.offered = False

    def box(self, *, border: bool = True):
        """The form's container: the typing keeper and the leave guard look for text boxes inside it."""
        return st.container(border=border, key=f"unsaved_{self.base}")

    def keep(self, label: str, *, safeguarding: bool = False) -> None:
        """Register the form drawn on this run and keep its draft if it holds anything new."""
        registry = st.session_state.setdefault(REGISTRY, {})
        ctx = registry.get(self.form)
        if ctx is None or ctx["base"] != self.base:
            restored = st.session_state.pop(f"_unsaved_restored_{self.form}", False)
            ctx = registry[self.form] = {"base": self.base,
                                         "baseline": {} if restored else _snapshot(self.base, drawn=True),
                                         "last": None, "stored": restored}
        ctx.update(run=st.session_state.get(RUN, 0), page=st.session_state.get(PAGE) or "home", label=label,
                   opened=self.opened, safeguarding=bool(safeguarding))
        _store(self.db, self.user, self.form, ctx)
        if ctx.get("gone"):
            st.warning(unsaved.GONE.replace("\"", ""), icon=":material/tab_close:")
            st.button("Keep this as a new draft", key=f"_unsaved_anew_{self.form}", on_click=_anew, args=(self.form,),
                      icon=":material/note_add:")

    def drop(self, db) -> None:
        """Delete the draft inside the save's transaction (widgets.attempt calls this); unsaved.Gone, and no
        save, when another tab saved or discarded it meanwhile."""
        draft_id = st.session_state.get(_id_key(self.form))
        ctx = st.session_state.get(REGISTRY, {}).get(self.form) or {}
        if draft_id:
            unsaved.drop(db, self.user, draft_id, existing=bool(ctx.get("stored")) or bool(ctx.get("gone")))

    def discard(self) -> None:
        """Throw the draft away (a callback: its own connection), and start the form again without one."""
        draft_id = st.session_state.get(_id_key(self.form))
        if draft_id:
            database = store.connect()
            try:
                unsaved.discard(database, self.user, draft_id)
            finally:
                database.close()
        self.done()

    def done(self) -> None:
        """After a save: the form starts again empty, with no draft."""
        st.session_state.get(REGISTRY, {}).pop(self.form, None)
        st.session_state.pop(_id_key(self.form), None)
        for key in [k for k in st.session_state.get(TYPED, {}) if k.startswith(f"{self.base}_")]:
            st.session_state[TYPED].pop(key)


def begin(db, user: User, key: str, base: str, *, noun: str, opened: str | None = None) -> Draft:
    """The draft of the form keyed `key` (widgets keyed f"{base}_...", its Save button f"save_{base}"). When the
    form opens afresh and this person has drafts of it, they are offered instead of the form (draft.offered)."""
    draft = Draft(db, user, key, base, noun=noun, opened=opened)
    if f"save_{base}" in st.session_state or st.session_state.get(f"_unsaved_restored_{draft.form}"):
        # The form is on screen (its Save button, a widget only Streamlit sets, is still known: Streamlit
        # forgets a widget after a run that did not draw it), or is being restored: its widgets hold it.
        return draft
    # The form opens afresh (a page change, another view, a new session): whatever its widgets held is in its
    # draft, and Streamlit may have kept some of their values and not others, so none is kept.
    for stale in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{base}_")]:
        del st.session_state[stale]
    st.session_state.get(REGISTRY, {}).pop(draft.form, None)  # its draft, if any, is offered; a new one starts
    st.session_state.pop(_id_key(draft.form), None)
    if st.session_state.pop(f"_unsaved_declined_{draft.form}", False):
        return draft
    rows = unsaved.mine(db, user, draft.form)
    if rows:
        draft.offered = True
        _offer(draft, rows)
    return draft


def _offer(draft: Draft, rows: list[dict]) -> None:
    confirm_key = f"_unsaved_confirm_{draft.form}"
    with st.container(border=True, key=f"unsaved_offer_{draft.form}"):
        for row in rows[:5]:
            sure = st.session_state.get(confirm_key) == row["id"]
            if sure:
                st.warning(widgets.md(f"Discard your unsaved {row['label']} from {when(row['updated_at'])} for good? "
                                      "What it holds cannot be got back."), icon=":material/delete_forever:")
            else:
                (st.error if row["safeguarding"] else st.info)(
                    widgets.md(f"Restore your unsaved {row['label']} from {when(row['updated_at'])}?"
                               + (" Its safeguarding box is ticked." if row["safeguarding"] else "")),
                    icon=":material/edit_note:")
            left, right, _ = st.columns([1, 1, 3])
            if sure:
                if left.button("Yes, discard it", key=f"_unsaved_yes_{row['id']}", icon=":material/delete:"):
                    st.session_state.pop(confirm_key, None)
                    widgets.attempt(lambda r=row: unsaved.discard(draft.db, draft.user, r["id"]),
                                    success=f"Discarded your unsaved {row['label']}.")
                if right.button("Keep it", key=f"_unsaved_keep_{row['id']}"):
                    st.session_state.pop(confirm_key, None)
                    st.rerun()
                continue
            left.button("Restore", key=f"_unsaved_restore_{row['id']}", type="primary", icon=":material/restore:",
                        on_click=_restore, args=(draft.user, draft.key, row["id"]))
            if right.button("Discard", key=f"_unsaved_discard_{row['id']}", icon=":material/delete:"):
                st.session_state[confirm_key] = row["id"]
                st.rerun()
        if len(rows) > 5:
            st.caption(f"And {len(rows) - 5} older draft(s) of this form: restore or discard these first.")
        if st.button(f"Start a new {draft.noun} and keep the draft{'s' if len(rows) > 1 else ''}",
                     key=f"_unsaved_new_{draft.form}", icon=":material/add:"):
            st.session_state[f"_unsaved_declined_{draft.form}"] = True
            st.session_state.pop(_id_key(draft.form), None)
            st.rerun()


def _restore(user: User, key: str, draft_id: str) -> None:
    """Restore's callback: put the draft's values into the form's widgets before the run draws them (set
    any later, the browser's own memory of the widgets would win) and draw the form."""
    form = form_key(key)
    database = store.connect()
    try:
        current = unsaved.get(database, user, draft_id)
    finally:
        database.close()
    if current is None:
        widgets.flash("That draft is no longer there: it was saved or discarded in another tab.", kind="error")
        return
    # Into new widgets (the form's next generation, widgets.fresh_key): the browser remembers what the old
    # ones last sent, and a text box whose words only the typing keeper had sent would come back empty.
    st.session_state[f"_generation_{key}"] = st.session_state.get(f"_generation_{key}", 0) + 1
    base = widgets.fresh_key(key)
    for name, value in current["fields"].items():
        st.session_state[f"{base}_{name}"] = value
    st.session_state[_id_key(form)] = draft_id
    st.session_state[f"_unsaved_restored_{form}"] = True
    if current["opened"]:
        st.session_state[f"_opened_{key}"] = current["opened"]
    widgets.flash(f"Restored your unsaved {current['label']} from {when(current['updated_at'])}. Check it, then "
                  "save it.")


def sidebar(db, user: User, scripts: dict[str, str]) -> None:
    """The sidebar's list of this person's unsaved drafts, each a link to its form."""
    rows = unsaved.mine(db, user)
    if not rows:
        return
    st.caption(f"Unsaved draft{'s' if len(rows) > 1 else ''}")
    for row in rows[:8]:
        if row["page"] in scripts:
            st.page_link(scripts[row["page"]], label=widgets.md(f"{row['label']} · {when(row['updated_at'])}"),
                         icon=":material/warning:" if row["safeguarding"] else ":material/edit_note:")
    if len(rows) > 8:
        st.caption(f"and {len(rows) - 8} more")


def reminders(db, user: User, scripts: dict[str, str]) -> None:
    """Home's reminders: each draft whose safeguarding box is ticked, until it is saved or discarded (an error
    with a link to it), then the others in one line."""
    rows = unsaved.mine(db, user)
    for row in rows:
        if row["safeguarding"]:
            st.error(widgets.md(f"Your unsaved {row['label']} from {when(row['updated_at'])} has its safeguarding box "
                                "ticked and is not saved. Open it to save or discard it, and follow your local "
                                "safeguarding procedure today."), icon=":material/warning:")
            if row["page"] in scripts:
                st.page_link(scripts[row["page"]], label="Open it", icon=":material/edit_note:")
    others = [row for row in rows if not row["safeguarding"]]
    if others:
        st.info(widgets.md(f"You have {len(others)} unsaved draft{'s' if len(others) > 1 else ''}: "
                           + "; ".join(f"{row['label']} ({when(row['updated_at'])})" for row in others[:5])
                           + (" and more" if len(others) > 5 else "")
                           + ". Open the form to restore or discard it (the sidebar links to each)."),
                icon=":material/edit_note:")


_KEEPER_JS = """
export default function (component) {
  const hub = window.feedbackHubTyping || (window.feedbackHubTyping = {seq: 0, pending: null, timer: null, sentAt: 0});
  hub.send = function (message) { hub.sentAt = Date.now(); component.setTriggerValue("typed", message); };
  hub.ack = (component.data && component.data.ack) || 0;
  // A message the server has not acknowledged two seconds on (a page change overtook it) goes again. The
  // number drawn with the keeper lags a message by one run, so a younger one is never sent twice.
  if (hub.pending && hub.pending.seq > hub.ack && Date.now() - hub.sentAt > 2000 && hub.deliver) {
    hub.deliver(hub.pending);
  }
  if (hub.listening) { return; }
  hub.listening = true;
  const FIELDS = '[class*="st-key-unsaved_"] [data-testid="stTextArea"] textarea, '
    + '[class*="st-key-unsaved_"] [data-testid="stTextInput"] input:not([type="password"])';
  const keyOf = function (field) {
    for (let node = field.parentElement; node; node = node.parentElement) {
      for (const name of node.classList) {
        if (name.startsWith("st-key-") && !name.startsWith("st-key-unsaved_")) { return name.slice(7); }
      }
    }
    return null;
  };
  const collect = function () {
    clearTimeout(hub.timer);
    hub.timer = null;
    const fields = {};
    document.querySelectorAll(FIELDS).forEach(function (field) {
      const key = keyOf(field);
      if (key) { fields[key] = field.value; }
    });
    if (Object.keys(fields).length) {
      hub.seq = Math.max(hub.seq, hub.ack) + 1;
      hub.pending = {seq: hub.seq, fields: fields};
    }
  };
  // Sent only while no run is going on: a message that lands beside a click's would lose the click.
  const idle = function () { return !document.querySelector('[data-test-script-state="running"]'); };
  const deliver = hub.deliver = function (noted) {
    if (hub.pending !== noted) { return; }
    if (!idle()) { setTimeout(function () { deliver(noted); }, 300); return; }
    hub.send(noted);
  };
  const send = function () {
    collect();
    if (hub.pending) { deliver(hub.pending); }
  };
  const watched = function (target) { return target && target.matches && target.matches(FIELDS); };
  // At most every two seconds while someone types, and at once when they leave the box.
  document.addEventListener("input", function (event) {
    if (watched(event.target) && hub.timer === null) { hub.timer = setTimeout(send, 2000); }
  }, true);
  // A click on a link (another page) straight from a text box: Streamlit sends the box's words as it loses the
  // focus, and, sent beside the page change, they would take the app back to this page. So the click waits
  // until that run is over, then goes on.
  document.addEventListener("pointerdown", function (event) {
    hub.fromBox = watched(document.activeElement);
  }, true);
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || hub.replaying || !hub.fromBox) { return; }
    hub.fromBox = false;
    event.preventDefault();
    event.stopPropagation();
    const started = Date.now();
    let seenRun = false;
    const go = function () {
      if (!idle()) { seenRun = true; }
      if (!idle() || (!seenRun && Date.now() - started < 800)) { setTimeout(go, 50); return; }
      hub.replaying = true;
      try { link.click(); } finally { hub.replaying = false; }
    };
    setTimeout(go, 50);
  }, true);
  // Leaving the box: note its words now (the click that took the focus may change the page) and send
  // them a moment later, after the click's own run has started; sent at once, they would race it.
  document.addEventListener("focusout", function (event) {
    if (watched(event.target) && hub.timer !== null) {
      collect();
      const noted = hub.pending;
      setTimeout(function () { deliver(noted); }, 1000);
    }
  }, true);
}
"""
_keeper = st.components.v2.component("feedback_hub_typing_keeper", js=_KEEPER_JS)


def typing_keeper() -> dict | None:
    """Mount the typing keeper (a fixed script of ours, never user text); the words it sent on this run, if any."""
    result = _keeper(key="unsaved_typing_keeper", data={"ack": st.session_state.get(ACK, 0)},
                     on_typed_change=lambda: None)
    value = getattr(result, "typed", None)
    return value if isinstance(value, dict) else None
