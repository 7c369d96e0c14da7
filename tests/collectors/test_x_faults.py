"""X failures, sorted where the API is called: retried, stopped on auth, skipped when malformed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from monitor.collectors.base import AuthError, FatalError, RetriableError
from tests.collectors.fakes.x_server import (
    FAKE_BEARER,
    MutableClock,
    XFakeServer,
    drain,
    make_x_collector,
    running_x_server,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
SEARCH, MENTIONS = "/2/tweets/search/recent", "/2/users/90210777/mentions"


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(NOW)


@pytest.fixture
def server(clock: MutableClock) -> Iterator[XFakeServer]:
    with running_x_server(clock=clock) as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


def test_429_waits_until_x_rate_limit_reset_then_succeeds(
    server: XFakeServer, clock: MutableClock, sleeps: list[float]
) -> None:
    server.fail_next("429", path=MENTIONS, reset_in=37)
    collector, target = make_x_collector(server.base_url, clock, sleep=sleeps.append)
    _, posts = drain(collector, target)
    # our policy waited exactly as the header said (tweepy's own waiting is off)
    assert sleeps == [37.0]
    assert [r.status for r in server.paths(MENTIONS)] == [429, 200]
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)


@pytest.mark.parametrize("fault", ["503", "reset", "hang"])
def test_server_errors_timeouts_and_resets_are_retried(
    server: XFakeServer, clock: MutableClock, sleeps: list[float], fault: str
) -> None:
    server.fail_next(fault, path=SEARCH, seconds=60)  # a hang is released at teardown
    collector, target = make_x_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=1.5
    )
    _, posts = drain(collector, target)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 2  # back-off with jitter, no server hint
    assert len(server.paths(SEARCH)) == 3  # brand replies (failed once, retried) and search
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)


def test_retries_give_up_after_max_retries(
    server: XFakeServer, clock: MutableClock, sleeps: list[float]
) -> None:
    server.fail_next("503", path=MENTIONS, times=3)
    collector, target = make_x_collector(server.base_url, clock, sleep=sleeps.append, max_retries=2)
    with pytest.raises(RetriableError, match="server error 503"):
        drain(collector, target)
    assert len(sleeps) == 2


def test_monthly_usage_cap_is_not_waited_out(
    server: XFakeServer, clock: MutableClock, sleeps: list[float]
) -> None:
    server.fail_next("usage_cap", path=MENTIONS)
    collector, target = make_x_collector(server.base_url, clock, sleep=sleeps.append)
    with pytest.raises(FatalError, match="usage cap"):
        drain(collector, target)
    assert sleeps == [] and len(server.requests) == 1


def test_rejected_token_is_an_auth_error_without_the_token(
    clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    with running_x_server(clock=clock, bearer_token="the-right-token") as server:
        collector, target = make_x_collector(server.base_url, clock)
        with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as info:
            drain(collector, target)
    assert "401" in str(info.value) and "Unauthorized" in str(info.value)
    assert len(server.requests) == 1  # not retried
    # tweepy logs request headers at DEBUG: the token is blanked
    assert FAKE_BEARER not in caplog.text and "Bearer ***" in caplog.text


def test_malformed_page_is_skipped_with_its_raw_body_and_read_again_next_pass(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    server.fail_next("malformed", path=MENTIONS)
    server.requests.clear()
    pages, posts = drain(collector, target)
    [bad] = [page for page in pages if page.skipped]
    [skipped] = bad.skipped
    assert "mentions" in skipped.where and "page 1" in skipped.where
    assert "not JSON" in skipped.reason
    assert skipped.raw_body.startswith('{"data": [{"id": ')  # the truncated body, kept
    assert bad.cursor["streams"].get("mentions", {}).get("since_id") is None
    assert any("read again next time" in n for n in bad.notes)
    # the other streams went on; the next pass reads the mentions again
    assert {p.stream for p in pages if p.posts} == {"brand_replies", "search"}
    _, again = drain(collector, target, pages[-1].cursor)
    assert {p.external_id for p in posts + again} == server.expected_ids(target.settings)


def test_wrongly_shaped_page_mid_stream_keeps_what_was_read(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    pages, _ = drain(collector, target)  # everything is read once
    fresh = {
        "id": str(int(max(t["id"] for t in server.tweets)) + (1 << 22)),
        "lang": "en",
        "text": "@SkylarkAir is the lounge in Lisbon open yet?",
        "author_id": "1500000000000000108",
    }
    server.add_tweets(fresh)
    server.fail_next("bad_shape", path=MENTIONS)
    more, posts = drain(collector, target, pages[-1].cursor)
    [bad] = [p for p in more if p.skipped]
    assert "'data' is a dict" in bad.skipped[0].reason and '"not a list"' in bad.skipped[0].raw_body
    assert {p.external_id for p in posts} == {fresh["id"]}  # search still found it
    _, again = drain(collector, target, more[-1].cursor)
    assert {p.external_id for p in again} == {fresh["id"]}  # mentions read it on the retry


def test_bad_query_skips_its_stream_and_fails_the_pass_at_the_end(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(
        server.base_url, clock, brand={"query": "skylark near:lisbon"}
    )
    run = collector.collect(target, None)
    pages = []
    with pytest.raises(FatalError, match="400"):
        for page in run:
            pages.append(page)
    [bad] = [p for p in pages if p.skipped]
    assert bad.stream == "search" and "Invalid Request" in bad.skipped[0].raw_body
    assert {p.stream for p in pages if p.posts} == {"mentions", "brand_replies"}
    assert set(pages[-1].cursor["streams"]) == {"mentions", "brand_replies"}


def test_since_id_older_than_the_search_window_is_dropped_once(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(
        server.base_url, clock, brand={"user_id": None, "include_own_replies": False}
    )
    stale = {"streams": {"search": {"since_id": "1900000000000000000"}}}
    server.min_since_id = 2000000000000000000
    pages, posts = drain(collector, target, stale)
    assert any("stored ids refused" in n for page in pages for n in page.notes)
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)
    assert [r.status for r in server.requests] == [400, 200]
    assert int(pages[-1].cursor["streams"]["search"]["since_id"]) > server.min_since_id


def test_missing_fields_and_withheld_posts_in_a_live_pass(
    server: XFakeServer, clock: MutableClock
) -> None:
    # created_at and author left out, a withheld post, a reply to a deleted post
    bare = {"id": "2031600000000000000", "text": "@SkylarkAir hello?", "lang": "en"}
    server.add_tweets(bare)
    collector, target = make_x_collector(server.base_url, clock)
    pages, posts = drain(collector, target)
    by_id = {p.external_id: p for p in posts}
    assert by_id[bare["id"]].author == "unknown"
    assert by_id[bare["id"]].raw["created_at_source"] == "snowflake id"
    withheld = [p for p in posts if "withheld" in p.raw["tweet"]]
    assert withheld and withheld[0].raw["tweet"]["withheld"]["country_codes"] == ["DE"]
    notes = [n for page in pages for n in page.notes]
    assert any("reported unavailable by X (Not Found Error: 1)" in n for n in notes)


def test_no_bearer_token_is_an_auth_error(clock: MutableClock) -> None:
    collector, target = make_x_collector(
        "http://127.0.0.1:9", clock, enabled=False, bearer_token=None
    )
    with pytest.raises(AuthError, match="no bearer_token"):
        drain(collector, target)
