"""Auto-coding of free text against the theme codebook, with sentiment. Pure: no I/O beyond loading
the sentiment lexicon once, no clock.

Matching works on normalised, stemmed words: "visits", "visited" and "visiting" all match the
trigger "visit"; a trigger in double quotes matches its exact words only ("allowance" must not
catch "allowed"); a trigger starting with ! is a complaint phrase ("!left in the dark") that always
reads as an area for improvement; multi-word triggers match as phrases; British and American spellings and a few
common typos are folded together; a negation shortly before a trigger in the same clause ("not
supportive", "never calls back") marks the mention as negative whatever the words around it say,
unless the clause is a stock compliment ("can't fault", "no complaints"); a request ("would be good
to have", "please", "we need") reads as an area for improvement. A theme is only suggested for the
people it applies to (a kinship-only theme is never suggested for a mainstream carer's comment).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer

from lib.themes import sentiment

NEGATORS = frozenset({
    "not", "no", "never", "nobody", "none", "nothing", "without", "hardly", "barely", "neither", "nor", "cannot",
    "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont", "wouldnt",
    "havent", "hasnt", "hadnt", "shouldnt", "aint", "noone", "lack", "lacking",
})
NEGATION_WINDOW = 3
# Words and word pairs that make a clause a request or suggestion ("would be good to have evening training").
SUGGESTION_CUES = frozenset({"need", "needs", "needed", "should", "wish", "please", "want", "wants", "wanted",
                             "hope", "suggest", "improve", "improvement"})
SUGGESTION_PAIRS = frozenset({("would", "be"), ("would", "like"), ("would", "love"), ("would", "help"),
                              ("could", "we"), ("could", "you"), ("id", "like"), ("it", "would"), ("if", "only")})
# Stock compliments built from negations: the negation does not make them criticism.
POSITIVE_IDIOMS = (("cant", "fault"), ("cannot", "fault"), ("couldnt", "fault"), ("no", "complaints"),
                   ("no", "complaint"), ("never", "had", "a", "problem"), ("no", "problems"), ("nothing", "but"),
                   ("couldnt", "be", "happier"), ("couldnt", "ask", "for"), ("cant", "thank"), ("cant", "praise"),
                   ("not", "a", "problem"), ("no", "issues"), ("never", "lets", "us", "down"))
# Who a theme can apply to: codebook codes for each respondent (and carer cohort).
AUDIENCES = {("carer", "mainstream"): {"CM"}, ("carer", "kinship"): {"CK"}, ("carer", None): {"CM", "CK"},
             ("birth_parent", None): {"P"}, ("child", None): {"Y"}}
_CLAUSE = re.compile(r"[,;:()]|\b(?:but|however|although|though|whereas)\b", re.IGNORECASE)
# Typos and American spellings seen in feedback, corrected before matching and before sentiment.
TYPOS = {
    "behavior": "behaviour", "behaviors": "behaviours", "center": "centre", "counseling": "counselling",
    "organize": "organise", "organized": "organised", "program": "programme", "favor": "favour",
    "recieve": "receive", "recieved": "received", "alowance": "allowance", "allowence": "allowance",
    "alowances": "allowances", "respit": "respite", "traning": "training", "trainning": "training",
    "socail": "social", "sosial": "social", "superviser": "supervisor", "shool": "school", "skool": "school",
    "finacial": "financial", "contatc": "contact", "placment": "placement", "placments": "placements",
    "supervison": "supervision", "helpfull": "helpful", "responce": "response", "beleive": "believe",
    "definately": "definitely", "dissapointed": "disappointed", "apreciate": "appreciate",
}
# Word forms folded together for matching only ("called me back" matches "calls me back").
SPELLINGS = {
    **TYPOS, "finances": "finance", "nobodys": "nobody", "ringing": "rings", "rang": "rings", "ring": "rings",
    "calling": "calls", "called": "calls", "call": "calls", "phoned": "calls", "no-one": "noone",
    "supervisions": "supervision",
}
_TYPO_WORDS = frozenset(TYPOS)
_TYPO = re.compile(r"\b(" + "|".join(sorted(TYPOS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# Domain adjustments to the general-purpose sentiment lexicon (VADER): words that are neutral or
# negative in fostering feedback although not in everyday text, and the other way round.
LEXICON = {
    "help": 0.4, "helped": 0.8, "late": -1.4, "chasing": -1.4, "cancelled": -1.6, "waiting": -0.8,
    "overwhelming": -1.6, "struggling": -2.0, "exhausted": -1.8, "lifeline": 2.2, "judged": -1.6,
    "unannounced": -0.9, "tight": -0.9, "ages": -0.6, "forever": -0.3, "settled": 1.6, "supportive": 1.9,
    "brilliant": 2.8, "impossible": -1.8, "awful": -2.6, "abandoned": -2.2, "ignored": -1.8, "delay": -1.2,
    "delays": -1.2, "rushed": -1.0, "lonely": -1.8, "isolated": -1.6, "safe": 1.4, "unsafe": -2.0,
    "shambolic": -2.6, "shambles": -2.4, "rubbish": -1.9, "gutted": -2.0, "fobbed": -1.9, "chased": -1.2,
    "unreliable": -1.8, "invaluable": 2.4, "approachable": 1.8, "responsive": 1.6, "reassuring": 1.8,
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
    text = text.lower().translate(_APOSTROPHES)
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
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
def _scorer() -> sentiment.Scorer:
    return sentiment.Scorer(LEXICON)


def sentence_sentiment(text: str, *, typos: bool = True) -> float:
    """VADER's compound score (-1 to 1) with the fostering lexicon, known typos corrected first.

    typos=False skips the correction when the caller already knows the sentence has none.
    """
    if typos:
        text = _TYPO.sub(lambda m: TYPOS[m.group(0).lower()], text)
    return _scorer().compound(text)


def audience(respondent: str | None, cohort: str | None = None) -> frozenset[str] | None:
    """The codebook's applies-to codes for a respondent (None: anyone, e.g. a complaint from a professional)."""
    if respondent is None:
        return None
    found = AUDIENCES.get((respondent, cohort if respondent == "carer" else None)) or AUDIENCES.get((respondent, None))
    return frozenset(found) if found else None


