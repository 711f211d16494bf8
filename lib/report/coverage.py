"""Who we heard from: households called and heard from against the register, by team and placement type, and
children's views against the Annual Reviews held.

The register's counts are the same ledger atoms as the register table in "How much are we doing"
(kpi_section.register_key), so a base hidden there is hidden here, and each % goes with its base.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from lib import dates, disclosure, periods
from lib.access import User
from lib.capture import questions
from lib.kpis import recruitment
from lib.report.kpi_section import recruitment_key, register_key
from lib.report.model import Section, Table

KEY, TITLE = "coverage", "Who we heard from"
REVIEWS = "annual_reviews_held"  # the recruitment figure that counts the carers' Annual Reviews held


def _contacts(db: sqlite_utils.Database, chosen: periods.Period) -> dict[int, dict[str, bool]]:
    """{household: {"called", "carer", "parent"}}: any call, completed carer feedback, completed parent feedback."""
    found: dict[int, dict[str, bool]] = {}
    for row in db.query(
        """select household_id, form, max(outcome = 'completed') as completed from responses
           where deleted_at is null and form in ('carer', 'parent') and household_id is not null
             and contact_on >= :s and contact_on <= :e group by household_id, form""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()}):
        slot = found.setdefault(row["household_id"], {"called": False, "carer": False, "parent": False})
        slot["called"] |= row["form"] == "carer"
        slot[row["form"]] |= bool(row["completed"])
    return found


def _households_table(db, user: User, chosen: periods.Period, led: disclosure.Ledger, at: dt.date,
                      heard: disclosure.Terms) -> tuple[Table | None, list[str]]:
    """Households called and heard from against the register, by team and by placement type (the margins of
    team × placement type: most of the cross would be small numbers)."""
    on_register = recruitment.register_households(db, user, at)
    teams = sorted({team for team, _ in on_register}, key=str.casefold)
    if not teams:
        return None, ["No households were on the register, so there is nothing to measure coverage against."]
    cohorts = list(questions.COHORTS)
    contacts = _contacts(db, chosen)

    def cross(what: str | None) -> list[list[int]]:
        homes = {key: on_register.get(key, set()) for key in ((t, c) for t in teams for c in cohorts)}
        return [[len(homes[(t, c)]) if what is None else sum(contacts.get(h, {}).get(what, False)
                                                             for h in homes[(t, c)]) for c in cohorts] for t in teams]

    def margins(what: str | None, label: str) -> dict[tuple[int, int], tuple[disclosure.Terms, str]]:
        """Each team's and each placement type's total, and the whole: (terms, token). The cells of team ×
        placement type are atoms the reader's model knows of but that are not printed (so not figures)."""
        cells = cross(what)
        atoms = {(r, c): led.atom(cells[r][c], register_key(t, cohort, at) if what is None else None)
                 for r, t in enumerate(teams) for c, cohort in enumerate(cohorts)}
        found = {}
        for r, t in enumerate(teams):
            terms = disclosure.plus(*(atoms[(r, c)] for c in range(len(cohorts))))
            found[(r, len(cohorts))] = (terms, led.count(terms, label=f"{label}: {t}"))
        for c, cohort in enumerate(cohorts):
            terms = disclosure.plus(*(atoms[(r, c)] for r in range(len(teams))))
            found[(len(teams), c)] = (terms, led.count(terms, label=f"{label}: {questions.COHORTS[cohort]}"))
        terms = disclosure.plus(*atoms.values())
        found[(len(teams), len(cohorts))] = (terms, led.count(terms, label=f"{label}: all"))
        found.update({key: (atom, "") for key, atom in atoms.items()})  # the cells: ties only
        return found

    base, called, carer, parent = (margins(what, label) for what, label in (
        (None, "Approved households on the register"), ("called", "Carer called"),
        ("carer", "Carer gave feedback"), ("parent", "Birth parent gave feedback")))
    for r in range(len(teams)):  # per team and placement type: called of the register, heard from of called
        for c in range(len(cohorts)):
            led.part(base[(r, c)][0], called[(r, c)][0])
            led.part(called[(r, c)][0], carer[(r, c)][0])
            led.part(base[(r, c)][0], parent[(r, c)][0])
    led.part(heard, carer[(len(teams), len(cohorts))][0])  # households heard from: no more than calls completed
    values = {name: cross(what) for name, what in (("base", None), ("carer", "carer"), ("parent", "parent"))}

    def total(name: str, position: tuple[int, int]) -> int:
        r, c = position
        cells = values[name]
        rows = range(len(teams)) if r == len(teams) else [r]
        columns = range(len(cohorts)) if c == len(cohorts) else [c]
        return sum(cells[i][j] for i in rows for j in columns)

    def row(team: str, cohort: str, position: tuple[int, int]) -> tuple:
        def cell(margin):
            return margin[position][1]

        registered = total("base", position)
        return (team, cohort, cell(base), cell(called), cell(carer),
                led.percent(total("carer", position), registered, base_of=cell(base), numerator_of=cell(carer),
                            label=f"Carers heard from: {team}, {cohort}"),
                cell(parent), led.percent(total("parent", position), registered, base_of=cell(base),
                                          numerator_of=cell(parent), label=f"Birth parents heard from: {team}, {cohort}"))

    rows = [row(team, "All", (r, len(cohorts))) for r, team in enumerate(teams)]
    rows += [row("All teams", questions.COHORTS[cohort], (len(teams), c)) for c, cohort in enumerate(cohorts)]
    rows.append(row("All teams", "All", (len(teams), len(cohorts))))
    whole = rows[-1]
    when = "the end of the period" if at == chosen.end else f"{dates.long_day(at)} (the period is in progress)"
    summary = [f"Carers in {whole[5]} of the households on the register at {when} gave feedback at least once this "
               f"period; birth parents in {whole[7]}."]
    return Table(f"Households we heard from, against the register at {dates.long_day(at)}",
                 ("Team", "Placement type", "On the register", "Carer called", "Carer gave feedback",
                  "Carers: % of register", "Birth parent gave feedback", "Birth parents: % of register"), tuple(rows),
                 note="By team (both placement types) and by placement type (all teams). A household counts once "
                      "however many calls it had. Called: any call to the carer, answered or not. Households on the "
                      "register as the carer register has them (team and placement type as it has them now); calls "
                      "to households no longer on it are left out."), summary


