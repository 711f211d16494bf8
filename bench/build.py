"""A synthetic database of N responses for the benchmark: the bulk path, documented.

It starts from the fictional demo (staff, teams, 245 households, 18 months through the real forms,
the complaints log), adds households in proportion to N, then writes N more responses spread over
the last five years (20 financial quarters) in batches of 5,000, one transaction each:

- every entry is made from the demo's phrase pools and answer rules and passed through
  `feedback.validate`, the same checks the forms use, so every row is one the app could have saved;
- rows go in with `executemany` rather than `feedback.record` one by one (which would take hours
  at 1M), with an audit row per response as the real path writes;
- comments are coded with the app's own coder (`matching.code`) and codebook; a comment text seen
  before reuses its coding, which gives the same rows the coder would (coding is deterministic).

The mix: BSO calls to carers 32% and birth parents 25% (a fifth of calls are attempts: no answer,
declined, wrong number), children at Annual Reviews 30%, case-file audits 10%, direct work 3%;
34% of households kinship. No follow-ups are opened (the real ones are a handful per quarter).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path

import sqlite_utils

from lib import demo, store
from lib.capture import feedback, questions
from lib.demo import feedback as demo_feedback
from lib.themes import codebook, matching

YEARS = 5
BATCH = 5_000
MIX = (("carer", 0.32), ("parent", 0.25), ("child", 0.30), ("audit", 0.10), ("direct_work", 0.03))
ATTEMPT_SHARE = 0.2
COLUMNS = ("id", "form", "source", "respondent", "household_id", "cohort", "contact_on", "method", "outcome",
           "relationship", "parent_reference", "child_reference", "age_band", "helped_by", "audit_reference", "title",
           "bank_version", "callback_requested", "safeguarding", "author_id", "created_at", "updated_at",
           "submission_key")


def build(path: Path, rows: int, *, seed: int = 11, today: dt.date | None = None,
          progress=None) -> dict:
    """Create a new database at path with the demo plus `rows` synthetic responses; return counts and seconds."""
    today = today or dt.date.today()
    started = time.perf_counter()
    if path.exists():
        raise ValueError(f"{path} exists; the benchmark builds a new database.")
    db = store.connect(path)
    counts = demo.load(db, seed=seed, today=today)
    households = _add_households(db, rows, seed)
    written = _add_responses(db, rows, seed=seed, today=today, progress=progress)
    db.execute("analyze")
    db.close()
    return {"demo_responses": counts.get("carer", 0), "households": households, "responses": written,
            "seconds": time.perf_counter() - started}


def _add_households(db: sqlite_utils.Database, rows: int, seed: int) -> int:
    """About one household for every 40 responses (five years of calls and reviews each)."""
    rng = random.Random(seed)
    existing = db.execute("select count(*) from households").fetchone()[0]
    wanted = max(existing, rows // 40)
    teams = [r[0] for r in db.execute("select id from teams order by id")]
    workers = [tuple(r) for r in db.execute(
        "select u.id, u.display_name from users u join user_roles r on r.user_id = u.id where r.role = 'social_worker'")]
    now = store.stamp()
    with store.write(db):
        db.conn.executemany(
            """insert into households (reference, display_name, cohort, team_id, social_worker_id, social_worker_name,
                 approval_on, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)""",
            [(f"BENCH-{n:07d}", f"{rng.choice(demo.FIRST_NAMES)} {rng.choice(demo.SURNAMES)}",
              "kinship" if rng.random() < demo.KINSHIP_SHARE else "mainstream", rng.choice(teams),
              *rng.choice(workers), "2015-04-01", now, now) for n in range(wanted - existing)])
    return wanted


def _add_responses(db: sqlite_utils.Database, rows: int, *, seed: int, today: dt.date, progress) -> int:
    rng = random.Random(seed)
    bank = questions.current(db)
    version, matcher = codebook.matcher(db)
    staff = {role: [r[0] for r in db.execute(
        "select u.id from users u join user_roles r on r.user_id = u.id where r.role = :role", {"role": role})]
        for role in ("bso", "social_worker", "manager")}
    names = [r[0].split(" (")[0] for r in db.execute(
        "select u.display_name from users u join user_roles r on r.user_id = u.id where r.role = 'social_worker'")]
    households = [tuple(r) for r in db.execute("select id, cohort from households where status = 'active'")]
    surnames = list(demo.SURNAMES)
    first_day = dt.date(today.year - YEARS, today.month, min(today.day, 28))
    span = (today - first_day).days
    forms, weights = zip(*MIX)
    next_response = (db.execute("select max(id) from responses").fetchone()[0] or 0) + 1
    next_comment = (db.execute("select max(id) from comments").fetchone()[0] or 0) + 1
    codings: dict = {}
    written = 0
    while written < rows:
        batch = min(BATCH, rows - written)
        responses, answers, comments, coded, audits = [], [], [], [], []
        for _ in range(batch):
            form = rng.choices(forms, weights)[0]
            day = first_day + dt.timedelta(days=rng.randint(0, span))
            entry, author = _entry(rng, bank, form, day, households, staff, names, surnames, written)
            clean = feedback.validate(db, bank, form, entry, today=today)
            moment = store.stamp(dt.datetime.combine(day, dt.time(9 + rng.randint(0, 8)), dt.timezone.utc))
            record = {**clean["record"], "id": next_response, "form": form, "source": clean["form"].source,
                      "bank_version": bank.version, "callback_requested": 0, "safeguarding": 0,
                      "author_id": author, "created_at": moment, "updated_at": moment,
                      "submission_key": f"bench-{seed}-{next_response}"}
            responses.append(tuple(record[c] for c in COLUMNS))
            answers.extend((next_response, item, value) for item, value in clean["answers"].items())
            audience = matching.audience(record["respondent"], record["cohort"])
            for item, comment in clean["comments"].items():
                key = (comment["text"], audience)
                if key not in codings:
                    codings[key] = matching.code(comment["text"], matcher, audience)
                result = codings[key]
                comments.append((next_comment, next_response, item, comment["text"], int(comment["consent"]),
                                 result.sentiment, version))
                coded.extend((next_comment, m.theme_id, m.sentiment, m.reading, int(m.negated), version)
                             for m in result.mentions.values())
                next_comment += 1
            audits.append((moment, author, "create", "responses", str(next_response),
                           json.dumps({"form": form, "outcome": record["outcome"], "answers": len(clean["answers"]),
                                       "comments": len(clean["comments"]), "bulk": "bench"})))
            next_response += 1
        with store.write(db):
            db.conn.executemany(f"insert into responses ({', '.join(COLUMNS)}) values "
                                f"({', '.join('?' * len(COLUMNS))})", responses)
            db.conn.executemany("insert into answers (response_id, item_id, value) values (?, ?, ?)", answers)
            db.conn.executemany("""insert into comments (id, response_id, item_id, body, consent_to_quote, sentiment,
                                   coded_version) values (?, ?, ?, ?, ?, ?, ?)""", comments)
            db.conn.executemany("""insert into comment_themes (comment_id, theme_id, machine, sentiment, reading,
                                   negated, codebook_version) values (?, ?, 1, ?, ?, ?, ?)""", coded)
            db.conn.executemany("""insert into history (at, user_id, username, action, entity, entity_id, detail)
                                   values (?, ?, 'bench', ?, ?, ?, ?)""", audits)
        written += batch
        if progress:
            progress(written, rows)
    return written


def _entry(rng: random.Random, bank, form: str, day: dt.date, households, staff, names, surnames, n: int):
    """One plausible entry for a form, as the form would submit it, and its author."""
    household_id, cohort = rng.choice(households)
    mood = 0.72 if cohort == "mainstream" else 0.55
    if form in ("carer", "parent"):
        author = rng.choice(staff["bso"])
        base = {"household_id": household_id, "cohort": cohort, "contact_on": day,
                "method": rng.choice(["phone"] * 8 + ["visit", "email"]),
                "relationship": rng.choice(["mother", "mother", "father", "other"])}
        if rng.random() < ATTEMPT_SHARE:
            return {**base, "outcome": rng.choice(["no_answer", "no_answer", "declined", "wrong_number"])}, author
        if form == "carer":
            texts = (demo_feedback.CARER_GOOD + (demo_feedback.KINSHIP_GOOD if cohort == "kinship" else []),
                     demo_feedback.CARER_BAD + (demo_feedback.KINSHIP_BAD * 2 if cohort == "kinship" else []))
        else:
            texts = (demo_feedback.PARENT_GOOD, demo_feedback.PARENT_BAD)
        answers, comments = demo_feedback._answers(rng, bank, form, {"cohort": cohort, "age_band": None,
                                                                     "respondent": None}, mood, texts, names,
                                                   surnames, n)
        return {**base, "outcome": "completed", "answers": answers, "comments": comments,
                "parent_reference": f"P{rng.randint(100000, 999999)}" if rng.random() < 0.5 else ""}, author
    if form == "child":
        band = rng.choice(["under_8", "8_11", "8_11", "12_plus", "12_plus"])
        answers, comments = demo_feedback._answers(rng, bank, "child", {"cohort": cohort, "age_band": band,
                                                                        "respondent": "child"}, 0.75,
                                                   (demo_feedback.CHILD_GOOD, demo_feedback.CHILD_BAD), names,
                                                   surnames, n)
        return {"household_id": household_id, "cohort": cohort, "age_band": band, "contact_on": day,
                "child_reference": f"C{rng.randint(100000, 999999)}", "helped_by": rng.choice(list(feedback.HELPERS)),
                "answers": answers, "comments": comments}, rng.choice(staff["social_worker"])
    if form == "audit":
        respondent = rng.choice(["carer", "birth_parent", "child"])
        band = rng.choice(list(questions.AGE_BANDS)) if respondent == "child" else None
        texts = {"carer": (demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD),
                 "birth_parent": (demo_feedback.PARENT_GOOD, demo_feedback.PARENT_BAD),
                 "child": (demo_feedback.CHILD_GOOD, demo_feedback.CHILD_BAD)}[respondent]
        answers, comments = demo_feedback._answers(rng, bank, "audit", {"cohort": cohort, "age_band": band,
                                                                        "respondent": respondent}, 0.65, texts,
                                                   names, surnames, n)
        return {"audit_reference": f"AUD-{day:%y%m}-{rng.randint(1, 99):02d}", "contact_on": day,
                "respondent": respondent, "household_id": household_id, "cohort": cohort, "age_band": band,
                "answers": answers, "comments": comments}, rng.choice(staff["manager"])
    title, respondent, summary = rng.choice(demo_feedback.DIRECT_WORK)
    return {"title": title, "respondent": respondent, "contact_on": day,
            "age_band": rng.choice(list(questions.AGE_BANDS)) if respondent == "child" else None,
            "comments": {"DW_SUMMARY": {"text": summary, "consent": True}}}, rng.choice(staff["social_worker"])
