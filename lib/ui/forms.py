"""The feedback forms, drawn from the question bank, and the entry views built on them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import streamlit as st

from lib import dates, text
from lib.access import User
from lib.capture import feedback, follow_ups, questions
from lib.ui import unsaved, widgets

# ---- Feedback forms, rendered from the question bank --------------------------------------------


def _labelled(options: dict[str, str]):
    return list(options), options.get


def feedback_form(db, user: User, form_name: str, *, today: dt.date, existing: dict | None = None) -> None:
    """A feedback form for `form_name`, rendered from the question bank; saves through feedback.record/update.

    Every widget change reruns the page (there is no st.form: the household, cohort, who answered and
    outcome decide which questions show, and each change is kept in the draft, ui/unsaved.py). After a
    successful save everything is emptied and the draft deleted; after an error nothing typed is lost.
    A submission token makes a double submit save once.
    """
    editing = existing is not None
    try:
        bank = questions.version(db, existing["bank_version"]) if editing else questions.current(db)
    except ValueError as exc:  # a question bank changed without a new version: tell QA, save nothing
        st.error(text.escape_markdown(exc), icon=":material/error:")
        return
    form = bank.forms[form_name]
    key = f"edit_{existing['id']}" if editing else form_name
    base, opened = widgets.edit_key(key, existing) if editing else (widgets.fresh_key(form_name), None)
    prior = existing or {}
    if not editing:
        if f"_token_{base}" not in st.session_state:  # a new session (a reload, or a reconnect after a restart)
            landed(db, user)
        token = _submission_token(base)
    noun = FORM_NOUNS[form_name]
    draft = unsaved.begin(db, user, key, base, noun=f"correction of {noun} #{existing['id']}" if editing else noun,
                          opened=opened)
    if draft.offered:
        return
    with draft.box():
        entry, household, submitted = _fields(db, user, form, form_name, base, prior, editing, today)
    what = _describe(noun, household, existing)
    draft.keep(what, safeguarding=bool(entry["safeguarding"]))
    if not submitted:
        return
    if editing:
        widgets.attempt(lambda: feedback.update(db, user, existing["id"], entry, today=today, expected=opened),
                        opened=key, draft=draft,
                        success=lambda diff: _saved_message(diff, entry, what=what, edited=True))
    else:
        def saved(rid: int) -> str:
            st.query_params.pop(TOKEN_PARAM, None)  # the next entry gets its own token
            return _saved_message(rid, entry, what=what, household=household)

        widgets.attempt(lambda: feedback.record(db, user, form_name, entry, today=today, submission_key=token, bank=bank),
                        success=saved, reset=form_name, draft=draft)


def _describe(noun: str, household: dict | None, existing: dict | None) -> str:
    """What a form holds, for its draft and its saved message: "carer feedback for Birch Treacle (DEMO-10005)"."""
    what = f"{noun} #{existing['id']}" if existing else noun
    return what + (f" for {household['display_name']} ({household['reference']})" if household else "")


def _fields(db, user: User, form, form_name: str, base: str, prior: dict, editing: bool, today: dt.date):
    """The form's widgets; returns the entry they hold, the household chosen and whether Save was pressed."""
    fields = set(form.fields)
    entry: dict[str, Any] = {}

    if "title" in fields:
        entry["title"] = st.text_input("Title", value=prior.get("title") or "", max_chars=120, key=f"{base}_title",
                                       help="A short name for the piece of work, e.g. 'Life-story session'. No names.")
    if "respondent" in fields:
        entry["respondent"] = _pick("Who gave the feedback", questions.RESPONDENTS, prior.get("respondent"),
                                    key=f"{base}_respondent")
    household = None
    if "household" in fields:
        households = feedback.households_to_choose(db, user)
        if editing and prior.get("household_id") and not any(h["id"] == prior["household_id"] for h in households):
            households.append({"id": prior["household_id"], "reference": prior["household_reference"],
                               "display_name": prior["household_name"], "cohort": prior["cohort"]})
        by_id = {h["id"]: h for h in households}
        ids = list(by_id)
        optional = form_name == "direct_work"
        entry["household_id"] = st.selectbox(
            "Carer household" + (" (optional)" if optional else ""), ids,
            index=ids.index(prior["household_id"]) if prior.get("household_id") in by_id else None,
            format_func=lambda i: f"{by_id[i]['display_name']} · {by_id[i]['reference']}",
            placeholder="Type a name or reference", key=f"{base}_household",
            help="Where the child is placed. Pick from the carer register.")
        household = by_id.get(entry["household_id"])
    if "cohort" in fields and (household or form_name != "direct_work"):
        default = prior.get("cohort") if editing else (household or {}).get("cohort")
        entry["cohort"] = _pick("Placement type", questions.COHORTS, default,
                                key=f"{base}_cohort_{entry.get('household_id')}",
                                help="Filled in from the register; change it if this placement differs.")
    respondent = entry.get("respondent") or form.respondent
    if "age_band" in fields and respondent == "child":
        entry["age_band"] = _pick("Age band", questions.AGE_BANDS, prior.get("age_band"), key=f"{base}_age_band",
                                  help="Under-8s get simpler questions with a three-face scale.")
    if "professional_role" in fields:
        entry["professional_role"] = _pick("Who gave the feedback", feedback.PROFESSIONAL_ROLES,
                                           prior.get("professional_role"), key=f"{base}_professional_role",
                                           help="Their role only: never the person's name.")
    if "placing_authority" in fields:
        entry["placing_authority"] = st.text_input(
            "Placing authority", value=prior.get("placing_authority") or "", max_chars=feedback.MAX_AUTHORITY,
            key=f"{base}_placing_authority",
            help="The authority that placed the child, e.g. Northshire County Council. Not the person's name.")
    if "outcome" in fields:
        entry["outcome"] = _pick("Outcome of the contact", feedback.OUTCOMES, prior.get("outcome") or "completed",
                                 key=f"{base}_outcome")
    completed = entry.get("outcome", "completed") == "completed"

    contact = prior.get("contact_on")
    # No min/max here: a widget would quietly swap a mistyped date for a valid one; lib says what is wrong.
    entry["contact_on"] = st.date_input(
        feedback.DATE_LABELS.get(form_name, "Contact date"), value=dt.date.fromisoformat(contact) if contact else today,
        min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31), format="DD/MM/YYYY",
        key=f"{base}_contact_on")
    if "method" in fields:
        methods = feedback.methods_for(form_name)
        entry["method"] = _pick(feedback.METHOD_FIELDS.get(form_name, "Contact method"), methods,
                                prior.get("method") or next(iter(methods)), key=f"{base}_method")
    if "relationship" in fields:
        entry["relationship"] = _pick("Relationship to the child", feedback.RELATIONSHIPS,
                                      prior.get("relationship"), key=f"{base}_relationship")
    if "parent_reference" in fields:
        entry["parent_reference"] = st.text_input(
            "Parent's case reference (optional)", value=prior.get("parent_reference") or "", max_chars=30,
            key=f"{base}_parent_reference", help="The case-management reference, never a name.")
    if "child_reference" in fields:
        entry["child_reference"] = st.text_input(
            "Child's case reference", value=prior.get("child_reference") or "", max_chars=30,
            key=f"{base}_child_reference",
            help="The pseudonymous case-management reference (e.g. C123456), never the child's name.")
    if "helped_by" in fields:
        entry["helped_by"] = _pick("Who helped the child answer", feedback.HELPERS, prior.get("helped_by"),
                                   key=f"{base}_helped_by")
    if "audit_reference" in fields:
        entry["audit_reference"] = st.text_input("Audit reference", value=prior.get("audit_reference") or "",
                                                 max_chars=40, key=f"{base}_audit_reference")
    entry["answers"], entry["comments"] = {}, {}
    sections = form.sections_for(cohort=entry.get("cohort"), age_band=entry.get("age_band"),
                                 respondent=respondent)
    if not completed:
        st.caption("Saved as a contact attempt: no questions are asked.")
    elif "respondent" in fields and not respondent:
        st.caption("Choose who gave the feedback to see the questions.")
    elif "age_band" in fields and respondent == "child" and not entry.get("age_band"):
        st.caption("Choose the child's age band to see their questions.")
    else:
        for section in sections:
            st.subheader(section.title)
            for item in section.items:
                _question(item, base, prior, entry)
    flagged = {f["kind"] for f in prior.get("follow_ups", [])}
    st.subheader("Follow-up")
    callback = st.checkbox("They asked for a call-back" + (" (already requested)" if "callback" in flagged else ""),
                           value="callback" in flagged, disabled="callback" in flagged, key=f"{base}_callback",
                           help="Creates a follow-up a manager can see and close.")
    callback_note = st.text_input("What the call-back is about", max_chars=1000, key=f"{base}_callback_note",
                                  disabled="callback" in flagged)
    safeguarding = st.checkbox(
        "This contains a safeguarding concern" + (" (already flagged)" if "safeguarding" in flagged else ""),
        value="safeguarding" in flagged, disabled="safeguarding" in flagged, key=f"{base}_safeguarding",
        help="Saving this is not a referral: follow your local safeguarding procedure today.")
    safeguarding_note = st.text_area("What the concern is (kept out of every report and export)",
                                     key=f"{base}_safeguarding_note", disabled="safeguarding" in flagged)
    safeguarding_told = st.text_input("Who you have told (role or team)", max_chars=200,
                                      key=f"{base}_safeguarding_told", disabled="safeguarding" in flagged)
    entry.update(callback=callback and "callback" not in flagged, callback_note=callback_note,
                 safeguarding=safeguarding and "safeguarding" not in flagged,
                 safeguarding_note=safeguarding_note, safeguarding_told=safeguarding_told)
    submitted = st.button("Save changes" if editing else "Save", type="primary", icon=":material/save:",
                          key=f"save_{base}")
    return entry, household, submitted


