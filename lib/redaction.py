"""Pure: scrub names, UK phone numbers, e-mail addresses and UK postcodes from a quote before export.

One module-level regex walks the text once; every word it meets is looked up in a set of known
names (built once per distinct name list and cached), so the cost grows with the text, not with
the number of names: a thousand quotes against two thousand names take a fraction of a second.

What is caught, and what is not (QA reviews and may edit every redacted quote before export):

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
- Names -> "[name]": whole words matched case-insensitively against the known names (a possessive
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
Names written in scripts without spaces (Chinese, Japanese) are not matched.

Redaction is idempotent (the placeholders are never touched again) and never raises on a str.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDERS = {"name": "[name]", "phone": "[phone]", "email": "[email]", "postcode": "[postcode]"}

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
_KEEP = rf"\[(?:phone|email|postcode)\]|\[name\](?:['\u2018\u2019\u02bc][sS](?![^\W_{_CJK}]))?"
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
class Redaction:
    """A redacted text and, in order, the (kind, original) of each replacement made in it."""

    text: str
    found: tuple[tuple[str, str], ...]


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


def redact(text: str, *, names: Iterable[str] = ()) -> Redaction:
    """The text with e-mails, UK phone numbers, UK postcodes and the given names replaced by placeholders.

    `names` may be name words (from name_terms) or whole display names. Never raises on a str;
    anything else is treated as its str() (None as "").
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if isinstance(names, str):
        names = (names,)
    known = _known_names(names if isinstance(names, frozenset) else frozenset(n for n in names if isinstance(n, str)))

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

    pieces: list[str] = []
    found: list[tuple[str, str]] = []
    position = 0
    for event in events:
        start, end, kind = event[:3]
        if kind == "maybe":
            key, forced = event[3], event[4]
            if not (forced or _common_word_is_name(text, start, end, key, confirmed, known)):
                continue
            kind = "name"
        pieces.append(text[position:start])
        pieces.append(PLACEHOLDERS[kind])
        found.append((kind, text[start:end]))
        position = end
    if not found:
        return Redaction(text=text, found=())
    pieces.append(text[position:])
    return Redaction(text="".join(pieces), found=tuple(found))


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
