"""The report's feedback sections, each computed from the database and suppressed."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlite_utils

from lib import analysis, charts, dates, disclosure, periods, redaction, store, suppression
from lib.access import User
from lib.capture import compliance, feedback, questions
from lib.log import actions, representations
from lib.report import audit_section, reg35, trends
from lib.report.model import Chart, Quote, Section, Table
from lib.store import settings
from lib.themes import codebook, explorer

QUOTE_SECTIONS = {"carers": {"form": ("carer",), "respondent": "carer"},
                  "parents": {"form": ("parent",), "respondent": "birth_parent"},
                  "children": {"form": ("child",), "respondent": "child"},
                  "placing": {"form": ("placing_authority",), "respondent": "placing_authority"},
                  "audits": {"form": ("audit",), "respondent": None},
                  "direct_work": {"form": ("direct_work",), "respondent": None}}
# The children's questions compared across age bands: one item per band, or None where a band is not asked.
CHILD_MEASURES = {
    "Feel safe where they live": ("Y1_01", "Y2_01", "Y3_01"),
    "Trust the adults they live with": ("Y1_03", "Y2_03", "Y3_03"),
    "See their family the right amount": ("Y1_05", "Y2_05A", "Y3_08A"),
    "Have a say in decisions about their life": (None, "Y2_09", "Y3_12"),
    "Know who their social worker is": ("Y1_07", "Y2_11A", "Y3_14A"),
    "Understand why they are in care": ("Y1_08", "Y2_10", "Y3_13"),
}
BANDS = ("under_8", "8_11", "12_plus")
SOURCE_WORDS = {"bso_call": "monthly call", "annual_review": "Annual Review", "case_audit": "case-file audit",
                "direct_work": "direct work", "placing_authority_survey": "placing authority feedback"}


def source_line(row: dict) -> str:
    who = {"carer": {"mainstream": "Foster carer", "kinship": "Kinship carer"}.get(row["cohort"], "Carer"),
           "birth_parent": "Birth parent", "child": "Child or young person",
           "placing_authority": "Placing authority professional"}.get(row["respondent"], "")
    month = dates.month(row["contact_on"])
    return f"{who}, {SOURCE_WORDS[row['source']]}, {month}"


def quotes(db, section: str, saved: list[dict], warnings: list[str]) -> tuple[Quote, ...]:
    found = []
    for quote in saved:
        rows = list(db.query(
            """select c.id, c.consent_to_quote, r.safeguarding, r.deleted_at, r.contact_on, r.respondent, r.cohort,
                      r.source from comments c join responses r on r.id = c.response_id where c.id = :id""",
            {"id": quote["comment_id"]}))
        if not rows or rows[0]["deleted_at"] or not rows[0]["consent_to_quote"] or rows[0]["safeguarding"]:
            warnings.append(f"A quote chosen for “{SECTIONS[section]}” was left out: its comment was deleted, lost "
                            "its consent or is flagged for safeguarding.")
            continue
        found.append(Quote(quote["text"], source_line(rows[0])))
    return tuple(found)


def _themes_table(db, user, chosen: periods.Period, led: disclosure.Ledger, *, respondent: str | None, source: str,
                  cohorts: tuple[str | None, ...], names: dict[str, str], heading: str) -> tuple[Table, list[str]]:
    """Top three strengths and areas for improvement per cohort, with movement where both periods allow it."""
    rows, summary = [], []
    for cohort in cohorts:
        base = dict(respondent=respondent, cohort=cohort, source=source)
        now_f = explorer.Filters(chosen.start, chosen.end, **base)
        before_f = explorer.Filters(chosen.previous_start, chosen.previous_end, **base)
        now = explorer.theme_counts(db, user, now_f)
        before = explorer.theme_counts(db, user, before_f)
        totals_now, totals_before = explorer.cohort_totals(db, user, now_f), explorer.cohort_totals(db, user, before_f)
        label = questions.COHORTS.get(cohort, "All")
        for reading, word in (("strength", "Strength"), ("improvement", "Area for improvement")):
            compared = analysis.compare_themes(now, totals_now, before, totals_before, reading=reading)
            merged: dict[str, dict] = {}
            for row in compared:  # one row per theme and cohort: pooled where the table pools the cohorts
                slot = merged.setdefault(row["theme_id"], {"now": 0, "before": 0})
                slot["now"] += row["now"]
                slot["before"] += row["before"]
            for slot in merged.values():  # the rule the Themes page uses, on the same counts and bases
                slot["movement"] = analysis.movement(slot["now"], sum(totals_now.values()), slot["before"],
                                                     sum(totals_before.values()))
            top = sorted(merged.items(), key=lambda kv: -kv[1]["now"])[:3]
            for theme_id, values in top:
                if not values["now"]:
                    continue
                theme = names.get(theme_id, theme_id)
                shown = led.count(values["now"], label=f"{heading}: {label}, {theme}")
                rows.append((label, word, theme, shown, led.beside(shown, analysis.MOVEMENT_WORDS[values["movement"]],
                                                                   hidden=analysis.HIDDEN_MOVEMENT)))
            if top and top[0][1]["now"]:
                # A theme's name is QA's words, not a figure, whatever digits it holds.
                theme = led.public(names.get(top[0][0]), label="a theme's name")
                summary.append(f"{label}: the most frequent {word.lower()} was “{theme}”.")
    return Table(heading, ("Placement type", "Strength or area for improvement", "Theme", "Comments",
                           "Against the previous period"), tuple(rows), text_columns=(2,)), summary


def _likert_table(db, user, chosen: periods.Period, led: disclosure.Ledger, form: str, cohorts: tuple[str, ...],
                  bank: questions.Bank, cohort_names: dict[str, str], source: str = "bso_call"
                  ) -> tuple[Table, Chart | None]:
    """% positive per rating question per cohort; cohorts ('all',) pools them. The chart draws the table's
    own percentages, so no bar shows what the table hides."""
    filters = explorer.Filters(chosen.start, chosen.end, source=source)
    counts = explorer.answer_counts(db, user, filters, form)
    if cohorts == ("all",):
        counts = [{**row, "cohort": "all"} for row in counts]
    items = analysis.rating_items(bank.forms[form])
    asked = {c: {i.id for i in bank.forms[form].items_for(cohort=None if c == "all" else c, age_band=None,
                                                           respondent=None)} | (
        {i.id for s in bank.forms[form].sections for i in s.items} if c == "all" else set()) for c in cohorts}
    likert_rows = analysis.likert_rows(items, counts, cohort_names=cohort_names)
    by_item: dict[str, dict[str, dict]] = {}
    for row in likert_rows:
        by_item.setdefault(row["item_id"], {})[row["cohort"]] = row
    rows, drawable, left_out = [], [], 0
    for item in items:
        if item.id not in by_item:
            continue
        cells = [item.text]
        for cohort in cohorts:
            if item.id not in asked[cohort]:
                cells += ["not asked", ""]
                continue
            found = by_item[item.id].get(cohort_names[cohort])
            if not found:
                cells += [led.count(0), suppression.NO_BASE]
                continue
            positive = round(found["percent_positive"] * found["n"] / 100) if found["percent_positive"] is not None else 0
            where = f"% positive: {item.id}, {cohort_names[cohort]}"
            n = led.count(led.atom(found["n"], trends.answer_key(form, item.id, cohort, chosen.start, chosen.end)),
                          label=f"{where} (n)")
            pct = led.percent(positive, found["n"], base_of=n, label=where)
            cells += [n, pct]
            if suppression.percent(positive, found["n"], led.rules).endswith("%"):
                drawable.append({"question": item.text, "cohort": found["cohort"], "percent": pct, "n": n})
            else:
                left_out += 1
        rows.append(tuple(cells))
    columns = ["Question"] + [f"{cohort_names[c]} {what}" for c in cohorts for what in ("n", "% positive")]
    chart = None
    if drawable:
        spec = charts.spec(charts.percent_positive(pd.DataFrame(drawable), order=list(cohort_names.values())))
        chart = Chart("% positive by question", spec,
                      alt="Bars: the share of valid answers that were positive, per question and cohort.",
                      note=f"A question whose % positive the table shows as c is not drawn for that cohort"
                           f" ({led.public(left_out)} left out)." if left_out else "")
    return Table("% positive by question", tuple(columns), tuple(rows),
                 note="% positive = the top two answers over valid answers (not applicable and don't know left out); "
                      "n is that base."), chart


def views(db, user, chosen: periods.Period, led: disclosure.Ledger, bank, names, *, key: str, form: str,
          respondent: str, today: dt.date, facts: list, source: str = "bso_call") -> Section:
    now = _responses(db, chosen.start, chosen.end)
    cohorts = ("mainstream", "kinship")
    cohort_names = {**questions.COHORTS, "none": "No household"}
    counts = [[_sum(now, form, cohort=c)] for c in cohorts]
    if not sum(n for (n,) in counts):
        return Section(key, SECTIONS[key], empty="No feedback was recorded in this period.")
    responses = led.table(counts, column_totals=True, label="Completed feedback by placement type",
                          rows=[questions.COHORTS[c] for c in cohorts])
    led.part(headline(form), responses.terms[(len(cohorts), 0)])  # the headline counts every household
    table = Table("Completed feedback by placement type", ("Placement type", "Responses"),
                  tuple((questions.COHORTS[c], responses.cells[i][0]) for i, c in enumerate(cohorts))
                  + (("Total", responses.column_totals[0]),))
    # Split by placement type only where both cohorts' counts can be shown: otherwise a cohort's n in
    # the question table would give away the count hidden here.
    split = not any(suppression._is_small(n, led.rules) for (n,) in counts)
    likert, chart = _likert_table(db, user, chosen, led, form, cohorts if split else ("all",), bank,
                                  {**cohort_names, "all": "All"}, source)
    cols, now_index, against = trends.columns(chosen, today, first_entry(db))
    groups = [(c, questions.COHORTS[c]) for c in cohorts] if split else [("all", "All")]
    items = analysis.rating_items(bank.forms[form])
    found = [None if c.status else trends.positive_by_item(db, user, form, items, c.start, c.end, pooled=not split,
                                                           source=source) for c in cols]
    trend = trends.table(led, title="% positive over time", form=form, cols=cols, now=now_index, against=against,
                         rows=[(i.id, i.text, g, name) for i in items for g, name in groups], found=found, facts=facts,
                         group_heading="Placement type", today=today)
    top, summary = _themes_table(db, user, chosen, led, respondent=respondent, source=source,
                                 cohorts=cohorts if split else (None,), names=names,
                                 heading="Top strengths and areas for improvement")
    if not split:
        summary.insert(0, "Mainstream and kinship placements are reported together: one of them had too few "
                          "responses to show on its own.")
    tables = (table, likert, trend, top)
    if form == questions.PLACING_AUTHORITY:  # who from the placing authority: by role, never by name
        roles = {r: n for r, n in db.execute(
            """select professional_role, count(*) from responses where deleted_at is null and form = :f
               and outcome = 'completed' and contact_on >= :s and contact_on <= :e group by 1""",
            {"f": form, "s": chosen.start.isoformat(), "e": chosen.end.isoformat()})}
        by_role, grid = _one_column(led, "Who from the placing authority", "Role",
                                    {r: roles.get(r, 0) for r in feedback.PROFESSIONAL_ROLES}, feedback.PROFESSIONAL_ROLES)
        led.same(grid.terms[(len(feedback.PROFESSIONAL_ROLES), 0)], responses.terms[(len(cohorts), 0)])
        authorities = db.execute(
            """select count(distinct lower(placing_authority)) from responses where deleted_at is null and form = :f
               and contact_on >= :s and contact_on <= :e""",
            {"f": form, "s": chosen.start.isoformat(), "e": chosen.end.isoformat()}).fetchone()[0]
        # Councils are not people: how many answered is public.
        summary.insert(0, f"Feedback came from {led.public(authorities, label='placing authorities')} placing "
                          "authorities, by the child's social worker or Independent Reviewing Officer.")
        tables = (table, by_role, likert, trend, top)
    return Section(key, SECTIONS[key], summary=tuple(summary), tables=tables, charts=(chart,) if chart else ())


def children(db, user, chosen: periods.Period, led: disclosure.Ledger, bank, names, today: dt.date,
             facts: list) -> Section:
    bands = {b: n for b, n in db.execute(
        """select age_band, count(*) from responses where deleted_at is null and form = 'child'
           and contact_on >= :s and contact_on <= :e group by age_band""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()})}
    if not sum(bands.values()):
        return Section("children", SECTIONS["children"], empty="No children's views were recorded in this period.")
    shown = led.table([[bands.get(b, 0)] for b in BANDS], column_totals=True, label="Children's views by age band",
                      rows=[questions.AGE_BANDS[b] for b in BANDS])
    led.part(shown.terms[(len(BANDS), 0)], headline("child"))  # completed views are some of all recorded
    responses = Table("Children's views by age band", ("Age band", "Responses"),
                      tuple((questions.AGE_BANDS[b], shown.cells[i][0]) for i, b in enumerate(BANDS))
                      + (("Total", shown.column_totals[0]),))
    answers = {}
    for row in db.query(
        """select r.age_band, a.item_id, a.value, count(*) as n from answers a join responses r on r.id = a.response_id
           where r.deleted_at is null and r.form = 'child' and r.contact_on >= :s and r.contact_on <= :e
           group by 1, 2, 3""", {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()}):
        answers.setdefault((row["age_band"], row["item_id"]), {})[row["value"]] = row["n"]
    rows = []
    for measure, items in CHILD_MEASURES.items():
        cells = [measure]
        for index, (band, item_id) in enumerate(zip(BANDS, items)):
            if item_id is None:
                cells.append("not asked")
                continue
            scale = bank.items[item_id].scale
            summary = analysis.likert(item_id, answers.get((band, item_id), {}), positive=scale.positive,
                                      excluded=scale.excluded)
            if not summary.base:
                cells.append(suppression.NO_BASE)
                continue
            where = f"{measure}, {questions.AGE_BANDS[band]}"
            n = led.count(led.atom(summary.base, trends.answer_key("child", item_id, band, chosen.start, chosen.end)),
                          label=f"{where} (n)")
            led.part(shown.terms[(index, 0)], led.terms(n))  # those who answered are some of the band
            pct = led.percent(summary.positive, summary.base, base_of=n, label=where)
            # Its n would give away the count if the band's is hidden in the age-band table.
            cells.append(led.beside(shown.cells[index][0], led.beside(n, f"{pct} (n={n})")))
        rows.append(tuple(cells))
    key_table = Table("What children said, by age band (% positive, n)",
                      ("Measure",) + tuple(questions.AGE_BANDS[b] for b in BANDS), tuple(rows),
                      note="Under 8s answer on a three-face scale; % positive is the happy face, or 'yes', or the "
                           "top two answers for older children.")
    helped = {h: n for h, n in db.execute(
        """select coalesce(helped_by, 'none'), count(*) from responses where deleted_at is null and form = 'child'
           and contact_on >= :s and contact_on <= :e group by 1""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()})}
    helpers = {**feedback.HELPERS, "none": "Not recorded"}
    keys = [h for h in helpers if h != "none" or helped.get("none")]
    who, grid = _one_column(led, "Who helped the child give their views", "Who helped",
                            {h: helped.get(h, 0) for h in keys}, helpers)
    led.same(grid.terms[(len(keys), 0)], shown.terms[(len(BANDS), 0)])  # the same children as the age-band table
    independent = led.count(disclosure.plus(grid.terms[(keys.index("alone"), 0)],
                                            grid.terms[(keys.index("advocate"), 0)]),
                            label="Children who gave their views on their own or with an advocate")
    cols, now_index, against = trends.columns(chosen, today, first_entry(db))
    found = [None if c.status else trends.positive_by_band(db, bank, CHILD_MEASURES, BANDS, c.start, c.end)
             for c in cols]
    trend = trends.table(led, title="What children said over time (% positive, n)", form="child", cols=cols,
                         now=now_index, against=against, found=found, facts=facts, group_heading="Age band",
                         rows=[(item_id, measure, band, questions.AGE_BANDS[band]) for measure, items in
                               CHILD_MEASURES.items() for band, item_id in zip(BANDS, items) if item_id],
                         today=today)
    top, summary = _themes_table(db, user, chosen, led, respondent="child", source="annual_review", cohorts=(None,),
                                 names=names, heading="What children said most: strengths and areas for improvement")
    summary.append(f"Of the children who gave their views, {independent} did so on their own or with an advocate or "
                   "independent adult, not with their carer or social worker.")
    return Section("children", SECTIONS["children"], summary=tuple(summary),
                   tables=(responses, who, key_table, trend, top))


def case_file_audits(db, user, chosen: periods.Period, led: disclosure.Ledger, names,
                     redact_names: frozenset[str]) -> Section:
    programme = audit_section.report_part(db, chosen.start, chosen.end, led, names, redact_names)
    who = {w: n for w, n in db.execute(
        """select respondent, count(*) from responses where deleted_at is null and form = 'audit'
           and contact_on >= :s and contact_on <= :e group by respondent""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()})}
    if not sum(who.values()) and not programme.tables:
        return Section("audits", SECTIONS["audits"],
                       empty="No case-file audit was drawn and no audit feedback was recorded in this period.")
    summary, tables = list(programme.summary), list(programme.tables)
    if sum(who.values()):
        order = list(questions.RESPONDENTS)
        shown = led.table([[who.get(k, 0)] for k in order], column_totals=True, label="Audit feedback by who was asked",
                          rows=[questions.RESPONDENTS[k] for k in order])
        led.part(shown.terms[(len(order), 0)], headline("audit"))  # completed feedback is some of all recorded
        tables.append(Table("Audit feedback by who was asked", ("Respondent", "Responses"),
                            tuple((questions.RESPONDENTS[k], shown.cells[i][0]) for i, k in enumerate(order))
                            + (("Total", shown.column_totals[0]),)))
        top, said = _themes_table(db, user, chosen, led, respondent=None, source="case_audit", cohorts=(None,),
                                  names=names, heading="Themes in audit feedback")
        summary += [s.replace("All: the most", "In audit feedback, the most", 1) for s in said]
        tables.append(top)
    return Section("audits", SECTIONS["audits"], summary=tuple(summary), tables=tuple(tables))


