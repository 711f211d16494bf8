import subprocess
import sys

from tests.conftest import ROOT


def test_the_benchmark_builds_a_small_database_measures_every_figure_and_prints_its_table():
    result = subprocess.run([sys.executable, "-m", "bench", "--rows", "400", "--repeats", "2", "--comments", "200"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("database: ") and "(400 synthetic" in lines[1]
    for measure in ("record one entry (feedback.record)", "themes explorer counts,",
                    "  baseline: the same aggregate as one GROUP BY", "themes page, AppTest (warm rerun)",
                    "auto-coding: themes + sentiment (the app)", "  baseline: naive loop over every trigger",
                    "quarterly PDF, new process", "peak RSS"):
        assert any(line.startswith(measure) for line in lines), measure
    assert "Traceback" not in result.stderr
