"""Hostile input: every free-text surface refuses a nasty string with a clear message, or stores it (as typed, or
cleaned as lib/text.py `clean` documents) and shows it inert. Nothing else may escape: no traceback, no live
formula in an export, no markup made from user text. The strings are in tests/data/hostile.txt.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import math
import random
import re
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lib import redaction, store, text
from lib.audits import casefile, moderation, programme, reviews
from lib.audits import plan as action_plan
from lib.audits import targeted as targeted_audits
from lib.capture import compliance, feedback, questions
from lib.kpis import figures as kpi_figures
from lib.kpis import measures as kpi_measures
from lib.kpis import performance, recruitment
from lib.log import actions, representations
from lib.people import accounts, register
from lib.report import build as report
from lib.report import drafts, publishing, sections
from lib.report import pdf as report_pdf
from lib.report import xlsx as report_xlsx
from lib.themes import codebook, emerging, matching
from lib.ui import session
from tests.conftest import add_user, no_exceptions
from tests.fixtures import open_form, publish_approved, user

CORPUS_FILE = Path(__file__).resolve().parent / "data" / "hostile.txt"
TODAY = dt.date(2026, 2, 15)
IN_Q3 = dt.date(2025, 11, 14)  # inside 2025/26 Q3, the period the export test reports on
Q3 = "2025/26-Q3"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def load_corpus(path: Path = CORPUS_FILE) -> dict[str, str]:
    """The corpus as {name: string}; see the header of the file for its format."""
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, spec = line.split(None, 1)
        spec = spec.strip()
        if spec.startswith("@fill "):
            _, size, literal = spec.split(None, 2)
            piece = ast.literal_eval(literal)
            value = (piece * (int(size) // len(piece) + 1))[:int(size)]
        else:
            value = ast.literal_eval(spec)
        assert re.fullmatch(r"[a-z0-9-]+", name) and name not in found and isinstance(value, str), \
            f"{path.name} line {number} is not NAME \"literal\""
        found[name] = value
    return found


CORPUS = load_corpus()
NAMES = list(CORPUS)


def test_the_corpus_has_at_least_sixty_strings_and_covers_each_kind_of_trouble():
    assert len(CORPUS) >= 60
    everything = "".join(CORPUS.values())
    for needle in ("\x00", "\r", "\t", "\ud800", "\u202e", "\u200d", "\ufeff", "\u0301", "DROP TABLE", "<script>",
                   "![", "javascript:", "=HYPERLINK(", "=cmd|", "../../", "C:\\Windows", "{0}", "%s", "{staff}"):
        assert needle in everything, needle
    assert max(map(len, CORPUS.values())) >= 1_000_000
    assert any(len(v) >= 10_000 and " " not in v for v in CORPUS.values())


# ---- Helpers ------------------------------------------------------------------------------------


def outcome(action):
    """('stored', result) for a lib call that succeeded, ('refused', message) for a ValueError; anything else
    (a traceback reaching the user) fails the test."""
    try:
        return "stored", action()
    except ValueError as exc:
        return "refused", str(exc)


def assert_clear(message: str) -> None:
    """A refusal a person can act on: a short sentence of showable text, not the hostile input echoed back."""
    assert message and len(message) <= 600, message[:300]
    assert message[0].isupper() or message[0] in "“'\"", message
    assert not _UNSHOWABLE.search(message), repr(message)
    assert "Traceback" not in message and not message.startswith(("Error", "Exception")), message


def expected(raw: str, **rules) -> tuple[str, str | None]:
    """What a field should do with raw text: ('stored', cleaned text) or ('refused', None)."""
    try:
        return "stored", text.clean(raw, field="Field", **rules)
    except ValueError:
        return "refused", None


def assert_outcome(result: tuple[str, object], wanted: tuple[str, object], where: str) -> None:
    kind, value = result
    assert kind == wanted[0], f"{where}: expected {wanted[0]}, got {kind}: {str(value)[:200]!r}"
    if kind == "refused":
        assert_clear(value)


def assert_inert_value(value: str | None, where: str) -> None:
    """A stored value: no control characters or lone surrogates, NFC, and it survives a UTF-8 round trip."""
    if value is None:
        return
    assert not _UNSHOWABLE.search(value), f"{where}: {value[:80]!r}"
    assert unicodedata.normalize("NFC", value) == value, f"{where}: not NFC"
    value.encode("utf-8")


@pytest.mark.parametrize("multiline", [False, True])
def test_cleaning_any_string_gives_visible_nfc_text_that_cleaning_again_leaves_alone(multiline):
    for name, raw in CORPUS.items():
        cleaned = text.clean(raw, field="Comment", max_length=10**7, multiline=multiline)
        assert text.clean(cleaned, field="Comment", max_length=10**7, multiline=multiline) == cleaned, name
        assert_inert_value(cleaned, name)
        assert cleaned == "" or any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in cleaned), name


# ---- 1. Every free-text field of every form -------------------------------------------------------


def text_slots(bank: questions.Bank) -> list[tuple[str, dict, list[questions.Item]]]:
    """(form, context, free-text questions) covering every free-text question of every form once, found
    from the question bank: each respondent, age band and cohort a form can be filled in for."""
    slots, seen = [], set()
    for name, form in bank.forms.items():
        respondents = list(questions.RESPONDENTS) if "respondent" in form.fields else [form.respondent]
        for respondent in respondents:
            bands = list(questions.AGE_BANDS) if respondent == "child" and "age_band" in form.fields else [None]
            for band in bands:
                for cohort in questions.COHORTS:
                    context = {"respondent": respondent, "age_band": band, "cohort": cohort}
                    items = [i for i in form.items_for(**context) if i.scale.is_text and (name, i.id) not in seen]
                    if items:
                        seen.update((name, i.id) for i in items)
                        slots.append((name, context, items))
    return slots


def base_entry(form: questions.Form, context: dict, home: int) -> dict:
    """A valid entry for a form in a context: required questions answered with their first option."""
    items = form.items_for(**context)
    return {
        "household_id": home, "contact_on": IN_Q3, "method": "phone", "outcome": "completed",
        "relationship": "mother", "child_reference": "C123456", "helped_by": "alone", "audit_reference": "AUD-2025-01",
        "title": "Life-story session", "professional_role": "iro", "placing_authority": "Northshire County Council",
        **context,
        "answers": {i.id: i.scale.options[0].code for i in items if i.required and not i.scale.is_text},
        "comments": {i.id: {"text": "Going well.", "consent": True} for i in items if i.required and i.scale.is_text},
    }


@pytest.fixture(scope="module")
def module_hashing():
    """Cheap password hashing for this module's shared fixtures (conftest's cheap_hashing is per test)."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory, module_hashing):
    """A small database made once: one person with every role, one household, the codebook and question bank."""
    from tests.fixtures import add_household

    path = tmp_path_factory.mktemp("hostile") / "template.db"
    database = store.connect(path)
    add_user(database, "bso", "social_worker", "manager", "qa", username="all.roles")
    add_household(database, "LL100001")
    codebook.ensure(database)
    questions.current(database)
    database.close()
    return path


@pytest.fixture
def db(template):
    """This module's db: an in-memory copy of the template, with the foreign keys store.connect turns on. A fresh
    database file for each string on each surface would cost most of the run."""
    database = memory_copy(template)
    yield database
    database.close()


@pytest.fixture
def everyone(db):
    """One person who may use every form, the log, the actions, the codebook and the report."""
    return user(db, "all.roles")


@pytest.fixture
def home(db):
    return db.execute("select id from households where reference = 'LL100001'").fetchone()[0]


def test_the_question_bank_has_free_text_questions_on_every_form():
    slots = text_slots(questions.load_file())
    assert {form for form, _, _ in slots} == set(questions.load_file().forms)
    assert sum(len(items) for _, _, items in slots) >= 15


# The record-level free-text fields with their rules for text.clean; a case reference must also look like C123456.
RECORD_TEXT = {"title": {"max_length": 120, "required": True}, "audit_reference": {"max_length": 40, "required": True},
               "parent_reference": {"max_length": 30}, "child_reference": {"max_length": 30, "required": True},
               "placing_authority": {"max_length": feedback.MAX_AUTHORITY, "required": True}}
REFERENCES = ("parent_reference", "child_reference")
FOLLOW_UP_TEXT = {"callback_note": ("callback", "note", {"max_length": 1000, "multiline": True}),
                  "safeguarding_note": ("safeguarding", "note",
                                        {"max_length": feedback.MAX_COMMENT, "multiline": True}),
                  "safeguarding_told": ("safeguarding", "told_whom", {"max_length": 200})}


def authority_expected(raw: str) -> tuple[str, str | None]:
    """A placing authority's name: cleaned, and refused if it holds an e-mail address or digits (a phone number)."""
    kind, value = expected(raw, **RECORD_TEXT["placing_authority"])
    if kind == "stored" and ("@" in value or any(ch.isdigit() for ch in value)):
        return "refused", None
    return kind, value


def reference_expected(raw: str, field: str) -> tuple[str, str | None]:
    kind, value = expected(raw, **{k: v for k, v in RECORD_TEXT[field].items() if k != "required"})
    if kind == "refused":
        return kind, None
    if not value:
        return ("refused", None) if RECORD_TEXT[field].get("required") else ("stored", None)
    return ("stored", value) if feedback._REFERENCE.match(value) else ("refused", None)


