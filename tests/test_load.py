"""Smoke test of the load test: tiny bounds, both kinds of client, no timing assertions."""

import subprocess
import sys

from tests.conftest import ROOT


def test_the_load_test_runs_on_tiny_bounds_and_prints_its_table():
    # One BSO in a Chromium page, a QA officer and another BSO as websocket clients, for about 15 seconds.
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--sessions", "3", "--browsers", "1", "--roles", "bso,qa",
         "--minutes", "0.25", "--think", "1,2", "--ramp", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Fostering Feedback Hub load test · 3 concurrent sessions")
    assert any(line.startswith("machine: ") and " cores, " in line for line in lines)
    assert any(line.split()[:7] == ["action", "client", "count", "p50", "ms", "p95", "ms"] for line in lines)
    assert any(line.startswith("sign in") and "chromium" in line for line in lines)
    assert any(line.startswith("sign in") and "websocket" in line for line in lines)
    assert any(line.startswith("server: peak RSS") for line in lines)
    assert any(line.startswith("database: ") and line.endswith("integrity_check ok") for line in lines)
    assert lines[-1] == "errors: 0"
