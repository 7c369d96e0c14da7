"""Tweet text normalisation shared by training and inference (must stay identical for both)."""

from __future__ import annotations

import html
import re

# Handles and links carry no sentiment but explode the vocabulary; tweet models
# (TweetEval, BERTweet) replace them with placeholders, and so do we.
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def preprocess_tweet(text: str) -> str:
    """Return `text` with @handles as `@user`, links as `http`, entities decoded, spaces folded."""
    text = html.unescape(text)
    text = _LINK.sub("http", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
