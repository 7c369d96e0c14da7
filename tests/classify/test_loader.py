"""Loading models from a folder: label mapping, caching, revision, quantization, batching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.classify import LabelSchemeError, load_classifier
from tests.classify.conftest import TinyModelFactory

TEXTS = [
    "good",
    "the service was very bad and the flight delay was awful , i hate it",
    "ok",
    "i love it !",
    "not great",
]


def test_loads_local_folder_and_scores_three_classes(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model()
    classifier = load_classifier(str(folder), batch_size=2)
    predictions = classifier.classify(TEXTS)
    assert len(predictions) == len(TEXTS)
    for p in predictions:
        assert p.scores is not None and set(p.scores) == {"negative", "neutral", "positive"}
        assert sum(p.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert p.label == max(p.scores, key=p.scores.__getitem__)
        assert p.confidence == p.scores[p.label]
        assert p.skipped_reason is None


def test_loaded_once_per_process(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model()
    first = load_classifier(str(folder))
    assert load_classifier(str(folder)) is first
    assert load_classifier(str(folder / ".." / folder.name)) is first


def test_batched_results_match_one_at_a_time(make_tiny_model: TinyModelFactory) -> None:
    # Length sorting and dynamic padding must not change scores or their order.
    folder = make_tiny_model(seed=3)
    batched = load_classifier(str(folder), batch_size=3).classify(TEXTS)
    single = load_classifier(str(folder), batch_size=1).classify(TEXTS)
    for b, s in zip(batched, single, strict=True):
        assert b.label == s.label
        assert b.scores == pytest.approx(s.scores, abs=1e-5)
    assert len({round(p.scores["positive"], 6) for p in single if p.scores}) > 1


def test_two_class_model_has_zero_neutral(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model({0: "NEGATIVE", 1: "POSITIVE"})
    for p in load_classifier(str(folder)).classify(TEXTS):
        assert p.scores is not None and p.scores["neutral"] == 0.0
        assert p.label in {"negative", "positive"}


def test_star_model_folds_to_three_classes(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model({0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"})
    for p in load_classifier(str(folder)).classify(TEXTS):
        assert p.scores is not None and sum(p.scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_unmappable_labels_fail_at_load_naming_them(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model({0: "joy", 1: "anger"})
    with pytest.raises(LabelSchemeError, match="'joy', 'anger'"):
        load_classifier(str(folder))


def test_revision_is_weights_hash(make_tiny_model: TinyModelFactory, tmp_path: Path) -> None:
    a, b = make_tiny_model(seed=1), make_tiny_model(seed=2)
    copy = tmp_path / "copy-of-a"
    shutil.copytree(a, copy)
    rev_a = load_classifier(str(a)).revision
    assert rev_a.startswith("sha256:") and len(rev_a) == len("sha256:") + 12
    assert load_classifier(str(copy)).revision == rev_a
    assert load_classifier(str(b)).revision != rev_a


def test_quantized_model_still_labels(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model(seed=4)
    plain = load_classifier(str(folder)).classify(TEXTS)
    quantized = load_classifier(str(folder), quantize=True)
    assert quantized is not load_classifier(str(folder))
    for q, p in zip(quantized.classify(TEXTS), plain, strict=True):
        assert q.scores is not None and p.scores is not None
        assert q.scores == pytest.approx(p.scores, abs=0.05)


def test_missing_model_names_it(tmp_path: Path, offline: None) -> None:
    missing = tmp_path / "no-such-model"
    missing.mkdir()
    with pytest.raises(OSError, match="no-such-model"):
        load_classifier(str(missing))


def test_bad_settings_are_rejected(make_tiny_model: TinyModelFactory) -> None:
    folder = make_tiny_model()
    with pytest.raises(ValueError, match="threads"):
        load_classifier(str(folder), threads=0)
    with pytest.raises(ValueError, match="batch_size"):
        load_classifier(str(folder), batch_size=0)