MAX_DIRECT_WORK_EXAMPLES = 25  # a national service records thousands a quarter; the report shows examples


def direct_work(db, chosen: periods.Period, led: disclosure.Ledger, names: frozenset[str]) -> Section:
    rows = list(db.query(
        # Flagged work is left out of the count as well as the list: a count one above the rows listed would
        # say that a safeguarding concern was raised (the methods note says flagged entries are left out).
        """select title, contact_on, respondent from responses where deleted_at is null and form = 'direct_work'
           and safeguarding = 0 and contact_on >= :s and contact_on <= :e order by contact_on""",
        {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()}))
    if not rows:
        return Section("direct_work", SECTIONS["direct_work"], empty="No direct work was recorded in this period.")
    shown = led.count(len(rows), label="Examples of direct work recorded")
    if suppression._is_small(len(rows), led.rules):
        return Section("direct_work", SECTIONS["direct_work"],
                       summary=(f"Examples of direct work recorded: {shown}. They are not listed because there are so few.",))
    latest = rows[::-1][:MAX_DIRECT_WORK_EXAMPLES]
    led.part(led.terms(shown), led.terms(led.count(len(latest), fixed=True)))  # the rows listed are seen
    examples = tuple((dates.month(x["contact_on"]),
                      redaction.redact(x["title"], names=names).text,
                      questions.RESPONDENTS.get(x["respondent"], "")) for x in latest[::-1])
    listed = "" if len(rows) <= len(latest) else f" The {led.public(len(latest))} most recent are listed."
    return Section("direct_work", SECTIONS["direct_work"],
                   summary=(f"Examples of direct work recorded: {shown}.{listed}",),
                   tables=(Table("Examples of direct work", ("Month", "Work", "With"), examples, text_columns=(1,)),))


