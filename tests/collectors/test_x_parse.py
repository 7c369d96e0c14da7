"""Parsing X API v2 pages: recorded payloads, missing fields, odd text and malformed bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.collectors.x.parse import (
    BadTweet,
    MalformedPage,
    parse_page,
    snowflake_time,
    tweet_to_post,
)
from tests.collectors.fakes.x_server import SAMPLE_CORPUS, SAMPLE_POSTS, sample_posts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x"
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def test_recorded_search_page_maps_to_posts() -> None:
    page = parse_page(fixture("search_recent_page.json"))
    posts = [tweet_to_post(t, page.users, NOW) for t in page.tweets]
    assert len(posts) == 20 and page.next_token
    assert page.reads == 20 + page.included_tweets and page.included_tweets > 0
    by_id = {p.external_id: p for p in posts}
    reply = next(p for p in posts if p.in_reply_to is not None)
    assert reply.thread_id is not None and reply.thread_id != reply.external_id
    maria = next(p for p in posts if p.author == "maria_travels")
    assert maria.url == f"https://x.com/maria_travels/status/{maria.external_id}"
    assert maria.author_id == "1500000000000000101"
    assert maria.author_followers == maria.raw["user"]["public_metrics"]["followers_count"]
    assert maria.raw["tweet"]["id"] == maria.external_id
    assert all(p.source == "x" and p.created_at.tzinfo is not None for p in by_id.values())
    assert {p.lang for p in posts} >= {"en"}


def test_missing_includes_created_at_and_errors_are_handled() -> None:
    page = parse_page(fixture("missing_fields_page.json"))
    assert page.users == {} and page.included_tweets == 0
    no_time, no_author, withheld = (tweet_to_post(t, page.users, NOW) for t in page.tweets)
    # created_at from the snowflake id, flagged in raw
    assert no_time.created_at == snowflake_time(int(no_time.external_id))
    assert no_time.raw["created_at_source"] == "snowflake id"
    assert no_time.author == "1500000000000000150"  # no includes: the author id stands in
    assert no_time.author_followers is None
    assert no_author.author == "unknown" and no_author.author_id is None
    assert no_author.url == f"https://x.com/i/web/status/{no_author.external_id}"
    assert no_author.in_reply_to == "2031372301962219520"
    assert withheld.raw["tweet"]["withheld"]["country_codes"] == ["DE"]
    note = page.unavailable_note()
    assert note is not None
    assert "2 item(s)" in note and "Not Found Error: 1" in note and "Authorization Error: 1" in note


def test_snowflake_time_matches_created_at_of_every_sample_post() -> None:
    for tweet in SAMPLE_CORPUS["tweets"]:
        created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        assert snowflake_time(int(tweet["id"])) == created


def test_pre_snowflake_id_without_created_at_uses_the_collection_time() -> None:
    post = tweet_to_post({"id": "20", "text": "just setting up my twttr"}, {}, NOW)
    assert post.created_at == NOW and post.raw["created_at_source"] == "collected"


@pytest.mark.parametrize(
    "text",
    [
        "x" * 50_000,
        "NUL \x00 inside",
        "emoji 😤✈️👩🏽‍✈️ and RTL שלום and combining é",
        "",
    ],
)
def test_odd_text_survives(text: str) -> None:
    body = json.dumps({"data": [{"id": "2031402261960917299", "text": text}]})
    page = parse_page(body)
    post = tweet_to_post(page.tweets[0], page.users, NOW)
    assert post.text == text


def test_lone_surrogate_is_replaced_so_the_text_can_be_stored() -> None:
    page = parse_page('{"data": [{"id": "2031402261960917299", "text": "cut \\ud83d emoji"}]}')
    post = tweet_to_post(page.tweets[0], page.users, NOW)
    assert post.text == "cut ? emoji"
    post.text.encode("utf-8")
    json.dumps(post.raw).encode("utf-8")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "not JSON"),
        ('{"data": [{"id": "1", "te', "not JSON"),
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"data": {"id": "1"}}', "'data' is a dict"),
        ('{"meta": []}', "'meta' is a list"),
        ('{"meta": {"next_token": 5}}', "next_token"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(MalformedPage, match=reason):
        parse_page(body)


@pytest.mark.parametrize("item", [7, {"text": "no id"}, {"id": "abc"}, {"id": 123}, None])
def test_items_without_a_usable_id_are_bad_tweets(item: object) -> None:
    with pytest.raises(BadTweet):
        tweet_to_post(item, {}, NOW)


def test_empty_result_page() -> None:
    page = parse_page('{"meta": {"result_count": 0}}')
    assert (page.tweets, page.next_token, page.reads, page.unavailable_note()) == (
        [],
        None,
        0,
        None,
    )


def test_every_sample_post_maps_with_author_and_time() -> None:
    posts = sample_posts(NOW)
    assert len(posts) == len(SAMPLE_POSTS)
    assert all(p.author and not p.author.isdigit() and p.created_at < NOW for p in posts)
    assert sum(p.in_reply_to is not None for p in posts) >= 10
