"""Service settings: defaults in code, QA's changes in the settings table, every change audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from lib import access, store, text
from lib.store import history, records


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    default: Any
    help: str
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 120
    choices: tuple = ()

    @property
    def kind(self) -> type:
        return type(self.default)

    def clean(self, value: Any) -> Any:
        """The value converted to this setting's type; ValueError naming the setting if it does not fit."""
        if self.kind is int:
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                raise ValueError(f"{self.label} must be a whole number.") from None
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"{self.label} must be at least {self.minimum}.")
            if self.maximum is not None and number > self.maximum:
                raise ValueError(f"{self.label} must be at most {self.maximum}.")
            if self.choices and number not in self.choices:
                raise ValueError(f"{self.label} must be one of: {', '.join(map(str, self.choices))}.")
            return number
        cleaned = text.clean(value, field=self.label, max_length=self.max_length)
        if not cleaned and self.default:
            raise ValueError(f"{self.label} cannot be empty.")
        if self.choices and cleaned not in self.choices:
            raise ValueError(f"{self.label} must be one of: {', '.join(self.choices)}.")
        return cleaned


DEFINITIONS: tuple[Setting, ...] = (
    Setting("service_name", "Service name", "Fostering Service",
            "Shown in the app's title and on the cover of reports."),
    Setting("monthly_minimum_carers", "Monthly minimum: carer feedbacks per BSO", 2,
            "Completed carer feedbacks each business support officer seeks every calendar month.", 0, 100),
    Setting("monthly_minimum_parents", "Monthly minimum: birth-parent feedbacks per BSO", 2,
            "Completed birth-parent feedbacks each business support officer seeks every calendar month.", 0, 100),
    Setting("author_edit_days", "Days an author may correct their own entry", 14,
            "After this, only managers and QA can edit an entry.", 0, 365),
    Setting("idle_timeout_minutes", "Sign out after idle (minutes)", 30,
            "A session with no activity (no typing, no click) for this long is signed out, after a warning two "
            "minutes before (half the time, if it is under four minutes); what was being typed is kept as a "
            "draft.", 1, 480),
    Setting("unsaved_days", "Unsaved drafts are kept for (days)", 14,
            "A form typed into and never saved or discarded is kept this long as its author's draft.", 1, 90),
    Setting("lockout_attempts", "Failed sign-ins before an account locks", 5,
            "Consecutive wrong passwords that lock an account.", 3, 20),
    Setting("lockout_minutes", "Account lock time (minutes)", 15,
            "How long a locked account stays locked.", 1, 1440),
    Setting("stage1_days", "Complaints: stage 1 response due (working days)", 10,
            "Local resolution: the response is due this many working days after the complaint is received.", 1, 100),
    Setting("stage1_extended_days", "Complaints: stage 1 when extended (working days)", 20,
            "The stage 1 limit when it has been extended.", 1, 100),
    Setting("stage2_days", "Complaints: stage 2 response due (working days)", 25,
            "Investigation: the response is due this many working days after stage 2 opens.", 1, 200),
    Setting("stage2_extended_days", "Complaints: stage 2 when extended (working days)", 65,
            "The stage 2 limit when it has been extended.", 1, 200),
    Setting("stage3_days", "Complaints: stage 3 panel within (working days)", 30,
            "Review panel: held within this many working days of the request.", 1, 200),
    Setting("report_marking", "Protective marking on reports", "OFFICIAL-SENSITIVE",
            "Printed on the cover and every page of exported reports."),
    Setting("suppression_preset", "Small-number suppression", "dfe",
            "dfe: counts 1 to 5 shown as c, no % on a base under 10 (DfE children-looked-after convention). "
            "ons: the ONS 10-5 rule (counts under 10 hidden, others rounded to 5). custom: the three numbers below.",
            choices=("dfe", "ons", "custom")),
    Setting("suppress_max", "Custom suppression: hide counts from 1 up to", 5,
            "Used when suppression is custom.", 1, 20),
    Setting("min_base", "Custom suppression: smallest base for a % or mean", 10,
            "Used when suppression is custom.", 1, 100),
    Setting("rounding", "Custom suppression: round counts to the nearest (0 for none)", 0,
            "Used when suppression is custom: 0, 5 or 10.", 0, 10, choices=(0, 5, 10)),
    Setting("disclosure_protection", "Protection of a hidden count: the fewest values a reader may narrow it to", 3,
            "Before the report is published, every hidden count is checked against everything else it shows "
            "(totals, other tables, sentences, charts); more figures are hidden until a reader cannot narrow any "
            "hidden count to fewer than this many possible values.", 1, 20),
    Setting("audit_sample_size", "Case-file audits: cases drawn each quarter", 12,
            "How many households QA's quarterly draw picks from the active register, spread across teams and "
            "cohorts.", 1, 500),
    Setting("audit_exclusion_months", "Case-file audits: leave out households audited in the last (months)", 12,
            "A household audited this many months before a programme's circulation date is not drawn again.", 0, 60),
    Setting("audit_due_days", "Case-file audits: days to complete after circulation", 28,
            "Each audit is due this many days after its programme is circulated.", 1, 120),
    Setting("audit_review_weeks", "Case-file audits: weeks from moderation to the follow-up review", 8,
            "The advanced practitioners' review of an audit's actions is due this many weeks after moderation.",
            1, 52),
    Setting("retention_years", "Retention: keep identifiable feedback for (financial years)", 6,
            "Entries from before 1 April of the financial year this many years before the current one are "
            "anonymised when QA applies retention (Settings, Retention): answers, themes and counts stay; words, "
            "references and the link to the carer go.", 1, 50),
    Setting("redaction_names", "Extra names and places to redact from quotes", "",
            "Comma-separated: names of people, schools and places that are not in the register or the users "
            "list but must never appear in a quote.", max_length=5000),
)
BY_KEY = {setting.key: setting for setting in DEFINITIONS}


