"""`python -m bench.redaction [--split held_out|dev|all] [--no-model]`: how much of what identifies
someone redaction finds, on the annotated quotes in tests/data/redaction_quotes.jsonl, and how long it takes.

Each line of the data file is one quote, with what identifies someone marked inline as
`{text|kind}` (kinds: name, school, place, date_of_birth, nhs_number, phone, email, postcode). What
is marked, and what is not:

- name: a person's first name, surname or nickname; not a title ("Mrs") or a family word ("Aunty"),
  and not the possessive "'s".
- school: a school's, nursery's or college's whole name ("St Mary's Primary", "Kingsway High School").
- place: towns, villages and cities, streets (with the house number); not countries, the UK's nations,
  counties or regions ("Poland", "Wales", "Worcestershire").
- date_of_birth: the date after "born", "DOB" or "date of birth"; ordinary dates are not marked.
- nhs_number, phone, email, postcode: the number or address itself.
- Not marked, and so a false positive when replaced: services and organisations (the Fostering
  Service, Mind, CAMHS, the Virtual School), months, days, festivals, ages and ordinary dates.

The quotes were written for this (realistic, fictional) and split before the recognisers were
written: "dev" is what the word lists and rules were tuned on, "held_out" was not looked at to tune.

Scoring is at the token level (a token is a run of letters or digits): a marked token is recalled if
any replacement covers it, whatever kind it was given; a replaced token is precise if it lies in any
marked stretch. Per kind, recall counts the marked tokens of that kind and precision the tokens
replaced as that kind. "spans found whole" counts the marked stretches every token of which was
replaced. The known names passed are REGISTER, as the app passes its carer register and staff.
Timing: the quotes cycled to 1,000 distinct texts, the model's cache cleared, so every quote is read
by the model: one redact() call at a time, then all in one redact_many() call; the model's load is
timed on its own, first (in a process that has not loaded it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lib import redaction

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction_quotes.jsonl"
KINDS = ("name", "school", "place", "date_of_birth", "nhs_number", "phone", "email", "postcode")
# The names "the app knows" for every quote: some carers and staff who appear in the quotes, and some who do not.
REGISTER = ["Linda Hale", "Brenda & Roy Marsh", "Gemma Stokes", "Kerry Doyle", "Sam & Alex Birch", "Jo O'Neil-Smith"]
_MARK = re.compile(r"\{([^{}|]+)\|([a-z_]+)\}")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Quote:
    id: str
    split: str
    speaker: str
    text: str
    gold: tuple[tuple[int, int, str], ...]  # (start, end, kind) in text


def quotes(path: Path = DATA) -> list[Quote]:
    """The annotated quotes, their markup turned into (start, end, kind) stretches of the plain text."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text, gold, position = [], [], 0
        length = 0
        for match in _MARK.finditer(row["quote"]):
            before = row["quote"][position:match.start()]
            text.append(before)
            length += len(before)
            if match.group(2) not in KINDS:
                raise ValueError(f"{row['id']}: unknown kind {match.group(2)!r}")
            gold.append((length, length + len(match.group(1)), match.group(2)))
            text.append(match.group(1))
            length += len(match.group(1))
            position = match.end()
        text.append(row["quote"][position:])
        found.append(Quote(row["id"], row["split"], row["speaker"], "".join(text), tuple(gold)))
    return found


