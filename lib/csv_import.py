"""Reading an uploaded CSV file for an import (the carer register, KPI and recruitment figures): pure.

One reader for every import, so they all accept the same files and refuse the same ones with the
same words: UTF-8 (with or without Excel's byte-order mark) or Windows-1252 text, a header naming
the columns, and no more than a set size.
"""

from __future__ import annotations

import csv
import io

UNREADABLE = "The file is not readable text; save it from Excel as 'CSV UTF-8' and try again."
MAX_BYTES = 5 * 1024 * 1024


def decode(data: bytes | str, *, max_bytes: int = MAX_BYTES) -> str:
    """The file's text; ValueError if it is too large, UTF-16 (Excel's "Unicode Text") or not text at all."""
    if isinstance(data, str):
        return data
    if len(data) > max_bytes:
        raise ValueError(f"The file is larger than {max_bytes // (1024 * 1024)} MB; is it the right file?")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: Windows-1252 would misread it
        raise ValueError(UNREADABLE)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(UNREADABLE)


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