@pytest.mark.parametrize("name", NAMES)
def test_every_free_text_field_of_every_form_refuses_or_stores_the_string_cleaned(db, everyone, home, name):
    raw = CORPUS[name]
    bank = questions.current(db)
    slots = text_slots(bank)

    def save_and_correct(form_name, base, entry, *, reuse=None):
        """Record the entry, then correct a valid entry to it: (how, outcome, the entry as stored or None) for each.
        The corrected entry is `reuse` if given (an entry already saved from `base`), else a new one."""
        result = outcome(lambda: feedback.record(db, everyone, form_name, entry, today=TODAY, bank=bank))
        yield "record", result, (feedback.get(db, everyone, result[1]) if result[0] == "stored" else None)
        rid = reuse or feedback.record(db, everyone, form_name, base, today=TODAY, bank=bank)
        result = outcome(lambda: feedback.update(db, everyone, rid, entry, today=TODAY))
        yield "update", result, (feedback.get(db, everyone, rid) if result[0] == "stored" else None)

    saved = {}
    for form_name, context, items in slots:
        form = bank.forms[form_name]
        base = base_entry(form, context, home)
        if form_name not in saved:  # one saved entry per form, to correct the record-level fields on
            saved[form_name] = base, feedback.record(db, everyone, form_name, base, today=TODAY, bank=bank)
        where = f"{form_name} {context}"
        # The free-text questions: all share one rule (multi-line, up to MAX_COMMENT), so one entry holds them all.
        entry = {**base, "comments": {**base["comments"], **{i.id: {"text": raw, "consent": True} for i in items}}}
        kind, cleaned = expected(raw, max_length=feedback.MAX_COMMENT, multiline=True)
        if kind == "stored" and not cleaned and any(i.required for i in items):
            kind = "refused"
        for how, result, row in save_and_correct(form_name, base, entry):
            assert_outcome(result, (kind, cleaned), f"{how} {where} comments")
            if row is not None:
                for item in items:
                    stored = row["comments"].get(item.id)
                    assert (stored or {}).get("text") == (cleaned or None), f"{how} {where} {item.id}"
                    assert_inert_value((stored or {}).get("text"), f"{how} {where} {item.id}")
    for form_name, (base, rid) in saved.items():
        form = bank.forms[form_name]
        for field in (f for f in RECORD_TEXT if f in form.fields):
            wanted = (reference_expected(raw, field) if field in REFERENCES
                      else authority_expected(raw) if field == "placing_authority"
                      else expected(raw, **RECORD_TEXT[field]))
            for how, result, row in save_and_correct(form_name, base, {**base, field: raw}, reuse=rid):
                assert_outcome(result, wanted, f"{how} {form_name} {field}")
                if row is not None:
                    assert row[field] == wanted[1], f"{how} {form_name} {field}"
                    assert_inert_value(row[field], f"{how} {form_name} {field}")
        for field, (tick, column, rules) in FOLLOW_UP_TEXT.items():
            wanted = expected(raw, **rules)
            for how, result, row in save_and_correct(form_name, base, {**base, tick: True, field: raw}):
                assert_outcome(result, wanted, f"{how} {form_name} {field}")
                if row is not None:
                    stored = next(f[column] for f in row["follow_ups"] if f["kind"] == tick)
                    assert stored == (wanted[1] or None), f"{how} {form_name} {field}"
                    assert_inert_value(stored, f"{how} {form_name} {field}")


# ---- 2. The carer register import -------------------------------------------------------------------

HEADER = ["reference", "name", "cohort", "team", "supervising social worker", "approval date", "status"]


def register_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    # A lone surrogate cannot be UTF-8: written as the bytes a broken exporter would write.
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def register_rows(raw: str) -> dict[str, list[str]]:
    """One row per column with the hostile string in that column, the rest valid."""
    def row(n, **cells):
        values = {"reference": f"HX{n:05d}", "name": f"Household {n}", "cohort": "mainstream", "team": "",
                  "supervising social worker": "", "approval date": "", "status": "active", **cells}
        return [values[h] for h in HEADER]

    return {"name": row(1, name=raw), "reference": row(2, reference=raw), "team": row(3, team=raw),
            "supervising social worker": row(4, **{"supervising social worker": raw}), "cohort": row(5, cohort=raw),
            "status": row(6, status=raw), "approval date": row(7, **{"approval date": raw})}


COLUMN_RULES = {"name": ("display_name", {"max_length": 120, "required": True}),
                "reference": ("reference", {"max_length": 40, "required": True}),
                "team": ("team", {"max_length": 60}),
                "supervising social worker": ("social_worker_name", {"max_length": 80})}


def check_register(db, qa, raw: str) -> None:
    """A register file with the string in each column: the preview refuses the row (or the file) with a reason, or
    keeps the cell cleaned; the import stores the good rows as previewed and refuses a file with bad ones."""
    rows = register_rows(raw)
    kind, plan = outcome(lambda: register.plan(db, register_file(list(rows.values())), today=TODAY))
    if kind == "refused":  # the whole file: too large a cell, not text
        assert_clear(plan)
        return
    errors = {e.line: e for e in plan.errors}
    for error in plan.errors:
        assert error.reason and len(error.reason) <= 300 and not _UNSHOWABLE.search(error.reason), error
        assert len(error.reference) <= 41 and not _UNSHOWABLE.search(error.reference), error
    accepted = {r["reference"]: r for r in plan.rows}
    # A lone surrogate makes the file not UTF-8, so it is read as Windows-1252 (mojibake, but inert text).
    exact = not re.search(r"[\ud800-\udfff]", raw)
    for line, (column, cells) in enumerate(rows.items(), start=2):
        if not exact:
            continue
        if column in COLUMN_RULES:
            key, rules = COLUMN_RULES[column]
            wanted_kind, wanted = expected(raw, **rules)
            got = "refused" if line in errors else "stored"
            assert got == wanted_kind, f"{column}: {got}, expected {wanted_kind}"
            if got == "stored":
                row = accepted[wanted if column == "reference" else cells[0]]
                assert row[key] == (wanted or None), column
        elif line not in errors:  # cohort, status and approval date take only their own words
            row = accepted[cells[0]]
            assert row["cohort"] in register.COHORTS and row["status"] in ("active", "inactive")
            assert row["approval_on"] is None
    good = [cells for line, cells in enumerate(rows.values(), start=2) if line not in errors]
    if good:
        done = register.import_csv(db, qa, register_file(good), today=TODAY)
        stored = {h["reference"]: h for h in register.households(db, qa, status=None)}
        assert {r["reference"] for r in done.rows} <= set(stored)
        for household in stored.values():
            for value in (household["reference"], household["display_name"], household["team"],
                          household["social_worker"]):
                assert_inert_value(value, "register")
    if plan.errors:  # the whole file, errors and all: nothing is imported, and the message says why
        kind, message = outcome(lambda: register.import_csv(db, qa, register_file(list(rows.values())), today=TODAY))
        assert kind == "refused"
        assert_clear(message)


