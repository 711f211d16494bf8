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
- a click on another page loses nothing: the last run stored the form's widgets; a click on a link straight
  from a text box waits in the browser until Streamlit has sent the box's words (sent beside the page
  change, they would take the app back to this page), and the keeper also notes them as the box loses
  focus and sends them once the new page has been drawn (again, until the server acknowledges them);
- the keeper's words carry this session's mark (session_mark()), so nothing typed before a sign-out in a
  tab reaches the next session there, and only text boxes of a form this session drew take them;
- the browser asks before closing or reloading the tab only while typed words have not reached the server.

A draft is offered instead of its form when the form opens afresh: Streamlit has forgotten its Save
button (it forgets a widget after a completed run that did not draw it). Restoring puts the values into
the form's next generation of widgets (widgets.fresh_key) and says which it could not show.
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


def _kept(ctx: dict) -> dict[str, Any]:
    """The fields the form's draft last kept (ctx["last"], their JSON), decoded once for each time they change."""
    if "_decoded" not in ctx or ctx["_decoded_from"] != ctx["last"]:
        ctx["_decoded"], ctx["_decoded_from"] = (unsaved.decode(ctx["last"]) if ctx["last"] else {}), ctx["last"]
    return ctx["_decoded"]


def _field(base: str, key: Any) -> str | None:
    """The field name of widget `key` if it is one of the form `base`'s (f"{base}_{field}"), else None. A key
    that also starts with a longer form's base on screen is that form's (audit_3 and audit_3_0 both prefix
    audit_3_0_ssw)."""
    if not (isinstance(key, str) and key.startswith(f"{base}_")):
        return None
    if any(len(other) > len(base) and key.startswith(f"{other}_")
           for other in (ctx["base"] for ctx in st.session_state.get(REGISTRY, {}).values())):
        return None
    field = key[len(base) + 1:]
    return field if unsaved.FIELD.match(field) else None


def _snapshot(base: str, *, drawn: bool) -> dict[str, Any]:
    """The form's fields as they stand: its widgets' values (when the last full run drew it), with words
    typed since overlaid (they may outlive the widgets: a page change)."""
    typed = st.session_state.get(TYPED, {})
    fields = {}
    for key in dict.fromkeys([*(st.session_state if drawn else ()), *typed]):
        field = _field(base, key)
        if field is None:
            continue
        value = typed[key] if key in typed else st.session_state[key]
        try:
            unsaved.encode({"f": value})
        except ValueError:
            continue  # not a form value (an uploaded file, a button's state): nothing to keep
        fields[field] = value
    return fields


def _store(db, user: User, form: str, ctx: dict) -> None:
    """Keep the form's fields as its draft if they hold anything new. A busy or failing database is not
    the person's problem here: the screen still holds what they typed, and the next change tries again."""
    # Over what was kept last: a run that changes page may bring none of the old page's widget values (the
    # browser forgets them), and the typing keeper's words can arrive after the widgets are gone.
    drawn = ctx["run"] == st.session_state.get(RUN, 0)
    fields = {**_kept(ctx), **_snapshot(ctx["base"], drawn=drawn)}
    for name, value in ctx.get("held", {}).items():  # restored values the form could not show stay until replaced
        if not unsaved.differs({name: fields.get(name)}, {}):
            fields[name] = value
    if not ctx["stored"] and not unsaved.differs(fields, ctx["baseline"]):
        return
    try:
        data = unsaved.encode(fields)
    except ValueError:
        ctx["too_big"] = True  # keep() says so: the form is too long to keep as a draft
        return
    ctx["too_big"] = False
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
    if message.get("session") != session_mark():
        return  # words from before a sign-out in this tab (perhaps another person's): never this session's
    seq = message.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        st.session_state[ACK] = max(seq, st.session_state.get(ACK, 0))
    registry = st.session_state.get(REGISTRY, {})
    overlay = st.session_state.setdefault(TYPED, {})
    touched = set()
    for sent, value in message["fields"].items():
        if not (isinstance(sent, str) and isinstance(value, str) and len(value) <= MAX_TYPED):
            continue
        # The page names a widget by its key with anything but letters, digits, _ and - written as -.
        owners = [(form, ctx) for form, ctx in registry.items() if sent.startswith(f"{_dom(ctx['base'])}_")]
        if not owners:
            continue
        form, ctx = max(owners, key=lambda pair: len(pair[1]["base"]))
        key = f"{ctx['base']}_{sent[len(_dom(ctx['base'])) + 1:]}"
        field = _field(ctx["base"], key)
        if field is None or not isinstance(st.session_state.get(key, _kept(ctx).get(field, "")), str):
            continue  # only a text box's words: a forged message cannot set a date, a choice or a tick
        overlay[key] = value
        touched.add(form)
    for form in touched:
        _store(db, user, form, registry[form])


