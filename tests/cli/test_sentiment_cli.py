"""``monitor sentiment eval`` and ``predict`` through the real script with the bundled model."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.classify import bundled_model_path, load_classifier
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


def _monitor(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    model = REPO_ROOT / "models" / "tweet-sentiment-minilm"
    config.write_text(CONFIG.format(db=tmp_path / "m.db", model=model), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | (env or {})
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


def test_predict_runs_without_torch_and_labels_as_torch_does(tmp_path: Path) -> None:
    """A cold ``predict`` runs the bundled model with numpy: torch and transformers take
    seconds to import. ``PYTHONPROFILEIMPORTTIME`` is ``-X importtime``: every module the
    command imports is a line of its stderr."""
    texts = ["my bag is lost again", "love it"]
    done = _monitor(
        tmp_path, "sentiment", "predict", "--json", *texts, env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert done.returncode == 0, done.stderr
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "monitor.classify.numpy_bert" in imported  # the probe saw the model run
    heavy = {m for m in imported if m.split(".")[0] in ("torch", "transformers", "sqlalchemy")}
    assert not heavy, sorted(heavy)[:10]
    rows = json.loads(done.stdout)
    expected = load_classifier(str(bundled_model_path())).classify(texts)  # torch engine
    assert [r["text"] for r in rows] == texts
    assert [r["label"] for r in rows] == [p.label for p in expected]
    for row, p in zip(rows, expected, strict=True):
        assert row["scores"] == pytest.approx(p.scores, abs=1e-4)


def test_predict_labels_an_argument_that_is_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    for extra in ((), ("--json",)):
        done = _monitor(tmp_path, "sentiment", "predict", *extra, "bag lost \udcff again")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "negative" in done.stdout