_rng = random.Random(7)
_TEMPLATE = register.TEMPLATE.encode()
# Whole files: (bytes, what should happen): the start of the refusal, or the number of households previewed.
HOSTILE_FILES = {
    "empty": (b"", "The file is empty."),
    "bom-only": (b"\xef\xbb\xbf", "The file is empty."),
    "blank-lines": (b"\r\n\r\n\n", "The file has no 'reference'"),
    "header-only": (b"reference,name,cohort\r\n", "The file has a header but no households."),
    "binary-junk": (_rng.randbytes(4096), "The file is not readable text"),
    "png-image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _rng.randbytes(2000), "The file is not readable text"),
    "excel-workbook": (b"PK\x03\x04\x14\x00\x06\x00" + _rng.randbytes(2000), "The file is not readable text"),
    "utf-16": (register.TEMPLATE.encode("utf-16"), "The file is not readable text"),
    "utf-8-bom": (b"\xef\xbb\xbf" + _TEMPLATE, 2),
    "cp1252": ("reference,name,cohort\r\nLL1,Café Owen – “Ty Nant”,mainstream\r\n".encode("cp1252"), 1),
    "undecodable": (b"reference,name,cohort\r\nLL1,\x81\x8d\x8f\x90\x9d,mainstream\r\n",
                    "The file is not readable text"),
    "nul-bytes": (_TEMPLATE.replace(b"Example", b"Exa\x00mple"), 2),
    "only-cr-line-ends": (_TEMPLATE.replace(b"\n", b"\r"), 2),
    "unterminated-quote": (b'reference,name,cohort\r\nLL1,"Never closed,mainstream\r\nLL2,Two,kinship\r\n', 0),
    "cell-over-the-csv-limit": (b"reference,name,cohort\r\nLL1," + b"x" * 200_000 + b",mainstream\r\n",
                                "The file is not valid CSV near line 2"),
    "over-five-megabytes": (b"reference,name,cohort\r\n" + b"LL1,Name,mainstream\r\n" * 300_000,
                            "The file is larger than 5 MB"),
    "too-many-rows": (b"reference,name,cohort\r\n" + b"".join(b"R%06d,Name %d,kinship\r\n" % (n, n)
                                                              for n in range(20_001)),
                      "The file has more than 20,000 households"),
    "ten-thousand-columns": ((",".join(["reference", "name", "cohort"] + [f"c{n}" for n in range(10_000)]) + "\r\n"
                              + ",".join(["LL1", "Name", "mainstream"] + ["=1+1"] * 10_000) + "\r\n").encode(), 1),
    "ragged-rows": (b"reference,name,cohort,team\r\nLL1\r\nLL2,Two,kinship,A,B,C,D,E\r\nLL3,,,\r\n", 1),
    "formula-header": (b"=cmd|' /C calc'!A0,name,cohort\r\nLL1,One,mainstream\r\n", "The file has no 'reference'"),
    "duplicate-references": (b"reference,name,cohort\r\nLL1,One,mainstream\r\nll1,Two,kinship\r\n", 1),
    "html-page": (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "The file has no 'reference'"),
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_a_hostile_register_file_is_refused_with_a_clear_message_or_previewed(db, everyone, name):
    data, wanted = HOSTILE_FILES[name]
    kind, plan = outcome(lambda: register.plan(db, data, today=TODAY))
    if isinstance(wanted, str):
        assert kind == "refused" and plan.startswith(wanted), plan
        assert_clear(plan)
        return
    assert kind == "stored" and len(plan.rows) == wanted, plan
    for error in plan.errors:
        assert error.reason and len(error.reason) <= 300 and not _UNSHOWABLE.search(error.reason), error
    kind, done = outcome(lambda: register.import_csv(db, everyone, data, today=TODAY))
    assert kind == ("stored" if plan.ok else "refused"), done
    if kind == "refused":
        assert_clear(done)
    for household in register.households(db, everyone, status=None):
        assert_inert_value(household["display_name"], name)


# ---- 3. The complaints log and "You said, we did" ---------------------------------------------------


LOG_TEXT = {"summary": {"max_length": 5000, "required": True, "multiline": True},
            "learning": {"max_length": 5000, "multiline": True},
            "action_taken": {"max_length": 5000, "multiline": True}}


def check_log(db, everyone, raw: str) -> None:
    """Each text field of the log, logged new and changed on an existing entry."""
    base = {"kind": "complaint", "from_who": "foster_carer", "received_on": TODAY - dt.timedelta(days=20),
            "summary": "The allowance was late.", "consent_to_quote": True}
    for field, rules in LOG_TEXT.items():
        wanted = expected(raw, **rules)
        entry = {**base, field: raw}
        result = outcome(lambda: representations.record(db, everyone, entry, today=TODAY))
        assert_outcome(result, wanted, f"record {field}")
        if result[0] == "stored":
            assert representations.get(db, everyone, result[1])[field] == (wanted[1] or None), field
        rid = representations.record(db, everyone, base, today=TODAY)
        result = outcome(lambda: representations.update(db, everyone, rid, entry, today=TODAY))
        assert_outcome(result, wanted, f"update {field}")
        stored = representations.get(db, everyone, rid)[field]
        assert stored == ((wanted[1] or None) if result[0] == "stored" else base.get(field)), field
        assert_inert_value(stored, field)


ACTION_TEXT = {"said": {"max_length": 2000, "required": True, "multiline": True},
               "will_do": {"max_length": 2000, "required": True, "multiline": True},
               "did": {"max_length": 2000, "multiline": True},
               "impact": {"max_length": 2000, "multiline": True},
               "dropped_reason": {"max_length": 1000, "required": True, "multiline": True}}


def check_actions(db, everyone, raw: str) -> None:
    """Each text field of a "You said, we did" action (and the owner, which must come from the list)."""
    base = {"said": "Carers want evening training.", "will_do": "Run two evening sessions.",
            "owner": actions.OWNERS[0], "theme_ids": ["T01"], "from_quarter": Q3, "status": "planned"}
    for field, rules in {**ACTION_TEXT, "owner": {"max_length": 80, "required": True}}.items():
        wanted = expected(raw, **rules)
        if field == "owner" and wanted[1] not in actions.OWNERS:
            wanted = ("refused", None)  # a role or team from the list, never a typed name
        entry = {**base, field: raw, "status": "dropped" if field == "dropped_reason" else "planned"}
        result = outcome(lambda: actions.record(db, everyone, entry, today=TODAY))
        assert_outcome(result, wanted, f"record {field}")
        action_id = actions.record(db, everyone, base, today=TODAY)
        result = outcome(lambda: actions.update(db, everyone, action_id, entry, today=TODAY))
        assert_outcome(result, wanted, f"update {field}")
        stored = next(a for a in actions.listing(db, everyone) if a["id"] == action_id)[field]
        assert stored == ((wanted[1] or None) if result[0] == "stored" else base.get(field)), field
        assert_inert_value(stored, field)


# ---- 4. The codebook, and coding hostile comments ----------------------------------------------------


def check_codebook(db, qa, raw: str) -> None:
    """A theme added and an existing one changed with the string as name, definition or trigger; then comments
    are coded with whatever the codebook accepted."""
    good = {"name": "Evening training", "definition": "Training at times carers can make.",
            "triggers": ["evening training"], "applies_to": ["CM", "CK"], "usually": "either"}

    def name_wanted(theme_id):
        kind, cleaned = expected(raw, max_length=80, required=True)
        others = {t["name"].lower() for t in codebook.theme_list(db) if t["id"] != theme_id}
        return ("refused", None) if cleaned and cleaned.lower() in others else (kind, cleaned)

    trigger = text.clean(raw, field="A trigger phrase", max_length=10**7)
    trigger_wanted = ("stored", [trigger]) if trigger and len(trigger) <= 80 and matching.words(trigger) else \
        ("refused", None)
    cases = {"name": (name_wanted, {"name": raw}),
             "definition": (expected(raw, max_length=300), {"definition": raw}),
             "trigger": (trigger_wanted, {"triggers": [raw]}),
             "triggers typed as lines": (None, {"triggers": raw.splitlines()})}
    for what, (wanting, change) in cases.items():
        for theme_id in (None, "T01"):
            wanted = wanting
            values = {**good, "name": f"{good['name']} {what} {theme_id}", **change}
            if callable(wanted):
                wanted = wanted(theme_id)
            result = outcome(lambda: codebook.save_theme(db, qa, theme_id, **values))
            if wanted is not None:
                assert_outcome(result, wanted, f"{what} of theme {theme_id}")
            elif result[0] == "refused":
                assert_clear(result[1])
            if result[0] == "stored":
                row = next(t for t in codebook.theme_list(db) if t["id"] == result[1])
                column = {"trigger": "triggers", "triggers typed as lines": "triggers"}.get(what, what)
                if wanted is not None:
                    assert row[column] == wanted[1], what
                for value in [row["name"], row["definition"], *row["triggers"]]:
                    assert_inert_value(value, what)
    # The codebook now holds whatever hostile triggers were accepted: coding must still work with it.
    _, matcher = codebook.matcher(db)
    if len(raw) > 20_000:
        return  # no comment that long is ever stored, so none is ever coded (see the coding test for raw strings)
    for comment in (raw, f"The {raw} visits were brilliant, but never on time."):
        coded = matching.code(comment, matcher, matching.audience("carer", "mainstream"))
        assert -1 <= coded.sentiment <= 1 and math.isfinite(coded.sentiment)
        assert all(-1 <= m.sentiment <= 1 for m in coded.mentions.values())


def test_coding_and_emerging_themes_take_every_hostile_comment_without_crashing():
    matcher = matching.Matcher(codebook.default_themes())
    for name, raw in CORPUS.items():
        for audience in (None, matching.audience("carer", "kinship"), matching.audience("child")):
            coded = matching.code(raw, matcher, audience)
            assert math.isfinite(coded.sentiment) and -1 <= coded.sentiment <= 1, name
    found, note = emerging.candidates([(n, raw) for n, raw in enumerate(CORPUS.values())])
    assert found or note


# ---- 5. Report narrative and quote redaction -------------------------------------------------------


def check_report_text(db, everyone, home, raw: str) -> None:
    """Report commentary and a chosen quote; redaction of the string (as a quote and as a name) and of a comment
    offered as a quote never fails and is idempotent."""
    bank = questions.current(db)
    entry = base_entry(bank.forms["carer"], {"respondent": "carer", "age_band": None, "cohort": "mainstream"}, home)
    entry["comments"] = {"CAR_WELL": {"text": raw, "consent": True}, "CAR_ELSE": {"text": "Fine.", "consent": True}}
    if outcome(lambda: feedback.record(db, everyone, "carer", entry, today=TODAY, bank=bank))[0] == "refused":
        entry["comments"] = {"CAR_ELSE": {"text": "Fine.", "consent": True}}
        feedback.record(db, everyone, "carer", entry, today=TODAY, bank=bank)
    comment_id = db.execute("select max(id) from comments").fetchone()[0]

    wanted = expected(raw, max_length=20_000, multiline=True)
    result = outcome(lambda: drafts.save_draft(db, everyone, Q3, narrative={"carers": raw}))
    assert_outcome(result, wanted, "commentary")
    if result[0] == "stored":
        assert drafts.draft(db, everyone, Q3)["narrative"].get("carers", "") == wanted[1]
    wanted = expected(raw, max_length=2_000, required=True, multiline=True)
    result = outcome(lambda: drafts.save_draft(db, everyone, Q3, quotes={"carers": [{"comment_id": comment_id,
                                                                                      "text": raw}]}))
    assert_outcome(result, wanted, "quote")
    if result[0] == "stored":
        assert drafts.draft(db, everyone, Q3)["quotes"]["carers"][0]["text"] == wanted[1]

    if len(raw) > 20_000:
        return  # longer than any stored text: nothing that long reaches redaction
    names = redaction.name_terms([raw, "Jo Bloggs", f"{raw} Smith"])
    for names_given in ((), names, ["Jo Bloggs", raw]):
        once = redaction.redact(raw, names=names_given)
        assert redaction.redact(once.text, names=names_given).text == once.text
    for candidate in drafts.quote_candidates(db, everyone, Q3, "carers"):  # the comment, offered already redacted
        suggested = candidate["suggested"]
        assert redaction.redact(suggested, names=sections.redaction_names(db)).text == suggested


# One test per string for surfaces 2 to 5, on one database: a database for each would cost most of the run.
@pytest.mark.parametrize("name", NAMES)
def test_the_log_actions_codebook_report_text_and_register_refuse_or_store_the_string_cleaned(db, everyone, home,
                                                                                              name):
    raw = CORPUS[name]
    check_log(db, everyone, raw)
    check_actions(db, everyone, raw)
    check_codebook(db, everyone, raw)
    check_report_text(db, everyone, home, raw)
    check_register(db, everyone, raw)


# ---- 6. Every export: PDF, Excel and CSV -----------------------------------------------------------


def fits(raw: str, limit: int, *, multiline: bool = True) -> str | None:
    """The cleaned text if a field with this limit would store it (and it is not empty), else None."""
    kind, cleaned = expected(raw, max_length=limit, multiline=multiline)
    return cleaned if kind == "stored" and cleaned else None


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory, module_hashing):
    """One published report with every corpus string that fits somewhere in it: as consented quotes, section
    commentary, theme names, direct-work titles, complaint learning and "You said, we did" actions."""
    database = store.connect(tmp_path_factory.mktemp("hostile") / "report.db")
    person = add_user(database, "bso", "social_worker", "manager", "qa", username="reporter")
    approver = add_user(database, "registered_manager", username="signer")  # approves the report before it goes
    from tests.fixtures import add_household

    home = add_household(database, "LL200001")
    bank = questions.current(database)
    codebook.ensure(database)
    # Theme names: as many hostile names as the codebook takes (unique, up to 80 characters).
    theme_names, taken = {}, {t["name"].lower() for t in codebook.theme_list(database)}
    rows = [t for t in codebook.theme_list(database) if t["status"] == "active"]
    for name, raw in CORPUS.items():
        cleaned = fits(raw, 80, multiline=False)
        if cleaned and cleaned.lower() not in taken and len(theme_names) < len(rows):
            theme = rows[len(theme_names)]
            codebook.save_theme(database, person, theme["id"], name=raw, definition=theme["definition"],
                              triggers=theme["triggers"], applies_to=theme["applies_to"], usually=theme["usually"])
            theme_names[name] = cleaned
            taken.add(cleaned.lower())
    # Comments: every string a comment takes, consented, with a trigger of each theme so the theme tables fill up.
    triggers = [t["triggers"][0].strip('!"') for t in rows]
    entry = base_entry(bank.forms["carer"], {"respondent": "carer", "age_band": None, "cohort": "mainstream"}, home)
    quotes = []
    for number, (name, raw) in enumerate(CORPUS.items()):
        comment = fits(raw, 2_000)
        if comment is None:
            continue
        day = IN_Q3 + dt.timedelta(days=number % 30)
        rid = feedback.record(database, person, "carer", {**entry, "contact_on": day, "comments": {
            "CAR_WELL": {"text": raw, "consent": True},
            "CAR_ELSE": {"text": f"The {triggers[number % len(triggers)]} was good.", "consent": False}}},
            today=TODAY)
        comment_id = database.execute("select id from comments where response_id = :r and item_id = 'CAR_WELL'",
                                      {"r": rid}).fetchone()[0]
        quotes.append({"comment_id": comment_id, "text": raw, "name": name})
    # Commentary: every string that fits, packed into the sections' commentary boxes.
    narrative, shown_in_narrative = {key: [] for key in sections.SECTIONS}, {}
    keys = list(sections.SECTIONS)
    for name, raw in CORPUS.items():
        cleaned = fits(raw, 20_000)
        if cleaned is None:
            continue
        for key in keys:
            if len("\n\n".join([*narrative[key], cleaned])) <= 20_000:
                narrative[key].append(cleaned)
                shown_in_narrative[name] = (key, cleaned)
                break
    drafts.save_draft(database, person, Q3, narrative={k: "\n\n".join(v) for k, v in narrative.items()},
                      quotes={"carers": [{"comment_id": q["comment_id"], "text": q["text"]} for q in quotes]})
    # Direct work titles, complaint learning and actions: shown in the report's tables.
    direct = base_entry(bank.forms["direct_work"], {"respondent": "carer", "age_band": None, "cohort": "mainstream"},
                        home)
    titles = [raw for raw in CORPUS.values() if fits(raw, 120, multiline=False)]
    for raw in titles:
        feedback.record(database, person, "direct_work", {**direct, "title": raw}, today=TODAY)
    names = sections.redaction_names(database)
    titles = [redaction.redact(fits(raw, 120, multiline=False), names=names).text for raw in titles]
    # The report shows the first five lessons: the longest, to test rows taller than a page.
    learning = sorted((raw for raw in CORPUS.values() if fits(raw, 5000)), key=lambda raw: -len(fits(raw, 5000)))
    for number, raw in enumerate(learning[:12]):
        representations.record(database, person, {
            "kind": "complaint", "from_who": "kinship_carer", "received_on": IN_Q3 + dt.timedelta(days=number),
            "summary": raw, "learning": raw, "action_taken": raw}, today=TODAY)
    said = [raw for raw in CORPUS.values() if fits(raw, 2000)]
    for number, raw in enumerate(said):
        # The report shows what was said and what was done; one of them carries the string (the same table cells).
        actions.record(database, person, {"said": raw, "will_do": "Reply.", "did": "Replied.", "impact": raw,
                                          "owner": actions.OWNERS[number % len(actions.OWNERS)], "theme_ids": ["T02"],
                                          "from_quarter": Q3, "status": "planned"}, today=IN_Q3)
    published = publish_approved(database, person, Q3, today=TODAY, approver=approver,
                                 now=dt.datetime(2026, 2, 15, 9, 0, tzinfo=dt.timezone.utc))
    pdf = publishing.download(database, person, Q3, published["version"], "pdf")
    xlsx = publishing.download(database, person, Q3, published["version"], "xlsx")
    database.close()
    return {"pdf": pdf, "xlsx": xlsx, "warnings": published["warnings"], "quotes": quotes,
            "narrative": shown_in_narrative, "theme_names": theme_names, "titles": titles}


