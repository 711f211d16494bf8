"""Fictional feedback for the demo: 18 months of calls, Annual Reviews, audits, direct work and placing authorities.

Written through feedback.record, the same path the forms use, so the demo obeys every rule.
The comments are made up from phrase lists: praise, complaints, mixed, short, long, typos, and a
few with names, phone numbers, e-mails and postcodes that redaction must catch.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlite_utils

from lib import periods, store, working_days
from lib.capture import feedback, follow_ups, questions
from lib.log import actions, representations
from lib.people import accounts
from lib.periods import Quarter

MONTHS = 18

CARER_GOOD = [
    "Our supervising social worker {staff} is brilliant, always rings back the same day.",
    "Supervision is really useful, {staff} actually listens and helps us think things through.",
    "The therapeutic parenting training was excellent and I use it every day.",
    "Coffee mornings with other carers are a lifeline for me.",
    "The children are settled and doing really well at school this term.",
    "We had a respite weekend in the summer which made a huge difference to all of us.",
    "Out of hours were great when we rang on a Sunday night, calm and helpful.",
    "Feel like part of the team at the LAC review, our views were asked for.",
    "Allowances always paid on time, no complaints there.",
    "Good support",
    "all fine thank you",
    "The buddy scheme has been fantastic, my mentor rings every fortnight.",
    "Really supportive team, cant fault them.",
    "Delegated authority is much clearer now, we could sign the school trip form ourselves.",
]
CARER_BAD = [
    "Allowances were paid late again this month, three weeks now and we are out of pocket.",
    "Out of hours never answered when we had a crisis on Saturday night, I rang the EDT four times.",
    "We were not told about his behaviour before the placement, the referral left a lot out.",
    "Contact keeps getting cancelled at short notice and the children are really upset afterwards.",
    "I have had three different social workers this year and have to explain everything again.",
    "The CAMHS waiting list is over a year, she needs help now.",
    "nobody calls back, left 4 messages for my SSW last week",
    "Would be good to have evening training sessions as I work during the day.",
    "Respite is impossible to get, we have not had a break in over a year.",
    "Decisions get made about the child without asking us, we are not treated as professionals.",
    "Mileage claims take forever to come through.",
    "The allegation process was awful, no information and we felt treated as guilty.",
    "Not supportive at all when we asked for help with school.",
    "Emails are not returned and I am left chasing for updates.",
]
KINSHIP_BAD = [
    "We took the children in overnight with no notice and didn't know what our options were.",
    "The assessment took ages and the paperwork was overwhelming, nobody explained the SGO route.",
    "Money is really tight, the allowance doesn't cover school uniform or the bigger car we need.",
    "Things with my daughter (their mum) are very difficult, she turns up unannounced and shouts.",
    "I'm 68 and my health isn't great, some days I'm exhausted and struggling to cope.",
    "We need a bigger house, the boys are sharing a box room.",
    "Didnt know there was a kinship support group until last month.",
    "Training is aimed at foster carers not grandparents like us.",
]
KINSHIP_GOOD = [
    "The kinship team helped us with the legal advice for the special guardianship order.",
    "The kinship support group has been wonderful, people who understand.",
    "Our worker helped us manage family time with their dad, it is much calmer now.",
]
PARENT_GOOD = [
    "I get photos and updates from the carer which means a lot to me.",
    "The carer is lovely with her and always makes me feel welcome at handovers.",
    "He looks happy and healthy, they are doing a good job.",
    "They keep his culture and religion going, took him to the mosque for Eid.",
    "I feel listened to at the reviews now.",
]
PARENT_BAD = [
    "Nobody tells me how he is doing at school, I have to ask every time.",
    "The contact centre is two buses away and I can't always afford the fare.",
    "I felt judged at the review, like nobody wanted to hear me.",
    "There's no support for me since the court case finished.",
    "Contact got cancelled again and no one rang me.",
    "I'd like more than one phone call a week with my kids.",
]
CHILD_GOOD = [
    "I like my bedroom and my cat Biscuit.",
    "Football on Saturdays is the best thing.",
    "They are kind to me and help with my homework.",
    "I feel safe here.",
    "nothing its good here",
    "I went on holiday to the seaside with them!!",
    "My carer listens to me when I'm upset.",
]
CHILD_BAD = [
    "I want to see my brother more.",
    "My social worker keeps changing and I don't know who she is.",
    "I want to be allowed to go into town with my friends like everyone else.",
    "I get picked on at school sometimes.",
    "I don't really understand why I can't live with mum.",
    "The rules are too strict about my phone.",
]
IDENTIFYING = [
    " You can ring me on 07700 900{n:03d} if you want to talk more.",
    " My email is carer{n}@example.com if that is easier.",
    " We live near {postcode} so the drive is long.",
    " Please tell Mrs {surname} thank you from us.",
]
POSTCODES = ["WR1 2AB", "WR9 8DQ", "B60 1AA", "DY10 3PL", "HR1 9ZZ"]
SAFEGUARDING = [
    "Child said he was scared of mum's new boyfriend at contact last week.",
    "Young person mentioned going missing overnight and staying with older friends.",
    "Parent said the child had a bruise that nobody could explain.",
]
DIRECT_WORK = [
    ("Life-story session", "child", "Worked through the life-story book together; the child was proud of the photos "
                                    "and asked to add their football medal."),
    ("Carers' forum", "carer", "Carers at the forum said the new payments calendar has helped, but asked for evening "
                               "training and a named out-of-hours contact."),
    ("Children in Care Council", "child", "Young people asked for more say in who their social worker is and for "
                                          "wifi in the contact centre."),
    ("Parents' drop-in", "birth_parent", "Two parents said updates with photos make a real difference; one asked for "
                                         "help with travel costs to family time."),
    ("Kinship support group", "carer", "Grandparent carers said they did not know their options at the start and "
                                       "would like a simple leaflet about SGOs and allowances."),
]


def _answer(rng: random.Random, item: questions.Item, mood: float) -> str | None:
    """A plausible answer: mood near 1 leans positive, near 0 negative; some items left unanswered."""
    options = [o.code for o in item.scale.options]
    if not item.required and rng.random() < 0.12:
        return None
    valid = [o for o in options if o not in item.scale.excluded]
    if item.scale.excluded and rng.random() < 0.06:
        return rng.choice(sorted(item.scale.excluded))
    positive = [o for o in valid if o in item.scale.positive]
    if rng.random() < mood:
        return rng.choice(positive or valid)
    rest = [o for o in valid if o not in item.scale.positive] or valid
    return rng.choice(rest)


def _comment(rng: random.Random, good: list[str], bad: list[str], mood: float, staff: list[str], surnames: list[str],
             n: int) -> tuple[str, bool] | None:
    if rng.random() < 0.25:
        return None
    pool = good if rng.random() < mood else bad
    body = rng.choice(pool).format(staff=rng.choice(staff))
    if rng.random() < 0.3:
        body += " " + rng.choice(good + bad).format(staff=rng.choice(staff))
    if rng.random() < 0.08:
        body += rng.choice(IDENTIFYING).format(n=n % 1000, postcode=rng.choice(POSTCODES),
                                               surname=rng.choice(surnames))
    return body, rng.random() < 0.7


def _answers(rng, bank, form_name, context, mood, texts, staff, surnames, n):
    form = bank.forms[form_name]
    answers, comments = {}, {}
    for item in form.items_for(**context):
        if item.scale.is_text:
            good, bad = texts
            made = _comment(rng, good, bad, mood, staff, surnames, n)
            if made:
                comments[item.id] = {"text": made[0], "consent": made[1]}
        else:
            value = _answer(rng, item, mood)
            if value is not None:
                answers[item.id] = value
    return answers, comments


def load(db: sqlite_utils.Database, *, seed: int, today: dt.date) -> dict:
    """Write 18 months of fictional feedback into a demo database that already has staff and households."""
    rng = random.Random(seed)
    bank = questions.current(db)
    staff_by_role: dict[str, list] = {}
    for row in db.query("select u.id, r.role from users u join user_roles r on r.user_id = u.id order by u.id"):
        staff_by_role.setdefault(row["role"], []).append(accounts.load(db, row["id"]))
    staff_names = [u.display_name.split(" (")[0] for u in staff_by_role["social_worker"]]
    households = list(db.query("select id, cohort, display_name from households where status = 'active'"))
    surnames = sorted({h["display_name"].split()[-1] for h in households})
    first = periods.month_start(today)
    for _ in range(MONTHS - 1):
        first = periods.month_start(first - dt.timedelta(days=1))
    months = periods.months_between(first, today)
    counts = {"carer": 0, "parent": 0, "attempts": 0, "child": 0, "audit": 0, "direct_work": 0}
    n = 0

    def day_in(month: dt.date) -> dt.date:
        last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return month + dt.timedelta(days=rng.randint(0, (min(last, today) - month).days))

    def save(user, form_name, entry, day):
        nonlocal n
        n += 1
        moment = dt.datetime.combine(day, dt.time(9 + rng.randint(0, 7), rng.randint(0, 59)), dt.timezone.utc)
        return feedback.record(db, user, form_name, entry, today=today, bank=bank, now=min(moment, store.utcnow()),
                               submission_key=f"demo-{seed}-{n}")

    for month in months:
        current = month == periods.month_start(today)
        for index, bso in enumerate(staff_by_role["bso"]):
            # Most BSOs meet the minimum most months; one or two fall behind; the demo bso is behind this month.
            reliable = 0.85 if index % 4 else 0.6
            targets = {"carer": 2 + (rng.random() < 0.4), "parent": 2 + (rng.random() < 0.3)}
            for form_name, target in targets.items():
                if rng.random() > reliable:
                    target = rng.randint(0, 1)
                if current:
                    target = 1 if index == 0 and form_name == "carer" else (0 if index == 0 else rng.randint(0, 2))
                for _ in range(rng.randint(0, 2)):
                    household = rng.choice(households)
                    day = day_in(month)
                    save(bso, form_name, {"household_id": household["id"], "contact_on": day,
                                          "method": "phone", "outcome": rng.choice(["no_answer", "no_answer",
                                                                                     "declined", "wrong_number"]),
                                          "relationship": rng.choice(["mother", "father"])}, day)
                    counts["attempts"] += 1
                for _ in range(target):
                    household = rng.choice(households)
                    cohort = household["cohort"]
                    mood = 0.72 if cohort == "mainstream" else 0.55
                    if form_name == "carer":
                        good = CARER_GOOD + (KINSHIP_GOOD if cohort == "kinship" else [])
                        bad = CARER_BAD + (KINSHIP_BAD * 2 if cohort == "kinship" else [])
                    else:
                        good, bad = PARENT_GOOD, PARENT_BAD
                    answers, comments = _answers(rng, bank, form_name, {"cohort": cohort, "age_band": None,
                                                                        "respondent": None}, mood, (good, bad),
                                                 staff_names, surnames, n)
                    entry = {"household_id": household["id"], "cohort": cohort, "contact_on": day_in(month),
                             "method": rng.choice(["phone"] * 8 + ["visit", "email"]), "outcome": "completed",
                             "relationship": rng.choice(["mother", "mother", "father", "other"]),
                             "parent_reference": f"P{rng.randint(100000, 999999)}" if rng.random() < 0.5 else "",
                             "answers": answers, "comments": comments,
                             "callback": rng.random() < 0.06}
                    if entry["callback"]:
                        entry["callback_note"] = "Wants to talk about respite."
                    save(bso, form_name, entry, entry["contact_on"])
                    counts[form_name] += 1
        for _ in range(rng.randint(10, 18)):
            worker = rng.choice(staff_by_role["social_worker"])
            household = rng.choice(households)
            band = rng.choice(["under_8", "8_11", "8_11", "12_plus", "12_plus"])
            answers, comments = _answers(rng, bank, "child", {"cohort": household["cohort"], "age_band": band,
                                                              "respondent": "child"}, 0.75,
                                         (CHILD_GOOD, CHILD_BAD), staff_names, surnames, n)
            entry = {"household_id": household["id"], "cohort": household["cohort"], "age_band": band,
                     "child_reference": f"C{rng.randint(100000, 999999)}", "contact_on": day_in(month),
                     "helped_by": rng.choice(list(feedback.HELPERS)), "answers": answers, "comments": comments}
            save(worker, "child", entry, entry["contact_on"])
            counts["child"] += 1
        for _ in range(rng.randint(3, 8)):
            manager = rng.choice(staff_by_role["manager"])
            household = rng.choice(households)
            respondent = rng.choice(["carer", "birth_parent", "child"])
            band = rng.choice(list(questions.AGE_BANDS)) if respondent == "child" else None
            texts = {"carer": (CARER_GOOD, CARER_BAD), "birth_parent": (PARENT_GOOD, PARENT_BAD),
                     "child": (CHILD_GOOD, CHILD_BAD)}[respondent]
            answers, comments = _answers(rng, bank, "audit", {"cohort": household["cohort"], "age_band": band,
                                                              "respondent": respondent}, 0.65, texts, staff_names,
                                         surnames, n)
            entry = {"audit_reference": f"AUD-{month:%y%m}-{rng.randint(1, 99):02d}", "contact_on": day_in(month),
                     "respondent": respondent, "household_id": household["id"], "cohort": household["cohort"],
                     "age_band": band, "answers": answers, "comments": comments}
            save(manager, "audit", entry, entry["contact_on"])
            counts["audit"] += 1
        for _ in range(rng.randint(1, 4)):
            author = rng.choice(staff_by_role["social_worker"] + staff_by_role["manager"])
            title, respondent, summary = rng.choice(DIRECT_WORK)
            entry = {"title": title, "respondent": respondent, "contact_on": day_in(month),
                     "age_band": rng.choice(list(questions.AGE_BANDS)) if respondent == "child" else None,
                     "comments": {"DW_SUMMARY": {"text": summary, "consent": True}}}
            save(author, "direct_work", entry, entry["contact_on"])
            counts["direct_work"] += 1

    # A few safeguarding flags (two handled and closed, the newest still open).
    for index, concern in enumerate(SAFEGUARDING):
        worker = rng.choice(staff_by_role["social_worker"])
        household = rng.choice(households)
        day = today - dt.timedelta(days=120 - 55 * index)
        entry = {"household_id": household["id"], "cohort": household["cohort"], "age_band": "12_plus",
                 "child_reference": f"C{rng.randint(100000, 999999)}", "contact_on": day, "helped_by": "social_worker",
                 "answers": {"Y3_01": "sometimes"}, "comments": {"Y3_REVIEW": {"text": concern, "consent": False}},
                 "safeguarding": True, "safeguarding_note": concern,
                 "safeguarding_told": "Duty team manager" if index < 2 else ""}
        save(worker, "child", entry, day)
    manager = staff_by_role["manager"][0]
    open_items = list(db.query("select id, kind from follow_ups where status = 'open' order by id"))
    for row in [r for r in open_items if r["kind"] == "safeguarding"][:2]:
        follow_ups.close(db, manager, row["id"], "Strategy discussion held the same day; plan in place.")
    for row in [r for r in open_items if r["kind"] == "callback"][:-3]:
        follow_ups.close(db, manager, row["id"], "Called back; supervising social worker is arranging a visit.")
    counts["safeguarding"] = len(SAFEGUARDING)
    return counts


PLACING_AUTHORITIES = ("Northshire County Council", "Northshire County Council", "Riverford City Council",
                       "Eastmoor Borough Council")
PLACING_GOOD = [
    "The carers have given him real stability; school attendance is up and he is much calmer.",
    "The carer always sends a written update before the LAC review, which helps me a great deal.",
    "The supervising social worker and the carer work well with us on the care plan.",
    "She is clearly settled and the carer speaks up for her at school.",
    "The carers support family time brilliantly and mum speaks highly of them.",
    "Good communication from the fostering team, calls are returned the same day.",
]
PLACING_BAD = [
    "I was not told about the missing episode until three days later.",
    "Reports for the review arrived late and I had to chase the supervising social worker.",
    "The carer needs more support with his behaviour; we have asked for trauma-informed training.",
    "Family time has been cancelled twice without anyone telling mum.",
    "It is hard to get hold of the fostering team, emails go unanswered.",
    "The child's views about contact were not written down before the review.",
]


def load_placing_authorities(db: sqlite_utils.Database, *, seed: int, today: dt.date) -> dict:
    """A handful of placing authorities' views a quarter (social workers and IROs), recorded by managers and QA.

    Its own random stream, written after the rest of the demo, so the other demo data stays as it was.
    """
    rng = random.Random(seed + 35)  # Regulation 35's consultation
    bank = questions.current(db)
    authors = [accounts.load(db, r[0]) for r in db.execute(
        """select u.id from users u join user_roles r on r.user_id = u.id and r.role in ('manager', 'qa')
           order by u.id""")]
    staff_names = [r[0] for r in db.execute(
        "select u.display_name from users u join user_roles r on r.user_id = u.id and r.role = 'social_worker'")]
    households = list(db.query("select id, cohort, display_name from households where status = 'active' order by id"))
    surnames = sorted({h["display_name"].split()[-1] for h in households})
    first = periods.month_start(today)
    for _ in range(MONTHS - 1):
        first = periods.month_start(first - dt.timedelta(days=1))
    quarter, count = Quarter.containing(first), 0
    while quarter.start <= today:
        start, end = max(quarter.start, first), min(quarter.end, today)
        for _ in range(rng.randint(3, 6)):
            household = rng.choice(households)
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            answers, comments = _answers(rng, bank, questions.PLACING_AUTHORITY,
                                         {"cohort": household["cohort"], "age_band": None, "respondent": None}, 0.7,
                                         (PLACING_GOOD, PLACING_BAD), staff_names, surnames, count)
            entry = {"household_id": household["id"], "cohort": household["cohort"], "contact_on": day,
                     "professional_role": rng.choice(["social_worker", "social_worker", "iro", "other"]),
                     "placing_authority": rng.choice(PLACING_AUTHORITIES),
                     "method": rng.choice(["survey", "survey", "meeting", "email"]),
                     "answers": answers, "comments": comments}
            moment = dt.datetime.combine(day, dt.time(9 + rng.randint(0, 7), rng.randint(0, 59)), dt.timezone.utc)
            count += 1
            feedback.record(db, rng.choice(authors), questions.PLACING_AUTHORITY, entry, today=today, bank=bank,
                            now=min(moment, store.utcnow()), submission_key=f"demo-{seed}-placing-{count}")
        quarter = quarter.next
    return {"placing_authority": count}


COMPLIMENTS = [
    "Thank you to the supervising social worker who went above and beyond to support our family this month.",
    "The carers made the child's birthday really special and sent photos to mum.",
    "The training on therapeutic parenting was excellent, thank you to the training team.",
    "Out of hours were calm and helpful when we rang late on Saturday night.",
    "The kinship team helped us through the special guardianship assessment with real care.",
]
COMMENTS = [
    "It would help if payment dates were sent out at the start of the year.",
    "Could carers' forum meetings be held in the evening as well?",
    "Parents would like more notice when family time is moved.",
]
COMPLAINTS = [
    "Allowances were paid late for the second month running and nobody returned my calls.",
    "Contact was cancelled at short notice three times and the child was very upset.",
    "We were not told about the child's needs before the placement started.",
    "The complaint I made about respite has not been answered and I keep chasing.",
    "My child's social worker has changed again and nobody told me.",
]
ACTIONS = [
    ("Allowances were paid late and calls were not returned.", ["T06", "T03"], "kinship", "carer",
     "Publish the year's payment dates and set a two-day call-back standard for finance queries.",
     "Finance team"),
    ("Family time was cancelled at short notice.", ["T11"], None, "birth_parent",
     "Give parents and carers 48 hours' notice of any change, and a named contact.", "Supervising social workers"),
    ("Kinship carers did not know their options at the start.", ["T20"], "kinship", "carer",
     "Write a plain leaflet on kinship options and allowances, given at the first visit.", "Kinship team"),
    ("Carers want evening training.", ["T05"], "mainstream", "carer",
     "Run one evening session of each core course every quarter.", "Training team"),
    ("Children want more say in their reviews.", ["T17"], None, "child",
     "Offer every child an advocate before their review and ask what they want to talk about.", "Children's services"),
]


def load_log(db: sqlite_utils.Database, *, seed: int, today: dt.date) -> dict:
    """18 months of fictional compliments, comments and complaints, and a dozen actions in different states."""

    rng = random.Random(seed + 1)
    managers = [accounts.load(db, r[0]) for r in db.execute(
        "select u.id from users u join user_roles r on r.user_id = u.id and r.role = 'manager' order by u.id")]
    households = list(db.query("select id, cohort from households where status = 'active'"))
    teams = [r[0] for r in db.execute("select id from teams")]
    first = periods.month_start(today)
    for _ in range(MONTHS - 1):
        first = periods.month_start(first - dt.timedelta(days=1))
    counts = {"compliments": 0, "comments": 0, "complaints": 0, "actions": 0}
    for month in periods.months_between(first, today):
        last = min((month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1), today)
        for kind, pool, how_many in (("compliment", COMPLIMENTS, rng.randint(2, 5)),
                                     ("comment", COMMENTS, rng.randint(0, 2)),
                                     ("complaint", COMPLAINTS, rng.randint(1, 3))):
            for _ in range(how_many):
                received = month + dt.timedelta(days=rng.randint(0, (last - month).days))
                household = rng.choice(households)
                who = rng.choice(["foster_carer", "kinship_carer", "birth_parent", "child", "professional"])
                entry = {"kind": kind, "received_on": received, "from_who": who, "household_id": household["id"],
                         "about_team_id": rng.choice(teams), "about_role": rng.choice(list(representations.ROLES)),
                         "about_area": rng.choice(list(representations.AREAS)), "summary": rng.choice(pool),
                         "consent_to_quote": rng.random() < 0.6, "holder_id": rng.choice(managers).id}
                if who == "child":
                    entry["advocacy_offered"] = True
                    entry["advocacy_taken"] = rng.random() < 0.5
                if kind == "complaint":
                    due = working_days.add_working_days(received, 10)
                    answered = due + dt.timedelta(days=rng.choice([-5, -3, -1, 0, 2]))
                    waiting = received > today - dt.timedelta(days=45) and rng.random() < 0.6
                    if answered <= today - dt.timedelta(days=3) and not waiting:
                        entry["stage1_responded_on"] = max(answered, received)
                        entry["outcome"] = rng.choice(list(representations.OUTCOMES)[:3] + ["resolved"])
                        entry["status"] = "closed"
                        entry["learning"] = "Keep the family updated weekly while a complaint is open."
                        if rng.random() < 0.12 and entry["stage1_responded_on"] + dt.timedelta(days=10) < today:
                            entry["stage2_opened_on"] = entry["stage1_responded_on"] + dt.timedelta(days=7)
                            entry["status"] = "open"
                            entry.pop("outcome")
                counts[kind + "s"] += 1
                representations.record(db, rng.choice(managers), entry, today=today)
    # One complaint reached a stage 3 review panel.
    stage3 = next(iter(db.query("select id from representations where stage = 2 order by id limit 1")), None)
    if stage3:
        row = representations.get(db, managers[0], stage3["id"])
        opened = dt.date.fromisoformat(row["stage2_opened_on"])
        responded = working_days.add_working_days(opened, 20)
        if responded + dt.timedelta(days=14) < today:
            entry = {k: row[k] for k in ("kind", "received_on", "from_who", "household_id", "about_team_id",
                                         "about_role", "about_area", "summary", "consent_to_quote", "holder_id",
                                         "stage1_responded_on", "stage2_opened_on", "advocacy_offered",
                                         "advocacy_taken")}
            entry.update(stage2_responded_on=responded, stage3_requested_on=responded + dt.timedelta(days=10))
            representations.update(db, managers[0], stage3["id"], entry, today=today)
    for index, (said, theme_ids, cohort, respondent, will_do, owner) in enumerate(ACTIONS * 3):
        if index >= 12:
            break
        quarter = Quarter.containing(today - dt.timedelta(days=95 * (index % 5)))
        action_id = actions.record(db, managers[index % len(managers)], {
            "said": said, "theme_ids": theme_ids, "cohort": cohort, "respondent": respondent,
            "from_quarter": quarter.slug, "will_do": will_do, "owner": owner,
            "due_on": today + dt.timedelta(days=rng.randint(-60, 90))}, today=quarter.start)
        state = index % 4
        if state:
            row = next(iter(db.query("select * from actions where id = :id", {"id": action_id})))
            update = {"said": said, "theme_ids": theme_ids, "cohort": cohort, "respondent": respondent,
                      "from_quarter": quarter.slug, "will_do": will_do, "owner": owner, "due_on": row["due_on"],
                      "status": ("in_progress", "done", "dropped")[state - 1],
                      # what was done is the plan carried out: each action's own words, not another's
                      "did": f"Done as planned ({will_do[0].lower()}{will_do[1:].rstrip('.')})." if state == 2 else None,
                      "dropped_reason": "Overtaken by the new service-wide policy." if state == 3 else None,
                      "told_back": ["newsletter", "forum"] if state == 2 else []}
            actions.update(db, managers[0], action_id, update,
                           today=min(today, quarter.start + dt.timedelta(days=40)))
        counts["actions"] += 1
    return counts