def get(db: sqlite_utils.Database, key: str) -> Any:
    """A setting's current value: the stored one, else the default."""
    definition = BY_KEY[key]
    row = db.execute("select value from settings where key = :key", {"key": key}).fetchone()
    return definition.default if row is None else json.loads(row[0])


def current(db: sqlite_utils.Database) -> dict[str, Any]:
    """Every setting's current value, keyed by setting key."""
    stored = {row["key"]: json.loads(row["value"]) for row in db.query("select key, value from settings")}
    return {s.key: stored.get(s.key, s.default) for s in DEFINITIONS}


def version(db: sqlite_utils.Database) -> str:
    """The settings' version as they stand: what the Settings form keeps as `expected` when it opens."""
    return records.version(current(db))


def update(db: sqlite_utils.Database, user: access.User, values: dict[str, Any], *,
           expected: str | None = None) -> dict[str, list]:
    """Save changed settings in one transaction with an audit row; return {key: [old, new]}.

    Raises PermissionDenied for non-QA users and ValueError (naming the setting) for a bad value
    or an unknown key; nothing is saved if any value is bad. With expected (version() when the form
    was opened), settings another QA officer saved in between are not undone: records.StaleEdit.
    """
    access.require(user, "edit_settings")
    unknown = sorted(set(values) - set(BY_KEY))
    if unknown:
        raise ValueError(f"Unknown setting: {', '.join(unknown)}.")
    cleaned = {key: BY_KEY[key].clean(value) for key, value in values.items()}
    with store.write(db):
        if expected is not None and version(db) != expected:
            last = db.execute("select updated_by, updated_at from settings order by updated_at desc limit 1").fetchone()
            raise records.stale(db, "page of settings", {"updated_by": last[0], "updated_at": last[1]},
                                entity="settings")
        diff = records.changes(current(db), cleaned)
        for key, (_, new) in diff.items():
            db.execute(
                """insert into settings (key, value, updated_at, updated_by)
                   values (:key, :value, :at, :user_id)
                   on conflict(key) do update set value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
                {"key": key, "value": json.dumps(new), "at": store.stamp(), "user_id": user.id},
            )
        if diff:
            history.add(db, action="update", user_id=user.id, username=user.username,
                        entity="settings", detail=diff)
    return diff
