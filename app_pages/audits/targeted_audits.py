import datetime as dt

import streamlit as st

from lib import access, periods
from lib.audits import targeted as targeted_audits
from lib.themes import codebook
from lib.ui import session, unsaved, widgets

db = session.connection()
user = session.page_user("record_targeted_audit")
today = session.today()
st.title("Targeted audits")
st.caption("A look at one area of practice, raised through supervision, complaints or a service dashboard indicator. "
           "Record the topic, scope, findings and learning here: they are saved centrally, listed by the quarter "
           "they were completed in, and the learning is coded with the theme codebook for the quarterly report.")


def audit_form(prior: dict | None = None) -> None:
    """The targeted audit template, for a new audit or an edit (prior)."""
    prior = prior or {}
    key = f"targeted_{prior.get('id', 'new')}"
    base, opened = widgets.edit_key(key, prior)
    reasons = list(targeted_audits.REASONS)
    draft = unsaved.begin(db, user, key, base, opened=opened,
                          noun=f"change to targeted audit #{prior['id']}" if prior else "targeted audit")
    if draft.offered:
        return
    with draft.box():
        entry = {"topic": st.text_input("Topic", value=prior.get("topic") or "", max_chars=200, key=f"{base}_topic")}
        left, right = st.columns(2)
        entry["reason"] = left.selectbox("Why it was chosen", reasons, format_func=targeted_audits.REASONS.get,
                                         index=reasons.index(prior["reason"]) if prior.get("reason") in reasons
                                         else None, placeholder="Choose", key=f"{base}_reason")
        entry["reason_detail"] = right.text_input("What raised it (e.g. the indicator or complaint theme)",
                                                  value=prior.get("reason_detail") or "", max_chars=500,
                                                  key=f"{base}_detail")
        entry["scope"] = st.text_area("Scope", value=prior.get("scope") or "", key=f"{base}_scope",
                                      help="What was looked at: which cases, records and period. No children's names.")
        a, b, c = st.columns(3)
        entry["cases_reviewed"] = a.number_input("Cases reviewed", min_value=0, max_value=10_000, step=1,
                                                 value=prior.get("cases_reviewed"), key=f"{base}_cases")
        entry["started_on"] = b.date_input("Started", value=dt.date.fromisoformat(prior["started_on"])
                                           if prior.get("started_on") else None, format="DD/MM/YYYY",
                                           min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1),
                                           key=f"{base}_started")
        entry["completed_on"] = c.date_input("Completed", value=dt.date.fromisoformat(prior["completed_on"])
                                             if prior.get("completed_on") else today, format="DD/MM/YYYY",
                                             min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1),
                                             key=f"{base}_completed")
        entry["findings"] = st.text_area("Findings", value=prior.get("findings") or "", key=f"{base}_findings")
        entry["learning"] = st.text_area("Learning", value=prior.get("learning") or "", key=f"{base}_learning")
        save = st.button("Save changes" if prior else "Save", type="primary", icon=":material/save:",
                         key=f"save_{base}")
    topic = entry["topic"].strip()
    what = (f"targeted audit #{prior['id']}" if prior else "targeted audit") + (f" \"{topic[:60]}\"" if topic else "")
    draft.keep(what)
    if save:
        widgets.save_form(
            key, prior, opened, record=lambda: targeted_audits.record(db, user, entry, today=today),
            update=lambda record_id, version: targeted_audits.update(db, user, record_id, entry, today=today,
                                                                     expected=version),
            created=lambda i: f"Saved targeted audit #{i}" + (f" \"{topic[:60]}\"." if topic else "."),
            changed=lambda d: f"Saved {len(d)} change(s) to {what}." if d else f"Nothing changed in {what}.",
            draft=draft)


view = st.segmented_control("Show", ["Saved audits", "Record"], default="Saved audits", required=True,
                            key="targeted_view", label_visibility="collapsed")
if view == "Record":
    audit_form()
    st.stop()
names = codebook.names(db)
f = st.columns(2)
quarter = f[0].selectbox("Quarter", periods.recent(today, 8), index=None, placeholder="All quarters",
                         format_func=lambda q: q.label)
deleted = access.can(user, "view_deleted_entries") and f[1].toggle("Deleted audits")
rows = targeted_audits.listing(db, user, quarter=quarter, deleted=deleted)
widgets.table([{"#": r["id"], "Quarter": r["quarter"], "Completed": r["completed_on"], "Topic": r["topic"],
           "Why chosen": targeted_audits.REASONS[r["reason"]], "Cases": r["cases_reviewed"],
           "Themes": ", ".join(names.get(t, t) for t in r["theme_ids"]), "Learning": r["learning"],
           **({"Deleted because": r["delete_reason"]} if deleted else {})} for r in rows])
chosen = st.selectbox("Open an audit", [r["id"] for r in rows], index=None, placeholder="Choose by number",
                      format_func=lambda i: f"#{i} " + next(r["topic"] for r in rows if r["id"] == i), key="targeted_pick")
if chosen is not None and deleted:
    if st.button("Restore this audit", icon=":material/restore:"):
        widgets.attempt(lambda: targeted_audits.restore(db, user, chosen), success=f"Restored targeted audit #{chosen}.")
elif chosen is not None:
    row = targeted_audits.get(db, user, chosen)
    audit_form(row)
    widgets.delete_form(f"targeted_delete_{chosen}", f"targeted audit #{chosen}",
                        lambda reason: targeted_audits.soft_delete(db, user, chosen, reason))