def plain(value: str) -> str:
    """Text without whitespace (the PDF wraps lines where it likes) or invisible format characters."""
    return "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Cf")


def extractable(value: str) -> bool:
    """Text pypdf gives back as typed: left-to-right letters every vendored font draws, without combining marks or
    invisible characters (shaped scripts, marks and □ come back in another order or form)."""
    covered = report_pdf.covered_code_points()
    return all(ord(ch) in covered and unicodedata.category(ch)[0] not in "MC"
               and unicodedata.bidirectional(ch) not in ("R", "AL", "AN", "NSM") and ord(ch) < 0x2e80
               for ch in value if not ch.isspace())


def test_the_pdf_with_every_hostile_string_builds_and_shows_each_one_or_warns_about_it(hostile_report):
    data = hostile_report["pdf"]
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    extracted = plain("".join(page.extract_text() or "" for page in reader.pages))
    assert len(reader.pages) > 3
    covered = report_pdf.covered_code_points()
    warnings = " ".join(hostile_report["warnings"])
    checked = 0
    for name, (section, cleaned) in hostile_report["narrative"].items():
        missing = {ch for ch in cleaned if ord(ch) not in covered and ch != "\n"
                   and ord(ch) not in report_pdf.INVISIBLE and unicodedata.category(ch) != "Cc"}
        if missing:
            where = f'Narrative in "{sections.SECTIONS[section]}"'
            assert report_pdf.BOX in extracted and where in warnings and "shown as □" in warnings, name
        elif extractable(cleaned) and len(cleaned) <= 500 and cleaned.count("\n") < 20:  # no page break inside
            assert plain(cleaned) in extracted, f"{name}: {cleaned[:80]!r} is not in the PDF"
            checked += 1
    assert checked >= 40
    assert "is too long for one page" in warnings  # a lesson of 800 lines, cut short in its table row
    for quote in hostile_report["quotes"]:
        cleaned = text.clean(quote["text"], field="q", max_length=2000, multiline=True)
        if extractable(cleaned) and len(cleaned) <= 500 and cleaned.count("\n") < 20:
            # As a quote at least; its copy in the commentary is redacted like all staff text (a neighbouring
            # string can make it look like an e-mail or a phone number), so it may read differently there.
            assert extracted.count(plain(cleaned)) >= 1, quote["name"]
    for name, cleaned in hostile_report["theme_names"].items():
        if extractable(cleaned):
            assert plain(cleaned) in extracted, name


