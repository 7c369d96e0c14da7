"""The result of classifying one text."""

from __future__ import annotations

from dataclasses import dataclass

SKIPPED_EMPTY = "empty"
SKIPPED_NOT_TEXT = "not_text"


@dataclass(frozen=True)
class Prediction:
    """Sentiment of one text, or why it was skipped (then label/confidence/scores are None)."""

    label: str | None
    confidence: float | None
    scores: dict[str, float] | None
    skipped_reason: str | None = None

    @classmethod
    def skipped(cls, reason: str) -> Prediction:
        """A prediction for a text that was not run through the model."""
        return cls(label=None, confidence=None, scores=None, skipped_reason=reason)
