"""scripts/bench_web.py runs end to end on a small database (figures printed, not judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_web.py"


@pytest.mark.slow
def test_bench_web_builds_measures_and_reports(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # its cached database goes here
    args = ["--mentions", "3000", "--complaints", "300", "--runs", "2", "--json"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(tmp_path.glob("monitor-bench-web-v2-3000-300-*.db"))
    figures = json.loads(result.stdout[result.stdout.index("\n{") :])
    pages = {r["page"]: r for r in figures["sqlite"]}
    assert {"queue /", "mentions text=refund", "mentions page 20"} <= set(pages)
    # the page weight target holds (sizes are not timings: they do not depend on the machine)
    assert all(0 < r["kb"] < 300 for r in pages.values())
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in pages.values())