def as_in_xml(value: str) -> str:
    """U+FFFE and U+FFFF cannot be in XML at all: the workbook holds the replacement character instead."""
    return re.sub("[\ufffe\uffff]", "\ufffd", value)


def test_the_workbook_with_every_hostile_string_holds_no_live_formula(hostile_report):
    book = load_workbook(io.BytesIO(hostile_report["xlsx"]))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    values.append(cell.value)
    assert not [v for v in values if v.startswith(FORMULA_START)]  # each carries a leading ', as the CSVs do
    assert any(v.startswith("'=HYPERLINK(") for v in values) and any(v.startswith("'=cmd|") for v in values)
    everything = "\n".join(values)
    for quote in hostile_report["quotes"]:
        cleaned = text.clean(quote["text"], field="q", max_length=2000, multiline=True)
        assert as_in_xml(cleaned) in everything, quote["name"]
    rows = list(book["Direct work"].iter_rows(values_only=True))
    header = rows.index(("Month", "Work", "With"))
    shown = [row[1] for row in rows[header + 1:] if row[1] is not None]
    titles = {text.spreadsheet_safe(as_in_xml(title)) for title in hostile_report["titles"]}  # redacted, prefixed
    assert len(shown) >= min(20, len(titles)) and set(shown) <= titles, set(shown) - titles


def test_the_compliance_csv_neutralises_every_hostile_bso_name(db, qa):
    accepted = {}
    for number, (name, raw) in enumerate(CORPUS.items()):
        kind, result = outcome(lambda: accounts.create_user(db, qa, username=f"bso{number}", display_name=raw,
                                                            roles=["bso"], password="correct horse battery"))
        if kind == "refused":
            assert_clear(result)
        else:
            accepted[name] = text.clean(raw, field="Full name", max_length=80)
    assert len(accepted) >= 60
    today = dt.date.today()  # the BSOs were created today, so this month is their first
    rows = compliance.table(db, qa, first=today.replace(day=1), last=today, today=today)
    data = compliance.as_csv(rows)
    cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert cells[0][0] == "BSO" and len(cells) == 1 + len(accepted) + 1  # and the template's all-roles person
    for row in cells:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    names = {row[0] for row in cells[1:]}
    for name, cleaned in accepted.items():
        assert cleaned in names or "'" + cleaned in names, name
    assert "'=cmd|' /C calc'!A0" in names and "'=2+5" in names


# ---- 7. Pages show stored hostile text inert -------------------------------------------------------


def app_today() -> dt.date:
    """The app's today (the pages filter on it), not the fixed TODAY of the lib tests."""

    return session.today()


MARKUP = {"markdown-image": "![tracker](https://evil.example/pixel.png?c=1)",
          "html-script": "<script>alert('xss')</script>",
          "markdown-link": "[click me](https://evil.example) <https://evil.example/auto> https://bare.example",
          "html-img-onerror": "<img src=x onerror=alert(1)>",
          "streamlit-directives": ":red[alert] :material/home: :rainbow[x] :smile: $\\LaTeX$ $$x^2$$"}


def test_the_markup_strings_are_in_the_corpus():
    assert all(CORPUS[name] == value for name, value in MARKUP.items())


def markup_shown(at) -> list[str]:
    """Every piece of markdown the page rendered (where user text would become links, images or HTML)."""
    found = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "success", "info", "warning", "error",
                 "toast"):
        found += [str(e.value) for e in getattr(at, kind, [])]
    return found


def assert_inert_page(at, strings) -> None:
    assert no_exceptions(at) == []
    for shown in markup_shown(at):
        for value in strings:
            assert value not in shown, f"user text rendered as markdown: {shown[:200]!r}"
        # Markup that would make an image, a link or HTML: only unescaped (an escaped "\[" or "\<" shows as typed).
        assert not re.search(r"(?<!\\)(<img|<script|<iframe|\]\()", shown), shown[:200]


def test_hostile_comments_show_as_literal_text_on_the_entries_page(demo_db, app):
    bso = user(demo_db, "bso")
    home = demo_db.execute("select id from households where status = 'active' and cohort = 'mainstream' "
                           "order by id limit 1").fetchone()[0]
    comments = {"CAR_WELL": MARKUP["markdown-image"], "CAR_BETTER": MARKUP["html-script"],
                "CAR_ELSE": MARKUP["markdown-link"] + "\n" + MARKUP["html-img-onerror"]}
    rid = feedback.record(demo_db, bso, "carer", {
        "household_id": home, "contact_on": app_today(), "method": "phone", "outcome": "completed",
        "answers": {"CAR01": "4", "CAR18": "yes"},
        "comments": {k: {"text": v, "consent": True} for k, v in comments.items()},
        "callback": True, "callback_note": MARKUP["streamlit-directives"]}, today=app_today())
    at = open_form(app, demo_db, "qa", "app_pages/capture/entries.py")
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    assert_inert_page(at, comments.values())
    shown_as_text = [t.value for t in at.text]
    for value in comments.values():
        assert value in shown_as_text
    assert [t.value for t in at.text_area if t.key and t.key.endswith("CAR_WELL")] == [MARKUP["markdown-image"]]


def test_hostile_text_on_the_placing_authority_page_is_refused_or_saved_as_typed_and_shown_literally(demo_db, app):
    form = questions.PLACING_AUTHORITY
    at = open_form(app, demo_db, "manager", "app_pages/capture/placing_authority_feedback.py")
    home = demo_db.execute("select id from households where status = 'active' order by id limit 1").fetchone()[0]
    at.selectbox(key=f"{form}_0_household").set_value(home).run()
    at.radio(key=f"{form}_0_professional_role").set_value("social_worker")
    at.radio(key=f"{form}_0_PLA01").set_value("3")
    comments = {"PLA_WELL": MARKUP["markdown-link"], "PLA_BETTER": MARKUP["html-img-onerror"] + "\n" + CORPUS["rlo-wrapped"]}
    for item_id, body in comments.items():
        at.text_area(key=f"{form}_0_{item_id}").input(body)
    before = demo_db.execute("select count(*) from responses").fetchone()[0]
    # An image link carries digits, as a phone number would: the authority's name refuses it, and says so plainly.
    at.text_input(key=f"{form}_0_placing_authority").input(MARKUP["markdown-image"])
    at.button(key=f"save_{form}_0").click().run()
    assert_inert_page(at, [MARKUP["markdown-image"], *comments.values()])
    assert_clear(at.error[0].value)
    assert "Placing authority is the authority's name" in at.error[0].value
    assert demo_db.execute("select count(*) from responses").fetchone()[0] == before
    authority = MARKUP["html-script"] + " " + CORPUS["rlo-filename"]  # no digits: a name the field keeps
    at.text_input(key=f"{form}_0_placing_authority").input(authority)
    at.button(key=f"save_{form}_0").click().run()
    assert_inert_page(at, [authority, *comments.values()])
    rid = demo_db.execute("select max(id) from responses").fetchone()[0]
    row = feedback.get(demo_db, user(demo_db, "manager"), rid)
    assert row["placing_authority"] == text.clean(authority, field="Placing authority")
    assert {k: v["text"] for k, v in row["comments"].items()} == {
        k: text.clean(v, field="Comment", multiline=True) for k, v in comments.items()}
    at = open_form(app, demo_db, "qa", "app_pages/capture/entries.py")
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    assert_inert_page(at, [row["placing_authority"], *row["comments"]])
    facts = dict(zip(at.dataframe[1].value["Field"], at.dataframe[1].value["Value"]))
    assert facts["Placing authority"] == row["placing_authority"]
    shown_as_text = [t.value for t in at.text]
    assert all(c["text"] in shown_as_text for c in row["comments"].values())
    assert [t.value for t in at.text_input if t.key and t.key.endswith("_placing_authority")] == [row["placing_authority"]]


def test_a_hostile_complaint_summary_shows_as_literal_text_in_the_log_and_its_form(demo_db, app):
    manager = user(demo_db, "manager")
    summary = MARKUP["markdown-image"] + " " + MARKUP["html-script"]
    rid = representations.record(demo_db, manager, {
        "kind": "complaint", "from_who": "foster_carer", "received_on": app_today() - dt.timedelta(days=3),
        "summary": summary, "learning": MARKUP["markdown-link"]}, today=app_today())
    at = open_form(app, demo_db, "manager", "app_pages/log/complaints.py")
    assert summary in list(at.dataframe[0].value["Summary"])
    assert_inert_page(at, [summary])
    at.session_state["rep_view"] = "Log"
    at.run()
    assert summary in list(at.dataframe[0].value["Summary"])
    next(s for s in at.selectbox if s.label == "Open entry").set_value(rid).run()
    assert_inert_page(at, [summary, MARKUP["markdown-link"]])
    assert at.text_area(key=f"rep_{rid}_0_summary").value == summary
    assert at.text_area(key=f"rep_{rid}_0_learning").value == MARKUP["markdown-link"]


