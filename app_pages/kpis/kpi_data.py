import streamlit as st

from lib import periods
from lib.kpis import figures, measures, performance, recruitment
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("manage_kpis")
today = session.today()
st.title("Performance figures")
st.caption("Import the monthly KPI and recruitment extracts from the case-management system, correct a month by hand, "
           "and keep the measures and their RAG thresholds. A re-import of a month replaces its figures; the figures "
           "replaced are kept as history.")

# A segmented control rather than tabs: it keeps its place when a save reruns the page.
view = st.segmented_control("Show", ["Import KPI figures", "Enter a month by hand", "Recruitment figures", "Measures",
                                     "History"], default="Import KPI figures", required=True, key="kpi_data_view",
                            label_visibility="collapsed")
teams = figures.team_names(db)
recent = periods.months_back(today, 24)[::-1]


if view == "Import KPI figures":
    st.write("Upload the month's extract as CSV. Either one row per month, team and measure with its counts "
             "(columns: month, team, measure, in time, out of time), or one row per household with whether it was in "
             "time (columns: month, team, measure, household, in time as yes or no; a blank team is taken from the "
             "carer register), and the counts are worked out for you. Each month in the file replaces that month's "
             "figures. Nothing is imported until every row is valid.")
    left, right = st.columns(2)
    left.download_button("Template: counts", data=figures.TEMPLATE, file_name="kpi-template.csv", mime="text/csv",
                         icon=":material/download:", on_click="ignore")
    right.download_button("Template: one row per household", data=figures.HOUSEHOLD_TEMPLATE,
                          file_name="kpi-households-template.csv", mime="text/csv", icon=":material/download:",
                          on_click="ignore")
    def preview(plan: figures.Plan) -> None:
        shape = "one row per household" if plan.shape == "households" else "counts"
        st.info(f"{plan.rows:,} rows ({shape}) give {len(plan.figures):,} figures for {len(plan.months)} month(s).",
                icon=":material/fact_check:")
        widgets.table(plan.by_month(), columns={"month": "Month", "teams": "Teams", "figures": "Figures",
                                                "replaces": "Figures it replaces"}, key="kpi_import_months")
        if any(plan.replaced.values()):
            st.warning("Months already imported will be replaced; the figures they had are kept as history.",
                       icon=":material/history:")
        if plan.notes:
            st.caption("Worth checking before you import:")
            for note in plan.notes[:40]:
                st.text("• " + note)
            if len(plan.notes) > 40:
                st.text(f"… and {len(plan.notes) - 40} more.")

    widgets.import_file(
        "KPI extract (CSV)", key="kpi_file", max_bytes=figures.MAX_BYTES,
        plan=lambda data: figures.plan(db, data, today=today), preview=preview,
        button=lambda plan: f"Import {len(plan.figures):,} figures",
        run=lambda data, name: figures.import_csv(db, user, data, today=today, file_name=name),
        success=lambda done: f"Imported {len(done.figures):,} figures for {done.month_words}.")

elif view == "Enter a month by hand":
    st.write("Type one team's figures for a month, for example when the extract is late. A blank pair means no figure "
             "(the measure shows as no data). Saving replaces that team's figures for the month; the old ones are kept "
             "as history.")
    if not teams:
        st.info("Add a team on Users and teams first.", icon=":material/info:")
        st.stop()
    left, right = st.columns(2)
    month = left.selectbox("Month", recent, index=1, format_func=periods.month_label, key="kpi_manual_month",
                           help="Usually last month: the extract for a month comes after it ends.")
    team_id = right.selectbox("Team", list(teams), format_func=teams.get, key="kpi_manual_team")
    current = {f.measure.id: f for f in performance.table(db, user, month, team_id=team_id)}
    active = measures.measures(db, include_retired=False)
    base = widgets.fresh_key(f"kpi_manual_{month:%Y%m}_{team_id}")
    with st.form(base):
        values = {}
        heading = st.columns([3, 1, 1])
        heading[0].caption("Measure")
        heading[1].caption("In time / completed")
        heading[2].caption("Out of time / not completed")
        for measure in active:
            found = current.get(measure.id)
            label, a, b = st.columns([3, 1, 1], vertical_alignment="bottom")
            label.text(measure.name)
            values[measure.id] = (
                a.number_input(f"In time: {widgets.md(measure.name)}", min_value=0, max_value=figures.MAX_COUNT, step=1,
                               value=found.in_time if found else None, key=f"{base}_{measure.id}_in",
                               label_visibility="collapsed"),
                b.number_input(f"Out of time: {widgets.md(measure.name)}", min_value=0, max_value=figures.MAX_COUNT, step=1,
                               value=found.out_of_time if found else None, key=f"{base}_{measure.id}_out",
                               label_visibility="collapsed"),
            )
        if st.form_submit_button("Save figures", type="primary", icon=":material/save:"):
            widgets.attempt(lambda: figures.enter_month(db, user, month=month, team_id=team_id, values=values, today=today),
                       reset=f"kpi_manual_{month:%Y%m}_{team_id}",
                       success=lambda diff: f"Saved {len(diff)} change(s) for {teams[team_id]}, "
                                            f"{periods.month_label(month)}." if diff else "Nothing changed.")