def _one_column(led: disclosure.Ledger, title: str, heading: str, counts: dict, words: dict
                ) -> tuple[Table, disclosure.Grid]:
    """A one-column table of counts with its total, registered with the ledger."""
    grid = led.table([[n] for n in counts.values()], column_totals=True, label=title,
                     rows=[str(words[k]) for k in counts])
    return Table(title, (heading, "Number"), tuple((words[k], grid.cells[i][0]) for i, k in enumerate(counts))
                 + (("Total", grid.column_totals[0]),)), grid


def complaints(db, chosen: periods.Period, led: disclosure.Ledger, names: dict[str, str], today: dt.date,
               redact_names: frozenset[str] = frozenset()) -> Section:
    found = representations.counts(db, chosen.start, chosen.end, today=today)
    if not sum(found["by_kind"].values()):
        return Section("complaints", SECTIONS["complaints"], empty="Nothing was logged in this period.")
    received, kinds = _one_column(led, "Received", "Type", found["by_kind"], representations.KINDS)
    by_source, sources = _one_column(led, "Who they came from", "From", found["by_source"], representations.FROM)
    by_stage, stages = _one_column(led, "Complaints by the stage they reached", "Stage", found["by_stage"],
                                   representations.STAGES)
    by_outcome, outcomes = _one_column(led, "Complaint outcomes", "Outcome", found["outcomes"],
                                       representations.OUTCOMES)
    # The reader can add these up across tables: everything logged came from someone, every complaint is at
    # a stage, and some complaints have an outcome.
    kind = {k: kinds.terms[(i, 0)] for i, k in enumerate(found["by_kind"])}
    led.same(kinds.terms[(len(kind), 0)], sources.terms[(len(found["by_source"]), 0)])
    led.same(kind["complaint"], stages.terms[(len(found["by_stage"]), 0)])
    led.part(kind["complaint"], outcomes.terms[(len(found["outcomes"]), 0)])
    complaints = found["by_kind"]["complaint"]
    theme_rows = sorted(found["themes"].items(), key=lambda kv: -kv[1])[:5]
    by_theme = Table("Most common themes", ("Theme", "Number"),
                     tuple((names.get(t, t), led.count(n, label=f"Complaints, comments and compliments about "
                                                                 f"{names.get(t, t)}")) for t, n in theme_rows))
    # Children who got in touch: whether an advocate was offered and taken up (some of those from children).
    child = sources.terms[(list(found["by_source"]).index("child"), 0)]
    offered = led.count(found["advocacy_offered"], label="Children offered an advocate")
    taken = led.count(found["advocacy_taken"], label="Children who took up an advocate")
    led.part(child, led.terms(offered))
    led.part(led.terms(offered), led.terms(taken))
    advocacy = Table("Advocacy for children and young people", ("Measure", "Number"),
                     (("From children and young people", sources.cells[list(found["by_source"]).index("child")][0]),
                      ("Offered an advocate", offered), ("Took up an advocate", taken)),
                     note="Recorded on the log for children and young people only.")
    responded = led.count(found["responded"], label="Complaints responded to at stage 1")
    led.part(kind["complaint"], led.terms(responded))
    summary = [f"{led.count(kind['complaint'])} complaints, {led.count(kind['compliment'])} compliments and "
               f"{led.count(kind['comment'])} comments were received.",
               f"Stage 1 responses in time: "
               f"{led.percent(found['in_time'], found['responded'], base_of=responded, label='Stage 1 in time')} "
               f"(of {responded} responded to)."]
    # Learning is typed by staff about a complaint: names, numbers and addresses go as in quotes. Its rows are
    # seen, so they say that there were at least as many complaints.
    learning = tuple(redaction.redact(x, names=redact_names).text for x in found["learning"][:5]) \
        if not suppression._is_small(complaints, led.rules) else ()
    if learning:
        led.part(kind["complaint"], led.terms(led.count(len(learning), fixed=True)))
    tables = (received, by_source, by_stage, by_outcome, by_theme, advocacy)
    if learning:
        tables += (Table("Learning from complaints", ("What we learned",), tuple((x,) for x in learning),
                         text_columns=(0,)),)
    return Section("complaints", SECTIONS["complaints"], summary=tuple(summary), tables=tables)


