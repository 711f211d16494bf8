"""The theme codebook in the database, auto-coding on save, human review, and the explorer's queries.

A human decision on a comment's theme (confirmed, removed, added) and a human sentiment are never
overwritten by re-coding. Every codebook change is a new codebook version; retired and merged
themes keep their history.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable

import sqlite_utils

from lib import access, store, text
from lib.access import User
from lib.store import history, records, shipped
from lib.themes import matching

CODEBOOK_FILE = store.ROOT / "data" / "codebook.toml"
SHIPPED = shipped.Data(CODEBOOK_FILE, "codebook_versions", "select * from themes order by id")
APPLIES = {"CM": "Mainstream carers", "CK": "Kinship carers", "P": "Birth parents", "Y": "Children and young people"}
USUALLY = {"strength": "Usually a strength", "improvement": "Usually an area for improvement", "either": "Either"}
READINGS = {"strength": "Strength", "improvement": "Area for improvement", "neutral": "Neutral"}
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
_matchers: dict[str, matching.Matcher] = {}


# ---- The codebook ----------------------------------------------------------------------------


def default_themes() -> list[matching.Theme]:
    """The shipped default codebook's themes (for tests and the benchmark; the app reads the database)."""
    data = shipped.read(CODEBOOK_FILE)
    return [matching.Theme(k, v["name"], v["definition"], tuple(v["applies_to"]), v["usually"], tuple(v["triggers"]))
            for k, v in data["themes"].items()]


def _theme_rows(db) -> list[dict]:
    return list(db.query("select * from themes order by id"))


def _as_theme(row: dict) -> matching.Theme:
    return matching.Theme(row["id"], row["name"], row["definition"], tuple(json.loads(row["applies_to"])),
                        row["usually"], tuple(json.loads(row["triggers"])), row["status"])


def ensure(db: sqlite_utils.Database) -> int:
    """The current codebook version, loading the shipped default codebook into a new database first."""

    def install(data: dict) -> str:
        now = store.stamp()
        for theme_id, spec in data["themes"].items():
            db.execute(
                """insert into themes (id, name, definition, applies_to, usually, triggers, updated_at)
                   values (:id, :name, :definition, :applies, :usually, :triggers, :now)""",
                {"id": theme_id, "name": spec["name"], "definition": spec["definition"],
                 "applies": json.dumps(spec["applies_to"]), "usually": spec["usually"],
                 "triggers": json.dumps(spec["triggers"], ensure_ascii=False), "now": now},
            )
        return "Default fostering codebook"

    return shipped.ensure(db, SHIPPED, install)


def current_version(db: sqlite_utils.Database) -> int:
    return shipped.current(db, SHIPPED) or ensure(db)


def _snapshot(db, user: User | None, note: str) -> int:
    return shipped.snapshot(db, SHIPPED, user, note)


def theme_list(db: sqlite_utils.Database, *, include_retired: bool = True) -> list[dict]:
    """Themes with their triggers decoded and each one's version (for editing), active first."""
    ensure(db)
    rows = _theme_rows(db)
    for row in rows:
        row["version"] = records.version(row)
        row["applies_to"] = json.loads(row["applies_to"])
        row["triggers"] = json.loads(row["triggers"])
    rows.sort(key=lambda r: (r["status"] != "active", r["id"]))
    return [r for r in rows if include_retired or r["status"] == "active"]


def names(db: sqlite_utils.Database) -> dict[str, str]:
    return {r["id"]: r["name"] + (" (retired)" if r["status"] != "active" else "") for r in theme_list(db)}


def matcher(db: sqlite_utils.Database) -> tuple[int, matching.Matcher]:
    """The compiled matcher for the current codebook version (built once per version)."""
    version = current_version(db)
    content = db.execute("select content from codebook_versions where version = :v", {"v": version}).fetchone()[0]
    key = hashlib.sha256(content.encode()).hexdigest()  # versions are numbered per database; content is not
    if key not in _matchers:
        _matchers[key] = matching.Matcher([_as_theme(r) for r in json.loads(content)])
    return version, _matchers[key]


def versions(db: sqlite_utils.Database) -> list[dict]:
    ensure(db)
    return shipped.versions(db, SHIPPED)


