"""The collector contract, checked for every registered collector against its fake source."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from monitor.collectors.base import Collector, Page, Target
from monitor.collectors.registry import collector_classes
from monitor.pipeline.collect import run_target
from monitor.posts import Post
from tests.collectors.fakes.appstore_server import make_appstore_collector, running_appstore_server
from tests.collectors.fakes.bluesky_server import make_bluesky_collector, running_bluesky_server
from tests.collectors.fakes.googleplay_server import make_play_collector, running_play_server
from tests.collectors.fakes.hackernews_server import make_hn_collector, running_hn_server
from tests.collectors.fakes.mastodon_server import make_mastodon_collector, running_mastodon_server
from tests.collectors.fakes.reddit_server import make_reddit_collector, running_reddit_server
from tests.collectors.fakes.x_server import make_x_collector, running_x_server
from tests.collectors.fakes.youtube_server import make_youtube_collector, running_youtube_server

#: A harness yields the collector, its target and a counter of the requests it has made
#: (to the fake server; for a file source, the pages it read).
Harness = Callable[[], AbstractContextManager[tuple[Collector, Target, Callable[[], int]]]]


def _network(
    running: Callable[[], Any], make: Callable[..., Any], now: datetime | None = None
) -> Harness:
    """Start the source's fake server and build a collector against it.

    ``now`` pins the clock for fixtures recorded at a fixed time (the App Store collector
    reads back only a window of days before its first pass).
    """
    clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))

    @contextmanager
    def harness() -> Iterator[tuple[Collector, Target, Callable[[], int]]]:
        with running() as server:
            collector, target = make(server.base_url, clock)
            log = server.state if hasattr(server, "state") else server  # Mastodon keeps state
            yield collector, target, lambda: len(log.requests)

    return harness


HARNESSES: dict[str, Harness] = {
    "x": _network(running_x_server, make_x_collector),
    "reddit": _network(running_reddit_server, make_reddit_collector),
    "mastodon": _network(running_mastodon_server, make_mastodon_collector),
    "appstore": _network(
        running_appstore_server, make_appstore_collector, datetime(2024, 6, 2, tzinfo=UTC)
    ),
    "hackernews": _network(
        running_hn_server, make_hn_collector, datetime(2026, 3, 12, 12, tzinfo=UTC)
    ),
    "bluesky": _network(
        running_bluesky_server, make_bluesky_collector, datetime(2024, 6, 2, tzinfo=UTC)
    ),
    "youtube": _network(
        running_youtube_server, make_youtube_collector, datetime(2024, 6, 2, tzinfo=UTC)
    ),
    "googleplay": _network(
        lambda: running_play_server(lambda: datetime(2024, 6, 2, tzinfo=UTC)),
        make_play_collector,
        datetime(2024, 6, 2, tzinfo=UTC),
    ),
}


def register_harness(name: str, harness: Harness) -> None:
    """Let a collector's own test module add its harness (e.g. file-based sources)."""
    HARNESSES[name] = harness


try:  # the replay source needs no server, only a file: its harness lives with its tests
    from tests.collectors.replay_harness import counted_replay_harness

    register_harness("replay", counted_replay_harness)
except ModuleNotFoundError as exc:  # pragma: no cover - only while replay has no harness
    if exc.name != "tests.collectors.replay_harness":
        raise


@pytest.fixture(params=sorted(collector_classes()))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_registered_collector_has_a_harness(name: str) -> None:
    assert name in HARNESSES, f"collector {name!r} has no contract harness"


def test_settings_models_validate_and_refuse_unknown_keys(name: str) -> None:
    cls = collector_classes()[name]
    with pytest.raises(ValidationError):
        cls.settings_model.model_validate({"enabled": False, "no_such_key": 1})
    with pytest.raises(ValidationError):
        cls.brand_settings_model.model_validate({"no_such_key": 1})
    with HARNESSES[name]() as (collector, target, _):
        assert isinstance(collector, cls)
        assert isinstance(target.settings, cls.brand_settings_model)


def test_pass_yields_valid_posts_and_json_cursors(name: str) -> None:
    with HARNESSES[name]() as (collector, target, _):
        pages: list[Page] = list(collector.collect(target, None))
    posts = [p for page in pages for p in page.posts]
    assert posts, "the fixture must map to at least one post"
    for post in posts:
        assert isinstance(post, Post) and post.source == name and post.external_id
        assert post.created_at.tzinfo is not None
        json.dumps(post.raw)  # raw must be storable as JSON
    for page in pages:
        assert json.loads(json.dumps(page.cursor)) == page.cursor
    last = json.loads(json.dumps(pages[-1].cursor))
    with HARNESSES[name]() as (collector, target, _):
        again = [p for page in collector.collect(target, last) for p in page.posts]
    assert {p.key for p in again} <= {p.key for p in posts}


def test_a_pass_from_the_cursor_reads_less_than_the_first(name: str) -> None:
    """A collector that ignored its cursor would re-read everything: same requests, same posts.

    Deduplication on store hides that (nothing new is inserted), so count what the second
    pass asked for and got: fewer requests (pages skipped), or fewer posts (``since_id``).
    """
    with HARNESSES[name]() as (collector, target, requests):
        pages = list(collector.collect(target, None))
        first = requests()
        cursor = json.loads(json.dumps(pages[-1].cursor))
        again = [p for page in collector.collect(target, cursor) for p in page.posts]
        second = requests() - first
    posts = [p for page in pages for p in page.posts]
    assert first > 0 and posts
    assert second < first or len(again) < len(posts), (
        f"{name}: the pass from the cursor made {second} requests (first pass {first}) "
        f"and yielded {len(again)} posts (first pass {len(posts)}): is the cursor ignored?"
    )


def test_second_pass_over_the_same_data_adds_nothing(name: str, engine: Engine) -> None:
    clock = lambda: datetime.now(UTC)  # noqa: E731
    with HARNESSES[name]() as (collector, target, _):
        first = run_target(engine, collector, name, target, clock=clock)
        second = run_target(engine, collector, name, target, clock=clock)
    assert first.ok and first.result.inserted > 0, first.error
    assert second.ok, second.error
    assert (second.result.inserted, second.result.updated) == (0, 0)