def _came_back(db, user, chosen: periods.Period, led: disclosure.Ledger, names: dict[str, str], today: dt.date,
               clean) -> Table | None:
    """For each action done in the year to the period's end: each theme's share of comments as a concern in the
    quarter the feedback came from, and since the action closed. Did it come back?"""
    since = chosen.end - dt.timedelta(days=365)
    done = list(db.query(
        """select * from actions where status = 'done' and closed_on is not null and closed_on >= :since
           and closed_on <= :end order by closed_on""", {"since": since.isoformat(), "end": chosen.end.isoformat()}))
    rows = []
    until = min(chosen.end, today)
    for action in done:
        closed = dt.date.fromisoformat(action["closed_on"])
        quarter = periods.Quarter.parse(action["from_quarter"])
        for theme in json.loads(action["theme_ids"]):
            base = dict(respondent=action["respondent"], cohort=action["cohort"])
            before = explorer.raised(db, user, explorer.Filters(quarter.start, quarter.end, **base), theme)
            after = explorer.raised(db, user, explorer.Filters(closed + dt.timedelta(days=1), until, **base), theme)
            where = f"{names.get(theme, theme)} after “{action['said'][:40]}”"
            shares = []
            for (n, total), when in ((before, quarter.label), (after, "since")):
                total_shown = led.count(total, label=f"Comments, {where}, {when}")
                shares.append((led.percent(n, total, base_of=total_shown, label=f"Share as a concern: {where}, {when}"),
                               total_shown))
            moved = analysis.movement(after[0], after[1], before[0], before[1])
            words = {"rising": "▲ came back", "falling": "▼ fell away", "steady": "steady"}.get(
                moved, analysis.MOVEMENT_WORDS[moved])
            if moved != "too few to compare":
                words = led.beside(shares[0][0], led.beside(shares[1][0], words, hidden=analysis.HIDDEN_MOVEMENT),
                                   hidden=analysis.HIDDEN_MOVEMENT)
            cells = [f"{pct} of {total}" if count[1] else NO_DATA for (pct, total), count in zip(shares, (before, after))]
            rows.append((clean(action["said"]), names.get(theme, theme), dates.long_day(closed), *cells, words))
    if not rows:
        return None
    return Table("Did it come back? Each theme as a concern before and after the action", (
        "You said", "Theme", "Closed", "Share before (of comments)", "Share since (of comments)", "Since then"),
        tuple(rows), text_columns=(0, 1),
        note="Before: the quarter the feedback came from. Since: from the day after the action closed to the end of "
             f"this period (or today). Share: comments raising the theme as an area for improvement, of all comments "
             f"from the same people (placement type and respondent as the action names them). A move of "
             f"{led.public(int(analysis.MOVEMENT_POINTS))} points or more is shown; fewer than "
             f"{led.public(analysis.MIN_COMPARE_BASE)} comments on either side is too few to compare.")