TOKEN_PARAM = "entry_token"


def _submission_token(base: str) -> str:
    """The form's submission token: kept in the session and in the address bar (a random value, no data), so
    after a lost connection the reloaded page still has it and can say the entry was saved (landed())."""
    token = st.session_state.get(f"_token_{base}") or st.query_params.get(TOKEN_PARAM) or uuid.uuid4().hex
    st.session_state[f"_token_{base}"] = token
    st.query_params[TOKEN_PARAM] = token
    return token


def landed(db, user: User) -> None:
    """Say so when the token in the address bar names an entry this person already saved (the connection
    dropped after the save), then start a new token, so it is not typed in twice."""
    earlier = feedback.saved_with(db, user, st.query_params.get(TOKEN_PARAM))
    if earlier is None:
        return
    st.info(f"Your {FORM_NOUNS.get(earlier['form'], 'entry')} was saved at {dates.time(earlier['created_at'])} as "
            f"entry #{earlier['id']} before the connection dropped; there is no need to type it again.",
            icon=":material/task_alt:")
    del st.query_params[TOKEN_PARAM]


def _pick(label: str, options: dict[str, str], current: str | None, *, key: str, help: str | None = None):
    """A row of radio buttons over coded options, showing their words; nothing chosen unless current is set."""
    codes = list(options)
    return st.radio(label, codes, format_func=options.get, horizontal=True,
                    index=codes.index(current) if current in codes else None, key=key, help=help)


