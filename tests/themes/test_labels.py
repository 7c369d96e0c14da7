"""c-TF-IDF labels name what sets a theme apart, not what every theme says."""

from __future__ import annotations

import pytest

from monitor.themes.labels import theme_labels


def test_labels_are_the_distinctive_words_and_phrases() -> None:
    texts = [
        "@united you charged me twice for my bag, I want a refund",
        "@united charged twice for the same seat, refund please",
        "@united still waiting on my refund, charged twice",
        "@united the app crashes every time I open it after the update",
        "@united app crashes on checkin since the update",
        "@united your app crashes after the latest update",
        "@united flight delayed again",
    ]
    labels = theme_labels(texts, [0, 0, 0, 1, 1, 1, -1])
    assert set(labels) == {0, 1}
    assert "charged twice" in labels[0] and "refund" in labels[0]
    assert "app crashes" in labels[1] and "update" in labels[1]
    # the brand handle and stop words are never part of a label
    for label in labels.values():
        assert "united" not in label and "user" not in label and " the " not in f" {label} "


def test_other_gets_no_label_and_stop_words_only_fall_back() -> None:
    assert theme_labels(["a", "b"], [-1, -1]) == {}
    assert theme_labels(["the and", "of to"], [0, 0]) == {0: "theme 0"}


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="2 texts but 1"):
        theme_labels(["a", "b"], [0])


def test_brand_names_and_handles_never_label_a_theme() -> None:
    texts = [
        "United Airlines lost my bag",
        "unitedairlines lost bag again",
        "@united lost bag",
        "@united seat broken",
        "united airlines seat broken",
        "seat broken on united",
    ]
    labels = theme_labels(texts, [0, 0, 0, 1, 1, 1], ignore=["United Airlines", "@united"])
    words = " ".join(labels.values())
    assert "united" not in words and "airlines" not in words and "unitedairlines" not in words
    assert "lost" in labels[0] and "broken" in labels[1]
