import pandas as pd
import streamlit as st

from lib import charts, periods
from lib.kpis import figures as kpi_figures
from lib.kpis import measures, performance, recruitment
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_kpis")
today = session.today()
st.title("Performance")
st.caption("How much are we doing: the framework's key performance indicators for a month, for the whole service and "
           "for each team, with the register's and recruitment figures. The figures come from QA's monthly imports "
           "of the case-management system's extract.")

# The indicator's shape and word carry its meaning; the colour only repeats it.
COLOURS = {"●": charts.RAG_COLOURS["Green"], "▲": charts.RAG_COLOURS["Amber"], "■": charts.RAG_COLOURS["Red"]}


def coloured(frame: pd.DataFrame, columns: list[str]):
    def style(value):
        colour = COLOURS.get(str(value).split(" ")[-2] if str(value).count(" ") else "")
        return f"color: {colour}; font-weight: 600" if colour else ""
    return frame.style.map(style, subset=columns)


available = performance.months_with_data(db)
if not available:
    st.info("No KPI figures have been imported yet. QA imports the monthly extract on Performance figures.",
            icon=":material/info:")
months = available or [today.replace(day=1)]
teams = kpi_figures.team_names(db)
left, right = st.columns(2)
month = left.selectbox("Month", months, format_func=periods.month_label, key="kpi_month")
level = right.selectbox("Whole service or a team", [None, *teams], key="kpi_level",
                        format_func=lambda t: "Whole service" if t is None else teams[t])
level_name = "Whole service" if level is None else teams[level]

st.subheader("Key performance indicators")
figures = performance.table(db, user, month, team_id=level)
rows = []
for figure in figures:
    base = None if figure.in_time is None else figure.in_time + figure.out_of_time
    row = {"Measure": figure.measure.name + (" (retired)" if not figure.measure.active else ""),
           "In time / completed": "–" if figure.in_time is None else f"{figure.in_time:,}",
           "Out of time / not completed": "–" if figure.out_of_time is None else f"{figure.out_of_time:,}",
           "%": figure.shown_percent, "Indicator": figure.indicator,
           "Note": "low base" if base and base < 10 else ""}
    if level is None:
        row["Teams"] = str(figure.teams)
    rows.append(row)
st.dataframe(coloured(pd.DataFrame(rows), ["Indicator"]), hide_index=True, key="kpi_table")
st.caption(f"{level_name}, {periods.month_label(month)}. Indicator: ● Green, ▲ Amber, ■ Red against each measure's "
           "thresholds (on the whole % shown); a measure with no figures, or 0 in time and 0 out of time, shows "
           "no data. The whole service adds up its teams' figures; Teams says how many teams reported the measure.")
widgets.audited_download("Download this table (CSV)", user=user, action="view_kpis",
                         make=lambda _db, _person: performance.table_csv(figures, month=month, level=level_name),
                    file_name=f"kpis-{month:%Y-%m}.csv", mime="text/csv", what="kpi_figures")

st.subheader("By team")
teams_table = performance.by_team(db, user, month)
if teams_table:
    pivot = pd.DataFrame({"Measure": [f.measure.name for f in figures]})
    for team, found in teams_table:
        by_id = {f.measure.id: f for f in found}
        pivot[team] = [f"{by_id[f.measure.id].shown_percent} {by_id[f.measure.id].indicator}"
                       if f.measure.id in by_id and by_id[f.measure.id].percent is not None else measures.NO_DATA
                       for f in figures]
    st.dataframe(coloured(pivot, [t for t, _ in teams_table]), hide_index=True, key="kpi_by_team")
    st.caption("% in time and the indicator for each team in the month.")

st.subheader("Trend")
span = periods.months_back(month, 12)
choices = [f.measure.id for f in figures]
names = {f.measure.id: f.measure.name for f in figures}
chosen = st.selectbox("Measure", [None, *choices], key="kpi_trend_measure",
                      format_func=lambda m: "All measures" if m is None else names[m])
series = performance.trend(db, user, span, team_id=level)
if chosen is not None:
    series = [(m, [f for f in found if f.measure.id == chosen]) for m, found in series]
st.altair_chart(charts.kpi_trend(performance.trend_frame(series), columns=1 if chosen else 2), key="kpi_trend_chart")
st.caption(f"{level_name}, the 12 months to {periods.month_label(month)}. Dashed lines: the Green (upper) and Amber "
           "(lower) thresholds. Points: circle Green, triangle Amber, square Red. A month without figures is marked "
           "no data, never drawn as 0%.")

st.subheader("The register")
held = recruitment.register_position(db, user, periods.month_end(month))
register_rows = {}
for (team, cohort), n in held.items():
    register_rows.setdefault(team, {"Team": team, "Mainstream": 0, "Kinship": 0})[cohort.title()] += n
register_list = sorted(register_rows.values(), key=lambda r: r["Team"].casefold())
for row in register_list:
    row["Total"] = row["Mainstream"] + row["Kinship"]
if register_list:
    register_list.append({"Team": "All teams", **{c: sum(r[c] for r in register_list)
                                                  for c in ("Mainstream", "Kinship", "Total")}})
widgets.table(register_list, columns={"Team": "Team", "Mainstream": "Mainstream", "Kinship": "Kinship", "Total": "Total"},
         key="kpi_register")
st.caption(f"Approved households on the register at the end of {periods.month_label(month)}, by the team and placement "
           "type the register has now.")
movement = recruitment.register_movement(db, user, span)
widgets.table([{"Month": m.strftime("%b %Y"), "Approved: mainstream": f["approved_mainstream"],
           "Approved: kinship": f["approved_kinship"], "De-registered: mainstream": f["deregistered_mainstream"],
           "De-registered: kinship": f["deregistered_kinship"]} for m, f in movement], key="kpi_movement",
         height=35 * (len(movement) + 1) + 3)
st.caption("Approvals by the approval date in the register; de-registrations when a register import made a household "
           "inactive.")

st.subheader("Recruitment")
recruited = recruitment.figures(db, user, span, team_id=level)
if not any(v is not None for _, values in recruited for v in values.values()):
    st.info("No recruitment figures for these months" + ("" if level is None else f" for {level_name}") + ".",
            icon=":material/info:")
else:
    widgets.table([{"Month": m.strftime("%b %Y"), **{label: measures.NO_DATA if values[code] is None else values[code]
                                                for code, label in recruitment.MEASURES.items()}}
              for m, values in recruited], key="kpi_recruitment")
    st.caption("From QA's monthly recruitment import; the whole service includes figures not split by team.")