elif view == "Recruitment figures":
    st.write("Upload the month's recruitment figures as CSV (columns: month, team, measure, number). The measures are "
             f"{', '.join(recruitment.MEASURES.values())}. Leave the team blank for a figure the service does not split "
             "by team. Each month in the file replaces that month's figures.")
    st.download_button("Template", data=recruitment.TEMPLATE, file_name="recruitment-template.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore")

    def recruitment_preview(plan: recruitment.Plan) -> None:
        widgets.table(plan.by_month(), columns={"month": "Month", "figures": "Figures", "replaces": "Figures it replaces"},
                      key="recruitment_import_months")

    widgets.import_file(
        "Recruitment figures (CSV)", key="recruitment_file", max_bytes=figures.MAX_BYTES,
        plan=lambda data: recruitment.plan(db, data, today=today), preview=recruitment_preview,
        button=lambda plan: f"Import {len(plan.figures):,} figures",
        run=lambda data, name: recruitment.import_csv(db, user, data, today=today, file_name=name),
        success=lambda done: f"Imported {len(done.figures):,} figures.")
    st.divider()
    st.caption("Or enter a month by hand")
    left, right = st.columns(2)
    month = left.selectbox("Month", recent, index=1, format_func=periods.month_label, key="recruitment_manual_month")
    team_id = right.selectbox("Team", [None, *teams], key="recruitment_manual_team",
                              format_func=lambda t: recruitment.SERVICE if t is None else teams[t])
    current = recruitment.entered(db, user, month, team_id)
    base = widgets.fresh_key(f"recruitment_manual_{month:%Y%m}_{team_id}")
    with st.form(base):
        columns = st.columns(len(recruitment.MEASURES))
        values = {code: column.number_input(label, min_value=0, max_value=figures.MAX_COUNT, step=1, value=current[code],
                                            key=f"{base}_{code}")
                  for column, (code, label) in zip(columns, recruitment.MEASURES.items())}
        if st.form_submit_button("Save recruitment figures", icon=":material/save:"):
            widgets.attempt(lambda: recruitment.enter_month(db, user, month=month, team_id=team_id, values=values,
                                                       today=today),
                       reset=f"recruitment_manual_{month:%Y%m}_{team_id}",
                       success=widgets.saved_changes)

elif view == "Measures":
    found = measures.measures(db)
    st.caption(f"Measure definitions version {measures.current_version(db)}. Every change makes a new version; a retired "
               "measure takes no new figures and keeps its history. The indicator is Green at or above Green from, "
               "Amber at or above Amber from, and Red below it, on the whole % shown.")
    widgets.table([{"Measure": m.name, "Other names in files": "; ".join(m.aliases), "Green from": f"{m.green_from}%",
               "Amber from": f"{m.amber_from}%", "Status": m.status, "What it counts": m.description} for m in found],
             key="kpi_measures")
    by_id = {m.id: m for m in found}
    chosen = st.selectbox("Measure", [None, *by_id], key="kpi_measure_pick",
                          format_func=lambda k: "A new measure" if k is None else by_id[k].name
                          + (" (retired)" if not by_id[k].active else ""))
    measure = by_id.get(chosen)
    base, opened = widgets.edit_key(f"kpi_measure_{chosen}", {"version": measure.version} if measure else None)
    with st.form(base):
        name = st.text_input("Name", value=measure.name if measure else "", max_chars=100)
        description = st.text_input("What it counts", value=measure.description if measure else "", max_chars=300)
        aliases = st.text_area("Other names the extract may use, one per line",
                               value="\n".join(measure.aliases) if measure else "", height=100,
                               help="Matched ignoring case, spaces and punctuation.")
        left, right = st.columns(2)
        green = left.number_input("Green from (%)", min_value=0, max_value=100, step=1,
                                  value=measure.green_from if measure else 90)
        amber = right.number_input("Amber from (%)", min_value=0, max_value=100, step=1,
                                   value=measure.amber_from if measure else 75)
        if st.form_submit_button("Add measure" if measure is None else "Save measure", type="primary"):
            widgets.attempt(lambda: measures.save_measure(db, user, chosen, name=name, description=description,
                                                          aliases=aliases.splitlines(), green_from=green,
                                                          amber_from=amber, expected=opened),
                            opened=f"kpi_measure_{chosen}", success="Measure saved as a new version.")
    if measure is not None:
        if measure.active:
            sure = st.checkbox(f"Yes, retire “{measure.name}”", key=f"kpi_retire_sure_{chosen}")
            if st.button("Retire this measure", icon=":material/archive:", disabled=not sure,
                         help="No new figures are taken for it; its figures so far stay."):
                widgets.attempt(lambda: measures.set_status(db, user, chosen, "retired"), success="Measure retired.")
        elif st.button("Reinstate this measure", icon=":material/unarchive:"):
            widgets.attempt(lambda: measures.set_status(db, user, chosen, "active"), success="Measure reinstated.")
    st.caption("Versions")
    widgets.table([{**v, "by": v["by"] or "shipped with the app", "created_at": v["created_at"]}
              for v in measures.versions(db)],
             columns={"version": "Version", "note": "Change", "by": "By", "created_at": "When"}, key="kpi_measure_versions")

else:
    st.caption("Every import and hand entry, newest first. Figures replaced by a later import stay in the database as "
               "history; 'Still current' counts those that have not been replaced.")
    columns = {"id": "#", "how": "How", "months": "Months", "rows": "Rows", "figures": "Figures",
               "current": "Still current", "file_name": "File", "by": "By", "created_at": "When"}
    st.caption("KPI figures")
    widgets.table([{**b, "created_at": b["created_at"]} for b in figures.batches(db, user)], columns=columns,
             key="kpi_history")
    st.caption("Recruitment figures")
    widgets.table([{**b, "created_at": b["created_at"]} for b in recruitment.batches(db, user)],
             columns=columns, key="recruitment_history")
