import pytest

from lib import text


@pytest.mark.parametrize(
    "raw, cleaned",
    [("  two   spaces \t", "two spaces"), ("nul\x00 and bell\x07", "nul and bell"), ("e\u0301", "é"),
     ("lone \ud800 surrogate", "lone surrogate"), (None, "")],
)
def test_single_line_text_is_trimmed_normalised_and_stripped_of_control_characters(raw, cleaned):
    assert text.clean(raw, field="Name") == cleaned


def test_multiline_text_keeps_its_line_breaks_but_not_carriage_returns():
    assert text.clean("first  \r\nsecond\rthird\n\n", field="Comment", multiline=True) == "first\nsecond\nthird"


def test_required_and_length_limits_name_the_field():
    with pytest.raises(ValueError, match="^Title is required.$"):
        text.clean("   ", field="Title", required=True)
    with pytest.raises(ValueError, match="Comment must be at most 5 characters \\(it has 6\\)"):
        text.clean("abcdef", field="Comment", max_length=5)


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("![x](http://e.com/a.png)", "!\\[x\\](http\\://e.com/a.png)"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("$x^2$ and :red[boom] and :material/home:", "\\$x^2\\$ and \\:red\\[boom\\] and \\:material/home:"),
        ("**bold** _it_ `code` ~~s~~ a|b &amp;", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ a\\|b \\&amp;"),
        ("# heading\n1. item\n- bullet", "\\# heading\n1\\. item\n\\- bullet"),
        ("Plain words, with (brackets) and 3.5% - fine.", "Plain words, with (brackets) and 3.5% - fine."),
    ],
)
def test_markdown_characters_in_user_text_are_escaped(raw, escaped):
    assert text.escape_markdown(raw) == escaped


@pytest.mark.parametrize("raw", ["=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised(raw):
    assert text.spreadsheet_safe(raw) == "'" + raw


@pytest.mark.parametrize("value", ["plain", "", 5, None, "a=b"])
def test_other_cell_values_are_left_alone(value):
    assert text.spreadsheet_safe(value) == value


def test_one_date_helper_reads_dates_and_names_the_field_in_every_refusal():
    import datetime as dt

    today = dt.date(2026, 3, 1)
    assert text.clean_date(" 2026-02-28 ", "Due date", today=today) == dt.date(2026, 2, 28)
    assert text.clean_date(dt.datetime(2026, 2, 1, 9, 30), "Due date", today=today) == dt.date(2026, 2, 1)
    assert text.clean_date("", "Due date") is None
    for value, kwargs, message in (("", {"required": True}, "Due date is required."),
                                   ("31/02/2026", {}, "Due date '31/02/2026' is not a date (use 2025-03-31)."),
                                   (42, {}, "Due date is not a date."),
                                   (dt.date(2026, 3, 2), {"today": today}, "Due date cannot be in the future."),
                                   (dt.date(1999, 12, 31), {}, "Due date cannot be before 1 January 2000.")):
        with pytest.raises(ValueError) as refused:
            text.clean_date(value, "Due date", **kwargs)
        assert str(refused.value) == message
    assert text.clean_date(dt.date(2030, 1, 1), "Due date") == dt.date(2030, 1, 1)  # no today: the future is fine
