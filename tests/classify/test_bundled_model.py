"""The bundled model keeps its quality on a fixed dev subset (first 500 dev tweets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.classify import bundled_model_path, evaluate, load_classifier

REPO = Path(__file__).resolve().parents[2]
DEV = REPO.parent / "shared" / "data" / "semeval2017-task4a" / "dev.tsv"


@pytest.mark.slow
def test_bundled_model_macro_recall_on_dev_subset(tmp_path: Path, offline: None) -> None:
    if not DEV.is_file():
        pytest.skip(f"shared SemEval dev set not found at {DEV}")
    subset = tmp_path / "dev500.tsv"
    with DEV.open(encoding="utf-8") as fh:
        subset.write_text("".join(fh.readline() for _ in range(500)), encoding="utf-8")
    report = evaluate(load_classifier(str(bundled_model_path())), subset)
    assert report.n == 500
    assert report.macro_recall > 0.65, report.to_dict()
