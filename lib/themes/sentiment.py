"""Fast sentence sentiment: VADER's compound score, computed from vaderSentiment's own lexicon and rules.

vaderSentiment scores about 14,000 sentences a second in pure Python, which made it the slowest
step of auto-coding. This is the same algorithm (lexicon valences, booster and dampener words,
negation within three words, "no" before a sentiment word, ALL-CAPS emphasis, "least", "but"
shifting weight to the clause after it, ! and ? emphasis, compound = s / sqrt(s² + 15)) written
for speed, with the lexicon loaded once from the installed package. tests/test_sentiment.py checks
it against vaderSentiment itself on a corpus. Pure: no I/O after the lexicon is loaded.
"""

from __future__ import annotations

import functools
import math
import string

_PUNCTUATION = string.punctuation


@functools.lru_cache(maxsize=1)
def _data():
    import vaderSentiment.vaderSentiment as vader

    analyzer = vader.SentimentIntensityAnalyzer()
    negations = frozenset(vader.NEGATE)
    return analyzer.lexicon, analyzer.emojis, vader.BOOSTER_DICT, negations, vader.N_SCALAR, vader.C_INCR, \
        vader.SPECIAL_CASES


def _tokens(text: str) -> list[str]:
    """VADER's words and emoticons: whitespace-split, edge punctuation stripped unless it leaves < 3 letters."""
    found = []
    for raw in text.split():
        stripped = raw.strip(_PUNCTUATION)
        word = raw if len(stripped) <= 2 else stripped
        if len(word) > 1:
            found.append(word)
    return found


def _emoji_words(text: str, emojis: dict) -> str:
    if text.isascii():
        return text
    return "".join(f" {emojis[ch]} " if ch in emojis else ch for ch in text).strip()


def _idioms(valence: float, lower: list[str], i: int, special: dict, boosters: dict) -> float:
    """VADER's special cases ("the bomb") and two- and three-word boosters ("kind of", "sort of")."""
    w3, w2, w1, w0 = lower[i - 3] if i > 2 else "", lower[i - 2], lower[i - 1], lower[i]
    for sequence in (f"{w1} {w0}", f"{w2} {w1} {w0}", f"{w2} {w1}", f"{w3} {w2} {w1}", f"{w3} {w2}"):
        if sequence in special:
            valence = special[sequence]
            break
    if i + 1 < len(lower) and f"{w0} {lower[i + 1]}" in special:
        valence = special[f"{w0} {lower[i + 1]}"]
    if i + 2 < len(lower) and f"{w0} {lower[i + 1]} {lower[i + 2]}" in special:
        valence = special[f"{w0} {lower[i + 1]} {lower[i + 2]}"]
    for gram in (f"{w3} {w2} {w1}", f"{w3} {w2}", f"{w2} {w1}"):
        if gram in boosters:
            valence += boosters[gram]
    return valence


class Scorer:
    """A sentence scorer on VADER's lexicon, optionally with words added or re-weighted for a domain."""

    def __init__(self, extra: dict[str, float] | None = None):
        self.lexicon = {**_data()[0], **(extra or {})}

    def compound(self, text: str) -> float:
        return _compound(text, self.lexicon)


def compound(text: str) -> float:
    """VADER's compound sentiment for one sentence with VADER's own lexicon, from -1 to 1."""
    return _compound(text, _data()[0])


def _compound(text: str, lex: dict[str, float]) -> float:
    _, emojis, boosters, negations, n_scalar, c_incr, special = _data()
    text = _emoji_words(text, emojis)
    folded = text.lower()
    if folded == text:  # no capitals anywhere: one token list serves
        lower = _tokens(text)
        if not lower:
            return 0.0
        uppers, cap_diff = None, False
    else:
        tokens = _tokens(text)
        if not tokens:
            return 0.0
        lower = [t.lower() for t in tokens]
        uppers = [t.isupper() for t in tokens]
        cap_diff = any(uppers) and not all(uppers)
    n = len(lower)
    cut = lower.index("but") if "but" in lower else -1
    total = 0.0
    for i, word in enumerate(lower):
        valence = lex.get(word)
        if valence is None or word in boosters or (word == "kind" and i < n - 1 and lower[i + 1] == "of"):
            continue
        if word == "no" and i != n - 1 and lower[i + 1] in lex:
            valence = 0.0
        if (i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no") or \
                (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor")):
            valence = lex[word] * n_scalar
        if cap_diff and uppers[i]:
            valence += c_incr if valence > 0 else -c_incr
        for k in range(3):
            if i > k and lower[i - k - 1] not in lex:
                before = lower[i - k - 1]
                boost = boosters.get(before, 0.0)
                if boost:
                    if valence < 0:
                        boost = -boost
                    if cap_diff and uppers[i - k - 1]:
                        boost += c_incr if valence > 0 else -c_incr
                    boost *= (1.0, 0.95, 0.9)[k]
                    valence += boost
                if k == 0:
                    if before in negations or "n't" in before:
                        valence *= n_scalar
                elif k == 1:
                    if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
                        valence *= 1.25
                    elif not (lower[i - 2] == "without" and lower[i - 1] == "doubt") and \
                            (before in negations or "n't" in before):
                        valence *= n_scalar
                else:
                    if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in ("so", "this"):
                        valence *= 1.25
                    elif not (lower[i - 3] == "without" and "doubt" in (lower[i - 2], lower[i - 1])) and \
                            (before in negations or "n't" in before):
                        valence *= n_scalar
                    valence = _idioms(valence, lower, i, special, boosters)
        if i > 0 and lower[i - 1] == "least" and lower[i - 1] not in lex:
            if not (i > 1 and lower[i - 2] in ("at", "very")):
                valence *= n_scalar
        if cut >= 0:  # "but" shifts weight to what follows it
            valence *= 0.5 if i < cut else 1.5 if i > cut else 1.0
        total += valence
    if total:
        emphasis = min(text.count("!"), 4) * 0.292
        questions = text.count("?")
        if questions > 1:
            emphasis += questions * 0.18 if questions <= 3 else 0.96
        total += emphasis if total > 0 else -emphasis
    return round(total / math.sqrt(total * total + 15), 4)