def _clean_theme(name, definition, triggers, applies_to, usually) -> dict:
    clean_triggers = []
    for trigger in triggers:
        phrase = text.clean(trigger, field="A trigger phrase", max_length=80)
        if phrase and phrase.lower() not in [t.lower() for t in clean_triggers]:
            if not matching.words(phrase):
                raise ValueError(f"Trigger '{phrase}' has no letters or digits to match.")
            clean_triggers.append(phrase)
    if not clean_triggers:
        raise ValueError("Give the theme at least one trigger word or phrase.")
    unknown = [a for a in applies_to if a not in APPLIES]
    if unknown or not applies_to:
        raise ValueError("Choose who the theme applies to: " + ", ".join(APPLIES.values()) + ".")
    if usually not in USUALLY:
        raise ValueError("Say whether mentions are usually a strength, an area for improvement, or either.")
    return {"name": text.clean(name, field="Theme name", max_length=80, required=True),
            "definition": text.clean(definition, field="Definition", max_length=300),
            "triggers": json.dumps(clean_triggers, ensure_ascii=False), "applies_to": json.dumps(list(applies_to)),
            "usually": usually}


def save_theme(
    db: sqlite_utils.Database, user: User, theme_id: str | None, *, name: str, definition: str,
    triggers: Iterable[str], applies_to: Iterable[str], usually: str, expected: str | None = None,
) -> str:
    """Add a theme (theme_id None) or change one; makes a new codebook version. Returns the theme id.

    With expected (the theme's records.version() when the form was opened), a change another QA officer
    saved in between is refused with records.StaleEdit.
    """
    access.require(user, "manage_codebook")
    ensure(db)
    values = _clean_theme(name, definition, list(triggers), list(applies_to), usually)

    def unique(db) -> None:
        clash = db.execute("select id from themes where lower(name) = lower(:n) and id != coalesce(:id, '')",
                           {"n": values["name"], "id": theme_id}).fetchone()
        if clash:
            raise ValueError(f"Theme {clash[0]} already has that name.")

    if theme_id is not None:
        shipped.edit(db, user, SHIPPED, "themes", theme_id, clean=lambda _before: unique(db) or values,
                     expected=expected, what="theme", note=lambda changed: f"Changed {theme_id}: {', '.join(changed)}")
        return theme_id
    with store.write(db):
        unique(db)
        numbers = [int(r[0][1:]) for r in db.execute("select id from themes") if re.fullmatch(r"T\d+", r[0])]
        theme_id = f"T{max(numbers, default=0) + 1:02d}"
        db.execute(
            """insert into themes (id, name, definition, applies_to, usually, triggers, updated_at)
               values (:id, :name, :definition, :applies_to, :usually, :triggers, :now)""",
            {**values, "id": theme_id, "now": store.stamp()})
        note = f"Added {theme_id} {values['name']}"
        version = _snapshot(db, user, note)
        history.add(db, action="create", user_id=user.id, username=user.username, entity="themes", entity_id=theme_id,
                    detail={"codebook_version": version, "note": note})
    return theme_id


def retire_theme(db: sqlite_utils.Database, user: User, theme_id: str, *, merged_into: str | None = None) -> int:
    """Retire a theme (or merge it into another): no new codes, its history stays. Returns the new version."""
    access.require(user, "manage_codebook")
    with store.write(db):
        rows = {r["id"]: r for r in db.query("select * from themes")}
        if theme_id not in rows or rows[theme_id]["status"] != "active":
            raise ValueError(f"{theme_id} is not an active theme.")
        if merged_into is not None:
            if merged_into == theme_id or rows.get(merged_into, {}).get("status") != "active":
                raise ValueError("Merge into a different, active theme.")
            triggers = json.loads(rows[merged_into]["triggers"])
            triggers += [t for t in json.loads(rows[theme_id]["triggers"]) if t not in triggers]
            db.execute("update themes set triggers = :t, updated_at = :now where id = :id",
                       {"t": json.dumps(triggers, ensure_ascii=False), "now": store.stamp(), "id": merged_into})
        db.execute("update themes set status = 'retired', merged_into = :m, updated_at = :now where id = :id",
                   {"m": merged_into, "now": store.stamp(), "id": theme_id})
        note = f"Merged {theme_id} into {merged_into}" if merged_into else f"Retired {theme_id}"
        version = _snapshot(db, user, note)
        history.add(db, action="update", user_id=user.id, username=user.username, entity="themes",
                    entity_id=theme_id, detail={"codebook_version": version, "note": note})
    return version
