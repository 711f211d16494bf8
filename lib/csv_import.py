"""Reading an uploaded CSV file for an import (the carer register, KPI and recruitment figures): pure.

One reader for every import, so they all accept the same files and refuse the same ones with the
same words: UTF-8 (with or without Excel's byte-order mark) or Windows-1252 text, a header naming
the columns, and no more than a set size.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Sequence, TypeVar

from lib import text

T = TypeVar("T")

UNREADABLE = "The file is not readable text; save it from Excel as 'CSV UTF-8' and try again."
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))  # not tab, line feed, carriage return
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
MAX_BYTES = 5 * 1024 * 1024


def decode(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text; ValueError if it is too large, UTF-16 (Excel's "Unicode Text") or not text at all."""
    if isinstance(data, str):
        return data
    if len(data) > max_bytes:
        raise ValueError(f"The file is larger than {max_bytes // (1024 * 1024)} MB; is it the right file?")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: Windows-1252 would misread it
        raise ValueError(UNREADABLE)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))  # one pass over the file
    if controls > len(data) // 20:  # a workbook, an image, a program: text has hardly any control bytes
        raise ValueError(UNREADABLE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        stray = data.decode("utf-8", errors="replace").count("\ufffd")
        if len(_UTF8_SEQUENCE.findall(data)) > stray:  # UTF-8 with a byte or two that is not: say where, do not guess
            line = data.count(b"\n", 0, exc.start) + 1
            raise ValueError(f"Line {line} of the file has a character that is not UTF-8 (the byte "
                             f"{data[exc.start]:#04x}), although the rest of the file is. Save it from Excel as "
                             "'CSV UTF-8' again, or correct that line, and try again.") from None
    try:
        return data.decode("cp1252")  # an older Excel's "CSV (Comma delimited)": no UTF-8 in it at all
    except UnicodeDecodeError:
        raise ValueError(UNREADABLE) from None


def read_rows(data: bytes | str, columns: dict[str, tuple[str, ...]], key, *, max_rows: int, what: str = "rows",
              max_bytes: int = MAX_BYTES) -> tuple[set[str], list[tuple[int, dict]]]:
    """The columns found and every non-blank row as (its row number, {column: cell}).

    columns: each column's accepted spellings, compared after key(heading). Raises ValueError for a
    file that cannot be read at all: not text, not CSV, empty, or more than max_rows `what`.
    """
    reader = csv.reader(io.StringIO(decode(data, max_bytes=max_bytes), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("The file is empty.") from None
    except csv.Error as exc:
        raise ValueError(f"The file is not valid CSV: {exc}.") from None
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        for column, spellings in columns.items():
            if key(name) in spellings and column not in positions:
                positions[column] = index
    rows: list[tuple[int, dict]] = []
    try:
        # Numbered as Excel numbers rows (the header is row 1), so a cell with line breaks in it is still one row.
        for row_number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise ValueError(f"The file has more than {max_rows:,} {what}; is it the right file?")
            rows.append((row_number, {c: (record[i] if i < len(record) else "") for c, i in positions.items()}))
    except csv.Error as exc:
        raise ValueError(f"The file is not valid CSV near line {reader.line_num}: {exc}.") from None
    return set(positions), rows


# ---- The pipeline every import follows: read, validate each row, preview, then apply all or nothing ----------
# Reading and validating are here (pure); store.imports.run applies a plan in one transaction, and
# ui.widgets.import_file draws the upload, the row errors or the preview, and the import button.


@dataclass(frozen=True)
class RowError:
    """One row the import cannot take, by its line in the file (the header is line 1)."""

    line: int
    reason: str
    reference: str = ""  # the row's own identifier where the file has one (a household reference)


@dataclass(frozen=True)
class Layout:
    """What a kind of import file looks like: its columns, how they are named in messages, its limits."""

    columns: dict[str, tuple[str, ...]]  # each column's accepted spellings, compared after key(heading)
    names: dict[str, str]  # each column as a message names it
    hint: str  # the sentence telling what the first line must name
    key: Callable[[str], str]
    what: str = "rows"
    max_rows: int = 100_000
    max_bytes: int = MAX_BYTES


def read(data: bytes | str, layout: Layout, *, required: Sequence[str] = ()) -> tuple[set[str], list[tuple[int, dict]]]:
    """The columns found and every non-blank row; ValueError for an unreadable file, a required column
    missing or a header with no rows under it."""
    found, rows = read_rows(data, layout.columns, layout.key, max_rows=layout.max_rows, what=layout.what,
                            max_bytes=layout.max_bytes)
    require(found, rows, layout, required)
    return found, rows


def require(found: set[str], rows: list, layout: Layout, required: Sequence[str]) -> None:
    """ValueError naming the required columns the header lacks, or saying there are no rows under it."""
    missing = [layout.names[c] for c in required if c not in found]
    if missing:
        raise ValueError("The file has no " + " or ".join(f"'{m}'" for m in missing) + " column. " + layout.hint)
    if not rows:
        raise ValueError(f"The file has a header but no {layout.what}.")


def validate(rows: Iterable[tuple[int, dict]], check: Callable[[int, dict], T], *,
             label: Callable[[dict], str] | None = None) -> tuple[list[tuple[int, T]], list[RowError]]:
    """Each row checked: (line, what check made of it) for the good rows and a RowError for each bad one.

    check raises ValueError with a sentence for the person (lower case, no full stop: "team is missing").
    """
    good: list[tuple[int, T]] = []
    errors: list[RowError] = []
    for line, cell in rows:
        try:
            good.append((line, check(line, cell)))
        except ValueError as exc:
            errors.append(RowError(line, str(exc), label(cell) if label else ""))
    return good, errors


class Once:
    """Refuses a key seen on an earlier line: 'the same month, team and measure is also on line 4'."""

    def __init__(self, what: str) -> None:
        self.what, self.seen = what, {}

    def check(self, key: Hashable, line: int) -> None:
        if key in self.seen:
            raise ValueError(f"{self.what} is also on line {self.seen[key]}")
        self.seen[key] = line


def shown(value: object, limit: int = 40) -> str:
    """A cell as a message may quote it: cleaned of control characters and cut short."""
    raw = "" if value is None else str(value)
    cleaned = text.clean(raw, field="cell", max_length=len(raw) + 1)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def rows_to_fix(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'} need{'s' if count == 1 else ''} fixing"


def refuse(errors: Sequence[RowError]) -> None:
    """Raise the one refusal every import gives: how many rows need fixing and the first five, by line."""
    listed = "; ".join(f"line {e.line}: {e.reason}" for e in errors[:5])
    more = f" (and {len(errors) - 5:,} more)" if len(errors) > 5 else ""
    raise ValueError(f"Nothing was imported: {rows_to_fix(len(errors))}. {listed}{more}.")
