"""Assertions shared by the hostile-output tests: what may never appear in an output."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.hostile.strings import FORGED

#: Raw control, line-breaking and bidi characters (``\n`` is checked separately).
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
#: Lines a hostile author tries to forge in logs and mail bodies.
FORGED_STARTS = ("CRITICAL", "Bcc:", "Subject:", "2026-01-01", FORGED)
#: The only Slack links we make ourselves: an http(s) URL without '<', '>', '|' or space,
#: labelled "open".
OUR_SLACK_LINK = re.compile(r"<https?://[^\s<>|]+\|open>")


def strings(value: Any) -> Iterator[str]:
    """Every string (keys included) inside a JSON-like document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def assert_no_forged_lines(text: str) -> None:
    """No line of ``text`` starts like a line a hostile author would forge."""
    for line in text.split("\n"):
        assert not line.lstrip(" >*•").startswith(FORGED_STARTS), repr(line)


def assert_slack_safe(payload: Any) -> None:
    """Every string of a Slack payload: no mention, link or raw control char from data."""
    for text in strings(payload):
        bare = OUR_SLACK_LINK.sub("", text)
        assert "<" not in bare, f"Slack markup from data: {text[:300]!r}"
        assert not RAW_CONTROL.search(text), f"raw control character: {text[:300]!r}"
        assert_no_forged_lines(text)
