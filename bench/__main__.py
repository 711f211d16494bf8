"""`python -m bench [--rows N]`: measured figures at scale, each against its target and, where one
applies, a baseline measured in the same run.

Builds a synthetic database of N responses over five years (see bench/build.py for the bulk path),
then measures: recording one entry through `feedback.record` (what the forms call); the themes
explorer's data for one quarter against the same aggregate as one raw SQL GROUP BY; the themes page
rendered by AppTest; auto-coding against a naive per-phrase loop; the quarterly PDF built by a new
process (`python -m lib.report`); and peak RSS. Not a test: it prints, it asserts nothing.
`--rows 1000000` is the full run (about 2 GB of disk and 5 minutes to build).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import build
from lib import periods, store
from lib.capture import feedback, questions
from lib.demo import feedback as demo_feedback
from lib.people import accounts
from lib.themes import codebook, explorer, matching

ROOT = Path(__file__).resolve().parent.parent


def _comments(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    pools = [demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD, demo_feedback.KINSHIP_BAD, demo_feedback.PARENT_GOOD,
             demo_feedback.PARENT_BAD, demo_feedback.CHILD_GOOD, demo_feedback.CHILD_BAD]
    phrases = [p.format(staff="Jo Bloggs") for pool in pools for p in pool]
    return [" ".join(rng.sample(phrases, rng.randint(1, 3))) for _ in range(n)]


def _times(fn, repeats: int) -> list[float]:
    """Wall-clock seconds of each call."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _rate(fn, items, repeats: int = 5) -> tuple[float, float]:
    """Median and slowest throughput (items per second) over several timed passes."""
    rates = [len(items) / t for t in _times(lambda: [fn(i) for i in items], repeats)]
    return statistics.median(rates), min(rates)


def _user(db, role: str):
    row = db.execute("select u.id from users u join user_roles r on r.user_id = u.id where r.role = :r and u.active = 1 "
                     "order by u.id limit 1", {"r": role}).fetchone()
    return accounts.load(db, row[0])


