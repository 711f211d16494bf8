import datetime as dt

import pandas as pd
import streamlit as st

from lib import analysis, compliance, text, ui

db = ui.connection()
user = ui.page_user("view_compliance")
today = dt.date.today()
st.title("BSO compliance with the monthly minimum")
st.caption("Completed carer and birth-parent feedback per business support officer per calendar month. "
           "A BSO with nothing recorded shows as 0, never missing.")

months = analysis.months_between(today - dt.timedelta(days=365 * 2), today)[::-1]
left, right = st.columns(2)
last = left.selectbox("Up to", months, format_func=lambda m: f"{m:%B %Y}")
count = right.number_input("Months", min_value=1, max_value=24, value=3)
first = analysis.months_between(today - dt.timedelta(days=365 * 3), last)[-int(count)]
rows = ui.attempt(lambda: compliance.table(db, user, first=first, last=last, today=today))
if rows:
    frame = pd.DataFrame([{
        "BSO": r.name, "Month": f"{r.month:%b %Y}", "Carers": r.carers, "Birth parents": r.parents,
        "Attempts": r.attempts,
        "Status": analysis.STATUS_WORDS[r.status] + (" (month in progress)" if r.in_progress else ""),
    } for r in rows])
    behind = [r for r in rows if r.month == last and not r.met]
    st.metric(f"Behind the minimum in {last:%B %Y}", f"{len(behind)} of {len({r.user_id for r in rows})} BSOs")
    ui.table(frame)
    st.download_button(
        "Download as CSV", data=frame.map(text.spreadsheet_safe).to_csv(index=False).encode("utf-8-sig"),
        file_name=f"bso-compliance-{first:%Y-%m}-to-{last:%Y-%m}.csv", mime="text/csv", icon=":material/download:",
        on_click="ignore")
