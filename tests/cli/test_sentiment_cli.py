"""``monitor sentiment eval`` and ``predict`` through the real script with the bundled model."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme
    sources:
      x: {{query: acme}}
sources:
  x: {{enabled: false}}
sentiment: {{model: {model}}}
"""


def _monitor(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    model = REPO_ROOT / "models" / "tweet-sentiment-minilm"
    config.write_text(CONFIG.format(db=tmp_path / "m.db", model=model), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(PYTHONPATH=str(REPO_ROOT), COLUMNS="80")
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args, "--config", str(config)],
        env=env, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip


def test_eval_accepts_a_header_line(tmp_path: Path) -> None:
    tsv = tmp_path / "labeled.tsv"
    tsv.write_text(
        "id\tlabel\ttext\n1\tnegative\tmy bag is lost and nobody helps\n"
        "2\tpositive\tthank you, great service!\n",
        encoding="utf-8",
    )
    done = _monitor(tmp_path, "sentiment", "eval", str(tsv), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 2


def test_predict_compact_and_csv(tmp_path: Path) -> None:
    long = "my parcel is late again and nobody answers " * 5
    done = _monitor(tmp_path, "sentiment", "predict", long, "thanks!")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["label", "confidence", "text"] and len(lines) == 3
    assert all(len(line) <= 80 for line in lines) and lines[1].endswith("…")
    done = _monitor(tmp_path, "sentiment", "predict", long, "thanks!", "--csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["text"] for r in rows] == [long, "thanks!"]
    assert {r["label"] for r in rows} <= {"negative", "neutral", "positive"}
