import streamlit as st

from lib import periods
from lib.themes import codebook, coding, emerging, explorer
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("manage_codebook")
st.title("Codebook")
version = codebook.current_version(db)
stale = coding.uncoded_count(db)
st.caption(f"Codebook version {version}. Every change makes a new version; retired and merged themes keep their "
           "history. Human decisions on comments are never overwritten by re-coding.")

if stale:
    st.warning(f"{stale} comment(s) were coded with an older codebook version.", icon=":material/update:")
if st.button("Re-code every comment with this codebook", icon=":material/autorenew:", type="primary" if stale else "secondary"):
    bar = st.progress(0.0, text="Re-coding…")
    done = widgets.attempt(lambda: coding.recode_all(
        db, user, progress=lambda n, total: bar.progress(n / total if total else 1.0, text=f"Re-coded {n:,} of {total:,}")))
    if done is not None:
        widgets.flash(f"Re-coded {done:,} comments with codebook version {version}; human decisions kept.")
        st.rerun()

# A segmented control rather than tabs: it keeps its place when a save reruns the page.
view = st.segmented_control("Show", ["Themes", "Add or change a theme", "Emerging themes", "Versions"],
                            default="Themes", required=True, key="codebook_view", label_visibility="collapsed")
rows = codebook.theme_list(db)
names = codebook.names(db)
if view == "Themes":
    widgets.table([{"Id": r["id"], "Theme": r["name"], "Definition": r["definition"],
               "Applies to": ", ".join(r["applies_to"]), "Usually": codebook.USUALLY[r["usually"]],
               "Triggers": "; ".join(r["triggers"]),
               "Status": r["status"] + (f" (merged into {r['merged_into']})" if r["merged_into"] else "")} for r in rows])

elif view == "Add or change a theme":
    active = [r for r in rows if r["status"] == "active"]
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox("Theme", [None] + [r["id"] for r in active],
                          format_func=lambda t: "A new theme" if t is None else f"{t} {names[t]}")
    current = by_id.get(chosen, {"name": "", "definition": "", "triggers": [], "applies_to": [], "usually": "either"})
    base, opened = widgets.edit_key(f"theme_{chosen}", current if chosen else None)
    with st.form(base):
        name = st.text_input("Name", value=current["name"], max_chars=80)
        definition = st.text_input("One-line definition", value=current["definition"], max_chars=300)
        triggers = st.text_area(
            "Trigger words and phrases, one per line", value="\n".join(current["triggers"]), height=180,
            help='Matched on word stems ("visit" finds "visits"). "In double quotes" matches exact words only; '
                 "a line starting with ! is a complaint phrase that always reads as an area for improvement.")
        applies = st.multiselect("Applies to", list(codebook.APPLIES), default=current["applies_to"],
                                 format_func=codebook.APPLIES.get)
        usually = st.radio("Mentions are", list(codebook.USUALLY), format_func=codebook.USUALLY.get, horizontal=True,
                           index=list(codebook.USUALLY).index(current["usually"]))
        if st.form_submit_button("Add theme" if chosen is None else "Save theme", type="primary"):
            widgets.attempt(lambda: codebook.save_theme(db, user, chosen, name=name, definition=definition,
                                                        triggers=triggers.splitlines(), applies_to=applies,
                                                        usually=usually, expected=opened),
                            opened=f"theme_{chosen}", success=lambda t: f"Saved theme {t}. Re-code to apply it to earlier comments.")
    if chosen is not None:
        st.divider()
        st.caption("Retiring or merging cannot be undone from here (add the theme again if you need it back).")
        left, right = st.columns(2)
        with left:
            sure = st.checkbox(f"Yes, retire {chosen}", key=f"sure_retire_{chosen}")
            if st.button(f"Retire {chosen}", icon=":material/archive:", disabled=not sure,
                         help="No new comments get this theme; comments already coded keep it as history."):
                widgets.attempt(lambda: codebook.retire_theme(db, user, chosen), success=f"Retired {chosen}.")
        with right:
            target = st.selectbox("Merge into", [r["id"] for r in active if r["id"] != chosen], index=None,
                                  format_func=lambda t: f"{t} {names[t]}", placeholder="Choose a theme to merge into")
            if target and st.button(f"Merge {chosen} into {target}", icon=":material/merge:"):
                widgets.attempt(lambda: codebook.retire_theme(db, user, chosen, merged_into=target),
                           success=f"Merged {chosen} into {target}; its triggers moved across.")

elif view == "Emerging themes":
    st.caption("Comments that match no theme, grouped around the words they share, so you can spot something new "
               "and promote it into the codebook.")
    period = st.selectbox("Quarter", periods.recent(session.today(), 8), format_func=lambda q: q.label, key="emerging_q")
    pool = explorer.uncoded(db, user, explorer.Filters(period.start, period.end))
    found, note = emerging.candidates([(r["comment_id"], r["body"]) for r in pool])
    st.caption(f"{len(pool)} comment(s) in {period.label} match no theme.")
    if note:
        st.info(note, icon=":material/info:")
    bodies = {r["comment_id"]: r["body"] for r in pool}
    for number, candidate in enumerate(found):
        with st.container(border=True):
            st.text(f"“{candidate.keyword}”: {candidate.size} comments · also: {', '.join(candidate.top_words) or '—'}")
            for comment_id in candidate.comments[:3]:
                st.text("· " + bodies[comment_id])
            with st.form(widgets.fresh_key(f"promote_{number}")):
                new_name = st.text_input("Name for a new theme", value=candidate.keyword.capitalize(), max_chars=80)
                new_triggers = st.text_input("Triggers (separate with ;)", value=candidate.keyword)
                if st.form_submit_button("Promote to the codebook"):
                    widgets.attempt(lambda n=new_name, t=new_triggers: codebook.save_theme(
                        db, user, None, name=n, definition=f"Emerging theme first seen in {period.label}.",
                        triggers=t.split(";"), applies_to=list(codebook.APPLIES), usually="either"),
                        success=lambda t: f"Added {t}. Re-code to apply it to earlier comments.")

else:
    widgets.table(codebook.versions(db), columns={"version": "Version", "note": "Change", "created_at": "When (UTC)",
                                           "by": "By"})
