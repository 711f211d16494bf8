"""The documentation says what the code is (sqlite-utils' test_docs.py is the model)."""

import re

import pytest

from tests.conftest import ROOT

LAYOUT = ROOT / "docs" / "layout.md"


def listed_lib_files():
    block = LAYOUT.read_text().split("```")[1]
    files = set()
    for line in block.splitlines():
        match = re.match(r"^(lib/\S+)", line)
        if match:
            name = match.group(1)
            files.add(name + "__init__.py" if name.endswith("/") else name)
    return files


def test_the_layout_lists_exactly_the_files_in_lib():
    actual = {str(p.relative_to(ROOT)) for p in (ROOT / "lib").rglob("*.py")}
    listed = listed_lib_files()
    assert sorted(actual - listed) == [], "in lib/ but not in docs/layout.md"
    assert sorted(listed - actual) == [], "in docs/layout.md but not in lib/"


def test_the_layout_names_every_page_folder():
    folders = {p.name for p in (ROOT / "app_pages").iterdir() if p.is_dir() and p.name != "__pycache__"}
    text = LAYOUT.read_text()
    assert all(f"{folder}/" in text for folder in folders), folders


@pytest.mark.parametrize("doc", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_every_guide_is_linked_from_the_readme_and_names_only_files_that_exist(doc):
    assert f"docs/{doc.name}" in (ROOT / "README.md").read_text()
    for path in re.findall(r"`((?:lib|app_pages|data|tests|bench)/[\w/.]+\.(?:py|toml|txt))`", doc.read_text()):
        assert (ROOT / path).exists(), f"{doc.name} names {path}"


def test_the_readme_states_the_date_and_time_formats_the_app_uses():
    from lib import dates

    readme = (ROOT / "README.md").read_text()
    assert dates.day("2026-12-02") in readme and dates.time("2026-12-02T14:05:00+00:00") in readme
