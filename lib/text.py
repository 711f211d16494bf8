"""Pure helpers for user text: cleaning on the way in, neutralising on the way out to spreadsheets."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# C0 and C1 control characters except tab and newline, plus lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(
    value: object,
    *,
    field: str,
    max_length: int = 5000,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Trimmed, NFC-normalised text without control characters; ValueError naming the field.

    Single-line fields also collapse runs of whitespace. Text with nothing visible (only spaces and
    zero-width or direction characters) counts as empty. Returns "" for an empty optional field.
    """
    text = "" if value is None else str(value)
    # Controls go before normalising: one between a letter and its accent would keep them apart.
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    else:
        text = " ".join(text.split())
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        text = ""  # only zero-width and direction characters: nothing anyone can see
    if required and not text:
        raise ValueError(f"{field} is required.")
    if len(text) > max_length:
        raise ValueError(f"{field} must be at most {max_length:,} characters (it has {len(text):,}).")
    return text


# ":" only where it could start a :directive[...], an :emoji: or a bare http:// link.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~|&]|:(?=[A-Za-z/]))")
_LINE_START = re.compile(r"^(\s*\d*)([#+\-=]|(?<=\d)[.)])", re.MULTILINE)


def escape_markdown(value: object) -> str:
    """User text made safe to place inside Streamlit markdown: the characters that make markup are escaped.

    Covers links and images ([...]), emphasis, code, HTML (<, &), LaTeX ($), tables, and Streamlit's
    :colour[...] and :material/icon: directives, plus headings and lists at the start of a line, so
    the text shows exactly as typed.
    """
    escaped = _MARKDOWN.sub(r"\\\1", str(value))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def spreadsheet_safe(value: object) -> object:
    """A cell value that no spreadsheet will run as a formula: text starting =, +, -, @, tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


EARLIEST = dt.date(2000, 1, 1)


def clean_date(value: object, field: str, *, today: dt.date | None = None, required: bool = False) -> dt.date | None:
    """A date typed or picked for a field (a date, a datetime or 2025-03-31), or None when empty and optional.

    ValueError naming the field: required and empty, not a date, after today (when today is given),
    or before 2000 (a slip of the keyboard).
    """
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is required.")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{field} '{value}' is not a date (use 2025-03-31).") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"{field} is not a date.")
    if today is not None and value > today:
        raise ValueError(f"{field} cannot be in the future.")
    if value < EARLIEST:
        raise ValueError(f"{field} cannot be before {EARLIEST:%-d %B %Y}.")
    return value


def clean_choice(value: object, options: dict, field: str, *, required: bool = False) -> str | None:
    """One of a field's option codes, or None when empty and optional; ValueError listing the options' names."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is required.")
        return None
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{field} must be one of: {', '.join(options.values())}.")
    return value
