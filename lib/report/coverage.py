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
    on_register = recruitment.register_households(db, user, at)
    keys = sorted((key for key, ids in on_register.items() if ids), key=lambda k: (k[0].casefold(), k[1]))
    if not keys:
        return None, ["No households were on the register, so there is nothing to measure coverage against."]
    contacts = _contacts(db, chosen)
    counts = [[sum(contacts.get(h, {}).get(what, False) for h in on_register[key])
               for what in ("called", "carer", "parent")] for key in keys]
    labels = [f"{team}, {questions.COHORTS[cohort]}" for team, cohort in keys]
    grid = led.table(counts, column_totals=True, label="Households we heard from", rows=labels,
                     columns=["carer called", "carer feedback", "birth-parent feedback"])
    bases = [led.atom(len(on_register[key]), register_key(*key, at)) for key in keys]
    rows = []
    for index, (team, cohort) in enumerate(keys):
        base = led.count(bases[index], label=f"On the register: {labels[index]}")
        called, carer, parent = (grid.terms[(index, c)] for c in range(3))
        led.part(bases[index], called)  # the households called are some of those on the register...
        led.part(called, carer)  # ...those who gave feedback some of those called
        led.part(bases[index], parent)
        carers, parents = counts[index][1], counts[index][2]
        rows.append((team, questions.COHORTS[cohort], base, grid.cells[index][0], grid.cells[index][1],
                     led.percent(carers, len(on_register[(team, cohort)]), base_of=base,
                                 label=f"Carers heard from: {labels[index]}"),
                     grid.cells[index][2], led.percent(parents, len(on_register[(team, cohort)]), base_of=base,
                                                       label=f"Birth parents heard from: {labels[index]}")))
    total = disclosure.plus(*bases)
    registered = sum(len(on_register[key]) for key in keys)
    whole = led.count(total, label="On the register: all teams")
    rows.append(("All teams", "", whole, *grid.column_totals[:2],
                 led.percent(sum(c[1] for c in counts), registered, base_of=whole, label="Carers heard from: all"),
                 grid.column_totals[2],
                 led.percent(sum(c[2] for c in counts), registered, base_of=whole, label="Birth parents heard from: all")))
    led.part(heard, grid.terms[(len(keys), 1)])  # households that gave feedback are no more than the calls completed
    when = "the end of the period" if at == chosen.end else f"{dates.long_day(at)} (the period is in progress)"
    summary = [f"Carers in {led.percent(sum(c[1] for c in counts), registered, base_of=whole, label='Carers heard')} "
               f"of the households on the register at {when} gave feedback at least once this period."]
    return Table(f"Households we heard from, against the register at {dates.long_day(at)}",
                 ("Team", "Placement type", "On the register", "Carer called", "Carer gave feedback",
                  "Carers: % of register", "Birth parent gave feedback", "Birth parents: % of register"), tuple(rows),
                 note="A household counts once however many calls it had. Called: any call to the carer, answered or "
                      "not. Households on the register as the carer register has them (team and placement type as "
                      "it has them now); calls to households no longer on it are left out."), summary


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
