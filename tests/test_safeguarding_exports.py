"""Safeguarding never leaves: every text column of a flagged entry (and of its comments) is absent from the
report's value, its draft and published PDF and workbook, and the stored snapshot, while the same words from an
unflagged entry do reach the report."""

import datetime as dt
import io
import json
import sqlite3
from dataclasses import asdict

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lib import store
from lib.access import User
from lib.report import build as report
from lib.report import drafts
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from tests.fixtures import publish_approved

DAY = "2026-09-30"  # the last day of the quarter: among the most recent direct work listed
PERIOD = "2026/27-Q2"
TODAY = dt.date(2026, 12, 3)
FORMS = ("carer", "parent", "child", "audit", "direct_work")


def text_columns(db, table: str) -> list[str]:
    return [name for name, kind in db.execute(f"select name, type from pragma_table_info('{table}')")
            if kind.upper() == "TEXT"]


def marker(table: str, column: str, form: str, flagged: bool) -> str:
    return f"zq{'x' if flagged else 'o'}{table[:3]}{column.replace('_', '')}{form.replace('_', '')}"


def add_entries(db, *, flagged: bool) -> dict[str, list[str]]:
    """One entry of each form with every free-text column of responses and comments set to its own marker
    (a column whose CHECK allows only coded values keeps its ordinary value). Returns {form: markers written}."""
    household, author = db.execute("select id from households limit 1").fetchone()[0], \
        db.execute("select id from users limit 1").fetchone()[0]
    written = {}
    for form in FORMS:
        base = {"form": form, "source": {"child": "annual_review", "audit": "case_audit", "direct_work": "direct_work"}
                .get(form, "bso_call"), "respondent": {"parent": "birth_parent", "child": "child", "audit": "carer",
                                                        "direct_work": "child"}.get(form, "carer"),
                "household_id": household, "cohort": "mainstream", "contact_on": DAY, "outcome": "completed",
                "age_band": "12_plus" if form == "child" else None, "title": "Life story work" if form == "direct_work"
                else None, "bank_version": db.execute("select max(version) from question_banks").fetchone()[0], "safeguarding": int(flagged), "author_id": author,
                "created_at": DAY + "T10:00:00+00:00", "updated_at": DAY + "T10:00:00+00:00", "updated_by": author}
        row_id = db.table("responses").insert(base).last_pk
        markers = []
        for column in text_columns(db, "responses"):
            if column in ("contact_on", "created_at", "updated_at", "deleted_at", "anonymised_at",
                          "copied_to_record_on", "submission_key"):
                continue  # dates and keys: a date in the period, or the entry would not be in the report
            value = marker("responses", column, form, flagged)
            try:
                with db.conn:
                    db.conn.execute(f"update responses set {column} = ? where id = ?", (value, row_id))
            except sqlite3.IntegrityError:
                continue  # a coded column: only its listed values are allowed
            markers.append(value)
        comment_id = db.table("comments").insert({"response_id": row_id, "item_id": "COMMENT", "consent_to_quote": 1,
                                                  "body": marker("comments", "body", form, flagged)}).last_pk
        for column in text_columns(db, "comments"):
            value = marker("comments", column, form, flagged)
            try:
                with db.conn:
                    db.conn.execute(f"update comments set {column} = ? where id = ?", (value, comment_id))
            except sqlite3.IntegrityError:
                continue
            markers.append(value)
        written[form] = (markers, comment_id)
    return written


@pytest.fixture
def world(tmp_path, demo_template, monkeypatch):
    # Redaction is not under test here: it must not be what keeps a flagged marker out (or an unflagged one).
    from types import SimpleNamespace

    from lib import redaction
    monkeypatch.setattr(redaction, "redact", lambda text, **_: SimpleNamespace(text=text, found=(), unsure=()))
    source, target = sqlite3.connect(demo_template), sqlite3.connect(tmp_path / "sg.db")
    source.backup(target)
    source.close(), target.close()
    db = store.connect(tmp_path / "sg.db")
    # Enough ordinary direct work in the quarter for its titles to be listed at all (a handful are not).
    row = db.execute("select id from responses where form = 'direct_work' and safeguarding = 0 and deleted_at is null "
                     "limit 1").fetchone()[0]
    columns = [c for c in db.table("responses").columns_dict if c not in ("id", "submission_key")]
    with db.conn:
        for _ in range(6):
            db.conn.execute(f"insert into responses ({', '.join(columns)}) select "
                            f"{', '.join(c if c != 'contact_on' else repr(DAY) for c in columns)} from responses "
                            f"where id = ?", (row,))
    return db, User(db.execute("select user_id from user_roles where role = 'qa'").fetchone()[0], "qa", "QA",
                    frozenset({"qa"}))


def exported(db, qa, written) -> str:
    """Everything the report sends out: its value (the published snapshot), PDF text and workbook cells."""
    sections = {"carer": "carers", "parent": "parents", "child": "children", "audit": "audits",
                "direct_work": "direct_work"}
    for form, (markers, comment_id) in written.items():  # QA picks each comment as a quote, in its own words
        drafts.save_draft(db, qa, PERIOD, quotes={sections[form]: [{"comment_id": comment_id,
                                                                     "text": f"quote {markers[-1]}"}]})
    value = report.build(db, qa, PERIOD, today=TODAY)
    drafts_out = [report_pdf.render(value, draft=True)[0], report_xlsx.render(value, draft=True)]
    publish_approved(db, qa, PERIOD, today=TODAY)  # the published version: its snapshot, PDF and workbook as stored
    stored, pdf, xlsx = db.execute("select value, pdf, xlsx from report_versions where period_key = :k",
                                   {"k": PERIOD}).fetchone()
    out = [json.dumps(asdict(value), ensure_ascii=False), stored]
    for pdf_bytes, xlsx_bytes in ((pdf, xlsx), tuple(drafts_out)):
        book = load_workbook(io.BytesIO(xlsx_bytes))
        out += [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
        out += [page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages]
    return "\n".join(out).lower()


def test_no_text_column_of_a_flagged_entry_or_its_comment_reaches_any_export(world):
    db, qa = world
    written = add_entries(db, flagged=True)
    assert any("title" in m for markers, _ in written.values() for m in markers)  # titles are among them
    out = exported(db, qa, written)
    leaked = [m for markers, _ in written.values() for m in markers if m.lower() in out]
    assert leaked == []


def test_the_same_words_from_an_unflagged_entry_do_reach_the_report_so_the_check_can_fail(world):
    db, qa = world
    written = add_entries(db, flagged=False)
    out = exported(db, qa, written)
    title = next(m for m in written["direct_work"][0] if "title" in m)
    assert title.lower() in out  # the direct-work title is listed
    assert any(f"quote {markers[-1]}".lower() in out for markers, _ in written.values())  # quotes are used
