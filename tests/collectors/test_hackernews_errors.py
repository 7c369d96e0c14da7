"""Hacker News failures and settings: retried, refused, skipped with the raw body, checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.collectors.base import AuthError, Page, RetriableError
from monitor.collectors.hackernews.collector import HackerNewsCollector
from monitor.collectors.hackernews.mapping import html_to_text
from monitor.collectors.hackernews.settings import HackerNewsBrandSettings, HackerNewsSettings
from tests.collectors.fakes.hackernews_server import (
    SAMPLE_HITS,
    FakeHNServer,
    make_hn_collector,
    running_hn_server,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
EXPECTED = {h["objectID"] for h in SAMPLE_HITS} - {"47310008"}


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeHNServer]:
    with running_hn_server() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def hn(server: FakeHNServer, sleeps: list[float]) -> Iterator[HackerNewsCollector]:
    collector, _ = make_hn_collector(server.base_url, clock, sleep=sleeps.append)
    yield collector
    collector.close()


def run(collector: HackerNewsCollector, cursor: dict | None = None) -> list[Page]:
    _, target = make_hn_collector("http://unused", clock)
    return list(collector.collect(target, cursor))


def ids(pages: list[Page]) -> set[str]:
    return {p.external_id for page in pages for p in page.posts}


def test_429_waits_as_long_as_retry_after_says(
    server: FakeHNServer, hn: HackerNewsCollector, sleeps: list[float]
) -> None:
    server.fail_next("429", seconds=30, skip=1)
    assert ids(run(hn)) == EXPECTED
    assert sleeps == [30.0]


@pytest.mark.parametrize("kind", ["429", "500", "503", "reset"])
def test_temporary_failures_back_off_and_retry(
    server: FakeHNServer, hn: HackerNewsCollector, sleeps: list[float], kind: str
) -> None:
    server.fail_next(kind)  # a 429 without Retry-After (Algolia's usual): the back-off policy
    assert ids(run(hn)) == EXPECTED
    assert len(sleeps) == 1 and 0.75 <= sleeps[0] <= 1.25


def test_a_timeout_is_retried(server: FakeHNServer, sleeps: list[float]) -> None:
    collector, target = make_hn_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=1.0
    )
    server.fail_next("slow", seconds=3)
    assert ids(collector.collect(target, None)) == EXPECTED
    assert len(sleeps) == 1


def test_retries_run_out(server: FakeHNServer, sleeps: list[float]) -> None:
    collector, target = make_hn_collector(
        server.base_url, clock, sleep=sleeps.append, max_retries=2
    )
    for _ in range(3):
        server.fail_next("503")
    with pytest.raises(RetriableError, match="HTTP 503 Service Unavailable"):
        list(collector.collect(target, None))
    assert len(sleeps) == 2


def test_403_is_an_auth_error_naming_the_setting(
    server: FakeHNServer, hn: HackerNewsCollector
) -> None:
    server.fail_next("403")
    with pytest.raises(AuthError, match=r"sources\.hackernews\.base_url"):
        run(hn)


@pytest.mark.parametrize("kind", ["400", "404", "malformed", "html"])
def test_a_refused_or_unreadable_page_is_skipped_and_read_again(
    server: FakeHNServer, hn: HackerNewsCollector, kind: str
) -> None:
    server.fail_next(kind, skip=1)  # the first search page of the term stream
    pages = run(hn)
    skipped = [s for page in pages for s in page.skipped]
    assert len(skipped) == 1 and skipped[0].where == "search:skylark air page 1"
    assert skipped[0].raw_body  # kept for inspection
    assert "search:skylark air" not in pages[-1].cursor["streams"]  # its mark did not move
    # the next pass reads the term stream afresh; the replies stream has its mark
    assert ids(run(hn, pages[-1].cursor)) == EXPECTED - {"47310006"}


def test_an_unreadable_hit_is_skipped_alone(server: FakeHNServer, hn: HackerNewsCollector) -> None:
    server.add_hits(
        {
            "objectID": "47310200",
            "_tags": ["story"],
            "author": "x",
            "created_at_i": "yesterday",
            "title": "Skylark Air",
        }
    )
    pages = run(hn)
    assert ids(pages) == EXPECTED
    skipped = [s for page in pages for s in page.skipped]
    assert len(skipped) == 1 and "created_at_i" in skipped[0].reason
    assert "47310200" in skipped[0].raw_body


def test_html_becomes_plain_text() -> None:
    text = 'a &amp; b<p>see <a href="https://x.example" rel="nofollow">x.example</a> &#x27;ok&#x27;'
    assert html_to_text(text) == "a & b\n\nsee x.example 'ok'"
    assert html_to_text(None) == ""


def test_check_reports_reachable(server: FakeHNServer, hn: HackerNewsCollector) -> None:
    result = hn.check()
    assert result.ok and "no key needed" in result.detail and "10 min old" in result.detail
    assert server.requests[-1].params == {"tags": "story", "hitsPerPage": "1", "page": "0"}


def test_check_reports_rate_limit_and_unreachable(
    server: FakeHNServer, hn: HackerNewsCollector
) -> None:
    server.fail_next("429")
    limited = hn.check()
    assert not limited.ok and limited.unreachable and "rate limited" in limited.detail
    server.fail_next("403")
    refused = hn.check()
    assert not refused.ok and not refused.unreachable
    assert refused.fix and "sources.hackernews.base_url" in refused.fix
    closed, _ = make_hn_collector("http://127.0.0.1:9", clock)
    down = closed.check()
    assert not down.ok and down.unreachable and "unreachable" in down.detail


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError, match="not an http"):
        HackerNewsSettings(base_url="hn.algolia.com")
    with pytest.raises(ValidationError):
        HackerNewsSettings(hits_per_page=1001)
    with pytest.raises(ValidationError):
        HackerNewsBrandSettings(terms=[])
    with pytest.raises(ValidationError, match="blank"):
        HackerNewsBrandSettings(terms=["  "])
    with pytest.raises(ValidationError, match="not a Hacker News username"):
        HackerNewsBrandSettings(terms=["acme"], accounts=["@acme help"])
    brand = HackerNewsBrandSettings(terms=["Skylark  Air", "skylark air", "skylark"])
    assert brand.terms == ["Skylark Air", "skylark"]
    assert HackerNewsSettings().api_root == "https://hn.algolia.com"


def test_the_replay_sample_rows_import_cleanly() -> None:
    from monitor.importer import iter_post_batches

    path = Path(__file__).resolve().parents[1] / "fixtures" / "hackernews" / "sample_posts.jsonl"
    batches = list(iter_post_batches(path))
    posts = [p for b in batches for p in b.posts]
    assert not [r for b in batches for r in b.bad_rows] and 4 <= len(posts) <= 6
    assert {p.source for p in posts} == {"hackernews"}
    assert all(p.raw.get("synthetic") is True for p in posts)
    reply = next(p for p in posts if p.author == "skylark_help")
    assert reply.in_reply_to in {p.external_id for p in posts}