def _question(item: questions.Item, base: str, prior: dict, entry: dict) -> None:
    key = f"{base}_{item.id}"
    label = item.text + (" *" if item.required else "")
    if item.scale.is_text:
        old = prior.get("comments", {}).get(item.id, {})
        entry["comments"][item.id] = {
            # No max_chars: the browser would silently drop a long paste; lib says how long is too long.
            "text": st.text_area(label, value=old.get("text", ""), key=key,
                                 help=f"{item.help or ''} Up to {feedback.MAX_COMMENT:,} characters.".strip()),
            "consent": st.checkbox("They agreed to be quoted anonymously", value=old.get("consent", False),
                                   key=f"{key}_consent"),
        }
        return
    codes = [o.code for o in item.scale.options]
    labels = {o.code: o.label for o in item.scale.options}
    old = prior.get("answers", {}).get(item.id)
    entry["answers"][item.id] = st.radio(label, codes, format_func=labels.get, horizontal=True,
                                         index=codes.index(old) if old in codes else None, key=key, help=item.help)


FORM_NOUNS = {"carer": "carer feedback", "parent": "birth-parent feedback", "child": "child's views",
              "audit": "audit feedback", "direct_work": "direct work",
              questions.PLACING_AUTHORITY: "placing authority feedback"}


