"""Labeled TSV reading and the SemEval-style scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.classify import LabeledFileError, evaluate, load_classifier, read_labeled_tsv
from monitor.classify.evaluation import score
from tests.classify.conftest import TinyModelFactory


def test_reads_id_label_text(tmp_path: Path) -> None:
    path = tmp_path / "set.tsv"
    path.write_text("1\tpositive\tgreat\ttab inside\n\n2\tNegative\tawful\r\n", encoding="utf-8")
    rows = read_labeled_tsv(path)
    assert [(r.id, r.label, r.text) for r in rows] == [
        ("1", "positive", "great\ttab inside"),
        ("2", "negative", "awful"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1\tpositive\tok\n2\tpositive\n", r"set.tsv:2: expected 3 tab-separated fields"),
        ("1\tpositive\tok\n2\tpositive\tok\n3\tmixed\tmeh\n", r"set.tsv:3: label 'mixed'"),
        ("\n", r"set.tsv: no labeled lines"),
    ],
)
def test_bad_lines_are_reported_with_line_numbers(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "set.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabeledFileError, match=message):
        read_labeled_tsv(path)


def test_scores_by_hand() -> None:
    gold = ["negative", "negative", "neutral", "positive", "positive", "positive"]
    predicted: list[str | None] = ["negative", "neutral", "neutral", "positive", "negative", None]
    report = score(gold, predicted, seconds=2.0).to_dict()
    assert report["per_class"]["negative"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert report["per_class"]["neutral"] == {"precision": 0.5, "recall": 1.0, "support": 1}
    assert report["per_class"]["positive"]["recall"] == pytest.approx(1 / 3)
    assert report["macro_recall"] == pytest.approx((0.5 + 1.0 + 1 / 3) / 3)
    assert report["accuracy"] == pytest.approx(3 / 6)
    assert report["confusion_matrix"]["positive"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert report["texts_per_second"] == 3.0
    assert report["skipped"] == 1 and report["n"] == 6


def test_evaluate_runs_the_classifier(make_tiny_model: TinyModelFactory, tmp_path: Path) -> None:
    path = tmp_path / "set.tsv"
    path.write_text("a\tpositive\tgood\nb\tnegative\tbad\nc\tneutral\t \n", encoding="utf-8")
    report = evaluate(load_classifier(str(make_tiny_model())), path).to_dict()
    assert report["n"] == 3 and report["skipped"] == 1
    matrix = report["confusion_matrix"]
    assert sum(sum(row.values()) for row in matrix.values()) == 2
    assert report["texts_per_second"] > 0
    assert report["revision"].startswith("sha256:")


def test_a_header_line_is_skipped_only_first(tmp_path: Path) -> None:
    path = tmp_path / "set.tsv"
    path.write_text("ID\tLabel\tText\n1\tpositive\tgreat\n", encoding="utf-8")
    assert [(r.id, r.label) for r in read_labeled_tsv(path)] == [("1", "positive")]
    path.write_text("1\tpositive\tgreat\nid\tlabel\ttext\n", encoding="utf-8")
    with pytest.raises(LabeledFileError, match=r"set.tsv:2: label 'label'"):
        read_labeled_tsv(path)