def test_a_hostile_action_and_theme_name_show_as_literal_text_on_their_pages(demo_db, app):
    qa_user = user(demo_db, "qa")
    codebook.save_theme(demo_db, qa_user, "T01", name=MARKUP["html-img-onerror"], definition=MARKUP["markdown-image"],
                      triggers=["visit"], applies_to=["CM", "CK"], usually="either")
    actions.record(demo_db, qa_user, {"said": MARKUP["markdown-image"], "will_do": MARKUP["html-script"],
                                      "owner": actions.OWNERS[0], "theme_ids": ["T01"], "from_quarter": Q3},
                   today=app_today())
    at = open_form(app, demo_db, "qa", "app_pages/log/actions.py")
    frame = at.dataframe[0].value
    assert MARKUP["markdown-image"] in list(frame["You said"])
    assert MARKUP["html-script"] in list(frame["We will / we did"])
    assert MARKUP["html-img-onerror"] in " ".join(frame["Themes"])
    assert_inert_page(at, MARKUP.values())
    at = open_form(app, demo_db, "qa", "app_pages/themes/codebook.py")
    frame = at.dataframe[0].value
    assert MARKUP["html-img-onerror"] in list(frame["Theme"]) and MARKUP["markdown-image"] in list(frame["Definition"])
    assert_inert_page(at, MARKUP.values())


def test_hostile_comments_in_the_review_queue_show_as_literal_text(demo_db, app):
    bso = user(demo_db, "bso")
    home = demo_db.execute("select id from households where status = 'active' order by id limit 1").fetchone()[0]
    body = MARKUP["markdown-image"] + " The visits were great. " + MARKUP["html-script"]
    feedback.record(demo_db, bso, "carer", {
        "household_id": home, "contact_on": app_today(), "method": "phone", "outcome": "completed",
        "answers": {"CAR01": "4", "CAR18": "yes"}, "comments": {"CAR_WELL": {"text": body, "consent": True}}},
        today=app_today())
    at = open_form(app, demo_db, "manager", "app_pages/themes/theme_review.py")
    assert body in [t.value for t in at.text]
    assert_inert_page(at, [body])


def test_a_hostile_display_name_is_escaped_on_the_home_page(demo_db, app):
    qa_user = user(demo_db, "qa")
    person = accounts.create_user(demo_db, qa_user, username="hostile.name", display_name=MARKUP["markdown-image"],
                                  roles=["bso"], password="correct horse battery")
    at = app(accounts.load(demo_db, person))
    assert_inert_page(at, [MARKUP["markdown-image"]])
    assert any(text.escape_markdown(MARKUP["markdown-image"]) in shown for shown in markup_shown(at))


# ---- 8. Case-file audits, targeted audits, KPI measures and the figure imports ----------------------
# A second template for the surfaces added with the audit programme and the KPIs: two teams and their
# households, three managers, QA, two senior managers and an advanced practitioner (tests/test_audits.py),
# and a circulated programme whose four cases stand at the stages each surface needs.

A_TODAY = dt.date(2026, 2, 15)  # in 2025/26 Q4, whose programme circulates on 1 January 2026
A_DAY = dt.date(2026, 1, 12)  # the day the auditors work on
A_Q4 = "2025/26-Q4"
JANUARY = "2026-01"


def memory_copy(path: Path):
    """An in-memory copy of a template database, with the foreign keys store.connect turns on."""
    import sqlite3

    import sqlite_utils

    source, target = sqlite3.connect(path), sqlite3.connect(":memory:", isolation_level=None)
    source.backup(target)
    source.close()
    database = sqlite_utils.Database(target)
    database.execute("PRAGMA foreign_keys = ON")
    return database


def audit_setup(database) -> dict:
    """The audit world with a circulated Q4 programme: case "form" untouched with one action in its plan, case
    "moderate" submitted, case "review" moderated with one action, case "withdraw" untouched."""
    from tests.fixtures import (
        audit_world,
        auditor,
        cases,
        draw,
        full_entry,
        moderation_entry,
    )

    w = audit_world(database)
    rows = cases(database, w, draw(database, w, size=4, seed=1))
    stages = dict(zip(("form", "moderate", "review", "withdraw"), rows))
    w["cases"] = {stage: row["id"] for stage, row in stages.items()}
    w["lead"] = {stage: auditor(w, row) for stage, row in stages.items()}
    due = {"owner": casefile.OWNERS[0], "due_on": "2026-02-01"}
    w["form_action"] = action_plan.add_action(database, w["lead"]["form"], w["cases"]["form"],
                                         {"action": "Update the safer caring plan.", **due}, today=A_DAY)
    w["review_action"] = action_plan.add_action(database, w["lead"]["review"], w["cases"]["review"],
                                           {"action": "Book the annual review.", **due}, today=A_DAY)
    for stage in ("moderate", "review"):
        casefile.save(database, w["lead"][stage], w["cases"][stage], full_entry(), today=A_DAY, submit=True)
    moderation.moderate(database, w["sen"], w["cases"]["review"], moderation_entry(), today=A_TODAY)
    return w


@pytest.fixture(scope="module")
def audit_template(tmp_path_factory, module_hashing):
    path = tmp_path_factory.mktemp("hostile") / "audits.db"
    database = store.connect(path)
    world = audit_setup(database)
    database.close()
    return path, world


@pytest.fixture
def adb(audit_template):
    database = memory_copy(audit_template[0])
    yield database
    database.close()


@pytest.fixture
def aw(audit_template):
    return audit_template[1]


def stored_or_none(wanted: tuple[str, str | None]) -> str | None:
    return wanted[1] or None


def check_audit_form(db, w, raw: str) -> None:
    """The audit form saved in progress with the string as each domain's evidence, each "why not spoken to" and
    the case discussion; then submitted with it as the evidence, which a submitted audit needs."""
    from tests.fixtures import full_entry

    audit_id, lead = w["cases"]["form"], w["lead"]["form"]

    def saved(entry, submit=False):
        result = outcome(lambda: casefile.save(db, lead, audit_id, entry, today=A_DAY, submit=submit))
        return result, casefile.get(db, lead, audit_id, today=A_TODAY)

    evidence = expected(raw, max_length=casefile.MAX_TEXT, multiline=True)
    result, row = saved({"grades": {d: {"grade": "good", "evidence": raw} for d in casefile.GRADED}})
    assert_outcome(result, evidence, "evidence")
    if result[0] == "stored":
        for domain in casefile.GRADED:
            assert row["grades"][domain]["evidence"] == stored_or_none(evidence), domain
            assert_inert_value(row["grades"][domain]["evidence"], f"evidence {domain}")
    for who in casefile.SPOKEN_TO:
        wanted = expected(raw, max_length=1000, multiline=True)
        if wanted == ("stored", ""):
            wanted = ("refused", None)  # not spoken to, and no reason why
        result, row = saved({f"{who}_spoken": False, f"{who}_not_why": raw})
        assert_outcome(result, wanted, f"{who}_not_why")
        if result[0] == "stored":
            assert row[f"{who}_not_why"] == wanted[1] and row[f"{who}_spoken"] == 0, who
            assert_inert_value(row[f"{who}_not_why"], who)
    wanted = expected(raw, max_length=casefile.MAX_TEXT, multiline=True)
    result, row = saved({"ssw_discussion": raw})
    assert_outcome(result, wanted, "case discussion")
    if result[0] == "stored":
        assert row["ssw_discussion"] == stored_or_none(wanted)
        assert_inert_value(row["ssw_discussion"], "case discussion")
    # Submitted: the six domains' evidence is required (the overall grade's is not).
    wanted = expected(raw, max_length=casefile.MAX_TEXT, multiline=True, required=True)
    entry = full_entry(grades={d: {"grade": "good", "evidence": raw} for d in casefile.GRADED})
    result, row = saved(entry, submit=True)
    assert_outcome(result, wanted, "submitted evidence")
    assert bool(row["completed_on"]) == (result[0] == "stored")
    if result[0] == "stored":
        assert {g["evidence"] for g in row["grades"].values()} == {wanted[1]}


def check_action_plan(db, w, raw: str) -> None:
    """An action added and an existing one changed with the string as its wording, or as its owner (which must be
    a role from the list)."""

    audit_id, lead = w["cases"]["form"], w["lead"]["form"]
    base = {"action": "Update the safer caring plan.", "owner": casefile.OWNERS[0], "due_on": "2026-02-01"}
    rules = {"action": {"max_length": 2000, "required": True, "multiline": True},
             "owner": {"max_length": 80, "required": True}}
    for field, rule in rules.items():
        wanted = expected(raw, **rule)
        if field == "owner" and wanted[1] not in casefile.OWNERS:
            wanted = ("refused", None)
        entry = {**base, field: raw}
        result = outcome(lambda: action_plan.add_action(db, lead, audit_id, entry, today=A_DAY))
        assert_outcome(result, wanted, f"add action {field}")
        result = outcome(lambda: action_plan.update_action(db, lead, w["form_action"], entry, today=A_DAY))
        assert_outcome(result, wanted, f"update action {field}")
        stored = next(a for a in casefile.get(db, lead, audit_id, today=A_TODAY)["actions"]
                      if a["id"] == w["form_action"])[field]
        assert stored == (wanted[1] if result[0] == "stored" else base[field]), field
        assert_inert_value(stored, f"action {field}")


