"""Odd inputs in one batch: skipped with a reason or labeled, never a crash."""

from __future__ import annotations

from monitor.classify import SKIPPED_EMPTY, SKIPPED_NOT_TEXT, load_classifier
from tests.classify.conftest import TinyModelFactory


def test_odd_texts_in_one_batch(make_tiny_model: TinyModelFactory) -> None:
    # The tiny model allows 32 positions: the long text only works if truncated.
    long_text = "the service was bad " * 2_500  # 50,000 characters
    texts = [
        "",
        "   \n\t ",
        "😡😡😡",
        long_text,
        "Le service était horrible, je déteste ça",
        "こんにちは世界",
        "good",
        None,
    ]
    predictions = load_classifier(str(make_tiny_model()), batch_size=4).classify(texts)  # type: ignore[arg-type]
    assert [p.skipped_reason for p in predictions] == [
        SKIPPED_EMPTY,
        SKIPPED_EMPTY,
        None,
        None,
        None,
        None,
        None,
        SKIPPED_NOT_TEXT,
    ]
    for p in predictions[:2] + predictions[-1:]:
        assert p.label is None and p.confidence is None and p.scores is None
    for p in predictions[2:-1]:
        assert p.label in {"negative", "neutral", "positive"}


def test_empty_list(make_tiny_model: TinyModelFactory) -> None:
    assert load_classifier(str(make_tiny_model())).classify([]) == []
