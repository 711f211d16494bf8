"""`python -m lib.report --db PATH --period 2026/27-Q2 [--out FILE]`: build and write a report, marked DRAFT.

It is the report as it stands, not a published version (those are approved and stored on the report page); a
report the disclosure check finds leaks in is not written."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from lib import periods, store
from lib.people import accounts
from lib.report import build as report
from lib.report import publishing
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from lib.store import history


def main(argv: list[str] | None = None) -> int:
    """Write a period's report (with its saved narrative and quotes) as PDF and optionally Excel."""
    parser = argparse.ArgumentParser(prog="python -m lib.report", description=main.__doc__)
    parser.add_argument("--db", help="database file (default: $FEEDBACK_DB or data/feedback.db)")
    parser.add_argument("--period", required=True, help="a financial quarter like 2025/26-Q3, or a year like 2025/26")
    parser.add_argument("--out", required=True, help="the PDF file to write")
    parser.add_argument("--xlsx", help="also write the Excel workbook here")
    args = parser.parse_args(argv)

    try:
        chosen = periods.period(args.period)
        if chosen.start > dt.date.today():
            raise ValueError(f"{chosen.label} has not begun yet, so there is nothing to report.")
        database = store.connect(store.named_database(args.db) if args.db else None)
        if not database.execute("select count(*) from responses").fetchone()[0]:
            raise ValueError("The database has no feedback yet, so there is nothing to report.")
        qa = database.execute("""select u.id from users u join user_roles r on r.user_id = u.id and r.role = 'qa'
                                  where u.active = 1 order by u.id limit 1""").fetchone()
        if qa is None:
            raise ValueError("The database has no active QA user for the report to be built as.")
        runner = accounts.load(database, qa[0])
        value = report.build(database, runner, chosen.key, today=dt.date.today())
        publishing.refuse_leaks(value, "written")
        # Not the Registered Manager's approved version: marked DRAFT, like the report page's draft downloads.
        pdf, warnings = report_pdf.render(value, draft=True)
        with open(args.out, "wb") as handle:
            handle.write(pdf)
        if args.xlsx:
            with open(args.xlsx, "wb") as handle:
                handle.write(report_xlsx.render(value, draft=True))
        with store.write(database):
            history.add(database, action="export", user_id=None, username="lib.report", entity="reports",
                        entity_id=chosen.key, detail={"pdf": args.out, "xlsx": args.xlsx})
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in [*warnings, *value.warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Wrote the {chosen.label} report to {args.out}" + (f" and {args.xlsx}" if args.xlsx else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
