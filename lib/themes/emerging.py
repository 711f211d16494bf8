"""Emerging themes: group comments that match no theme around the words they share. Pure.

At a council's volumes (tens to hundreds of comments a quarter) topic models invent clusters out
of noise, so this stays simple and honest: a candidate is a word or pair of words that several
uncoded comments share, with the other words those comments use and a few examples. Too few
comments and it says so instead of guessing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lib.themes import matching

MIN_COMMENTS = 8
MIN_CLUSTER = 3
MAX_CANDIDATES = 6
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves also get got really im ive dont didnt
cant its thats theres thank thanks please one two lot lots much many well good great fine ok okay bit still
every like time would could us said say says just even always never things thing way make made
""".split())


@dataclass(frozen=True)
class Candidate:
    """A possible new theme: the shared word, other words those comments use, and examples."""

    keyword: str  # the word as people wrote it most often
    stem: str
    comments: tuple[int, ...]
    top_words: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.comments)


def _keep(word: str) -> bool:
    return len(word) > 2 and word not in STOPWORDS and not word.isdigit()


def _terms(text: str) -> tuple[set[str], dict[str, str]]:
    """A comment's stemmed words and adjacent word pairs (pairs only where both words count)."""
    every = matching.words(text)
    raw = [w for w in every if _keep(w)]
    stems = [matching._stem(w) for w in raw]
    surface = dict(zip(stems, raw))
    terms = set(stems)
    for a, b in zip(every, every[1:]):
        if _keep(a) and _keep(b):
            pair = f"{matching._stem(a)} {matching._stem(b)}"
            terms.add(pair)
            surface[pair] = f"{a} {b}"
    return terms, surface


def candidates(comments: list[tuple[int, str]]) -> tuple[list[Candidate], str | None]:
    """Candidate themes among uncoded comments, largest first, and a note when there are too few to group."""
    if len(comments) < MIN_COMMENTS:
        return [], (f"Only {len(comments)} comment(s) match no theme; with fewer than {MIN_COMMENTS} there is "
                    "nothing to group, so read them instead.")
    documents, spellings = {}, Counter()
    for comment_id, text in comments:
        terms, surface = _terms(text)
        documents[comment_id] = terms
        spellings.update({(term, word) for term, word in surface.items()})
    left = dict(documents)
    found: list[Candidate] = []
    ceiling = max(MIN_CLUSTER, int(0.6 * len(documents)))
    while left and len(found) < MAX_CANDIDATES:
        frequency = Counter(term for terms in left.values() for term in terms)
        ranked = [(n + (0.5 if " " in term else 0), term) for term, n in frequency.items()
                  if MIN_CLUSTER <= n <= ceiling]
        if not ranked:
            break
        _, term = max(ranked)
        members = tuple(sorted(cid for cid, terms in left.items() if term in terms))
        others = Counter(t for cid in members for t in documents[cid] if t != term and " " not in t and t not in term)
        word = max((s for s in spellings if s[0] == term), key=lambda s: spellings[s])[1]
        top = tuple(max((s for s in spellings if s[0] == t), key=lambda s: spellings[s])[1]
                    for t, n in others.most_common(6) if n >= 2)
        found.append(Candidate(word, term, members, top))
        for cid in members:
            left.pop(cid)
    if not found:
        return [], "No word is shared by three or more of these comments; nothing stands out as a new theme yet."
    return found, None
