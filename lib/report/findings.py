"""Key findings: the report's first page, chosen from its own figures, each with its number, comparison and base.

A finding is a sentence template with named places for its figures ({pct}, {n}, {before}, ...), filled with the
ledger's tokens, so it is suppressed as the tables are: a finding whose figure the report hides is left out, not
printed as "c". QA can reword a finding (keeping the places: the figures always come from the data) or drop it;
lib.report.drafts keeps those choices per period.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from lib import analysis, dates, disclosure, periods, suppression
from lib.access import User
from lib.kpis import performance
from lib.report.model import Section
from lib.report.trends import Fact

TITLE = "Key findings"
GAP_POINTS = 15  # points between mainstream and kinship that make a cohort gap worth a finding
# The children's items that are always findings where they can be shown: safety and voice.
CHILD_ITEMS = ("Feel safe where they live", "Have a say in decisions about their life")
FORMS = {"carer": "carers", "parent": "birth parents", "child": "children"}
WHO = {("carer", "Mainstream"): "mainstream foster carers", ("carer", "Kinship"): "kinship carers",
       ("carer", "All"): "carers", ("parent", "Mainstream"): "birth parents (mainstream placements)",
       ("parent", "Kinship"): "birth parents (kinship placements)", ("parent", "All"): "birth parents",
       ("placing_authority", "Mainstream"): "placing authority professionals (mainstream placements)",
       ("placing_authority", "Kinship"): "placing authority professionals (kinship placements)",
       ("placing_authority", "All"): "placing authority professionals"}


@dataclass(frozen=True)
class Finding:
    key: str  # stable across builds of a period, for QA's edits
    kind: str  # rose, fell, lowest, highest, gap, child, kpi
    template: str  # words with {places} for figures
    values: dict  # place -> token or public text
    guards: tuple[str, ...]  # the tokens whose hiding hides the finding

    def text(self, template: str | None = None) -> str:
        return (template or self.template).format_map(self.values)


def places(template: str) -> set[str]:
    """The {places} a template names; ValueError for a stray brace or a format spec."""
    found = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError("A finding's words have a { or } that is not a place for a figure: write places like "
                         "{pct}, and no other braces.") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"“{{{name}}}” is not a place for a figure: write places like {{pct}}.")
        found.add(name)
    return found


def _who(fact: Fact) -> str:
    if fact.form == "child":
        return f"children aged {fact.group.lower()}" if fact.group[0].isdigit() else f"children {fact.group.lower()}"
    return WHO.get((fact.form, fact.group), FORMS.get(fact.form, fact.form))


def _values(led: disclosure.Ledger, fact: Fact, compared: str) -> dict:
    values = {"pct": fact.percent, "n": fact.n, "who": led.public(_who(fact), label="who answered"),
              "question": led.public(fact.question, label="a question's words"), "compared": compared}
    if fact.before_pct:
        values["before"] = fact.before_pct
    return values


def _key(kind: str, fact: Fact) -> str:
    return f"{kind}:{fact.form}:{fact.item_id}:{fact.group}"


def candidates(db: sqlite_utils.Database, user: User, chosen: periods.Period, led: disclosure.Ledger,
               facts: list[Fact], compared: str, today: dt.date) -> list[Finding]:
    """The findings the data supports, most telling first: what rose and fell most, the lowest and highest
    % positive, the widest gaps between mainstream and kinship, children's safety and voice, KPIs in Red."""
    shown = [f for f in facts if f.value is not None]
    changed = [f for f in shown if f.before is not None and f.form != "child"]
    found: list[Finding] = []

    used: set[tuple[str, str, str]] = set()  # a question and group is one finding, told once

    def add(kind: str, fact: Fact, template: str, *, with_before: bool = False) -> None:
        if (fact.form, fact.item_id, fact.group) in used:
            return
        used.add((fact.form, fact.item_id, fact.group))
        guards = (fact.percent, fact.before_pct) if with_before else (fact.percent,)
        found.append(Finding(_key(kind, fact), kind, template, _values(led, fact, compared), guards))

    for fact in sorted(changed, key=lambda f: f.before - f.value)[:2]:
        if fact.value - fact.before >= analysis.MOVEMENT_POINTS:
            add("rose", fact, "Rose: {pct} of {who} were positive about “{question}” (n={n}), up from {before} "
                              "in {compared}.", with_before=True)
    for fact in sorted(changed, key=lambda f: f.value - f.before)[:2]:
        if fact.before - fact.value >= analysis.MOVEMENT_POINTS:
            add("fell", fact, "Fell: {pct} of {who} were positive about “{question}” (n={n}), down from {before} "
                              "in {compared}.", with_before=True)
    adults = [f for f in shown if f.form != "child"]
    fresh = [f for f in adults if (f.form, f.item_id, f.group) not in used]
    for fact in sorted(fresh, key=lambda f: (f.value, -f.base))[:2]:
        add("lowest", fact, "Lowest: only {pct} of {who} were positive about “{question}” (n={n}).")
    fresh = [f for f in adults if (f.form, f.item_id, f.group) not in used]
    for fact in sorted(fresh, key=lambda f: (-f.value, -f.base))[:1]:
        add("highest", fact, "Highest: {pct} of {who} were positive about “{question}” (n={n}).")
    pairs = {}
    for fact in adults:
        pairs.setdefault((fact.form, fact.item_id), {})[fact.group] = fact
    gaps = [(pair["Mainstream"], pair["Kinship"]) for pair in pairs.values() if {"Mainstream", "Kinship"} <= set(pair)]
    gaps = [(m, k) for m, k in gaps if (k.form, k.item_id, k.group) not in used]
    for main, kin in sorted(gaps, key=lambda p: -abs(p[0].value - p[1].value))[:2]:
        if abs(main.value - kin.value) >= GAP_POINTS:
            used.add((kin.form, kin.item_id, kin.group))
            values = {**_values(led, kin, compared), "main_pct": main.percent, "main_n": main.n}
            found.append(Finding(_key("gap", kin), "gap", "Gap: {pct} of kinship carers were positive about "
                                 "“{question}” (n={n}), against {main_pct} of mainstream carers (n={main_n}).",
                                 values, (kin.percent, main.percent)))
    for fact in (f for f in shown if f.form == "child" and f.question in CHILD_ITEMS):
        compared_too = fact.before is not None
        add("child", fact, "Children: {pct} of {who} said they " + fact.question[0].lower() + fact.question[1:]
            + " (n={n})" + (", {before} in {compared}." if compared_too else "."), with_before=compared_too)
    found += _kpi_reds(db, user, chosen, led, today)
    return found