def check_moderation_and_review(db, w, raw: str) -> None:
    """Moderation with the string as the learning, and as the reason for changing each grade; the eight-week
    review with it as an action's evidence and as the review note."""
    from tests.fixtures import moderation_entry

    audit_id = w["cases"]["moderate"]
    wanted = expected(raw, max_length=casefile.MAX_TEXT, multiline=True, required=True)
    result = outcome(lambda: moderation.moderate(db, w["sen"], audit_id, moderation_entry(learning=raw), today=A_TODAY))
    assert_outcome(result, wanted, "learning")
    row = casefile.get(db, w["sen"], audit_id, today=A_TODAY)
    if result[0] == "stored":
        assert row["learning"] == wanted[1]
        assert_inert_value(row["learning"], "learning")
    # Every grade raised, each with the string as its reason: an empty reason cannot explain a change.
    wanted = expected(raw, max_length=2000, multiline=True, required=True)
    changed = moderation_entry({d: {"grade": "outstanding", "reason": raw} for d in casefile.GRADED})
    result = outcome(lambda: moderation.moderate(db, w["sen"], audit_id, changed, today=A_TODAY))
    assert_outcome(result, wanted, "moderation reason")
    if result[0] == "stored":
        for domain, grade in casefile.get(db, w["sen"], audit_id, today=A_TODAY)["grades"].items():
            assert (grade["moderated_grade"], grade["moderation_reason"]) == ("outstanding", wanted[1]), domain
            assert_inert_value(grade["moderation_reason"], domain)

    audit_id, action_id = w["cases"]["review"], w["review_action"]
    base = {"reviewed_on": dt.date(2026, 2, 10), "actions": {action_id: {"complete": True, "evidence": "Seen."}}}
    for what, entry, wanted in (
            ("evidence", {**base, "actions": {action_id: {"complete": False, "evidence": raw}}},
             expected(raw, max_length=2000, multiline=True, required=True)),
            ("note", {**base, "note": raw}, expected(raw, max_length=casefile.MAX_TEXT, multiline=True))):
        result = outcome(lambda: reviews.record_review(db, w["ap"], audit_id, entry, today=A_TODAY))
        assert_outcome(result, wanted, f"review {what}")
        row = casefile.get(db, w["ap"], audit_id, today=A_TODAY)
        stored = row["actions"][0]["review_evidence"] if what == "evidence" else row["review_note"]
        if result[0] == "stored":
            assert stored == stored_or_none(wanted), what
        assert_inert_value(stored, f"review {what}")


def check_withdrawal(db, w, raw: str) -> None:

    audit_id = w["cases"]["withdraw"]
    wanted = expected(raw, max_length=500, required=True)
    result = outcome(lambda: programme.withdraw(db, w["qa"], audit_id, raw))
    assert_outcome(result, wanted, "withdrawal reason")
    row = casefile.audit_row(db, audit_id)
    assert row["delete_reason"] == (wanted[1] if result[0] == "stored" else None)
    assert_inert_value(row["delete_reason"], "withdrawal reason")


TARGETED_TEXT = {"topic": {"max_length": 200, "required": True},
                 "reason_detail": {"max_length": 500},
                 "scope": {"max_length": 2000, "required": True, "multiline": True},
                 "findings": {"max_length": 5000, "required": True, "multiline": True},
                 "learning": {"max_length": 5000, "required": True, "multiline": True}}


def targeted_entry(**changes) -> dict:
    return {"topic": "Allowance payment delays", "reason": "complaints", "reason_detail": "Complaints in Q3",
            "scope": "Every allowance complaint in the quarter.", "cases_reviewed": 8,
            "findings": "Delays followed changes of bank details.",
            "learning": "Publish the payment dates for allowances.", "started_on": dt.date(2026, 1, 5),
            "completed_on": dt.date(2026, 1, 30), **changes}


def check_targeted(db, w, raw: str) -> None:
    """Each text field of a targeted audit, recorded new and changed on an existing one; and a deletion reason."""

    base = targeted_entry()
    existing = targeted_audits.record(db, w["qa"], base, today=A_TODAY)
    for field, rules in TARGETED_TEXT.items():
        wanted = expected(raw, **rules)
        entry = {**base, field: raw}
        result = outcome(lambda: targeted_audits.record(db, w["qa"], entry, today=A_TODAY))
        assert_outcome(result, wanted, f"record {field}")
        if result[0] == "stored":
            assert targeted_audits.get(db, w["qa"], result[1])[field] == stored_or_none(wanted), field
        result = outcome(lambda: targeted_audits.update(db, w["qa"], existing, entry, today=A_TODAY))
        assert_outcome(result, wanted, f"update {field}")
        stored = targeted_audits.get(db, w["qa"], existing)[field]
        assert stored == (stored_or_none(wanted) if result[0] == "stored" else base[field]), field
        assert_inert_value(stored, field)
    wanted = expected(raw, max_length=500, required=True)
    result = outcome(lambda: targeted_audits.soft_delete(db, w["qa"], existing, raw))
    assert_outcome(result, wanted, "deletion reason")


@pytest.mark.parametrize("name", NAMES)
def test_every_free_text_field_of_case_file_and_targeted_audits_refuses_or_stores_the_string_cleaned(adb, aw, name):
    raw = CORPUS[name]
    check_audit_form(adb, aw, raw)
    check_action_plan(adb, aw, raw)
    check_moderation_and_review(adb, aw, raw)
    check_withdrawal(adb, aw, raw)
    check_targeted(adb, aw, raw)


# ---- 9. KPI measures, and the KPI and recruitment imports ------------------------------------------


def check_measure(db, qa, raw: str) -> None:
    """A measure added with the string as its name, and an existing one changed with it as its name, description
    or other name. A name must have a letter or digit and, like an other name, match no other measure."""

    def taken(measure_id):
        return {kpi_measures.name_key(word) for m in kpi_measures.measures(db) if m.id != measure_id
                for word in (m.id, m.name, *m.aliases)}

    existing = kpi_measures.measures(db)[0]
    keep = {"name": existing.name, "description": existing.description, "aliases": list(existing.aliases),
            "green_from": existing.green_from, "amber_from": existing.amber_from}
    for measure_id in (None, existing.id):
        wanted = expected(raw, max_length=100, required=True)
        if wanted[0] == "stored" and (not kpi_measures.name_key(wanted[1]) or kpi_measures.name_key(wanted[1]) in taken(measure_id)):
            wanted = ("refused", None)
        values = {**keep, "name": raw, "aliases": keep["aliases"] if measure_id else []}
        result = outcome(lambda: kpi_measures.save_measure(db, qa, measure_id, **values))
        assert_outcome(result, wanted, f"measure name {measure_id}")
        if result[0] == "stored":
            found = {m.id: m for m in kpi_measures.measures(db)}[result[1]]
            assert found.name == wanted[1]
            assert_inert_value(found.name, "measure name")
            kpi_measures.save_measure(db, qa, result[1], **{**values, "name": f"Renamed {result[1]}"})  # frees the name
    wanted = expected(raw, max_length=300)
    result = outcome(lambda: kpi_measures.save_measure(db, qa, existing.id, **{**keep, "description": raw}))
    assert_outcome(result, wanted, "measure description")
    stored = {m.id: m for m in kpi_measures.measures(db)}[existing.id].description
    assert stored == (wanted[1] if result[0] == "stored" else existing.description)
    assert_inert_value(stored, "measure description")
    kind, alias = expected(raw, max_length=100)
    key = kpi_measures.name_key(alias or "")
    if kind == "stored" and key and key in taken(existing.id):
        kind = "refused"
    result = outcome(lambda: kpi_measures.save_measure(db, qa, existing.id, **{**keep, "aliases": [raw]}))
    assert_outcome(result, (kind, alias), "measure other name")
    if result[0] == "stored":
        aliases = {m.id: m for m in kpi_measures.measures(db)}[existing.id].aliases
        # An other name with no letter or digit, or that only respells the name, is dropped as no other name at all.
        wanted = [alias] if key and key != kpi_measures.name_key(existing.name) else []
        assert list(aliases) == wanted, aliases
        for value in aliases:
            assert_inert_value(value, "measure other name")


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def check_import(db, qa, raw: str, module, header: list[str], rows: list[list[str]], *,
                 optional: tuple[str, ...] = ()) -> None:
    """A file with the string in one column of each row (row n, column n): each such row is a short row error
    (unless the string is blank in an optional column), a file that cannot be read is refused with a clear message,
    and the import does what the preview said."""
    data = csv_bytes(header, rows)
    kind, plan = outcome(lambda: module.plan(db, data, today=A_TODAY))
    if kind == "refused":  # the whole file: a cell over the CSV limit, or not text
        assert_clear(plan)
        return
    wrong = {e.line for e in plan.errors}
    for line, column in enumerate(header, start=2):
        assert line in wrong or (column in optional and not raw.strip()), f"{column}: {raw[:40]!r} was taken"
    for error in plan.errors:
        assert 2 <= error.line <= len(rows) + 1, error
        assert error.reason and len(error.reason) <= 300 and not _UNSHOWABLE.search(error.reason), error
    kind, done = outcome(lambda: module.import_csv(db, qa, data, today=A_TODAY))
    if plan.errors:
        assert kind == "refused" and done.startswith("Nothing was imported"), done
        assert_clear(done)
    else:
        assert kind == "stored" or (kind == "refused" and done.startswith("Nothing was imported")), done


