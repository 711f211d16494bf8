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
