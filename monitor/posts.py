"""The plain post every collector yields and the pipeline stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Longest text kept verbatim; longer posts are cut and flagged in ``raw`` (odd or huge posts
#: must never break a batch insert).
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class Post:
    """One post as a source reports it, in UTC, independent of storage."""

    source: str
    external_id: str
    author: str
    text: str
    created_at: datetime
    author_id: str | None = None
    author_followers: int | None = None
    url: str | None = None
    in_reply_to: str | None = None
    thread_id: str | None = None
    subreddit: str | None = None
    rating: int | None = None
    lang: str | None = None
    brand: str | None = None
    sentiment: str | None = None
    confidence: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.source:
            raise ValueError("post source is empty")
        if not self.external_id:
            raise ValueError(f"{self.source}: post external_id is empty")
        if self.created_at.tzinfo is None:
            raise ValueError(f"{self.key}: created_at must be timezone-aware")
        if self.created_at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"{self.key}: rating {self.rating} is outside 1-5")
        if self.sentiment is not None and self.sentiment not in SENTIMENT_LABELS:
            raise ValueError(f"{self.key}: unknown sentiment {self.sentiment!r}")

    @property
    def key(self) -> str:
        """The post's id across sources: ``SOURCE:EXTERNAL_ID``."""
        return f"{self.source}:{self.external_id}"


SENTIMENT_LABELS = ("negative", "neutral", "positive")


def clean_text(text: str) -> str:
    """Text safe to store anywhere: lone surrogates (broken emoji) become U+FFFD, NUL too."""
    if text.isascii():  # the common case: no surrogate possible, skip the round trip
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "\ufffd")