def you_said_we_did(db, user, chosen: periods.Period, led: disclosure.Ledger, names: dict[str, str], today: dt.date,
                    redact_names: frozenset[str] = frozenset()) -> Section:
    found = actions.for_period(db, chosen.start, chosen.end, today=today)
    if not any(found.values()):
        return Section("actions", SECTIONS["actions"], empty="No actions were opened, progressed or closed in this period.")

    def clean(words: str | None) -> str:  # what people said, in staff's words: redacted as quotes are
        return redaction.redact(words or "", names=redact_names).text

    def rows(items):
        return tuple((clean(a["said"]), clean(a["did"] or a["will_do"]), a["owner"], actions.STATUSES[a["status"]],
                      dates.long_day(a["closed_on"]) if a["closed_on"] else
                      (dates.long_day(a["due_on"]) if a["due_on"] else "not set"),
                      ", ".join(names.get(t, t) for t in json.loads(a["theme_ids"]))) for a in items)

    columns = ("You said", "We did / we will", "Owner", "Status", "Due (or closed)", "Themes")
    tables = tuple(Table(title, columns, rows(found[key]), text_columns=(0, 1, 2)) for key, title in (
        ("opened", "Opened this period"), ("progressed", "Progressed this period"), ("closed", "Closed this period"),
        ("overdue", "Still open and overdue")) if found[key])
    back = _came_back(db, user, chosen, led, names, today, clean)
    if back:
        tables += (back,)
    # Actions are the service's, not people's: their numbers are not suppressed.
    n = {key: led.public(len(found[key]), label=f"actions {key}") for key in found}
    summary = (f"{n['opened']} actions opened, {n['progressed']} progressed and {n['closed']} closed in the period; "
               f"{n['overdue']} open actions are overdue.",)
    return Section("actions", SECTIONS["actions"], summary=summary, tables=tables)


