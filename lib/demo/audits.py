"""Fictional case-file audit programmes for the demo: three quarters at different stages, and targeted audits.

The quarter before last is finished (moderated and reviewed); last quarter's audits are moderated
at different dates, so some eight-week reviews are overdue, some due soon and one is done, and a
few still wait for moderation; this quarter's are to do, in progress or submitted. Written through
lib.audits and lib.targeted_audits, the same paths the pages use, so the demo obeys every rule.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlite_utils

from lib import store
from lib.audits import casefile, moderation, plan, programme, reviews
from lib.audits import targeted as targeted_audits
from lib.capture import feedback, questions
from lib.demo import feedback as demo_feedback
from lib.people import accounts
from lib.periods import Quarter

# (role, fictional names); the first of each role is the demo account named after the role.
EXTRA_STAFF = (("senior_manager", ("Briar Hollowell", "Sable Featherstone")),
               ("advanced_practitioner", ("Wren Copperfield", "Lark Thimbleby")))
STRONG = {
    "voice": "The child's wishes are recorded in their own words and shaped the plan.",
    "support": "Supervision is monthly, reflective and recorded; the carer says they feel well supported.",
    "safer_caring": "The safer caring plan was reviewed after the last incident and the carer knows it well.",
    "matching": "The matching considerations were thorough and the placement is stable.",
    "approval": "The annual review was on time and the panel's recommendation was followed up.",
    "oversight": "Management oversight is clear on file, with decisions and their reasons recorded.",
}
WEAK = {
    "voice": "Little direct evidence of the child's views since the last review; the plan is about, not with, them.",
    "support": "Supervision has slipped to every three months and the notes do not show reflection.",
    "safer_caring": "The safer caring plan is out of date and does not mention the new bedroom arrangements.",
    "matching": "The referral left out the child's health needs and the carers were not told of them.",
    "approval": "The annual review is two months late and the panel has not seen it.",
    "oversight": "No management oversight is recorded since the change of supervising social worker.",
}
OVERALL = {True: "A stable, well-supported placement with good recording.",
           False: "Practice is caring but recording and timeliness need attention."}
NOT_SPOKEN = {"child": ("The child is under two.", "The child did not want to meet a new person this time.",
                        "The child was away on a school residential during the audit."),
              "parent": ("Mum declined to take part.", "No contact with the parents at present, by court order.",
                         "Dad did not answer three calls and a letter."),
              "carer": ("The carers were on holiday during the audit window.",)}
DISCUSSIONS = (
    "Discussed the child's progress at school and the carer's request for respite. The supervising social worker "
    "visits monthly and agrees the plan needs the child's views.",
    "Talked through the family time arrangements and the delays with the allowance. The worker will chase finance.",
    "The worker described a settled placement; we agreed the safer caring plan needs updating after the move.",
)
ACTIONS = (
    ("Update the safer caring plan with the child's views, in their own words.", "Supervising social worker"),
    ("Book the overdue annual review and take it to panel.", "Team manager"),
    ("Arrange therapeutic parenting training for the carers.", "Supervising social worker"),
    ("Review the family time plan with the child's social worker.", "Child's social worker"),
    ("Chase the outstanding allowance payment and confirm the date with the carers.", "Business support"),
    ("Record management oversight on the carer's file after each supervision.", "Team manager"),
)
LEARNING = (
    "Supervision is regular and reflective; record the child's own words in the safer caring plan.",
    "Annual reviews were late and panel recommendations were not followed up; managers to track review dates.",
    "Matching information given to the carers was incomplete; referrals must include health and behaviour needs.",
    "A strong relationship between carer and supervising social worker; the child feels settled and safe.",
    "Family time arrangements were not reviewed after the court order; update the contact plan.",
    "Allowance queries were left unanswered for weeks; share the finance escalation route with carers.",
    "Respite was promised but not arranged and the carer is showing signs of strain.",
)
LOWER = ("The evidence describes tasks done rather than their impact on the child.",
         "A statutory timescale was missed, so this cannot be graded as high.")
HIGHER = ("The records are stronger than the audit credits: the impact on the child is clear.",)
DONE_EVIDENCE = ("Seen on the carer's file: the updated plan, dated and signed.",
                 "Confirmed with the supervising social worker and seen in the case notes.")
NOT_DONE_EVIDENCE = ("Not done yet; the team manager has set a new date.",
                     "Started but not finished: the training is booked for next month.")
TARGETED = (
    ("Frequency and quality of supervision for kinship carers", "supervision",
     "Supervision audits showed gaps for kinship households", "Ten kinship households' supervision records over six "
     "months.", 10, "Supervision was monthly in six of ten; notes were descriptive, with little reflection.",
     "Kinship carers need the same reflective supervision as foster carers; training for supervising social workers "
     "on reflective recording."),
    ("Allowance payment delays", "complaints", "Complaints about late allowances", "Every allowance complaint in the "
     "quarter and the payment records behind them.", 8,
     "Most delays followed a change of bank details; carers were not told who to call.",
     "Publish the payment dates and the finance escalation route; allowances to be checked at supervision."),
    ("Annual reviews completed in time", "dashboard", "Annual Review in Time indicator below target",
     "Households whose annual review fell due in the quarter.", 14,
     "Reviews ran late where the reviewing officer changed; panel dates were not booked ahead.",
     "Book annual review and panel dates a quarter ahead; managers to track review dates monthly."),
    ("Life-story work for children in long-term placements", "other", "Raised at the practice forum",
     "Children placed for over two years.", 9, "Life-story work had started for most children but stalled at "
     "transitions.", "Make life-story work part of every child's plan and review it at each Annual Review."),
)


def _accounts(db, password_hash: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for role, names in EXTRA_STAFF:
        for index, name in enumerate(names):
            first, last = name.split()
            user_id = accounts._insert_user(
                db, username=role if index == 0 else f"{first}.{last}".lower(),
                display_name=name + (f" (demo {role.replace('_', ' ')})" if index == 0 else ""),
                email=f"{first}.{last}@example.org".lower(), roles=[role],
                password_hash=password_hash if index == 0 else None)
            found.setdefault(role, []).append(accounts.load(db, user_id))
    return found


def _grade(rng: random.Random, mood: float) -> str:
    roll = rng.random()
    if roll < 0.15 * mood:
        return "outstanding"
    if roll < 0.85 * mood + 0.1:
        return "good"
    return "requires_improvement" if roll < 0.95 else "inadequate"


def _entry(rng: random.Random, day: dt.date, *, complete: bool) -> dict:
    mood = rng.uniform(0.6, 1.0)
    grades = {}
    ranks = []
    for domain in casefile.DOMAINS:
        grade = _grade(rng, mood)
        ranks.append(list(casefile.GRADES).index(grade))
        strong = grade in ("outstanding", "good")
        grades[domain] = {"grade": grade, "evidence": (STRONG if strong else WEAK)[domain]}
    overall = list(casefile.GRADES)[round(sum(ranks) / len(ranks) + 0.2)]
    grades[casefile.OVERALL] = {"grade": overall, "evidence": OVERALL[overall in ("outstanding", "good")]}
    entry = {"audited_on": day, "grades": grades, "ssw_discussed_on": day, "ssw_discussion": rng.choice(DISCUSSIONS)}
    for who, chance in (("child", 0.7), ("parent", 0.45), ("carer", 0.92)):
        spoken = rng.random() < chance
        entry[f"{who}_spoken"] = spoken
        entry[f"{who}_not_why"] = "" if spoken else rng.choice(NOT_SPOKEN[who])
    if not complete:  # half done: some grades, nobody asked yet
        keep = list(casefile.DOMAINS)[:rng.randint(1, 4)]
        entry = {"audited_on": day, "grades": {d: grades[d] for d in keep}}
    return entry


def load(db: sqlite_utils.Database, *, seed: int, today: dt.date, password_hash: str) -> dict:
    """Add senior manager and advanced practitioner accounts and three quarters of audit programmes."""
    rng = random.Random(seed + 2)
    staff = _accounts(db, password_hash)
    qa = accounts.load(db, db.execute("select id from users where username = 'qa'").fetchone()[0])
    moderators, reviewers = staff["senior_manager"], staff["advanced_practitioner"]
    bank = questions.current(db)
    this = Quarter.containing(today)
    counts = {"audit_programmes": 0, "case_audits": 0, "targeted_audits": 0}
    workers = [r[0].split(" (")[0] for r in db.execute("""select u.display_name from users u join user_roles r on r.user_id = u.id
                                           and r.role = 'social_worker' order by u.id""")]
    surnames = sorted({r[0].split()[-1] for r in db.execute("select display_name from households")})
    serial = 0

    def person(user_id: int):
        return accounts.load(db, user_id)

    def link_feedback(case: dict, day: dt.date, peer) -> None:
        nonlocal serial
        serial += 1
        answers, comments = demo_feedback._answers(
            rng, bank, "audit", {"cohort": case["cohort"], "age_band": None, "respondent": "carer"}, 0.7,
            (demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD), workers, surnames, serial)
        moment = dt.datetime.combine(day, dt.time(14), dt.timezone.utc)
        feedback.record(db, peer, "audit", {
            "audit_reference": case["reference"], "contact_on": day, "respondent": "carer",
            "household_id": case["household_id"], "cohort": case["cohort"], "answers": answers, "comments": comments},
            today=day, bank=bank, now=min(moment, store.utcnow()), submission_key=f"demo-audit-{seed}-{serial}")

    def audit(case: dict, day: dt.date, *, complete: bool = True) -> None:
        lead, peer = person(case["lead_auditor_id"]), person(case["peer_auditor_id"])
        entry = _entry(rng, day, complete=complete)
        if complete:
            for action, owner in rng.sample(ACTIONS, rng.randint(1, 3)):
                plan.add_action(db, lead, case["id"], {"action": action, "owner": owner, "status": "open",
                                                         "due_on": day + dt.timedelta(days=rng.randint(21, 42))},
                                  today=day)
            if entry["carer_spoken"] and rng.random() < 0.6:
                link_feedback(case, day, peer)
        casefile.save(db, rng.choice((lead, peer)), case["id"], entry, today=day, submit=complete)

    def moderate(case: dict, day: dt.date) -> None:
        row = casefile.get(db, qa, case["id"], today=day)
        grades = {}
        for domain in casefile.GRADED:
            grade = row["grades"][domain]["grade"]
            if rng.random() < 0.1:
                order = list(casefile.GRADES)
                step = rng.choice((-1, 1, 1))  # moderation more often lowers a grade than raises it
                moved = order[min(len(order) - 1, max(0, order.index(grade) + step))]
                reasons = LOWER if order.index(moved) > order.index(grade) else HIGHER
                grades[domain] = {"grade": moved, "reason": rng.choice(reasons) if moved != grade else ""}
            else:
                grades[domain] = {"grade": grade, "reason": ""}
        moderation.moderate(db, rng.choice(moderators), case["id"],
                        {"moderated_on": day, "grades": grades, "learning": rng.choice(LEARNING)}, today=day)

    def follow_up(case: dict, day: dt.date) -> None:
        """The lead marks some actions done before the review."""
        row = casefile.get(db, qa, case["id"], today=day)
        lead = person(row["lead_auditor_id"])
        for action in row["actions"]:
            if rng.random() < 0.7:
                plan.update_action(db, lead, action["id"], {**action, "status": "done"}, today=day)

    def review(case: dict, day: dt.date, *, on_file: bool) -> None:
        row = casefile.get(db, qa, case["id"], today=day)
        found = {}
        for action in row["actions"]:
            complete = action["status"] == "done" or rng.random() < 0.3
            found[action["id"]] = {"complete": complete,
                                   "evidence": rng.choice(DONE_EVIDENCE if complete else NOT_DONE_EVIDENCE)}
        reviews.record_review(db, rng.choice(reviewers), case["id"], {
            "reviewed_on": day, "actions": found, "note": "Loop closed with the team manager.",
            "recorded_on_file": on_file, "recorded_on_file_on": day if on_file else None}, today=day)

    for offset, size in ((2, 10), (1, 12), (0, 12)):
        quarter = this
        for _ in range(offset):
            quarter = quarter.previous
        # Past quarters circulated on their first day; this quarter's on the 1st of this month, so its audits
        # are mostly not yet due.
        circulate = quarter.start if offset else today.replace(day=1)
        summary = programme.draw(db, qa, quarter.slug, size=size, seed=seed * 100 + offset, exclusion_months=12,
                              circulate_on=circulate, today=min(today, circulate))
        programme.circulate(db, qa, summary["programme_id"], today=min(today, circulate))
        counts["audit_programmes"] += 1
        cases = list(db.query("select * from case_audits where programme_id = :p order by reference",
                              {"p": summary["programme_id"]}))
        counts["case_audits"] += len(cases)
        for index, case in enumerate(cases):
            day = min(today, circulate + dt.timedelta(days=rng.randint(4, 24)))
            if offset == 2:  # finished: moderated, actions followed up, reviewed
                audit(case, day)
                moderated = day + dt.timedelta(days=rng.randint(7, 20))
                moderate(case, moderated)
                follow_up(case, moderated + dt.timedelta(days=30))
                review(case, moderated + dt.timedelta(weeks=8, days=rng.randint(0, 10)), on_file=index != 0)
            elif offset == 1:  # moderated at staggered dates: reviews overdue, due soon, upcoming; three waiting
                audit(case, day)
                days_ago = (64, 61, 58, 53, 48, 45, 33, 22, 10, None, None, None)[index % 12]
                if days_ago is None:
                    continue
                moderated = max(day, today - dt.timedelta(days=days_ago))
                moderate(case, moderated)
                if days_ago == 58:
                    follow_up(case, today - dt.timedelta(days=5))
                    review(case, today - dt.timedelta(days=1), on_file=True)
            elif index < 3:  # this quarter: submitted
                audit(case, day)
            elif index < 6:
                audit(case, day, complete=False)
    for index, (topic, reason, detail, scope, cases, findings, learning) in enumerate(TARGETED):
        quarter = this
        for _ in range((2, 1, 1, 0)[index]):
            quarter = quarter.previous
        done = min(today, quarter.start + dt.timedelta(days=40))
        targeted_audits.record(db, qa, {"topic": topic, "reason": reason, "reason_detail": detail, "scope": scope,
                                        "cases_reviewed": cases, "findings": findings, "learning": learning,
                                        "started_on": quarter.start, "completed_on": done}, today=done)
        counts["targeted_audits"] += 1
    return counts
