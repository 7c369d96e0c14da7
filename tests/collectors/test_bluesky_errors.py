"""Bluesky failures and settings: retried with the header wait, auth, fatal, or skipped raw."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from monitor.collectors.base import AuthError, FatalError, Page, RetriableError
from monitor.collectors.bluesky.collector import BlueskyCollector
from monitor.collectors.bluesky.settings import BlueskyBrandSettings, BlueskySettings
from monitor.collectors.retry import retry_after_seconds
from tests.collectors.fakes.bluesky_server import (
    EXPECTED_RKEYS,
    FakeBlueskyServer,
    make_bluesky_collector,
    running_bluesky_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
SEARCH = "app.bsky.feed.searchPosts"


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeBlueskyServer]:
    with running_bluesky_server() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


def rkeys(pages: list[Page]) -> set[str]:
    return {p.external_id.rpartition("/")[2] for page in pages for p in page.posts}


def collector_for(server: FakeBlueskyServer, sleeps: list[float], **kw: object) -> tuple:
    return make_bluesky_collector(server.base_url, clock, sleep=sleeps.append, **kw)


def test_429_waits_until_the_ratelimit_reset_header(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    server.now = NOW.timestamp  # the server's clock agrees with ours
    server.fail_next("429", seconds=120, nsid=SEARCH)
    collector, target = collector_for(server, sleeps)
    assert rkeys(list(collector.collect(target, None))) == EXPECTED_RKEYS
    # ratelimit-reset is epoch seconds: 120 s from now.
    assert sleeps == [120.0]


@pytest.mark.parametrize("kind", ["500", "502", "503", "reset"])
def test_temporary_failures_back_off_and_retry(
    server: FakeBlueskyServer, sleeps: list[float], kind: str
) -> None:
    server.fail_next(kind, skip=1)
    collector, target = collector_for(server, sleeps)
    assert rkeys(list(collector.collect(target, None))) == EXPECTED_RKEYS
    # A 5xx carries ratelimit-reset too, but only Retry-After may set an outage's wait.
    assert len(sleeps) == 1 and 0.75 <= sleeps[0] <= 1.25


def test_a_5xx_with_retry_after_waits_that_long(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    server.fail_next("503", seconds=7)
    collector, target = collector_for(server, sleeps)
    assert rkeys(list(collector.collect(target, None))) == EXPECTED_RKEYS
    assert sleeps == [7.0]


def test_a_timeout_is_retried(server: FakeBlueskyServer, sleeps: list[float]) -> None:
    server.fail_next("slow", seconds=2)
    collector, target = collector_for(server, sleeps, timeout_seconds=0.3)
    started = time.monotonic()
    assert rkeys(list(collector.collect(target, None))) == EXPECTED_RKEYS
    assert len(sleeps) == 1 and time.monotonic() - started < 10


def test_retries_give_up_with_a_retriable_error(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    for _ in range(4):
        server.fail_next("503")
    collector, target = collector_for(server, sleeps)
    with pytest.raises(RetriableError, match="503"):
        list(collector.collect(target, None))
    assert len(sleeps) == 3


@pytest.mark.parametrize("kind", ["malformed", "html"])
def test_a_malformed_page_is_kept_raw_and_read_again_next_pass(
    server: FakeBlueskyServer, sleeps: list[float], kind: str
) -> None:
    server.fail_next(kind, nsid=SEARCH)
    collector, target = collector_for(server, sleeps)
    pages = list(collector.collect(target, None))
    skipped = [s for page in pages for s in page.skipped]
    assert len(skipped) == 1 and "searchPosts" in skipped[0].where
    assert (
        ("not a list" in skipped[0].raw_body)
        if kind == "malformed"
        else ("502 Bad Gateway" in skipped[0].raw_body)
    )
    assert "search:acme air" not in pages[-1].cursor["streams"]  # no mark: read again
    again = list(collector.collect(target, pages[-1].cursor))
    assert rkeys(again) == {"3kuaaaaaaaa21", "3kuaaaaaaaa23", "3kuaaaaaaaa25"}


def test_a_malformed_item_is_skipped_and_the_rest_kept(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    broken = {"uri": "at://did:plc:x/app.bsky.feed.post/3kzz", "cid": "bafyreibroken",
              "indexedAt": "2024-06-01T13:00:00.000Z", "record": {"text": "Acme Air"},
              "author": {"displayName": "no handle"}}  # fmt: skip
    server.add_post(broken)
    collector, target = collector_for(server, sleeps)
    pages = list(collector.collect(target, None))
    assert rkeys(pages) == EXPECTED_RKEYS
    skipped = [s for page in pages for s in page.skipped]
    assert len(skipped) == 1 and "bafyreibroken" in skipped[0].raw_body
    assert "handle" in skipped[0].reason


def test_a_wrong_app_password_is_an_auth_error_naming_the_setting(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    collector, target = collector_for(server, sleeps, app_password=SecretStr("wrong-pass-word"))
    with pytest.raises(AuthError, match=r"BLUESKY_APP_PASSWORD") as caught:
        list(collector.collect(target, None))
    assert "Invalid identifier or password" in str(caught.value)
    assert "wrong-pass-word" not in str(caught.value)
    assert sleeps == []
    result = collector.check()
    assert not result.ok and not result.unreachable and "app_password" in (result.fix or "")


@pytest.mark.parametrize("kind", ["401", "expired"])
def test_a_fresh_session_refused_is_an_auth_error(
    server: FakeBlueskyServer, sleeps: list[float], kind: str
) -> None:
    server.fail_next(kind, nsid=SEARCH)
    collector, target = collector_for(server, sleeps)
    with pytest.raises(AuthError, match="credentials rejected"):
        list(collector.collect(target, None))


def test_a_400_is_fatal_and_keeps_the_answer(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    server.fail_next("400", nsid=SEARCH)
    collector, target = collector_for(server, sleeps)
    pages: list[Page] = []
    with pytest.raises(FatalError, match="InvalidRequest"):
        for page in collector.collect(target, None):
            pages.append(page)
    skipped = [s for page in pages for s in page.skipped]
    assert len(skipped) == 1 and "InvalidRequest" in skipped[0].raw_body
    assert sleeps == []


def test_sign_in_rate_limited_is_not_retried(
    server: FakeBlueskyServer, sleeps: list[float]
) -> None:
    server.fail_next("429", seconds=3600, nsid="com.atproto.server.createSession")
    collector, target = collector_for(server, sleeps)
    with pytest.raises(Exception, match="sign-ins per 5 minutes"):
        list(collector.collect(target, None))
    assert sleeps == [] and server.calls("com.atproto.server.createSession") == 1


def test_check_of_an_unreachable_server_says_so(sleeps: list[float]) -> None:
    with running_bluesky_server() as srv:
        base_url = srv.base_url
    collector, _ = make_bluesky_collector(base_url, clock, sleep=sleeps.append)
    assert isinstance(collector, BlueskyCollector)
    result = collector.check()
    assert not result.ok and result.unreachable and "base_url" in (result.fix or "")


def test_settings_need_credentials_when_enabled_and_valid_handles() -> None:
    with pytest.raises(ValidationError, match="BLUESKY_APP_PASSWORD"):
        BlueskySettings.model_validate({"enabled": True, "handle": "acme.bsky.social"})
    with pytest.raises(ValidationError):
        BlueskySettings.model_validate({"page_size": 101})
    with pytest.raises(ValidationError, match="not a Bluesky handle"):
        BlueskyBrandSettings.model_validate({"accounts": ["AcmeHelp"]})
    with pytest.raises(ValidationError, match="search terms, accounts or both"):
        BlueskyBrandSettings.model_validate({})
    brand = BlueskyBrandSettings.model_validate({"accounts": ["@AcmeHelp.bsky.social"]})
    assert brand.accounts == ["acmehelp.bsky.social"]


def test_ratelimit_reset_is_read_as_epoch_seconds_or_as_a_delta() -> None:
    now = datetime(2024, 6, 2, tzinfo=UTC)
    assert retry_after_seconds({"ratelimit-reset": str(int(now.timestamp()) + 90)}, now) == 90
    assert retry_after_seconds({"RateLimit-Reset": "42"}, now) == 42
    assert retry_after_seconds({"ratelimit-reset": "soon"}, now) is None


def test_the_replay_sample_rows_read_as_synthetic_bluesky_posts() -> None:
    from monitor.importer import read_posts
    from tests.collectors.fakes.bluesky_server import FIXTURES

    result = read_posts(FIXTURES / "sample_posts.jsonl")
    assert result.problems == [] and len(result.posts) == 5
    assert all(p.source == "bluesky" and p.raw.get("synthetic") is True for p in result.posts)
    reply = next(p for p in result.posts if p.author == "united")
    assert reply.in_reply_to == result.posts[0].external_id == reply.thread_id