_IDIOM_STARTS: dict[str, list[tuple[str, ...]]] = {}
for _idiom in POSITIVE_IDIOMS:
    _IDIOM_STARTS.setdefault(_idiom[0], []).append(_idiom)


_IDIOM_FIRST = frozenset(_IDIOM_STARTS)


def _compliment(raw: list[str]) -> bool:
    """True if the clause holds a stock compliment built from a negation ("can't fault", "no complaints")."""
    if _IDIOM_FIRST.isdisjoint(raw):
        return False
    for i, word in enumerate(raw):
        for idiom in _IDIOM_STARTS.get(word, ()):
            if tuple(raw[i:i + len(idiom)]) == idiom:
                return True
    return False


_PUNCT_CLAUSE = re.compile(r"[,;:()]")


def clauses(sentence: str) -> list[str]:
    """A sentence cut at commas, semicolons, colons, brackets and "but", "however", "(al)though", "whereas"."""
    lowered = sentence.lower()
    if "but" in lowered or "however" in lowered or "though" in lowered or "whereas" in lowered:
        parts = _CLAUSE.split(sentence)
    elif _PUNCT_CLAUSE.search(sentence):
        parts = _PUNCT_CLAUSE.split(sentence)
    else:
        return [sentence]
    return [part for part in parts if part and part.strip()]


class Matcher:
    """The codebook's triggers compiled to stemmed phrases indexed by their first word."""

    def __init__(self, themes: list[Theme] | tuple[Theme, ...]):
        self.index: dict[str, list[tuple[tuple[str, ...], str, bool, bool]]] = {}
        self.applies: dict[str, frozenset[str]] = {}
        for theme in themes:
            if theme.status != "active":
                continue
            self.applies[theme.id] = frozenset(theme.applies_to)
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

    def find(self, tokens: list[str], raw: list[str], audience: frozenset[str] | None = None,
             compliment: bool | None = None) -> dict[str, bool]:
        """Themes in one clause's stemmed tokens, each with whether a mention of it is negated.

        With an audience, themes that do not apply to those people are skipped.
        """
        found: dict[str, bool] = {}
        if compliment is None:
            compliment = _compliment(raw)
        for position, token in enumerate(tokens):
            for phrase, theme_id, negative, exact in self.index.get(token, ()):
                if audience is not None and not (self.applies[theme_id] & audience):
                    continue
                if len(phrase) == 1:
                    if exact and raw[position] != phrase[0]:
                        continue  # a one-word stemmed trigger is its own index key, so it has matched
                elif tuple((raw if exact else tokens)[position:position + len(phrase)]) != phrase:
                    continue
                before = raw[max(0, position - NEGATION_WINDOW):position]
                negated = negative or (not compliment and any(w in NEGATORS for w in before))
                found[theme_id] = found.get(theme_id, False) or negated
        return found


def _asks(raw: list[str]) -> bool:
    return any(w in SUGGESTION_CUES for w in raw) or any(pair in SUGGESTION_PAIRS for pair in zip(raw, raw[1:]))


def code(text: str, matcher: Matcher, audience: frozenset[str] | None = None) -> Coding:
    """Themes and sentiment for one comment: a sentiment for the comment and for each theme's sentences.

    audience: who said it (see audience()); themes that do not apply to them are not suggested.
    """
    parts = sentences(text) or [text]
    scores, per_theme = [], {}
    for number, sentence in enumerate(parts):
        split = [words(clause) for clause in clauses(sentence)]
        score = sentence_sentiment(sentence, typos=any(not _TYPO_WORDS.isdisjoint(raw) for raw in split))
        length = 0
        for raw in split:
            length += len(raw)
            if not raw:
                continue
            compliment = _compliment(raw)
            found = matcher.find(list(map(_stem, raw)), raw, audience, compliment)
            if not found:
                continue
            clause_score = max(score, 0.3) if compliment else score
            asks = not compliment and _asks(raw) and score < 0.8
            for theme_id, negated in found.items():
                per_theme.setdefault(theme_id, []).append((number, clause_score, negated, asks))
        scores.append((score, max(1, length)))
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


class NaiveCoder:
    """The obvious way, kept as the benchmark's baseline: test every (pre-stemmed) trigger phrase against the text."""

    def __init__(self, themes: list[Theme] | tuple[Theme, ...]):
        self.phrases = [(" " + " ".join(stems(trigger.lstrip("!").strip('"'))) + " ", t.id)
                        for t in themes if t.status == "active" for trigger in t.triggers]

    def code(self, text: str) -> set[str]:
        lowered = " " + " ".join(stems(text)) + " "
        return {theme_id for phrase, theme_id in self.phrases if phrase in lowered}