def _kpi_reds(db: sqlite_utils.Database, user: User, chosen: periods.Period, led: disclosure.Ledger,
              today: dt.date) -> list[Finding]:
    """KPIs Red in the latest month of the period that has figures, with how many of the period's months were Red."""
    months = [m for m in chosen.months if m <= today]
    if not months:
        return []
    series = performance.trend(db, user, months)
    found = []
    for index, figure in enumerate(series[-1][1]):
        marks = [(month, figures[index], performance.cells(figures[index], led.rules)) for month, figures in series]
        with_data = [(m, f, c) for m, f, c in marks if f.in_time is not None and c[3] != suppression.SUPPRESSED]
        if not with_data or "Red" not in with_data[-1][2][3]:
            continue
        month, latest, cells = with_data[-1]
        reds = sum("Red" in c[3] for _, _, c in with_data)
        pct = led.percent(latest.in_time, latest.in_time + latest.out_of_time, text=cells[2],
                          label=f"{figure.measure.name}, {dates.month(month)}: % (key findings)")
        values = {"measure": led.public(figure.measure.name, label="a measure's name"), "pct": pct,
                  "month": dates.month(month), "reds": led.public(reds, label="months in Red"),
                  "months": led.public(len(with_data), label="months with figures"),
                  "green": led.public(f"{figure.measure.green_from}%", label="a threshold")}
        found.append(Finding(f"kpi:{figure.measure.id}", "kpi", "Red: {measure} was {pct} in {month} (Green from "
                             "{green}); Red in {reds} of the {months} months with figures.", values, (pct,)))
    return found


def _line(led: disclosure.Ledger, finding: Finding, template: str | None = None) -> str:
    line = finding.text(template)
    for guard in finding.guards:  # hidden (empty) where any figure it rests on is hidden
        line = led.beside(guard, line, hidden="")
    return line


def section(led: disclosure.Ledger, found: list[Finding], choices: dict, warnings: list[str],
            redact: Callable[[str], str] = lambda words: words) -> tuple[Section, list[dict]]:
    """The key findings page: each finding QA has not dropped, in QA's words where QA reworded it (redacted as
    commentary is); and, for the screen that edits them, each finding with its generated words (a token, shown
    once settled) and QA's choice."""
    lines, editing = [], []
    for finding in found:
        choice = choices.get(finding.key, {})
        editing.append({"key": finding.key, "template": finding.template, "places": sorted(finding.values),
                        "generated": _line(led, finding), "choice": choice})
        if choice.get("drop"):
            continue
        template = choice.get("text") or None
        if template:
            missing = places(template) - set(finding.values)
            if missing:
                warnings.append(f"A reworded key finding names {', '.join('{' + m + '}' for m in sorted(missing))}, "
                                "which it does not have: its generated words are used instead.")
                template = None
        lines.append(_line(led, finding, redact(template)) if template else editing[-1]["generated"])
    if not lines:
        return Section("findings", TITLE, empty="No key finding: the data for this period supports none yet (too few "
                                                "answers to compare, or every figure is a small number), or QA left "
                                                "them all out."), editing
    return Section("findings", TITLE, summary=tuple(lines)), editing


def kept(section: Section) -> Section:
    """The findings page as published: lines whose figure was hidden are gone."""
    lines = tuple(line for line in section.summary if line.strip())
    if section.summary and not lines:
        return Section(section.key, section.title, narrative=section.narrative,
                       empty="Every key finding of this period rests on a number too small to publish.")
    return Section(section.key, section.title, summary=lines, narrative=section.narrative, quotes=section.quotes)
