import subprocess
import sys

from tests.conftest import ROOT


def test_the_benchmark_runs_on_a_small_size_and_prints_its_table():
    result = subprocess.run([sys.executable, "-m", "bench", "--comments", "200"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("auto-coding: themes + sentiment (the app)") for line in lines)
    assert any(line.startswith("baseline: naive loop over every trigger phrase") for line in lines)
    assert lines[-1].startswith("peak RSS")
