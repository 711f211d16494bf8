"""`python -m bench [--comments N]`: measured figures, each against a baseline measured in the same run.

Auto-coding: comments per second on one core with the default codebook, for the matcher the app
uses (stemmed phrases indexed by first word, plus sentiment) and for the obvious loop over every
trigger phrase. The comments are the demo's phrase pools, shuffled and combined.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import statistics
import sys
import time

from lib import coding, demo_feedback, themes


TARGET_RATE = 20_000
TARGET_RATIO = 5


def _comments(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    pools = [demo_feedback.CARER_GOOD, demo_feedback.CARER_BAD, demo_feedback.KINSHIP_BAD, demo_feedback.PARENT_GOOD,
             demo_feedback.PARENT_BAD, demo_feedback.CHILD_GOOD, demo_feedback.CHILD_BAD]
    phrases = [p.format(staff="Jo Bloggs") for pool in pools for p in pool]
    return [" ".join(rng.sample(phrases, rng.randint(1, 3))) for _ in range(n)]


def _rate(fn, items, repeats: int = 5) -> tuple[float, float]:
    """Median and worst-of-runs throughput (items per second) over several timed passes."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates), min(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000, help="comments to code per timed pass")
    args = parser.parse_args(argv)
    theme_rows = themes.default_themes()
    matcher = coding.Matcher(theme_rows)
    naive_coder = coding.NaiveCoder(theme_rows)  # triggers stemmed once, outside the timing
    comments = _comments(args.comments)
    coding.code(comments[0], matcher)  # load the sentiment lexicon outside the timing
    fast, fast_low = _rate(lambda c: coding.code(c, matcher), comments)
    match_only, _ = _rate(lambda c: [matcher.find([coding._stem(w) for w in ws], ws)
                                     for ws in (coding.words(c),)], comments)
    naive, naive_low = _rate(naive_coder.code, comments[: max(200, args.comments // 5)], repeats=3)
    triggers = sum(len(t.triggers) for t in theme_rows)
    print(f"Fostering Feedback Hub benchmark · Python {platform.python_version()} · {platform.machine()} · "
          f"{len(theme_rows)} themes, {triggers} triggers · {len(comments):,} comments per pass")
    def verdict(rate: float, ratio: float) -> str:
        return (f"{'met' if rate >= TARGET_RATE else 'NOT MET':>9}"
                f"{'met' if ratio >= TARGET_RATIO else 'NOT MET':>9}")

    print(f"{'measure':<52}{'median/s':>12}{'slowest/s':>12}{'vs baseline':>13}"
          f"{f'≥{TARGET_RATE // 1000}k/s':>9}{f'≥{TARGET_RATIO}x':>9}")
    print(f"{'auto-coding: themes + sentiment (the app)':<52}{fast:>12,.0f}{fast_low:>12,.0f}{fast / naive:>12.1f}x"
          f"{verdict(fast, fast / naive)}")
    print(f"{'auto-coding: theme matching only':<52}{match_only:>12,.0f}{'':>12}{match_only / naive:>12.1f}x"
          f"{verdict(match_only, match_only / naive)}")
    print(f"{'baseline: naive loop over every trigger phrase':<52}{naive:>12,.0f}{naive_low:>12,.0f}{1:>12.1f}x")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
