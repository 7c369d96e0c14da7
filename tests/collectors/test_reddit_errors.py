"""Reddit failures, sorted where praw calls the API: retried, auth, or skipped with the raw body."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from monitor.collectors.base import AuthError, Page, RetriableError, Target
from monitor.collectors.reddit.collector import RedditCollector
from tests.collectors.fakes.reddit_server import (
    EXPECTED_IDS,
    FakeRedditServer,
    make_reddit_collector,
    running_reddit_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """prawcore's own retries and rate limiter would call time.sleep: they must not run."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) called; waits must use the injected sleep")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def server() -> Iterator[FakeRedditServer]:
    with running_reddit_server() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def reddit(
    server: FakeRedditServer, sleeps: list[float]
) -> Iterator[tuple[RedditCollector, Target]]:
    collector, target = make_reddit_collector(server.base_url, clock, sleep=sleeps.append)
    yield collector, target
    collector.close()


def run(collector: RedditCollector, target: Target, cursor: dict | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def ids(pages: list[Page]) -> set[str]:
    return {p.external_id for page in pages for p in page.posts}


def test_429_is_retried_after_the_reset_the_server_names(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target], sleeps: list[float]
) -> None:
    server.fail_next("429", "/search", seconds=7)
    assert ids(run(*reddit)) == EXPECTED_IDS
    assert sleeps == [7.0]
    assert len(server.api_requests("/search")) == 4  # 3 pages + the refused one


@pytest.mark.parametrize("kind", ["500", "503", "reset"])
def test_server_errors_and_resets_are_retried_by_us_not_by_prawcore(
    server: FakeRedditServer,
    reddit: tuple[RedditCollector, Target],
    sleeps: list[float],
    kind: str,
) -> None:
    server.fail_next(kind, "/r/techsupport/comments")
    assert ids(run(*reddit)) == EXPECTED_IDS
    # Our back-off: 1 s +/- jitter. The fake drops the pooled connection after its error, so
    # the retry can meet a dead socket first and cost one more back-off (no extra request).
    assert 1 <= len(sleeps) <= 2 and all(0.75 <= s <= 1.25 for s in sleeps)
    # prawcore would have retried on its own (with time.sleep); exactly one extra request.
    assert len(server.api_requests("/r/techsupport/comments")) == 4 + 1  # 4 pages


def test_a_timeout_is_retried(server: FakeRedditServer, sleeps: list[float]) -> None:
    collector, target = make_reddit_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=1.0
    )
    server.fail_next("slow", "/user/AcmeSupport", seconds=3)
    assert ids(run(collector, target)) == EXPECTED_IDS
    collector.close()
    assert len(sleeps) == 1


def test_retries_run_out_into_a_retriable_error_and_the_cursor_stays_safe(
    server: FakeRedditServer, sleeps: list[float]
) -> None:
    collector, target = make_reddit_collector(
        server.base_url, clock, sleep=sleeps.append, max_retries=1
    )
    server.fail_next("503", "/search")
    server.fail_next("503", "/search")
    pages: list[Page] = []
    with pytest.raises(RetriableError, match="HTTP 503"):
        for page in collector.collect(target, None):
            pages.append(page)
    assert len(sleeps) == 1
    assert "search:all" not in pages[-1].cursor["streams"]
    assert ids(run(collector, target, pages[-1].cursor)) | ids(pages) == EXPECTED_IDS
    collector.close()


def test_exhausted_quota_waits_for_the_reset_through_the_injected_sleep(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target], sleeps: list[float]
) -> None:
    server.fail_next("exhausted", "/r/AcmeMobile/new", seconds=30)
    assert ids(run(*reddit)) == EXPECTED_IDS
    assert sleeps == [30.0]


def test_401_on_a_listing_is_an_auth_error(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    server.fail_next("401", "/search")
    with pytest.raises(AuthError, match="401"):
        run(*reddit)
    assert ids(run(*reddit)) == EXPECTED_IDS  # next pass: a fresh token, all good again


def test_revoked_token_is_an_auth_error_not_a_prawcore_retry(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    list(reddit[0].collect(reddit[1], None))
    server.revoke_tokens()
    with pytest.raises(AuthError):
        run(*reddit)
    assert len([r for r in server.requests if r.method == "POST"]) == 1  # no silent re-login


def test_wrong_client_secret_is_an_auth_error(server: FakeRedditServer) -> None:
    collector, target = make_reddit_collector(
        server.base_url, clock, client_secret=SecretStr("wrong")
    )
    with pytest.raises(AuthError, match="credentials rejected"):
        run(collector, target)
    collector.close()
    assert "wrong" not in repr(collector.__dict__)  # the secret stays wrapped


def test_wrong_password_is_an_auth_error(server: FakeRedditServer) -> None:
    collector, target = make_reddit_collector(
        server.base_url, clock, script_app=True, password=SecretStr("nope")
    )
    with pytest.raises(AuthError, match="invalid_grant"):
        run(collector, target)
    collector.close()


def test_missing_credentials_are_an_auth_error(server: FakeRedditServer) -> None:
    collector, target = make_reddit_collector(
        server.base_url, clock, enabled=False, client_id=None, client_secret=None
    )
    with pytest.raises(AuthError, match="client_id and client_secret are not set"):
        run(collector, target)


@pytest.mark.parametrize(
    ("kind", "reason", "body_part"),
    [
        ("malformed", "without a children list", '"oops"'),
        ("html", "body is not JSON", "<html>"),
        ("403_private", "HTTP 403, private", '"private"'),
        ("404", "HTTP 404", "Not Found"),
    ],
)
def test_a_bad_page_is_kept_with_its_body_and_the_pass_goes_on(
    server: FakeRedditServer,
    reddit: tuple[RedditCollector, Target],
    kind: str,
    reason: str,
    body_part: str,
) -> None:
    server.fail_next(kind, "/r/techsupport/search")
    pages = run(*reddit)
    skipped = [s for p in pages for s in p.skipped]
    assert len(skipped) == 1
    assert skipped[0].where == "search:r/techsupport page 1"
    assert reason in skipped[0].reason and body_part in skipped[0].raw_body
    # The other streams went on; this one kept its old (here: no) mark, so it is read again.
    assert ids(pages) == EXPECTED_IDS  # its posts also come from sitewide search
    assert "search:r/techsupport" not in pages[-1].cursor["streams"]
    again = run(*reddit, pages[-1].cursor)
    assert "search:r/techsupport" in again[-1].cursor["streams"]


def test_a_bad_second_page_does_not_lose_the_rest(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    first = run(*reddit)
    server.add(
        *[
            {
                "kind": "t3",
                "data": {
                    "id": f"1d6b00{n}",
                    "name": f"t3_1d6b00{n}",
                    "title": f"Acme outage day {n}",
                    "selftext": "",
                    "author": "someone",
                    "subreddit": "pics",
                    "created_utc": 1717300000.0 + n,
                    "permalink": f"/r/pics/comments/1d6b00{n}/x/",
                },
            }
            for n in range(4)
        ]
    )
    server.fail_next("malformed", "/search", skip=1)  # page 1 of sitewide search is fine
    second = run(*reddit, first[-1].cursor)
    new = {f"t3_1d6b00{n}" for n in range(4)}
    assert ids(second) == {"t3_1d6b003", "t3_1d6b002"}  # page 1, then the walk ended
    assert [s.where for p in second for s in p.skipped] == ["search:all page 2"]
    third = run(*reddit, second[-1].cursor)  # the mark did not move: read again, all there
    assert ids(third) == new
