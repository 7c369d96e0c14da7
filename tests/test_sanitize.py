"""monitor.sanitize: every field cleaned or bounded, or the post rejected with a reason."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.posts import MAX_TEXT_CHARS, Post
from monitor.sanitize import (
    INT64_MAX,
    MAX_AUTHOR_CHARS,
    MAX_ID_CHARS,
    BadPost,
    clean_text,
    sanitize_post,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LONE = "\ud83d"  # the first half of an emoji, alone


def post(**fields: Any) -> Post:
    base = Post(
        source="x",
        external_id="123",
        author="carol",
        text="@Acme hello",
        created_at=NOW - timedelta(hours=1),
        author_id="42",
        author_followers=10,
        url="https://x.com/carol/status/123",
        in_reply_to="100",
        thread_id="100",
        lang="en",
    )
    return dataclasses.replace(base, **fields)


def test_a_clean_post_comes_back_unchanged() -> None:
    original = post()
    result = sanitize_post(original, now=NOW)
    assert result.post is original and result.changes == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x00b", "a\ufffdb"),
        (f"broken {LONE} emoji", "broken \ufffd emoji"),
        ("ok 😤 שלום", "ok 😤 שלום"),
        ("", ""),
    ],
)
def test_clean_text_replaces_nul_and_lone_surrogates(value: str, expected: str) -> None:
    assert clean_text(value) == expected
    clean_text(value).encode("utf-8")  # always encodable


@pytest.mark.parametrize("name", ["text", "author", "subreddit", "url"])
@pytest.mark.parametrize("bad", ["\x00", LONE])
def test_nul_or_lone_surrogate_in_free_text_becomes_replacement_char(name: str, bad: str) -> None:
    result = sanitize_post(post(**{name: f"a{bad}b"}), now=NOW)
    assert getattr(result.post, name) == "a\ufffdb"
    assert any(c.startswith(f"{name}: ") and "U+FFFD" in c for c in result.changes)


def test_overlong_text_and_author_are_cut_and_the_cut_recorded() -> None:
    result = sanitize_post(post(text="x" * (MAX_TEXT_CHARS + 5), author="a" * 300), now=NOW)
    assert len(result.post.text) == MAX_TEXT_CHARS
    assert len(result.post.author) == MAX_AUTHOR_CHARS
    assert result.post.raw["_truncated_from_chars"] == MAX_TEXT_CHARS + 5
    assert len(result.changes) == 2


@pytest.mark.parametrize(
    ("followers", "stored"), [(2**63, INT64_MAX), (10**30, INT64_MAX), (-5, 0), (INT64_MAX, None)]
)
def test_followers_are_clamped_to_64_bits_and_never_negative(
    followers: int, stored: int | None
) -> None:
    result = sanitize_post(post(author_followers=followers), now=NOW)
    assert result.post.author_followers == (followers if stored is None else stored)
    assert bool(result.changes) == (stored is not None)


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        NOW + timedelta(days=1, seconds=1),
    ],
)
def test_dates_before_1970_or_past_tomorrow_reject_the_post(when: datetime) -> None:
    with pytest.raises(BadPost) as caught:
        sanitize_post(post(created_at=when), now=NOW)
    assert caught.value.key == "x:123" and "created_at" in caught.value.reason


@pytest.mark.parametrize("when", [datetime(1970, 1, 1, tzinfo=UTC), NOW + timedelta(hours=23), NOW])
def test_dates_within_1970_and_tomorrow_are_kept(when: datetime) -> None:
    assert sanitize_post(post(created_at=when), now=NOW).post.created_at == when


@pytest.mark.parametrize("name", ["external_id", "author_id", "in_reply_to", "thread_id"])
@pytest.mark.parametrize(
    "bad", ["12 3", "12\x003", f"12{LONE}", "12\n3", "12\t", "1" * (MAX_ID_CHARS + 1)]
)
def test_a_bad_id_rejects_the_post_naming_the_field(name: str, bad: str) -> None:
    with pytest.raises(BadPost) as caught:
        sanitize_post(post(**{name: bad}), now=NOW)
    assert name in caught.value.reason
    assert "\x00" not in caught.value.key and len(caught.value.key) <= 32 + 1 + 80


def test_an_id_of_exactly_the_column_width_is_kept() -> None:
    ok = "9" * MAX_ID_CHARS
    assert sanitize_post(post(external_id=ok), now=NOW).post.external_id == ok


@pytest.mark.parametrize("source", ["s" * 33, "x y", "x\x00"])
def test_a_bad_source_rejects_the_post(source: str) -> None:
    with pytest.raises(BadPost, match="source"):
        sanitize_post(post(source=source), now=NOW)


@pytest.mark.parametrize("lang", ["x" * 17, "en us", "e\x00n", f"e{LONE}"])
def test_a_bad_language_tag_is_dropped_not_the_post(lang: str) -> None:
    result = sanitize_post(post(lang=lang), now=NOW)
    assert result.post.lang is None and result.changes == ["lang: not a language tag, dropped"]


def test_a_good_language_tag_is_kept() -> None:
    assert sanitize_post(post(lang="zh-Hant-TW"), now=NOW).post.lang == "zh-Hant-TW"


def test_nan_and_infinity_in_raw_become_null() -> None:
    raw = {"score": float("nan"), "nested": [1.5, {"x": float("inf")}], "ok": "text"}
    result = sanitize_post(post(raw=raw), now=NOW)
    assert result.post.raw == {"score": None, "nested": [1.5, {"x": None}], "ok": "text"}
    assert result.changes == ["raw: 2 NaN or infinite numbers replaced by null"]
    assert raw["score"] != raw["score"]  # the caller's dict is left alone


def test_none_fields_stay_none() -> None:
    bare = post(author_id=None, in_reply_to=None, thread_id=None, url=None, lang=None)
    bare = dataclasses.replace(bare, author_followers=None)
    assert sanitize_post(bare, now=NOW).post is bare


def test_bad_post_message_names_key_and_reason() -> None:
    exc = BadPost("x:1", "in_reply_to holds a space")
    assert str(exc) == "x:1: in_reply_to holds a space"