def _reviews_table(db, user: User, chosen: periods.Period, led: disclosure.Ledger,
                   children: disclosure.Terms) -> tuple[Table | None, list[str]]:
    found = [(month, values[REVIEWS]) for month, values in recruitment.figures(db, user, chosen.months)
             if values[REVIEWS] is not None]
    if not found:
        return None, ["No Annual Reviews held were imported with the recruitment figures for this period, so "
                      "children's views cannot be set against the reviews held."]
    held = sum(n for _, n in found)
    homes = db.execute(
        """select count(distinct household_id) from responses where deleted_at is null and form = 'child'
           and household_id is not null and contact_on >= :s and contact_on <= :e""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()}).fetchone()[0]
    # The same atoms as the recruitment table's months: this total is its column's.
    reviews = led.count(disclosure.plus(*(led.atom(n, recruitment_key(REVIEWS, m)) for m, n in found)),
                        label="Annual Reviews held")
    with_views = led.count(homes, label="Annual Reviews with a child's view recorded")
    led.part(children, led.terms(with_views))  # households with a child's view: no more than the views recorded
    pct = led.percent(min(homes, held), held, base_of=reviews, label="Annual Reviews with a child's view")
    share = led.beside(with_views, pct)
    months = "" if len(found) == len(chosen.months) else \
        f" Months with no figure imported are left out ({led.public(len(found))} of {led.public(len(chosen.months))} have one)."
    table = Table("Children's views at the carers' Annual Reviews", ("Measure", "Number"),
                  (("Annual Reviews held", reviews),
                   ("Carer households with at least one child's view recorded", with_views),
                   ("Share of the reviews held", share)),
                  note="Annual Reviews held are imported each month with the recruitment figures. A household may "
                       "have more than one child placed, so the share counts households, at most all of them."
                       + months)
    return table, [f"A child's view was recorded for {share} of the {reviews} carers' Annual Reviews held in the "
                   "period."]


def section(db: sqlite_utils.Database, user: User, chosen: periods.Period, led: disclosure.Ledger, today: dt.date,
            *, heard: disclosure.Terms, children: disclosure.Terms) -> Section:
    """heard: the headline's completed carer calls; children: the headline's children's views (their atoms)."""
    if chosen.start > today:
        return Section(KEY, TITLE, empty="This period has not begun.")
    at = min(chosen.end, today)
    households, said = _households_table(db, user, chosen, led, at, heard)
    reviews, about = _reviews_table(db, user, chosen, led, children)
    return Section(KEY, TITLE, summary=tuple(said + about), tables=tuple(t for t in (households, reviews) if t))
