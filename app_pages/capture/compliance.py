import datetime as dt

import pandas as pd
import streamlit as st

from lib import periods
from lib.capture import compliance
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_compliance")
today = session.today()
st.title("BSO compliance with the monthly minimum")
st.caption("Completed carer and birth-parent feedback per business support officer per calendar month "
           "(carers + parents). A BSO with nothing recorded shows as 0, never missing.")

months = periods.months_between(today - dt.timedelta(days=365 * 2), today)[::-1]
left, right = st.columns(2)
last = left.selectbox("Up to", months, format_func=lambda m: f"{m:%B %Y}")
count = right.number_input("Months", min_value=1, max_value=24, value=3)
first = periods.months_between(today - dt.timedelta(days=365 * 3), last)[-int(count)]
rows = widgets.attempt(lambda: compliance.table(db, user, first=first, last=last, today=today))
if rows:
    last = max(r.month for r in rows)  # months not begun yet are left out
    latest = [r for r in rows if r.month == last]
    if latest[0].no_data:
        st.info(f"No BSO call has been recorded yet in or before {last:%B %Y}: there is nothing to measure.")
    else:
        behind = [r for r in latest if not r.met]
        st.metric(f"Behind the minimum in {last:%B %Y}" + (" (month in progress, so far)" if latest[0].in_progress
                                                            else ""), f"{len(behind)} of {len(latest)} BSOs")
    marks = {"green": "✓ met", "amber": "✗ below", "red": "✗ none completed"}

    def cell(r) -> str:
        if r.no_data:
            return "no data (before the first call)"
        mark = "so far" if r.in_progress and not r.met else marks[r.status]
        return f"{r.carers} + {r.parents}  {mark}" + (f"  ({r.attempts} tried)" if r.attempts else "")

    wide = pd.DataFrame([{"BSO": r.name, "Team": r.team or "", "month": f"{r.month:%b %Y}", "cell": cell(r)}
                         for r in rows])
    order = sorted(latest, key=lambda r: (r.met, r.carers + r.parents, r.name))
    wide = wide.pivot(index=["BSO", "Team"], columns="month", values="cell").reindex(
        [(r.name, r.team or "") for r in order])
    wide = wide.reindex(columns=[f"{m:%b %Y}" for m in periods.months_between(first, last)][::-1])
    wide = wide.fillna("not yet a BSO").reset_index()
    st.caption(f"Minimum: {rows[0].minimum_carers} carers + {rows[0].minimum_parents} parents a month. "
               "Sorted with those furthest behind in the latest month first.")
    widgets.table(wide)
    widgets.audited_download(
        "Download as CSV", user=user, action="view_compliance", what="compliance",
        make=lambda _db, _person: compliance.as_csv(rows),
        file_name=f"bso-compliance-{first:%Y-%m}-to-{last:%Y-%m}.csv", mime="text/csv")