def check_kpi_import(db, qa, raw: str) -> None:

    names = [m.name for m in kpi_measures.measures(db) if m.active]
    good = {"month": JANUARY, "team": "North", "measure": names[0], "in time": "40", "out of time": "3"}
    counts = [[{**good, "measure": names[n + 1], column: raw}[c] for c in good]
              for n, column in enumerate(good)]
    check_import(db, qa, raw, kpi_figures, list(good), counts)
    per_household = {"month": JANUARY, "measure": names[0], "household": "N100", "in time": "yes"}
    rows = [[{**per_household, "measure": names[n + 1], column: raw}[c] for c in per_household]
            for n, column in enumerate(per_household)]
    check_import(db, qa, raw, kpi_figures, list(per_household), rows)


def check_recruitment_import(db, qa, raw: str) -> None:

    measures = list(recruitment.MEASURES.values())
    good = {"month": JANUARY, "team": "", "measure": measures[0], "number": "4"}
    rows = [[{**good, "measure": measures[n], column: raw}[c] for c in good] for n, column in enumerate(good)]
    check_import(db, qa, raw, recruitment, list(good), rows, optional=("team",))


@pytest.mark.parametrize("name", NAMES)
def test_kpi_measure_names_and_kpi_and_recruitment_file_cells_refuse_or_store_the_string_cleaned(adb, aw, name):
    raw = CORPUS[name]
    check_kpi_import(adb, aw["qa"], raw)  # before the string can be a measure's name
    check_recruitment_import(adb, aw["qa"], raw)
    check_measure(adb, aw["qa"], raw)


# ---- 10. The audit and KPI exports, and a report with all of them ------------------------------------


def csv_cells(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    return rows


def hostile_teams_and_managers(db, qa) -> tuple[list[int], dict[str, str]]:
    """A team named with each string a team name takes, each with a manager named with the string; returns the
    team ids and {corpus name: the manager's name as stored}."""

    team_ids, managers = [], {}
    for number, (name, raw) in enumerate(CORPUS.items()):
        kind, team = outcome(lambda: accounts.create_team(db, qa, raw))
        if kind == "refused":
            assert_clear(team)
            continue
        team_ids.append(team)
        kind, person = outcome(lambda: accounts.create_user(db, qa, username=f"manager{number}", display_name=raw,
                                                            roles=["manager"], password="correct horse battery",
                                                            team_id=team))
        if kind == "stored":
            managers[name] = text.clean(raw, field="Full name", max_length=80)
    return team_ids, managers


def test_the_audit_circulation_csv_neutralises_hostile_household_team_and_auditor_names(adb, aw):
    from tests.fixtures import add_home

    team_ids, managers = hostile_teams_and_managers(adb, aw["qa"])
    assert len(team_ids) >= 60 and len(managers) >= 60
    households = {}
    for number, (name, raw) in enumerate(CORPUS.items()):
        cleaned = fits(raw, 120, multiline=False)  # a household name as the register stores it
        if cleaned:
            home = add_home(adb, f"H{number:04d}", team_ids[number % len(team_ids)])
            with store.write(adb):
                adb.execute("update households set display_name = :n where id = :id", {"n": cleaned, "id": home})
            households[name] = cleaned
    summary = programme.draw(adb, aw["qa"], "2026/27-Q1", size=500, seed=1, exclusion_months=0,
                          circulate_on=dt.date(2026, 4, 1), today=A_TODAY)
    assert summary["drawn"] == summary["eligible"]  # every household, so every hostile name
    cells = csv_cells(programme.export_csv(adb, aw["qa"], summary["programme_id"], today=A_TODAY))
    assert cells[0][:3] == ["Reference", "Household reference", "Household"]
    shown = {cell for row in cells[1:] for cell in row}
    for name, cleaned in {**households, **managers}.items():
        assert cleaned in shown or "'" + cleaned in shown, name
    assert "'=cmd|' /C calc'!A0" in shown and "'=2+5" in shown


def test_the_kpi_download_neutralises_hostile_measure_and_team_names(adb, aw):

    qa = aw["qa"]
    team_ids, _ = hostile_teams_and_managers(adb, qa)
    names = {}
    for name, raw in CORPUS.items():
        kind, measure = outcome(lambda: kpi_measures.save_measure(adb, qa, None, name=raw, green_from=90, amber_from=80))
        if kind == "refused":
            assert_clear(measure)
        else:
            names[measure] = text.clean(raw, field="Measure name", max_length=100)
    assert len(names) >= 50
    figures = "".join(f"{JANUARY},North,{measure},{n},{n % 7}\n" for n, measure in enumerate(names, start=5))
    kpi_figures.import_csv(adb, qa, "month,team,measure,in time,out of time\n" + figures, today=A_TODAY)
    january = dt.date(2026, 1, 1)
    levels = [t["name"] for t in adb.query("select name from teams")]
    for level in ["Whole service", *levels]:
        cells = csv_cells(performance.table_csv(performance.table(adb, qa, january), month=january, level=level))
        shown = {row[2] for row in cells[1:]}
        for cleaned in names.values():
            assert cleaned in shown or "'" + cleaned in shown, cleaned
    assert "'=cmd|' /C calc'!A0" in shown


def test_a_report_with_hostile_audit_learning_topics_and_measure_names_builds_a_pdf_and_a_workbook(adb, aw):
    everything, warnings = hostile_audit_report(adb, aw)
    assert CORPUS["markdown-image"] in everything and CORPUS["mixed-bidi"] in everything  # targeted audits' learning
    assert any("shown as □" in w for w in warnings) and any("is too long for one page" in w for w in warnings)


def hostile_audit_report(adb, aw) -> tuple[str, list[str]]:
    """Q4's report with a case audit moderated with hostile learning, a targeted audit for each string that fits
    and hostile KPI measure names with figures: the PDF builds, the workbook holds no formula. Returns the
    workbook's text and the PDF's warnings."""
    from openpyxl import load_workbook as open_workbook

    from tests.fixtures import moderation_entry

    qa = aw["qa"]
    learning = "\n".join(CORPUS[n] for n in ("formula-hyperlink", "markdown-image", "mixed-bidi"))
    moderation.moderate(adb, aw["sen"], aw["cases"]["moderate"], moderation_entry(learning=learning), today=A_TODAY)
    recorded = 0
    for number, (name, raw) in enumerate(CORPUS.items()):
        lesson = fits(raw, 5000)
        if lesson is None:
            continue
        topic = fits(raw, 200, multiline=False) or f"Topic {number}"
        targeted_audits.record(adb, qa, targeted_entry(topic=topic, learning=raw, findings=raw, scope=lesson[:2000]),
                               today=A_TODAY)
        recorded += 1
    assert recorded >= 60
    measures = []
    for raw in (CORPUS["formula-dde"], CORPUS["formula-hyperlink"], CORPUS["html-script"], CORPUS["markdown-link"]):
        measures.append(kpi_measures.save_measure(adb, qa, None, name=raw, green_from=90, amber_from=80))
    kpi_figures.import_csv(adb, qa, "month,team,measure,in time,out of time\n"
                    + "".join(f"{JANUARY},North,{m},40,3\n" for m in measures), today=A_TODAY)
    value = report.build(adb, qa, A_Q4, today=A_TODAY)
    pdf, warnings = report_pdf.render(value)
    assert pdf.startswith(b"%PDF-") and len(PdfReader(io.BytesIO(pdf)).pages) > 1
    book = open_workbook(io.BytesIO(report_xlsx.render(value)))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    values.append(cell.value)
    everything = "\n".join(values)
    assert "=cmd|' /C calc'!A0" in everything and CORPUS["html-script"] in everything  # measure names, as text
    assert any(v.startswith("'=HYPERLINK(") for v in values) and not [v for v in values if v.startswith(FORMULA_START)]
    return everything, warnings


def test_a_hostile_targeted_audit_and_audit_form_show_as_literal_text_on_their_pages(demo_db, app):
    from tests.fixtures import case_in

    qa_user = user(demo_db, "qa")
    targeted_audits.record(demo_db, qa_user, targeted_entry(
        topic=MARKUP["markdown-image"], reason_detail=MARKUP["html-img-onerror"], scope=MARKUP["markdown-link"],
        findings=MARKUP["streamlit-directives"], learning=MARKUP["html-script"], started_on=None,
        completed_on=app_today()), today=app_today())
    at = open_form(app, demo_db, "qa", "app_pages/audits/targeted_audits.py")
    assert_inert_page(at, MARKUP.values())
    shown = " ".join(str(v) for frame in at.dataframe for v in frame.value.astype(str).to_numpy().ravel())
    assert MARKUP["markdown-image"] in shown and MARKUP["html-script"] in shown

    row = case_in(demo_db, "in_progress")
    lead = user(demo_db, demo_db.execute("select username from users where id = :id",
                                         {"id": row["lead_auditor_id"]}).fetchone()[0])
    casefile.save(demo_db, lead, row["id"], {
        "grades": {"voice": {"grade": "good", "evidence": MARKUP["markdown-image"]}},
        "parent_spoken": False, "parent_not_why": MARKUP["html-script"],
        "ssw_discussion": MARKUP["markdown-link"] + "\n" + MARKUP["html-img-onerror"]}, today=app_today())
    at = open_form(app, demo_db, lead.username, "app_pages/audits/my_audits.py")
    at.selectbox(key="my_audit").set_value(row["id"]).run()
    assert_inert_page(at, MARKUP.values())
    boxes = [t.value for t in at.text_area] + [t.value for t in at.text_input]
    assert MARKUP["markdown-image"] in boxes and MARKUP["html-script"] in boxes