class Table:
    """The printed result: one row per measure, with its target and verdict."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, measure: str, median: str, p95: str, baseline: str, target: str, met: bool | None) -> None:
        self.rows.append((measure, median, p95, baseline, target, {True: "met", False: "NOT MET", None: ""}[met]))

    def print(self) -> None:
        print(f"{'measure':<50}{'median':>12}{'p95/worst':>12}{'vs baseline':>14}{'target':>16}{'':>9}")
        for measure, median, p95, baseline, target, verdict in self.rows:
            print(f"{measure:<50}{median:>12}{p95:>12}{baseline:>14}{target:>16}{verdict:>9}")


def measure_recording(db, table: Table, count: int) -> None:
    """A completed carer call with two comments, through the function the form calls (coding on save included)."""
    bso = _user(db, "bso")
    household = db.execute("select id, cohort from households where status = 'active' order by id desc limit 1"
                           ).fetchone()
    today = dt.date.today()
    rng = random.Random(5)

    bank = questions.current(db)

    def one(n: int) -> None:
        answers, comments = demo_feedback._answers(
            rng, bank, "carer", {"cohort": household[1], "age_band": None, "respondent": None}, 0.6,
            (demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD), ["Jo Bloggs"], ["Smith"], n)
        entry = {"household_id": household[0], "cohort": household[1], "contact_on": today, "method": "phone",
                 "outcome": "completed", "relationship": "mother", "answers": answers, "comments": comments}
        start = time.perf_counter()
        feedback.record(db, bso, "carer", entry, today=today, submission_key=f"bench-record-{time.time_ns()}-{n}")
        timings.append(time.perf_counter() - start)

    timings: list[float] = []
    for n in range(count + 10):
        one(n)
    timings = timings[10:]  # the first few load the bank, codebook and lexicon
    table.add("record one entry (feedback.record)", f"{statistics.median(timings) * 1000:.1f} ms",
              f"{_p95(timings) * 1000:.1f} ms", "", "p95 ≤ 20 ms", _p95(timings) <= 0.020)


RAW_GROUP_BY = """
    select ct.theme_id, coalesce(r.cohort, 'none') as cohort, ct.reading, count(*) as comments
    from comment_themes ct join comments c on c.id = ct.comment_id join responses r on r.id = c.response_id
    where r.deleted_at is null and r.contact_on between :start and :end
      and ((ct.machine = 1 and ct.decision is null) or ct.decision in ('confirmed', 'added'))
    group by 1, 2, 3"""


def measure_explorer(db, table: Table, quarter: periods.Quarter, repeats: int) -> None:
    """The explorer's theme × cohort × reading counts for a quarter, against one raw GROUP BY over the same rows."""
    manager = _user(db, "manager")
    filters = explorer.Filters(quarter.start, quarter.end)

    def uncached(fn):  # the explorer keeps answers until the next save: time the query itself
        def run():
            store._CACHE.clear()
            fn()
        return run

    explorer.theme_counts(db, manager, filters)
    ours = _times(uncached(lambda: explorer.theme_counts(db, manager, filters)), repeats)
    params = {"start": quarter.start.isoformat(), "end": quarter.end.isoformat()}
    db.execute(RAW_GROUP_BY, params).fetchall()
    raw = _times(lambda: db.execute(RAW_GROUP_BY, params).fetchall(), repeats)
    ratio = statistics.median(ours) / statistics.median(raw)
    table.add(f"themes explorer counts, {quarter.label}", f"{statistics.median(ours) * 1000:.0f} ms",
              f"{_p95(ours) * 1000:.0f} ms", f"{ratio:.2f}x", "≤ 3x raw SQL", ratio <= 3)
    table.add("  baseline: the same aggregate as one GROUP BY", f"{statistics.median(raw) * 1000:.0f} ms",
              f"{_p95(raw) * 1000:.0f} ms", "1.00x", "", None)

    def page_data() -> None:  # every query the page runs for a quarter on first show
        previous = explorer.Filters(quarter.previous.start, quarter.previous.end)
        explorer.comment_total(db, manager, filters), explorer.uncoded_total(db, manager, filters)
        explorer.theme_counts(db, manager, filters), explorer.cohort_totals(db, manager, filters)
        explorer.theme_counts(db, manager, previous), explorer.cohort_totals(db, manager, previous)
        explorer.theme_sentiment(db, manager, filters)
        explorer.answer_counts(db, manager, filters, "carer")

    whole = _times(uncached(page_data), max(3, repeats // 2))
    table.add("  every query of the page, after a save (uncached)", f"{statistics.median(whole) * 1000:.0f} ms",
              f"{_p95(whole) * 1000:.0f} ms", "", "", None)
    page_data()
    again = _times(page_data, repeats)
    table.add("  every query of the page, nothing saved since", f"{statistics.median(again) * 1000:.1f} ms",
              f"{_p95(again) * 1000:.1f} ms", "", "", None)


def measure_page(path: Path, table: Table, quarter: periods.Quarter, repeats: int) -> None:
    """The Themes page rendered by AppTest for a manager, on a chosen quarter: first run and warm reruns."""
    from streamlit.testing.v1 import AppTest

    os.environ[store.ENV_VAR] = str(path)
    db = store.connect(path)
    manager = _user(db, "manager")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
    at.session_state["user_id"] = manager.id
    at.session_state["last_active"] = time.time()
    at.run()
    at.switch_page("app_pages/themes/themes_explorer.py")
    store._CACHE.clear()
    start = time.perf_counter()
    at.run()
    next(s for s in at.selectbox if s.label == "Quarter").set_value(quarter).run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the Themes page failed: {at.exception[0].value}")

    def rerun() -> None:
        at.session_state["last_active"] = time.time()
        at.run()

    warm = _times(rerun, repeats)
    table.add("themes page, AppTest (first show, uncached)", f"{first:.2f} s", "", "", "", None)
    table.add("themes page, AppTest (warm rerun)", f"{statistics.median(warm):.2f} s", f"{max(warm):.2f} s", "",
              "≤ 1 s warm", statistics.median(warm) <= 1.0)


def measure_coding(table: Table, count: int) -> None:
    theme_rows = codebook.default_themes()
    matcher = matching.Matcher(theme_rows)
    naive_coder = matching.NaiveCoder(theme_rows)  # triggers stemmed once, outside the timing
    comments = _comments(count)
    matching.code(comments[0], matcher)  # load the sentiment lexicon outside the timing
    fast, fast_low = _rate(lambda c: matching.code(c, matcher), comments)
    match_only, _ = _rate(lambda c: matcher.find([matching._stem(w) for w in matching.words(c)], matching.words(c)),
                          comments)
    naive, naive_low = _rate(naive_coder.code, comments[: max(200, count // 5)], repeats=3)
    table.add("auto-coding: themes + sentiment (the app)", f"{fast:,.0f}/s", f"{fast_low:,.0f}/s",
              f"{fast / naive:.1f}x", "≥ 20k/s, ≥ 5x", fast >= 20_000 and fast / naive >= 5)
    table.add("  theme matching only", f"{match_only:,.0f}/s", "", f"{match_only / naive:.1f}x", "", None)
    table.add("  baseline: naive loop over every trigger", f"{naive:,.0f}/s", f"{naive_low:,.0f}/s", "1.0x", "", None)


def measure_pdf(path: Path, table: Table, quarter: periods.Quarter, out: Path) -> None:
    """The quarterly report (PDF and charts, Excel alongside) built by a fresh process: cold, every time."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lib.report", "--db", str(path), "--period", quarter.slug,
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"lib.report failed: {done.stderr[-2000:]}")
    table.add(f"quarterly PDF, new process ({out.stat().st_size // 1024} KB)", f"{seconds:.2f} s", "", "",
              "≤ 5 s cold", seconds <= 5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="responses in the synthetic database (default 20,000)")
    parser.add_argument("--db", help="reuse (or keep) the synthetic database at this path instead of a temporary one")
    parser.add_argument("--comments", type=int, default=5000, help="comments per timed auto-coding pass")
    parser.add_argument("--repeats", type=int, default=200, help="entries recorded for the recording figure")
    args = parser.parse_args(argv)
    from streamlit.runtime.scriptrunner_utils import script_run_context

    # After AppTest, work on the main thread is warned about as if it were a script run: noise here.
    script_run_context._LOGGER.addFilter(lambda record: "missing ScriptRunContext" not in record.getMessage())
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    folder = tempfile.TemporaryDirectory(prefix="bench-")
    path = Path(args.db) if args.db else Path(folder.name) / "bench.db"
    built = None
    if not path.exists():
        def progress(done: int, total: int) -> None:
            if done % 100_000 == 0 or done == total:
                print(f"  built {done:,} of {total:,} responses", file=sys.stderr)

        built = build.build(path, args.rows, progress=progress)
    db = store.connect(path)
    responses = db.execute("select count(*) from responses").fetchone()[0]
    comments = db.execute("select count(*) from comments").fetchone()[0]
    quarter = periods.Quarter.containing(dt.date.today()).previous
    print(f"Fostering Feedback Hub benchmark · {dt.date.today()} · Python {platform.python_version()} · "
          f"{platform.machine()} · {os.cpu_count()} cores")
    print(f"database: {responses:,} responses ({args.rows:,} synthetic, the rest the demo's and earlier runs'), "
          f"{comments:,} comments, {path.stat().st_size / 2**20:,.0f} MB"
          + (f" · built in {built['seconds']:.0f} s" if built else " · reused"))
    table = Table()
    repeats = 7
    measure_explorer(db, table, quarter, repeats)
    measure_page(path, table, quarter, 5)
    measure_coding(table, args.comments)
    measure_pdf(path, table, quarter, Path(folder.name) / "report.pdf")
    measure_recording(db, table, args.repeats)  # last: it adds rows
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    table.add("peak RSS (this process or the report's)", f"{peak / 1024:,.0f} MB", "", "", "≤ 600 MB", peak / 1024 <= 600)
    table.print()
    db.close()
    folder.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
