"""The fields of an import row (docs/import-format.md): a valid Row, or all that is wrong."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.posts import SENTIMENT_LABELS, Post

REQUIRED_FIELDS = ("source", "id", "text", "created_at", "author")
OPTIONAL_FIELDS = (
    "author_id", "followers", "brand", "in_reply_to", "thread_id", "subreddit",
    "rating", "url", "lang", "sentiment", "confidence",
)  # fmt: skip
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
_SOURCE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_WHOLE = re.compile(r"[+-]?\d+")
_MAX_DIGITS = 4000  # below Python's int() limit for decimal text (4,300 digits)


@dataclass
class Row:
    """A valid row's values, before its thread is known."""

    source: str
    id: str
    values: dict[str, Any]
    in_reply_to: str | None
    thread_id: str | None
    raw: dict[str, Any] = field(default_factory=dict)

    def post(self, thread_id: str) -> Post:
        """The post, in the thread found for it."""
        return Post(
            source=self.source, external_id=self.id, in_reply_to=self.in_reply_to,
            thread_id=thread_id, raw=self.raw, **self.values,
        )  # fmt: skip


def shown(value: Any, limit: int = 60) -> str:
    """``value`` as Python writes it (control characters escaped), cut to ``limit`` characters.

    Problem lines quote file values with this: they go to a terminal and to logs, where a raw
    escape sequence or line break would be read as something else, and a value can be huge.
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind(value: Any) -> str:
    """How a JSON value's type is named in a problem message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "null"


def convert(fields: dict[str, Any]) -> Row | str:
    """Validate one record's fields; a string says everything wrong with it."""
    reasons: list[str] = []
    missing = [n for n in REQUIRED_FIELDS if n != "text" and _blank(fields.get(n))]
    if "text" not in fields:  # present but empty is an empty text (a rating-only review)
        missing.append("text")
    if missing:
        names = ", ".join(repr(n) for n in missing)
        reasons.append(f"missing required field{'s' if len(missing) > 1 else ''} {names}")
    source = _string(fields.get("source"), "source", reasons)
    if source is not None:
        source = source.strip().lower()
        if source and not _SOURCE_NAME.fullmatch(source):
            reasons.append(f"source: {shown(source)} is not a name (letters, digits, - _ .)")
    ident = _ident(fields.get("id"), "id", reasons)
    text = fields.get("text")
    if text is not None and not isinstance(text, str):
        reasons.append(f"text: expected a string, got {kind(text)}")
    author = _string(fields.get("author"), "author", reasons)
    if author is not None:
        author = re.sub(r"^(@|/?u/)", "", author.strip())
        if not author and "author" not in missing:
            reasons.append("author: no name after the @ or u/ prefix")
    values: dict[str, Any] = {
        "created_at": _time(fields.get("created_at"), reasons),
        "author_id": _ident(fields.get("author_id"), "author_id", reasons),
        "author_followers": _whole(fields.get("followers"), "followers", reasons, 0, None),
        "brand": _string(fields.get("brand"), "brand", reasons, strip=True),
        "subreddit": _string(fields.get("subreddit"), "subreddit", reasons, strip=True),
        "rating": _whole(fields.get("rating"), "rating", reasons, 1, 5),
        "url": _string(fields.get("url"), "url", reasons, strip=True),
        "lang": _string(fields.get("lang"), "lang", reasons, strip=True),
    }
    if values["subreddit"]:
        values["subreddit"] = re.sub(r"^/?r/", "", values["subreddit"])
    values["sentiment"], values["confidence"] = _label(fields, reasons)
    in_reply_to = _ident(fields.get("in_reply_to"), "in_reply_to", reasons)
    thread_id = _ident(fields.get("thread_id"), "thread_id", reasons)
    if reasons:
        return "; ".join(reasons)
    assert source and ident and author  # a blank one is reported as missing above
    values.update(author=author, text=text or "")
    raw = {k: v for k, v in fields.items() if k not in KNOWN_FIELDS}
    return Row(source, ident, values, in_reply_to, thread_id, raw)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _string(value: Any, name: str, reasons: list[str], *, strip: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        reasons.append(f"{name}: expected a string, got {kind(value)}")
        return None
    return (value.strip() or None) if strip else value


def _ident(value: Any, name: str, reasons: list[str]) -> str | None:
    # JSON exports often write ids as numbers; they are kept as their decimal text.
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        reasons.append(f"{name}: expected a string or whole number, got {kind(value)}")
        return None
    return value.strip() or None


def _whole(value: Any, name: str, reasons: list[str], low: int, high: int | None) -> int | None:
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        digits = value.strip()
        if len(digits) > _MAX_DIGITS:  # int() refuses them; no count or rating is that long
            reasons.append(f"{name}: a number of {len(digits):,} digits is too large")
            return None
        number = int(digits)
    if number is None:
        reasons.append(f"{name}: expected a whole number, got {shown(value)}")
        return None
    if number < low or (high is not None and number > high):
        bounds = f"outside {low}-{high}" if high is not None else f"below {low}"
        reasons.append(f"{name}: {number} is {bounds}")
        return None
    return number


def _time(value: Any, reasons: list[str]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        reasons.append(f"created_at: expected an ISO 8601 string, got {kind(value)}")
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        reasons.append(f"created_at: cannot parse {shown(value)} as an ISO 8601 time")
        return None
    if when.tzinfo is None:
        reasons.append(f"created_at: {shown(value)} has no UTC offset (add Z or +HH:MM)")
        return None
    try:
        return when.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed out of range by its offset
        side = "before 1970" if when.year < 1970 else "in the future"
        reasons.append(f"created_at {shown(value.strip())} is {side}")
        return None


def _label(fields: dict[str, Any], reasons: list[str]) -> tuple[str | None, float | None]:
    """The imported label and its confidence (1.0 when not given); confidence alone is ignored."""
    label = _string(fields.get("sentiment"), "sentiment", reasons, strip=True)
    if label is None:
        return None, None
    if label.lower() not in SENTIMENT_LABELS:
        reasons.append(
            f"sentiment: unknown label {shown(label)} (expected negative, neutral or positive)"
        )
        return None, None
    value = fields.get("confidence")
    if value is None:
        return label.lower(), 1.0
    try:
        confidence = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        confidence = math.nan
    if not 0 <= confidence <= 1:  # NaN fails too
        reasons.append(f"confidence: expected a number from 0 to 1, got {shown(value)}")
        return None, None
    return label.lower(), confidence
