"""Label-scheme normalisation onto negative / neutral / positive."""

from __future__ import annotations

import pytest

from monitor.classify.labels import LabelSchemeError, label_mapping


def test_three_named_labels_in_any_order_and_case() -> None:
    mapping = label_mapping({0: "Positive", 1: "NEGATIVE", 2: "neutral"})
    assert mapping.fold([0.5, 0.2, 0.3]) == {"negative": 0.2, "neutral": 0.3, "positive": 0.5}


def test_string_keys_as_in_config_json() -> None:
    mapping = label_mapping({"0": "neg", "1": "neu", "2": "pos"})
    assert mapping.targets == ("negative", "neutral", "positive")


def test_generic_label_ids_mean_negative_neutral_positive() -> None:
    mapping = label_mapping({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    assert mapping.fold([0.1, 0.7, 0.2]) == {"negative": 0.1, "neutral": 0.7, "positive": 0.2}


def test_two_class_sst2_style_gives_zero_neutral() -> None:
    mapping = label_mapping({0: "NEGATIVE", 1: "POSITIVE"})
    assert mapping.fold([0.25, 0.75]) == {"negative": 0.25, "neutral": 0.0, "positive": 0.75}


def test_five_stars_fold_into_three_classes() -> None:
    mapping = label_mapping({i: f"{i + 1} star" + ("s" if i else "") for i in range(5)})
    scores = mapping.fold([0.1, 0.2, 0.3, 0.15, 0.25])
    assert scores == pytest.approx({"negative": 0.3, "neutral": 0.3, "positive": 0.4})


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "LABEL_0", 1: "LABEL_1"},  # 2-class generic: which one is positive is unknowable
        {0: "joy", 1: "anger", 2: "sadness"},
        {0: "negative", 1: "negative", 2: "positive"},
        {0: "1 star", 1: "2 stars", 2: "3 stars"},
        {0: "negative", 1: "neutral"},
    ],
)
def test_unmappable_scheme_names_the_labels(id2label: dict[int, str]) -> None:
    with pytest.raises(LabelSchemeError) as err:
        label_mapping(id2label, "some/model")
    message = str(err.value)
    assert "some/model" in message
    for label in id2label.values():
        assert repr(label) in message


def test_gap_in_indices_is_rejected() -> None:
    with pytest.raises(LabelSchemeError, match=r"0\.\.n-1"):
        label_mapping({0: "negative", 2: "positive"})
