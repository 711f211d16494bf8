"""The question bank: versioned forms, items and answer scales, loaded from data/question_bank.toml.

Every version the app has seen is kept in the question_banks table by store.shipped (the one loader
of shipped data), so a response answered against an old version is always shown and counted with
that version's wording and scales.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from lib import store
from lib.store import shipped

BANK_FILE = store.ROOT / "data" / "question_bank.toml"
AGE_BANDS = {"under_8": "Under 8", "8_11": "8 to 11", "12_plus": "12 and over"}
COHORTS = {"mainstream": "Mainstream", "kinship": "Kinship"}
# Who a mixed form (case-file audit feedback, direct work) asks: the person filling it in chooses one.
RESPONDENTS = {"carer": "Carer", "birth_parent": "Birth parent", "child": "Child or young person"}
# The placing authority (the child's social worker or the IRO): the id of its form in the bank and of its respondent.
PLACING_AUTHORITY = "placing_authority"
# Everyone whose feedback is recorded, for labels and the Themes page's respondent filter.
ALL_RESPONDENTS = {**RESPONDENTS, PLACING_AUTHORITY: "Placing authority"}


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Scale:
    code: str
    label: str
    options: tuple[Option, ...]
    positive: frozenset[str]
    excluded: frozenset[str]

    @property
    def is_text(self) -> bool:
        return not self.options

    def label_for(self, code: str | None) -> str:
        return next((o.label for o in self.options if o.code == code), "" if code is None else str(code))


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    scale: Scale
    required: bool = False
    help: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    when: str
    respondent: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    source: str
    respondent: str | None  # None: the person filling it in chooses (audit, direct work)
    fields: tuple[str, ...]
    sections: tuple[Section, ...]

    def sections_for(self, *, cohort: str | None, age_band: str | None, respondent: str | None) -> list[Section]:
        """The sections that apply to this respondent: by cohort, age band and respondent type."""
        chosen = []
        for section in self.sections:
            if section.respondent and section.respondent != (respondent or self.respondent):
                continue
            if section.when == "all" or section.when in (cohort, age_band):
                chosen.append(section)
        return chosen

    def items_for(self, **context) -> list[Item]:
        return [item for section in self.sections_for(**context) for item in section.items]


@dataclass(frozen=True)
class Bank:
    version: str
    title: str
    forms: dict[str, Form]
    items: dict[str, Item]
    scales: dict[str, Scale]
    content: str  # the canonical JSON this bank was built from

    @property
    def checksum(self) -> str:
        return shipped.checksum(self.content)


def _build(data: dict) -> Bank:
    """A Bank from the parsed file; ValueError naming the first inconsistency (unknown scale or item)."""
    try:
        version = str(data["version"]).strip()
        scales = {
            code: Scale(code, spec["label"], tuple(Option(str(o["code"]), o["label"]) for o in spec["options"]),
                        frozenset(spec.get("positive", [])), frozenset(spec.get("excluded", [])))
            for code, spec in data["scales"].items()
        }
        items = {}
        for item_id, spec in data["items"].items():
            if spec["scale"] not in scales:
                raise ValueError(f"Question {item_id} uses unknown scale {spec['scale']}.")
            items[item_id] = Item(item_id, spec["text"], scales[spec["scale"]], bool(spec.get("required", False)),
                                  spec.get("help"))
        forms = {}
        for name, spec in data["forms"].items():
            sections = []
            for section in spec["sections"]:
                missing = [i for i in section["items"] if i not in items]
                if missing:
                    raise ValueError(f"Form {name} lists unknown question(s): {', '.join(missing)}.")
                sections.append(Section(section["title"], section["when"], section.get("respondent"),
                                        tuple(items[i] for i in section["items"])))
            forms[name] = Form(name, spec["title"], spec["source"], spec.get("respondent"), tuple(spec["fields"]),
                               tuple(sections))
    except KeyError as exc:
        raise ValueError(f"The question bank is missing {exc}.") from None
    if not version:
        raise ValueError("The question bank has no version.")
    return Bank(version, data.get("title", ""), forms, items, scales,
                json.dumps(data, sort_keys=True, ensure_ascii=False))


def load_file(path: Path = BANK_FILE) -> Bank:
    """Read and check a question-bank file."""
    return _build(shipped.read(path))


def install(db: sqlite_utils.Database, bank: Bank) -> None:
    """Keep this bank version in the database (once). Refuses changed content under an existing version."""
    shipped.release(db, "question_banks", version=bank.version, content=bank.content, what="question bank")


_cache: dict[tuple[str, str], Bank] = {}


def current(db: sqlite_utils.Database, path: Path = BANK_FILE) -> Bank:
    """The bank new responses are recorded against: the shipped file, installed if new."""
    bank = load_file(path)
    install(db, bank)
    _cache[(bank.version, bank.checksum)] = bank
    return bank


def version(db: sqlite_utils.Database, name: str) -> Bank:
    """A bank version the database has seen (for showing and counting old responses)."""
    row = db.execute("select content, checksum from question_banks where version = :v", {"v": name}).fetchone()
    if row is None:
        raise ValueError(f"Question bank version {name} is not in this database.")
    key = (name, row[1])
    if key not in _cache:
        _cache[key] = _build(json.loads(row[0]))
    return _cache[key]


def versions(db: sqlite_utils.Database) -> list[dict]:
    """Every installed version with how many responses use it, newest first."""
    return list(db.query(
        """select q.version, q.installed_at,
                  (select count(*) from responses r where r.bank_version = q.version) as responses
           from question_banks q order by q.installed_at desc, q.version desc"""
    ))