SECTIONS = {
    "findings": "Key findings",
    "headlines": "Headline numbers",
    "kpis": "How much are we doing",
    "compliance": "Business support calls: the monthly minimum",
    "coverage": "Who we heard from",
    "carers": "Foster carers' and kinship carers' views",
    "parents": "Birth parents' views",
    "children": "Children's and young people's views",
    "placing": "Placing authorities' views",
    "audits": "Case-file audits",
    "direct_work": "Direct work and targeted feedback",
    "complaints": "Compliments, comments and complaints",
    "actions": "You said, we did",
    "methods": "Methods, data and small numbers",
    **reg35.SECTIONS,  # the quality-of-care review's own parts, in a year's report
}


# ---- Quotes -----------------------------------------------------------------------------------


def redaction_names(db: sqlite_utils.Database) -> frozenset[str]:
    """Names known to the register and the users table, plus QA's list of extra names and places."""
    sources = [r[0] for r in db.execute("select display_name from households")]
    sources += [r[0] for r in db.execute("select display_name from users")]
    extra = [n.strip() for n in settings.get(db, "redaction_names").split(",") if n.strip()]
    return redaction.name_terms(sources) | frozenset(extra)


# ---- Building the report ----------------------------------------------------------------------


def _responses(db, start: dt.date, end: dt.date) -> dict[tuple[str, str, str | None], int]:
    counts = {}
    for row in store.cached_query(
        db, """select form, outcome, cohort, count(*) as n from responses
               where deleted_at is null and contact_on >= :start and contact_on <= :end group by 1, 2, 3""",
        {"start": start.isoformat(), "end": end.isoformat()}):
        counts[(row["form"], row["outcome"], row["cohort"])] = row["n"]
    return counts


