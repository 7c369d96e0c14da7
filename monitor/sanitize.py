"""Clean and bound every field of a post in one place, before any storage backend sees it.

SQLite accepts NUL bytes, lone surrogates, over-long ids and 2**63 integers; PostgreSQL
refuses them with a DataError that fails the whole batch. Every post therefore passes
through :func:`sanitize_post`, which either returns a post both backends accept (listing
what it changed) or raises :class:`BadPost` with a reason naming the field.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.posts import MAX_TEXT_CHARS, Post, clean_text

#: Column bounds of the ``mention`` table (monitor/storage/models.py).
MAX_SOURCE_CHARS = 32
MAX_ID_CHARS = 128
MAX_AUTHOR_CHARS = 256
MAX_LANG_CHARS = 16
MAX_URL_CHARS = 4096
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
#: The earliest date a post may carry: nothing on a social network is older.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
#: How far into the future a post's date may be (clock skew between us and the source).
FUTURE_SLACK = timedelta(days=1)

#: A BCP 47 language tag as sources send it ("en", "pt-BR", "zh-Hant-TW", X's "qme").
_LANG_TAG = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_LANG_CHARS}}}")
_ID_FIELDS = ("external_id", "author_id", "in_reply_to", "thread_id")
_SHORT_TEXT_FIELDS = {"author": MAX_AUTHOR_CHARS, "subreddit": MAX_ID_CHARS, "url": MAX_URL_CHARS}


class BadPost(ValueError):
    """A post no backend can store as it is; ``reason`` names the field and the problem."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Sanitized:
    """A post safe for every backend, and what was changed to make it so (empty: nothing)."""

    post: Post
    changes: list[str] = field(default_factory=list)


def _is_clean_id(value: str) -> bool:
    # An id is printable and has no whitespace: it becomes part of URLs, keys and log lines.
    return value.isprintable() and not any(ch.isspace() for ch in value)


def sanitize_post(post: Post, *, now: datetime) -> Sanitized:
    """Return ``post`` bounded to what every backend stores, or raise :class:`BadPost`.

    Ids (source, external_id, author_id, in_reply_to, thread_id) must be printable, without
    whitespace, and fit their column: an id cut short would point at another post, so a bad
    id rejects the post. Free text (text, author, subreddit, url) is cleaned (NUL and
    lone surrogates become U+FFFD) and cut to its column; a lang that is not a language tag
    is dropped; NaN and infinities in ``raw`` become null; integers are clamped to 64 bits;
    a date before 1970 or more than a day ahead of ``now`` rejects the post.
    """
    key = f"{clean_text(post.source)[:MAX_SOURCE_CHARS]}:{clean_text(post.external_id)[:80]}"
    changes: list[str] = []
    updates: dict[str, Any] = {}

    if len(post.source) > MAX_SOURCE_CHARS or not _is_clean_id(post.source):
        raise BadPost(key, f"source must be at most {MAX_SOURCE_CHARS} printable characters")
    for name in _ID_FIELDS:
        value = getattr(post, name)
        if value is None:
            continue
        if clean_text(value) != value or not _is_clean_id(value):
            raise BadPost(key, f"{name} holds a control character, space or broken character")
        if len(value) > MAX_ID_CHARS:
            raise BadPost(key, f"{name} is longer than {MAX_ID_CHARS} characters")

    text = clean_text(post.text)
    if text != post.text:
        changes.append("text: NUL or broken character replaced by U+FFFD")
    if len(text) > MAX_TEXT_CHARS:
        changes.append(f"text: cut from {len(text)} to {MAX_TEXT_CHARS} characters")
        text = text[:MAX_TEXT_CHARS]
    if text != post.text:
        updates["text"] = text

    for name, limit in _SHORT_TEXT_FIELDS.items():
        value = getattr(post, name)
        if value is None:
            continue
        cleaned = clean_text(value)
        if cleaned != value:
            changes.append(f"{name}: NUL or broken character replaced by U+FFFD")
        if len(cleaned) > limit:
            changes.append(f"{name}: cut from {len(cleaned)} to {limit} characters")
            cleaned = cleaned[:limit]
        if cleaned != value:
            updates[name] = cleaned

    if post.lang is not None and not _LANG_TAG.fullmatch(post.lang):
        # A language tag is a hint only: drop a bad one rather than the post.
        changes.append("lang: not a language tag, dropped")
        updates["lang"] = None

    if post.author_followers is not None:
        followers = min(max(post.author_followers, 0), INT64_MAX)
        if followers != post.author_followers:
            changes.append(f"author_followers: {post.author_followers} clamped to {followers}")
            updates["author_followers"] = followers

    if post.created_at < EARLIEST:
        raise BadPost(key, f"created_at {post.created_at.isoformat()} is before 1970")
    if post.created_at > now + FUTURE_SLACK:
        raise BadPost(key, f"created_at {post.created_at.isoformat()} is in the future")

    raw, non_finite = _finite_json(post.raw)
    if non_finite:
        # JSON has no NaN or Infinity: PostgreSQL refuses them, SQLite would store bad JSON.
        changes.append(f"raw: {non_finite} NaN or infinite numbers replaced by null")
    if not updates and not non_finite:
        return Sanitized(post, changes)
    raw = dict(raw)
    if "text" in updates and len(post.text) > MAX_TEXT_CHARS:
        raw["_truncated_from_chars"] = len(post.text)
    return Sanitized(dataclasses.replace(post, raw=raw, **updates), changes)


def _finite_json(value: Any) -> tuple[Any, int]:
    """``value`` with every NaN or infinite float replaced by None, and how many there were."""
    if isinstance(value, float):
        return (value, 0) if math.isfinite(value) else (None, 1)
    if isinstance(value, dict):
        count, out = 0, {}
        for key, item in value.items():
            out[key], n = _finite_json(item)
            count += n
        return (out, count) if count else (value, 0)
    if isinstance(value, list | tuple):
        items = [_finite_json(item) for item in value]
        count = sum(n for _, n in items)
        return ([item for item, _ in items], count) if count else (value, 0)
    return value, 0