def score(chosen: list[Quote], *, model: bool = True) -> dict:
    """Token-level recall and precision per kind and overall, spans found whole, and the misses."""
    names = redaction.name_terms(REGISTER)
    gold_tokens = {k: 0 for k in KINDS}
    recalled = {k: 0 for k in KINDS}
    replaced = {k: 0 for k in KINDS}
    precise = {k: 0 for k in KINDS}
    spans = whole = flagged = 0
    misses, extras = [], []
    for quote in chosen:
        result = redaction.redact(quote.text, names=names, model=model)
        for token in _TOKEN.finditer(quote.text):
            start, end = token.span()
            marked = next((k for s, e, k in quote.gold if start < e and s < end), None)
            by = next((span.kind for span in result.changed if start < span.end and span.start < end), None)
            if marked:
                gold_tokens[marked] += 1
                if by:
                    recalled[marked] += 1
                else:
                    misses.append((quote.id, marked, token.group()))
                    flagged += any(start < u.end and u.start < end for u in result.unsure)
            if by:
                replaced[by] += 1
                if marked:
                    precise[by] += 1
                else:
                    extras.append((quote.id, by, token.group()))
        for s, e, _ in quote.gold:
            spans += 1
            tokens = [t.span() for t in _TOKEN.finditer(quote.text, s, e)]
            whole += all(any(a < span.end and span.start < b for span in result.changed) for a, b in tokens)
    rows = {k: (recalled[k], gold_tokens[k], precise[k], replaced[k]) for k in KINDS}
    rows["overall"] = (sum(recalled.values()), sum(gold_tokens.values()), sum(precise.values()),
                       sum(replaced.values()))
    return {"rows": rows, "spans": spans, "whole": whole, "misses": misses, "extras": extras,
            "missed_but_flagged": flagged, "quotes": len(chosen)}


def ratio(part: int, total: int) -> float:
    return part / total if total else 1.0


def timing(chosen: list[Quote], n: int = 1000) -> tuple[float, float, float]:
    """(seconds to load the model, seconds for n distinct quotes one redact() call at a time, and
    seconds for the same n in one redact_many() call), the model's cache cleared before each."""
    load = redaction.load_model()
    names = redaction.name_terms(REGISTER)
    # n distinct texts (a repeated quote gets trailing spaces), so no quote is served from the cache.
    texts = [chosen[i % len(chosen)].text + " " * (i // len(chosen)) for i in range(n)]
    redaction.clear_cache()
    started = time.perf_counter()
    for text in texts:
        redaction.redact(text, names=names)
    one_by_one = time.perf_counter() - started
    redaction.clear_cache()
    started = time.perf_counter()
    redaction.redact_many(texts, names=names)
    together = time.perf_counter() - started
    return load, one_by_one, together


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redaction", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["held_out", "dev", "all"], default="held_out")
    parser.add_argument("--no-model", action="store_true", help="patterns and word lists only, no named-entity model")
    parser.add_argument("--show", action="store_true", help="list every missed and every extra token")
    args = parser.parse_args(argv)
    every = quotes()
    chosen = [q for q in every if args.split == "all" or q.split == args.split]
    load, one_by_one, together = timing(chosen) if not args.no_model else (0.0, 0.0, 0.0)
    result = score(chosen, model=not args.no_model)
    print(f"redaction on {result['quotes']} {args.split} quotes ({DATA.name}), token level"
          + (", without the model" if args.no_model else ""))
    print(f"{'kind':<14}{'recall':>8}{'':>12}{'precision':>11}{'':>12}")
    for kind, (got, marked, right, made) in result["rows"].items():
        print(f"{kind:<14}{ratio(got, marked):>8.3f}{f'({got}/{marked})':>12}{ratio(right, made):>11.3f}"
              f"{f'({right}/{made})':>12}")
    print(f"spans found whole: {result['whole']}/{result['spans']} ({ratio(result['whole'], result['spans']):.3f}); "
          f"missed tokens flagged as unsure: {result['missed_but_flagged']}/{len(result['misses'])}")
    if not args.no_model:
        print(f"model load: {load:.2f} s; 1,000 quotes: {one_by_one:.2f} s one at a time (redact), "
              f"{together:.2f} s together (redact_many)")
    if args.show:
        for quote_id, kind, token in result["misses"]:
            print(f"  missed {quote_id} {kind}: {token}")
        for quote_id, kind, token in result["extras"]:
            print(f"  extra  {quote_id} {kind}: {token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