def _dom(key: str) -> str:
    """A widget key as the page's class names write it (Streamlit: st-key- + the key, other characters as -)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


MARK = "_unsaved_session"  # a random mark of this signed-in session, given to the typing keeper


def session_mark() -> str:
    """This session's mark: the keeper drops (and typed() refuses) words noted under another one, so what one
    person typed before a sign-out is never sent into the next person's session in the same tab."""
    return st.session_state.setdefault(MARK, unsaved.new_id())


def expire(db) -> int:
    """Everyone's drafts past the kept days go (at each sign-in)."""
    return unsaved.expire(db)


def count(db, user: User) -> int:
    """How many drafts this person has (the sign-in screen says how many, never what they are)."""
    return len(unsaved.mine(db, user, fields=False))


def when(stamp: str) -> str:
    """14:05 today, else 2 Dec 2026, 14:05."""
    return dates.time(stamp) if dates.local(stamp).date() == dates.local(store.stamp()).date() else dates.moment(stamp)


def _report_unrestored(draft: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """Say so when some of a restored draft could not go back into the form (an option or a household no
    longer offered); returns those values, which the draft keeps until the person fills the fields anew."""
    lost = {name: value for name, value in draft.items() if name in shown and shown[name] != value}
    if lost:
        st.warning(f"{len(lost)} of the draft's answers could not be put back (an option, a household or another "
                   "choice that is no longer offered). Check the form before you save it.",
                   icon=":material/report:")
    return lost


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
            restored = st.session_state.pop(f"_unsaved_restored_{self.form}", None)
            ctx = registry[self.form] = {"base": self.base,
                                         "baseline": {} if restored else _snapshot(self.base, drawn=True),
                                         "last": unsaved.encode(restored) if restored else None,
                                         "stored": bool(restored)}
            if restored:
                ctx["held"] = _report_unrestored(restored, _snapshot(self.base, drawn=True))
        ctx.update(run=st.session_state.get(RUN, 0), page=st.session_state.get(PAGE) or "home", label=label,
                   opened=self.opened, safeguarding=bool(safeguarding))
        _store(self.db, self.user, self.form, ctx)
        if ctx.get("too_big"):
            st.warning(f"This form now holds more than {unsaved.MAX_BYTES // 1000:,} kB, too much to keep as a draft: "
                       "save it soon, or shorten it.", icon=":material/save:")
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
    for stale in [k for k in st.session_state if _field(base, k) is not None]:
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
    with st.container(border=True, key=f"unsaved_offer_{draft.form}"):
        for row in rows[:5]:
            if _asking(row):
                left, right = _discard_choice(draft.db, draft.user, row)
                continue
            (st.error if row["safeguarding"] else st.info)(
                widgets.md(f"Restore your unsaved {row['label']} from {when(row['updated_at'])}?"
                           + (" Its safeguarding box is ticked." if row["safeguarding"] else "")),
                icon=":material/edit_note:")
            left, right, _ = st.columns([1, 1, 3])
            left.button("Restore", key=f"_unsaved_restore_{row['id']}", type="primary", icon=":material/restore:",
                        on_click=_restore, args=(draft.user, draft.key, row["id"]))
            _discard_button(row, right)
        if len(rows) > 5:
            st.caption(f"And {len(rows) - 5} older draft(s) of this form: restore or discard these first.")
        if st.button(f"Start a new {draft.noun} and keep the draft{'s' if len(rows) > 1 else ''}",
                     key=f"_unsaved_new_{draft.form}", icon=":material/add:"):
            st.session_state[f"_unsaved_declined_{draft.form}"] = True
            st.session_state.pop(_id_key(draft.form), None)
            st.rerun()


CONFIRM = "_unsaved_confirm"  # the draft whose Discard was pressed once


def _asking(row: dict) -> bool:
    return st.session_state.get(CONFIRM) == row["id"]


def _discard_button(row: dict, where) -> None:
    if where.button("Discard", key=f"_unsaved_discard_{row['id']}", icon=":material/delete:"):
        st.session_state[CONFIRM] = row["id"]
        st.rerun()


def _discard_choice(db, user: User, row: dict):
    """Discard asks once more: "Discard your unsaved ... for good?" with Yes and Keep it."""
    st.warning(widgets.md(f"Discard your unsaved {row['label']} from {when(row['updated_at'])} for good? "
                          "What it holds cannot be got back."), icon=":material/delete_forever:")
    left, right, _ = st.columns([1, 1, 3])
    if left.button("Yes, discard it", key=f"_unsaved_yes_{row['id']}", icon=":material/delete:"):
        st.session_state.pop(CONFIRM, None)
        widgets.attempt(lambda: unsaved.discard(db, user, row["id"]),
                        success=lambda gone: f"Discarded your unsaved {row['label']}." if gone else
                        "That draft was already saved or discarded in another tab.")
    if right.button("Keep it", key=f"_unsaved_keep_{row['id']}"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()
    return left, right


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
    st.session_state[f"_unsaved_restored_{form}"] = current["fields"]
    if current["opened"]:
        st.session_state[f"_opened_{key}"] = current["opened"]
    widgets.flash(f"Restored your unsaved {current['label']} from {when(current['updated_at'])}. Check it, then "
                  "save it.")


def sidebar(db, user: User, scripts: dict[str, str]) -> None:
    """The sidebar's list of this person's unsaved drafts, each a link to its form."""
    rows = unsaved.mine(db, user, fields=False)
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
    """Home's list of this person's drafts: one whose safeguarding box is ticked as an error until it is saved
    or discarded; each with a link to its page and Discard (which asks once more), so a draft whose form
    can no longer be opened (the edit window closed, the entry deleted) can still be cleared."""
    rows = unsaved.mine(db, user, fields=False)
    if not rows:
        return
    with st.container(border=True, key="unsaved_home"):
        st.caption(f"Your unsaved draft{'s' if len(rows) > 1 else ''}")
        for row in rows:
            if _asking(row):
                _discard_choice(db, user, row)
                continue
            if row["safeguarding"]:
                st.error(widgets.md(f"Your unsaved {row['label']} from {when(row['updated_at'])} has its safeguarding "
                                    "box ticked and is not saved. Open it to save or discard it, and follow your local "
                                    "safeguarding procedure today."), icon=":material/warning:")
            else:
                st.text(f"{row['label']} · {when(row['updated_at'])}")
            left, right, _ = st.columns([1, 1, 3], vertical_alignment="center")
            if row["page"] in scripts:
                left.page_link(scripts[row["page"]], label="Open its page", icon=":material/edit_note:")
            _discard_button(row, right)


_KEEPER_JS = """
export default function (component) {
  const hub = window.feedbackHubTyping || (window.feedbackHubTyping = {seq: 0, pending: null, timer: null, sentAt: 0});
  const data = component.data || {};
  if (hub.session !== data.session) {  // a new sign-in in this tab: nothing noted before it is ever sent
    hub.session = data.session;
    hub.pending = null;
    hub.seq = 0;
  }
  hub.send = function (message) { hub.sentAt = Date.now(); component.setTriggerValue("typed", message); };
  hub.ack = data.ack || 0;
  if (hub.pending && hub.pending.seq <= hub.ack) { hub.pending = null; }
  // A message the server has not acknowledged two seconds on (a page change overtook it) goes again. The
  // number drawn with the keeper lags a message by one run, so a younger one is never sent twice.
  if (hub.pending && Date.now() - hub.sentAt > 2000 && hub.deliver) { hub.deliver(hub.pending); }
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
      hub.pending = {seq: hub.seq, session: hub.session, fields: fields};
    }
  };
  // Sent only while no run is going on: a message that lands beside a click's would lose the click.
  const idle = function () { return !document.querySelector('[data-test-script-state="running"]'); };
  const deliver = hub.deliver = function (noted) {
    if (hub.pending !== noted) { return; }
    // Nor within a second of a click, whose own run (a page change, say) it could overtake.
    if (!idle() || Date.now() - (hub.clickedAt || 0) < 1000) { setTimeout(function () { deliver(noted); }, 300); return; }
    hub.send(noted);
  };
  const send = function () {
    collect();
    if (hub.pending) { deliver(hub.pending); }
  };
  const watched = function (target) { return target && target.matches && target.matches(FIELDS); };
  // At most every two seconds while someone types, and a moment after they leave the box.
  document.addEventListener("input", function (event) {
    if (watched(event.target) && hub.timer === null) { hub.timer = setTimeout(send, 2000); }
  }, true);
  // A click on a link (another page of the app) straight from a text box: Streamlit sends the box's words as
  // it loses the focus, and, sent beside the page change, they would take the app back to this page. So the
  // click waits until that run is over (three seconds at most), then goes on; a later click cancels it.
  document.addEventListener("pointerdown", function (event) {
    hub.fromBox = watched(document.activeElement);
  }, true);
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[href]");
    const fromBox = hub.fromBox;
    hub.fromBox = false;
    hub.clickedAt = Date.now();
    if (hub.replaying) { return; }
    hub.held = null;  // any click cancels a held one
    // Held too just after the keeper sent words: a page change beside that message's run can be lost.
    const justSent = Date.now() - hub.sentAt < 1500;
    if (!link || !(fromBox || justSent) || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey
        || event.altKey || link.target === "_blank" || link.origin !== location.origin) {
      return;  // not a plain click on a page of this app straight from a text box, or just after a message
    }
    event.preventDefault();
    event.stopPropagation();
    const held = hub.held = {};
    const started = Date.now();
    let seenRun = false;
    const go = function () {
      if (hub.held !== held) { return; }
      if (!idle()) { seenRun = true; }
      const waited = Date.now() - started;
      if (waited < 3000 && (!idle() || (!seenRun && waited < 800))) { setTimeout(go, 50); return; }
      hub.held = null;
      hub.replaying = true;
      try { link.click(); } finally { hub.replaying = false; }
    };
    setTimeout(go, 50);
  }, true);
  document.addEventListener("focusout", function (event) {
    if (watched(event.target) && hub.timer !== null) {
      collect();
      const noted = hub.pending;
      setTimeout(function () { deliver(noted); }, 1000);
    }
  }, true);
  // Closing or reloading the tab while words are not yet on the server: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (hub.timer !== null || (hub.pending && hub.pending.seq > hub.ack)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
"""
_keeper = st.components.v2.component("feedback_hub_typing_keeper", js=_KEEPER_JS)


def typing_keeper() -> dict | None:
    """Mount the typing keeper (a fixed script of ours, never user text); the words it sent on this run, if any."""
    result = _keeper(key="unsaved_typing_keeper", data={"ack": st.session_state.get(ACK, 0), "session": session_mark()},
                     on_typed_change=lambda: None)
    value = getattr(result, "typed", None)
    return value if isinstance(value, dict) else None