def _sum(counts: dict, form: str, *, outcome: str | None = "completed", cohort: str | None = "any") -> int:
    return sum(n for (f, o, c), n in counts.items()
               if f == form and (outcome is None or o == outcome) and (cohort == "any" or c == cohort))


def _comments(db, start: dt.date, end: dt.date) -> int:
    return store.cached_query(db, """select count(*) as n from comments c join responses r on r.id = c.response_id
                                     where r.deleted_at is null and r.contact_on >= :s and r.contact_on <= :e""",
                              {"s": start.isoformat(), "e": end.isoformat()})[0]["n"]


NO_DATA = trends.NO_DATA


def first_entry(db) -> dt.date | None:
    """The day of the service's first entry of any kind, or None before there is one."""
    found = db.execute("select min(contact_on) from responses where deleted_at is null").fetchone()[0]
    return dt.date.fromisoformat(found) if found else None


HEADLINE_FORMS = ("carer", "parent", "child", "audit", "direct_work", "placing_authority")


def headline(form: str) -> disclosure.Terms:
    """The atom behind the headline count of completed feedback of a form in the period, as other sections tie to it."""
    return {f"headline:{form}": 1}


def _headline_measures(db, start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    """The headline's measures over a range of days, the forms' counts first (in HEADLINE_FORMS order)."""
    counts = _responses(db, start, end)
    missed = sum(_sum(counts, f, outcome=o) for f in ("carer", "parent") for o in ("no_answer", "declined", "wrong_number"))
    return [("Carer feedback calls completed", _sum(counts, "carer")),
            ("Birth-parent feedback calls completed", _sum(counts, "parent")),
            ("Children's views at Annual Reviews", _sum(counts, "child")),
            ("Case-file audit feedback", _sum(counts, "audit")),
            ("Direct work and targeted feedback", _sum(counts, "direct_work")),
            ("Placing authority feedback", _sum(counts, "placing_authority")),
            ("Calls not answered, declined or wrong number", missed),
            ("Free-text comments", _comments(db, start, end))]


def headlines(db, chosen: periods.Period, led: disclosure.Ledger, today: dt.date | None = None) -> Section:
    now = _headline_measures(db, chosen.start, chosen.end)
    before = _headline_measures(db, chosen.previous_start, chosen.previous_end)
    so_far = today is not None and chosen.start <= today < chosen.end
    # Like for like: a period in progress is also set against the same number of days of the one before.
    same_end = chosen.previous_start + (today - chosen.start) if so_far else None
    same = _headline_measures(db, chosen.previous_start, same_end) if so_far else None
    forms = HEADLINE_FORMS
    # Before the service's first entry there is no data, not nothing: the previous period then says so.
    first = first_entry(db)
    before_any = first is None or chosen.previous_end < first
    rows = []
    for i, ((label, a), (_, b)) in enumerate(zip(now, before)):
        shown_now = led.count(led.atom(a, f"headline:{forms[i]}") if i < len(forms) else a, label=label)
        whole = led.atom(b)
        cells = [NO_DATA if before_any else led.count(whole, label=f"{label}, {chosen.previous_label}")]
        if same is not None:
            part = led.atom(same[i][1])
            led.part(whole, part)  # its first days are some of the whole period
            cells.insert(0, NO_DATA if before_any else led.count(part, label=f"{label}, {chosen.previous_label} "
                                                                               "(same days)"))
        rows.append((label, shown_now, *cells))
    if before_any:
        then = f"no data for {chosen.previous_label}, before the first entry on {dates.long_day(first)}"
    elif so_far:
        then = (f"{rows[0][2]} in the same {led.public((today - chosen.start).days + 1)} days of "
                f"{chosen.previous_label}, {rows[0][3]} in the whole of it")
    else:
        then = f"{rows[0][2]} in {chosen.previous_label}"
    summary = (f"{rows[0][1]} carer feedback calls were completed "
               + (f"so far this period, to {dates.long_day(today)} ({then})." if so_far else f"this period ({then})."),
               f"{rows[2][1]} children and young people gave their views at an Annual Review"
               + (" so far." if so_far else "."))
    columns = ("Measure", chosen.short + (" (to date)" if so_far else ""))
    if so_far:
        columns += (f"{chosen.previous_label}, first {led.public((today - chosen.start).days + 1)} days",
                    f"{chosen.previous_label}, whole")
    else:
        columns += (chosen.previous_label,)
    return Section("headlines", SECTIONS["headlines"], summary=summary,
                   tables=(Table("Feedback received", columns, tuple(rows),
                                 note="A period in progress is set against the same number of days at the start of "
                                      "the period before (like for like) and against the whole of it."
                                 if so_far else ""),))


def bso_compliance(db, user: User, chosen: periods.Period, led: disclosure.Ledger, today: dt.date) -> Section:
    rows = compliance.table(db, user, first=chosen.start, last=min(chosen.end, today), today=today) \
        if chosen.start <= today else []
    if not rows:
        return Section("compliance", SECTIONS["compliance"], empty="No months of this period have started yet.")
    by_month: dict[dt.date, list] = {}
    for row in rows:
        by_month.setdefault(row.month, []).append(row)
    months = sorted(by_month.items())
    with_data = [(m, entries) for m, entries in months if not entries[0].no_data]
    if not with_data:
        return Section("compliance", SECTIONS["compliance"],
                       empty="No BSO call had been recorded by the end of this period: there is no data to measure.")
    # The families' counts are suppressed as one table with its totals, so no month can be worked out
    # from the quarter's total in the headline numbers.
    families = led.table([[sum(e.carers for e in entries), sum(e.parents for e in entries)]
                          for _, entries in with_data], column_totals=True, label="BSOs against the monthly minimum",
                         rows=[dates.month(m) for m, _ in with_data], columns=["carer feedback", "birth-parent feedback"])
    for column, form in enumerate(("carer", "parent")):  # BSOs' calls are some of the headline's
        led.part(headline(form), families.terms[(len(with_data), column)])
    cells = {m: families.cells[i] for i, (m, _) in enumerate(with_data)}
    table_rows = []
    staff = led.public  # counts of staff are not suppressed
    for month, entries in months:
        met = sum(1 for e in entries if e.met)
        # A month still running has not been failed yet: who has met the minimum so far, and no "below it".
        # A month before the service's first call is no data: nobody was calling then.
        if entries[0].no_data:
            table_rows.append((dates.month(month), staff(len(entries)), NO_DATA, NO_DATA, NO_DATA, NO_DATA, ""))
            continue
        below = "in progress" if entries[0].in_progress else staff(len(entries) - met)
        table_rows.append((dates.month(month) + (" (to date)" if entries[0].in_progress else ""),
                           staff(len(entries)), staff(met), below, *cells[month],
                           staff(len(entries) * (entries[0].minimum_carers + entries[0].minimum_parents))))
    table_rows.append(("All months", "", "", "", *families.column_totals, ""))
    ended = [e for e in rows if e.counted]
    running = sorted({dates.month(e.month) for e in rows if e.in_progress})
    before = sorted({e.month for e in rows if e.no_data})
    total_met = sum(1 for e in ended if e.met)
    summary = [f"BSOs met the monthly minimum in {staff(total_met)} of {staff(len(ended))} BSO months that have ended "
               f"({staff(round(100 * total_met / len(ended)))}%). A BSO month is one BSO's calendar month; a BSO who "
               "recorded nothing counts as not meeting it." if ended else "No month of this period with data has ended yet."]
    if running:
        summary.append(f"{', '.join(running)} is still in progress: shown to date, not counted as met or missed.")
    if before:
        summary.append(f"No BSO call was recorded before {dates.month(periods.month_end(before[-1]) + dt.timedelta(days=1))}: "
                       f"{'that month is' if len(before) == 1 else 'those months are'} no data, neither met nor missed.")
    tables = [Table(
        "BSOs against the monthly minimum",
        ("Month", "BSOs", "Met the minimum", "Below it", "Carer feedback", "Birth-parent feedback", "Target calls"),
        tuple(table_rows), note="Counts of staff are not suppressed; counts of families are.")]
    teams: dict[str, list] = {}
    for e in ended:
        teams.setdefault(e.team or "No team", []).append(e)
    if teams:
        tables.append(Table(
            "BSOs against the monthly minimum, by team (months that have ended)",
            ("Team", "BSO months", "Met the minimum", "Below it", "% met"),
            tuple((team, staff(len(es)), staff(sum(e.met for e in es)), staff(sum(not e.met for e in es)),
                   f"{staff(round(100 * sum(e.met for e in es) / len(es)))}%")
                  for team, es in sorted(teams.items())),
            note="A BSO month is one BSO's calendar month. Counts of staff are not suppressed."))
    return Section("compliance", SECTIONS["compliance"], summary=tuple(summary), tables=tuple(tables))


def methods(db, chosen: periods.Period, led: disclosure.Ledger, as_of: str) -> Section:
    versions = [v for (v,) in db.execute(
        """select distinct bank_version from responses where deleted_at is null and contact_on >= :s
           and contact_on <= :e order by 1""", {"s": chosen.start.isoformat(), "e": chosen.end.isoformat()})]
    summary = (
        "Sources: BSOs' monthly calls to carers and birth parents, children's views at the carer's Annual Review, "
        "feedback gathered in case-file audits, examples of direct work, and feedback from placing authorities "
        "(the child's social worker or Independent Reviewing Officer).",
        f"Question bank version(s): {led.public(', '.join(versions) or 'none in this period')}; theme codebook "
        f"version {led.public(codebook.current_version(db))}.",
        "% positive is the top two answers over valid answers, with not applicable and don't know left out.",
        "Themes are suggested by the codebook's triggers and confirmed, removed or added by managers and QA.",
        "Case-file audit grades count once a senior manager has moderated them; a case belongs to the quarter of "
        "its audit programme.",
        "Quotes are used only where the person agreed to be quoted anonymously, after names, schools, places, dates "
        "of birth, NHS numbers, phone numbers, e-mail addresses and postcodes were removed, and QA checked each. "
        "Anything flagged as a safeguarding concern is left out.",
        f"Small numbers: {led.public(suppression.describe(led.rules))}.",
        f"Data as of {dates.moment(as_of, zone=True)}.",
    )
    return Section("methods", SECTIONS["methods"], summary=summary)
