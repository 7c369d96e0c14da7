"""Map a model's `id2label` (whatever its scheme) onto negative / neutral / positive scores."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SENTIMENTS: tuple[str, str, str] = ("negative", "neutral", "positive")

_NAMES = {
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
}
_GENERIC = re.compile(r"label_(\d+)")
_STARS = re.compile(r"(\d)\s*stars?")
# 1-5 star review models: 1-2 stars read as negative, 3 as neutral, 4-5 as positive.
_STAR_CLASS = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}

SUPPORTED_SCHEMES = (
    "negative/neutral/positive (any order or case), LABEL_0..LABEL_2 (= negative, neutral, "
    "positive), NEGATIVE/POSITIVE (SST-2 style; neutral scores 0), '1 star'..'5 stars'"
)


class LabelSchemeError(ValueError):
    """The model's labels cannot be mapped onto negative / neutral / positive."""


@dataclass(frozen=True)
class LabelMapping:
    """For each model output index, the sentiment class its probability is added to."""

    targets: tuple[str, ...]
    scheme: str

    def fold(self, probabilities: Sequence[float]) -> dict[str, float]:
        """Sum per-output probabilities into the three sentiment scores."""
        scores = dict.fromkeys(SENTIMENTS, 0.0)
        for target, p in zip(self.targets, probabilities, strict=True):
            scores[target] += float(p)
        return scores


def label_mapping(id2label: Mapping[int, str] | Mapping[str, str], model: str = "") -> LabelMapping:
    """Build the mapping for a model's `id2label`; raise `LabelSchemeError` naming the labels."""
    try:
        by_index = {int(k): str(v) for k, v in id2label.items()}
    except ValueError as err:
        raise LabelSchemeError(
            f"model {model!r}: id2label keys are not integers: {id2label}"
        ) from err
    if sorted(by_index) != list(range(len(by_index))):
        raise LabelSchemeError(f"model {model!r}: id2label indices are not 0..n-1: {by_index}")
    names = [by_index[i].strip().lower() for i in range(len(by_index))]

    mapping = _try_named(names) or _try_generic(names) or _try_stars(names)
    if mapping is None:
        labels = [by_index[i] for i in range(len(by_index))]
        raise LabelSchemeError(
            f"model {model!r} has labels {labels}, which cannot be mapped to "
            f"negative/neutral/positive; supported schemes: {SUPPORTED_SCHEMES}"
        )
    return mapping


def _try_named(names: list[str]) -> LabelMapping | None:
    targets = [_NAMES.get(n) for n in names]
    if any(t is None for t in targets) or len(set(targets)) != len(targets):
        return None
    found = set(targets)
    if found == set(SENTIMENTS):
        return LabelMapping(tuple(t for t in targets if t), "3-class named")
    if found == {"negative", "positive"}:
        return LabelMapping(tuple(t for t in targets if t), "2-class negative/positive")
    return None


def _try_generic(names: list[str]) -> LabelMapping | None:
    # Only the 3-class case is unambiguous enough (cardiffnlp convention); a 2-class
    # LABEL_0/LABEL_1 model could mean anything, so it is rejected rather than guessed.
    if len(names) != 3:
        return None
    indices = [m.group(1) if (m := _GENERIC.fullmatch(n)) else None for n in names]
    if indices != ["0", "1", "2"]:
        return None
    return LabelMapping(SENTIMENTS, "LABEL_0..2 generic")


def _try_stars(names: list[str]) -> LabelMapping | None:
    stars = [int(m.group(1)) if (m := _STARS.fullmatch(n)) else None for n in names]
    if sorted(s for s in stars if s is not None) != [1, 2, 3, 4, 5] or None in stars:
        return None
    return LabelMapping(tuple(_STAR_CLASS[s] for s in stars if s is not None), "1-5 stars")
