"""The project's own rules (STYLE.md and the README), checked so they cannot quietly erode."""

import ast
import re
import subprocess

import pytest

from lib import access
from tests.conftest import ROOT

LIB_MODULES = sorted((ROOT / "lib").rglob("*.py"))
PAGE_SCRIPTS = sorted((ROOT / "app_pages").rglob("*.py"))
SQL = re.compile(r"\b(select\s+.+\s+from|insert\s+into|update\s+\w+\s+set|delete\s+from)\b|db\.(query|execute)\(",
                 re.IGNORECASE)


def imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_there_is_no_pages_folder_beside_the_entrypoint():
    assert not (ROOT / "pages").exists(), "a pages/ folder makes st.navigation fall back to the legacy folder scan"


@pytest.mark.parametrize("module", LIB_MODULES, ids=lambda p: str(p.relative_to(ROOT / "lib")))
def test_only_the_lib_ui_package_imports_streamlit(module):
    uses_streamlit = any(name.split(".")[0] == "streamlit" for name in imports(module))
    assert uses_streamlit == (module.parent.name == "ui" and module.name != "__init__.py")


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=lambda p: str(p.relative_to(ROOT / "app_pages")))
def test_page_scripts_hold_no_sql_and_no_markup(script):
    source = script.read_text()
    assert not SQL.search(source)
    assert not any(name.startswith(("sqlite", "fpdf")) for name in imports(script))


def test_every_page_script_is_in_the_page_table_or_is_a_signed_out_screen():
    listed = {page.script for page in access.PAGES} | {"app_pages/people/sign_in.py", "app_pages/people/first_run.py"}
    assert {str(p.relative_to(ROOT)) for p in PAGE_SCRIPTS} == listed


def test_no_html_is_rendered_anywhere():
    for path in [ROOT / "streamlit_app.py", *LIB_MODULES, *PAGE_SCRIPTS]:
        assert "unsafe_allow_html=True" not in path.read_text(), path


def readme_command(name):
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"^{name}:\s*`([^`]+)`", readme, re.MULTILINE)
    assert match, f"README.md has no '{name}: `...`' line"
    return match.group(1)


def test_the_readme_gives_one_command_to_start_and_one_to_test_and_ci_runs_the_test_one():
    start, test = readme_command("Start"), readme_command("Test")
    assert start == "make run" and test == "make test"
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"^\s*{re.escape(test)}\b", ci, re.MULTILINE)


def test_the_makefile_targets_the_readme_names_exist():
    result = subprocess.run(["make", "-n", "-C", str(ROOT), "run", "test"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_requirements_are_pinned_to_exact_versions():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, line


def test_the_changelog_has_dated_entries():
    text = (ROOT / "CHANGES.md").read_text()
    assert re.search(r"^## \d{4}-\d{2}-\d{2}$", text, re.MULTILINE)


def test_the_production_config_hides_error_details_and_the_toolbar():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert 'showErrorDetails = "none"' in config and 'toolbarMode = "viewer"' in config
    assert "gatherUsageStats = false" in config


def test_secrets_are_ignored_by_git():
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text()


def area(module: str) -> str:
    """lib.capture.feedback -> capture; lib.text -> text."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lib"


def area_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in LIB_MODULES:
        here = area(".".join(path.relative_to(ROOT).with_suffix("").parts).replace(".__init__", ""))
        for name in imports(path):
            if name.startswith("lib."):
                graph.setdefault(here, set()).add(area(name))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):  # from lib import text, dates: each name is an area of its own
            if isinstance(node, ast.ImportFrom) and node.module == "lib":
                graph.setdefault(here, set()).update(alias.name for alias in node.names)
    return {a: {b for b in found if b != a} for a, found in graph.items()}


def test_the_areas_of_lib_import_each_other_without_a_circle():
    graph = area_imports()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph.get(start, ()))

    circles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if reaches(b, a, {b})})
    assert circles == []


@pytest.mark.parametrize("pure", ["text", "dates", "periods", "working_days", "csv_import", "suppression", "redaction",
                                  "charts", "analysis", "access"])
def test_the_shared_pure_helpers_do_no_io_and_import_no_area(pure):
    names = set(imports(ROOT / "lib" / f"{pure}.py"))
    assert not {n for n in names if n.startswith("lib.") and area(n) not in
                ("text", "dates", "periods", "analysis", "suppression")}, names
    assert not names & {"sqlite3", "sqlite_utils", "streamlit", "os", "pathlib", "requests", "urllib"}
