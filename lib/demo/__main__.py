"""`python -m lib.demo --db PATH [--seed N]`: load the fictional demo into a new database."""

from __future__ import annotations

import argparse
import sys

from lib import demo, store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.demo", description=demo.__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: $FEEDBACK_DB or data/feedback.db)")
    parser.add_argument("--seed", type=int, default=7, help="random seed, for a repeatable data set")
    args = parser.parse_args(argv)
    database = store.connect(args.db)
    try:
        counts = demo.load(database, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Demo data written to {args.db or store.default_path()}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print("Sign in as bso, social_worker, manager, qa, senior_manager, advanced_practitioner or registered_manager "
          "with the password 'demo'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
