"""The one CSV reader behind every import."""

import pytest

from lib import csv_import

COLUMNS = {"reference": ("reference", "ref"), "name": ("name",)}


def key(heading):
    return heading.strip().lower()


def test_rows_are_numbered_as_excel_numbers_them_so_a_cell_with_line_breaks_is_one_row():
    found, rows = csv_import.read_rows('Ref,Name,Other\nA1,"two\nlines"\n\nA2,Ann\n', COLUMNS, key, max_rows=10)
    assert found == {"reference", "name"}
    assert rows == [(2, {"reference": "A1", "name": "two\nlines"}), (4, {"reference": "A2", "name": "Ann"})]


def test_excels_utf8_byte_order_mark_and_windows_1252_are_read():
    assert csv_import.read_rows("\ufeffref,name\nA1,Zoë\n".encode("utf-8"), COLUMNS, key, max_rows=10)[1] == \
        [(2, {"reference": "A1", "name": "Zoë"})]
    assert csv_import.read_rows("ref,name\nA1,Zoë\n".encode("cp1252"), COLUMNS, key, max_rows=10)[1] == \
        [(2, {"reference": "A1", "name": "Zoë"})]


@pytest.mark.parametrize("data, message", [
    ("ref,name\nA1,Ann\n".encode("utf-16"), csv_import.UNREADABLE),
    (b"", "The file is empty."),
    (b"x" * (csv_import.MAX_BYTES + 1), "larger than 5 MB"),
    ("ref,name\n" + "A,B\n" * 4, "more than 3 households"),
])
def test_files_that_cannot_be_read_are_refused_with_a_sentence_saying_why(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        csv_import.read_rows(data, COLUMNS, key, max_rows=3, what="households")
