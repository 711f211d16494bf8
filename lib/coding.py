"""Auto-coding of free text against the theme codebook, with sentiment. Pure: no I/O beyond loading
the sentiment lexicon once, no clock.

Matching works on normalised, stemmed words: "visits", "visited" and "visiting" all match the
trigger "visit"; a trigger in double quotes matches its exact words only ("allowance" must not
catch "allowed"); a trigger starting with ! is a complaint phrase ("!left in the dark") that always
reads as an area for improvement; multi-word triggers match as phrases; British and American spellings and a few
common typos are folded together; a negation shortly before a trigger ("not supportive", "never
calls back") marks the mention as negative whatever the words around it say.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer

NEGATORS = frozenset({
    "not", "no", "never", "nobody", "none", "nothing", "without", "hardly", "barely", "neither", "nor", "cannot",
    "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont", "wouldnt",
    "havent", "hasnt", "hadnt", "shouldnt", "aint", "noone", "lack", "lacking",
})
NEGATION_WINDOW = 3
# Words that make a sentence a request or suggestion ("would be good to have evening training").
SUGGESTION_CUES = frozenset({"need", "needs", "needed", "should", "could", "would", "id", "wish", "please", "want",
                             "wants", "wanted", "improve", "improvement", "suggest", "hope"})
# Spelling variants and typos seen in feedback, folded to one form before stemming.
SPELLINGS = {
    "behavior": "behaviour", "behaviors": "behaviours", "center": "centre", "counseling": "counselling",
    "organize": "organise", "organized": "organised", "program": "programme", "favor": "favour",
    "recieve": "receive", "recieved": "received", "alowance": "allowance", "allowence": "allowance",
    "alowances": "allowances", "respit": "respite", "traning": "training", "trainning": "training",
    "socail": "social", "sosial": "social", "superviser": "supervisor", "shool": "school", "skool": "school",
    "finacial": "financial", "finances": "finance", "contatc": "contact", "nobodys": "nobody",
    "ringing": "rings", "rang": "rings", "ring": "rings", "calling": "calls", "called": "calls", "call": "calls",
    "phoned": "calls", "phone": "phone", "no-one": "noone",
}
# Domain adjustments to the general-purpose sentiment lexicon (VADER): words that are neutral or
# negative in fostering feedback although not in everyday text, and the other way round.
LEXICON = {
    "help": 0.4, "helped": 0.8, "late": -1.4, "chasing": -1.4, "cancelled": -1.6, "waiting": -0.8,
    "overwhelming": -1.6, "struggling": -2.0, "exhausted": -1.8, "lifeline": 2.2, "judged": -1.6,
    "unannounced": -0.9, "tight": -0.9, "ages": -0.6, "forever": -0.3, "settled": 1.6, "supportive": 1.9,
    "brilliant": 2.8, "impossible": -1.8, "awful": -2.6, "abandoned": -2.2, "ignored": -1.8, "delay": -1.2,
    "delays": -1.2, "rushed": -1.0, "lonely": -1.8, "isolated": -1.6, "safe": 1.4, "unsafe": -2.0,
}
_APOSTROPHES = str.maketrans({"’": "", "'": "", "‘": "", "`": ""})
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_stemmer = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(SPELLINGS.get(word, word))


def words(text: str) -> list[str]:
    """Lower-case words without apostrophes or accents ("Can’t" -> "cant", "café" -> "cafe")."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD.findall(text)