def _saved_message(result, entry: dict, *, what: str, household: dict | None = None, edited: bool = False) -> str:
    """"Saved carer feedback for Birch Treacle (DEMO-10005) as entry #41; call-back opened. The form is ready
    for the next one." (a correction: "Saved 2 change(s) to carer feedback #41 for ...")."""
    if entry["safeguarding"]:
        widgets.flash(follow_ups.SAFEGUARDING_INSTRUCTION, kind="error")
    opened = [words for flag, words in (("callback", "call-back opened"), ("safeguarding", "safeguarding flag opened"))
              if entry.get(flag)]
    tail = "".join(f"; {words}" for words in opened)
    if edited:
        return (f"Saved {len(result)} change(s) to {what}{tail}." if result or opened
                else f"Nothing changed in {what}.")
    outcome = entry.get("outcome")
    if outcome not in (None, "completed"):
        what = _describe(f"contact attempt ({feedback.OUTCOMES[outcome].lower()})", household, None)
    return f"Saved {what} as entry #{result}{tail}. The form is ready for the next one."


def show_entry(db, row: dict) -> None:
    """An entry as recorded: its fields, and each answer with the wording of the bank version it was saved with."""
    bank = questions.version(db, row["bank_version"])
    form = bank.forms[row["form"]]
    facts = {
        "Form": form.title, "Date": row["contact_on"],
        "Household": f"{row['household_name']} · {row['household_reference']}" if row["household_id"] else "",
        "Placement type": questions.COHORTS.get(row["cohort"], ""),
        "Respondent": questions.ALL_RESPONDENTS.get(row["respondent"], ""),
        "Who gave it": feedback.PROFESSIONAL_ROLES.get(row["professional_role"], ""),
        "Placing authority": row["placing_authority"] or "",
        "Outcome": feedback.OUTCOMES[row["outcome"]], "Method": feedback.METHOD_LABELS.get(row["method"], ""),
        "Relationship": feedback.RELATIONSHIPS.get(row["relationship"], ""),
        "Parent reference": row["parent_reference"] or "", "Child reference": row["child_reference"] or "",
        "Age band": questions.AGE_BANDS.get(row["age_band"], ""), "Helped by": feedback.HELPERS.get(row["helped_by"], ""),
        "Audit reference": row["audit_reference"] or "", "Title": row["title"] or "",
        "Recorded by": row["author_name"], "Saved": dates.moment(row["created_at"]),
        "Last changed": dates.moment(row["updated_at"]) if row["updated_at"] != row["created_at"] else "",
        "Question bank": row["bank_version"],
        "Copied to the carer's record": row["copied_to_record_on"] or "not yet",
    }
    for follow_up in row["follow_ups"]:
        facts[follow_ups.KINDS[follow_up["kind"]]] = (
            f"{follow_up['status']}" + (f"; told {follow_up['told_whom']}" if follow_up["told_whom"] else ""))
    shown = [{"Field": k, "Value": v} for k, v in facts.items() if v]
    widgets.table(shown, height=35 * (len(shown) + 1) + 3)
    answered = [(item, row["answers"].get(item.id), row["comments"].get(item.id))
                for item in form.items_for(cohort=row["cohort"], age_band=row["age_band"], respondent=row["respondent"])]
    rows = [{"Question": item.text, "Answer": item.scale.label_for(answer)} for item, answer, _ in answered if answer]
    if rows:
        widgets.table(rows, height=min(35 * (len(rows) + 1) + 3, 700))
    for item, _, comment in answered:
        if comment:
            st.caption(item.text + ("  (agreed to be quoted)" if comment["consent"] else "  (not for quoting)"))
            st.text(comment["text"])


FORM_TITLES = {"carer": "Carer", "parent": "Birth parent", "child": "Child (Annual Review)", "audit": "Audit",
               "direct_work": "Direct work", questions.PLACING_AUTHORITY: "Placing authority"}


def entries_table(rows: list[dict], **kwargs) -> Any:
    """Feedback entries as a read-only grid with readable labels."""
    shown = [{
        **r, "form": FORM_TITLES.get(r["form"], r["form"]), "outcome": feedback.OUTCOMES.get(r["outcome"], ""),
        "cohort": questions.COHORTS.get(r["cohort"], ""),
        "flags": " ".join(f for f, on in (("safeguarding", r["safeguarding"]), ("call-back", r["callback_requested"]))
                          if on),
    } for r in rows]
    columns = {"id": "#", "contact_on": "Date", "form": "Form", "household": "Household", "cohort": "Placement",
               "outcome": "Outcome", "comments": "Comments", "flags": "Flags"}
    if len({r["author_id"] for r in rows}) > 1:
        columns["author"] = "Recorded by"
    if any(r["deleted_at"] for r in rows):
        columns["delete_reason"] = "Deleted because"
    return widgets.table(shown, columns=columns, **kwargs)
