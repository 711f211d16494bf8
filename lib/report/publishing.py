"""Published reports: a frozen snapshot per export (value, narrative, quotes, PDF and workbook bytes).

A published version never changes: later data edits make the live report differ, and the page
says so, but version N downloads byte for byte as it was. Every publish and download is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import sqlite_utils

from lib import access, periods, store
from lib.access import User
from lib.report import build as report
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from lib.store import history

PUBLISH_TRIES = 3


def publish(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date,
            now: dt.datetime | None = None) -> dict:
    """Build the report, render the PDF and workbook, and store them as the next version for the period.

    The long work (reading, charts, PDF) happens outside the write lock, so saves elsewhere never wait for
    it; the version is then stored in one short write, and only if no data changed meanwhile (else the
    report is built again, a few times at most, then ValueError asks to publish again).
    """
    access.require(user, "build_report")
    chosen = periods.period(period_key)
    for _ in range(PUBLISH_TRIES):
        moment = now or store.utcnow()
        seen = store.data_version(db)
        version = _next_version(db, chosen.key)
        value = report.build(db, user, chosen.key, today=today, as_of=store.stamp(moment), version=version)
        pdf, warnings = report_pdf.render(value, creation_date=moment)
        xlsx = report_xlsx.render(value, created=moment)
        with store.write(db):
            if store.data_version(db) != seen or _next_version(db, chosen.key) != version:
                continue  # someone saved while it was being built: build it again from the new data
            db.execute(
                """insert into report_versions (period_key, version, value, fingerprint, pdf, xlsx, created_at,
                                                created_by)
                   values (:k, :v, :value, :f, :pdf, :xlsx, :at, :u)""",
                {"k": chosen.key, "v": version, "value": json.dumps(asdict(value), ensure_ascii=False),
                 "f": report.fingerprint(value), "pdf": pdf, "xlsx": xlsx, "at": store.stamp(moment), "u": user.id})
            history.add(db, action="export", user_id=user.id, username=user.username, entity="report_versions",
                        entity_id=f"{chosen.key} v{version}",
                        detail={"published": True, "pdf_bytes": len(pdf), "xlsx_bytes": len(xlsx),
                                "warnings": warnings})
        return {"version": version, "warnings": warnings + list(value.warnings)}
    raise ValueError("The data kept changing while the report was being built, so it was not published. "
                     "Publish it again in a quieter moment.")


def _next_version(db, period_key: str) -> int:
    return (db.execute("select max(version) from report_versions where period_key = :k",
                       {"k": period_key}).fetchone()[0] or 0) + 1


def versions(db: sqlite_utils.Database, user: User, period_key: str) -> list[dict]:
    """Published versions of a period, newest first (without their bytes)."""
    access.require(user, "build_report")
    return list(db.query(
        """select v.version, v.created_at, u.display_name as by, v.fingerprint, length(v.pdf) as pdf_bytes,
                  length(v.xlsx) as xlsx_bytes
           from report_versions v join users u on u.id = v.created_by where v.period_key = :k
           order by v.version desc""", {"k": periods.period(period_key).key}))


def download(db: sqlite_utils.Database, user: User, period_key: str, version: int, kind: str) -> bytes:
    """The stored bytes of a published PDF or workbook, exactly as published; the download is audited."""
    access.require(user, "build_report")
    if kind not in ("pdf", "xlsx"):
        raise ValueError("A report downloads as pdf or xlsx.")
    key = periods.period(period_key).key
    query = {"pdf": "select pdf from report_versions where period_key = :k and version = :v",
             "xlsx": "select xlsx from report_versions where period_key = :k and version = :v"}[kind]
    row = db.execute(query, {"k": key, "v": version}).fetchone()
    if row is None:
        raise ValueError(f"There is no version {version} of the {key} report.")
    with store.write(db):
        history.add(db, action="export", user_id=user.id, username=user.username, entity="report_versions",
                    entity_id=f"{key} v{version}", detail={"downloaded": kind})
    return row[0]


def changed_since_published(db: sqlite_utils.Database, user: User, period_key: str, *, today: dt.date) -> bool | None:
    """Whether the live report differs from the newest published version (None if none is published)."""
    latest = versions(db, user, period_key)
    if not latest:
        return None
    live = report.build(db, user, period_key, today=today)
    return report.fingerprint(live) != latest[0]["fingerprint"]