def stems(text: str) -> list[str]:
    return [_stem(w) for w in words(text)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    definition: str
    applies_to: tuple[str, ...]
    usually: str  # strength | improvement | either
    triggers: tuple[str, ...]
    status: str = "active"


@dataclass(frozen=True)
class Mention:
    """One theme found in one comment: how it reads and the sentences that carry it."""

    theme_id: str
    sentiment: float
    negated: bool
    suggestion: bool
    sentences: tuple[int, ...]

    @property
    def polarity(self) -> str:
        return label(self.sentiment)

    @property
    def reading(self) -> str:
        """strength, improvement (negative, negated or asking for something) or neutral."""
        return reading(self.sentiment, negated=self.negated, suggestion=self.suggestion)


@dataclass(frozen=True)
class Coding:
    sentiment: float
    mentions: dict[str, Mention] = field(default_factory=dict)

    @property
    def polarity(self) -> str:
        return label(self.sentiment)


def label(score: float) -> str:
    """positive / negative / neutral, with VADER's usual ±0.05 cut-offs."""
    if score >= 0.05:
        return "positive"
    if score <= -0.05:
        return "negative"
    return "neutral"


def reading(sentiment: float, *, negated: bool = False, suggestion: bool = False) -> str:
    if negated or suggestion or sentiment <= -0.05:
        return "improvement"
    return "strength" if sentiment >= 0.05 else "neutral"


@functools.lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(LEXICON)
    return analyzer


def sentence_sentiment(text: str) -> float:
    return _analyzer().polarity_scores(text)["compound"]


class Matcher:
    """The codebook's triggers compiled to stemmed phrases indexed by their first word."""

    def __init__(self, themes: list[Theme] | tuple[Theme, ...]):
        self.index: dict[str, list[tuple[tuple[str, ...], str, bool, bool]]] = {}
        for theme in themes:
            if theme.status != "active":
                continue
            for trigger in theme.triggers:
                complaint = trigger.startswith("!")
                trigger = trigger.lstrip("!").strip()
                exact = len(trigger) > 2 and trigger.startswith('"') and trigger.endswith('"')
                raw = words(trigger)
                phrase = tuple(raw if exact else [_stem(w) for w in raw])
                if not phrase:
                    continue
                inherently_negative = complaint or any(w in NEGATORS for w in raw)
                key = _stem(raw[0])
                self.index.setdefault(key, []).append((phrase, theme.id, inherently_negative, exact))
        for entries in self.index.values():
            entries.sort(key=lambda e: -len(e[0]))

    def find(self, tokens: list[str], raw: list[str]) -> dict[str, bool]:
        """Themes in one sentence's stemmed tokens, each with whether a mention of it is negated."""
        found: dict[str, bool] = {}
        for position, token in enumerate(tokens):
            for phrase, theme_id, negative, exact in self.index.get(token, ()):
                if tuple((raw if exact else tokens)[position:position + len(phrase)]) != phrase:
                    continue
                before = raw[max(0, position - NEGATION_WINDOW):position]
                negated = negative or any(w in NEGATORS for w in before)
                found[theme_id] = found.get(theme_id, False) or negated
        return found


def code(text: str, matcher: Matcher) -> Coding:
    """Themes and sentiment for one comment: a sentiment for the comment and for each theme's sentences."""
    parts = sentences(text) or [text]
    scores, per_theme = [], {}
    for number, sentence in enumerate(parts):
        raw = words(sentence)
        found = matcher.find([_stem(w) for w in raw], raw)
        score = sentence_sentiment(sentence)
        scores.append((score, max(1, len(raw))))
        asks = bool(found) and any(w in SUGGESTION_CUES for w in raw) and score < 0.8
        for theme_id, negated in found.items():
            per_theme.setdefault(theme_id, []).append((number, score, negated, asks))
    total = sum(weight for _, weight in scores)
    overall = round(sum(score * weight for score, weight in scores) / total, 4) if total else 0.0
    mentions = {}
    for theme_id, hits in per_theme.items():
        negated = any(h[2] for h in hits)
        score = sum(h[1] for h in hits) / len(hits)
        if negated and score > -0.05:
            score = min(-0.3, -abs(score))  # "not supportive" is never praise
        mentions[theme_id] = Mention(theme_id, round(score, 4), negated, any(h[3] for h in hits),
                                     tuple(h[0] for h in hits))
    return Coding(overall, mentions)


def naive_code(text: str, themes: list[Theme] | tuple[Theme, ...]) -> set[str]:
    """The obvious way, kept as the benchmark's baseline: test every trigger phrase against the text."""
    lowered = " " + " ".join(stems(text)) + " "
    return {t.id for t in themes if t.status == "active" for trigger in t.triggers
            if " " + " ".join(stems(trigger)) + " " in lowered}
