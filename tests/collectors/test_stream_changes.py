"""Editing what a brand asks for starts that stream afresh: the real collectors, fake APIs.

Cursors are stored per source and brand; without stream fingerprints a changed X query
kept the old ``since_id`` and never saw the older posts the new query matches.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import Target
from monitor.pipeline.collect import run_target
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.appstore_server import (
    APP_ID,
    SAMPLE_PAGE,
    make_appstore_collector,
    running_appstore_server,
)
from tests.collectors.fakes.reddit_server import make_reddit_collector, running_reddit_server
from tests.collectors.fakes.x_server import (
    MutableClock,
    XFakeServer,
    make_x_collector,
    running_x_server,
    sample_brand_settings,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
REDDIT_NOW = datetime(2024, 6, 2, tzinfo=UTC)
SEARCH, MENTIONS = "/2/tweets/search/recent", "/2/users/90210777/mentions"
#: Posts naming only @NorthwindAir, older than everything the first query found last.
NORTHWIND_ONLY = {"2031007378570075636", "2031470215823534805"}


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(NOW)


@pytest.fixture
def server(clock: MutableClock) -> Iterator[XFakeServer]:
    with running_x_server(clock=clock) as fake:
        yield fake


def stored_ids(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(
            session.scalars(select(col(Mention.external_id)).where(col(Mention.source) == "x"))
        )


def test_changed_x_query_rereads_search_and_mentions_keeps_its_cursor(
    engine: Engine, server: XFakeServer, clock: MutableClock, caplog: pytest.LogCaptureFixture
) -> None:
    collector, target = make_x_collector(server.base_url, clock)
    first = run_target(engine, collector, "x", target, clock=clock)
    assert first.ok, first.error
    assert not NORTHWIND_ONLY & stored_ids(engine)
    mentions_since = server.paths(MENTIONS)[-1]
    asked = len(server.requests)

    query = target.settings.query.replace("@SkylarkAir OR", "@SkylarkAir OR @NorthwindAir OR")
    edited = Target(target.brand, sample_brand_settings(query=query))
    with caplog.at_level(logging.INFO, logger="monitor.pipeline.collect"):
        second = run_target(engine, collector, "x", edited, clock=clock)
    assert second.ok, second.error
    said = [r.getMessage() for r in caplog.records if "afresh" in r.getMessage()]
    assert said == ["x/Skylark Air: search query changed, starting the search stream afresh"]

    requests = server.requests[asked:]
    by_query = {r.params.get("query"): r.params for r in requests if r.path == SEARCH}
    assert "since_id" not in by_query[query]  # the search stream reads its window afresh
    brand_replies = next(p for q, p in by_query.items() if q != query)
    assert "since_id" in brand_replies  # other streams keep their place
    mentions = [r.params for r in requests if r.path == MENTIONS]
    assert mentions and all("since_id" in p for p in mentions)
    assert mentions_since.params.get("since_id") is None  # the first pass read it all
    assert second.result.inserted == len(NORTHWIND_ONLY)
    assert stored_ids(engine) >= NORTHWIND_ONLY

    caplog.clear()
    asked = len(server.requests)
    with caplog.at_level(logging.INFO, logger="monitor.pipeline.collect"):
        third = run_target(engine, collector, "x", edited, clock=clock)
    assert third.ok and third.result.inserted == 0
    assert not [r for r in caplog.records if "afresh" in r.getMessage()]
    assert all("since_id" in r.params for r in server.requests[asked:])


def test_changed_reddit_keywords_reread_keyword_streams_only(engine: Engine) -> None:
    with running_reddit_server() as server:
        collector, target = make_reddit_collector(server.base_url, lambda: REDDIT_NOW)
        try:
            assert run_target(engine, collector, "reddit", target, clock=lambda: REDDIT_NOW).ok
            first = Counter(r.path for r in server.api_requests())
            keywords = [*target.settings.keywords, "acme phone"]  # type: ignore[attr-defined]
            edited = Target(target.brand, target.settings.model_copy(update={"keywords": keywords}))
            before = len(server.api_requests())
            report = run_target(engine, collector, "reddit", edited, clock=lambda: REDDIT_NOW)
        finally:
            collector.close()
        second = Counter(r.path for r in server.api_requests()[before:])
    assert report.ok, report.error
    afresh = ["comments:r/techsupport", "search:all", "search:r/techsupport"]
    assert sorted(n for n in report.notes if "afresh" in n) == [
        f"{name} keywords changed, starting the {name} stream afresh" for name in afresh
    ]
    keyword_paths = [p for p in first if p.endswith("search") or "techsupport" in p]
    assert all(second[p] == first[p] for p in keyword_paths)  # walked again, all pages
    assert second["/search"] == first["/search"] > 1
    own = [p for p in first if "AcmeMobile" in p or p.startswith("/user/")]
    assert own and all(second[p] == 1 for p in own)  # one page reaches the kept mark
    assert report.result.inserted == 0  # the same posts: nothing is stored twice


def test_changed_app_store_app_id_reads_the_new_app_from_its_first_pass_window(
    engine: Engine,
) -> None:
    other_app = "2345678901"
    with running_appstore_server(clock=lambda: REDDIT_NOW) as server:
        # The other app has reviews of its own, at the same times as the first app's.
        server.state.reviews[other_app] = [
            {**r, "id": f"other-{r['id']}", "relationships": {}}
            for r in server.state.reviews[APP_ID]
        ]
        collector, target = make_appstore_collector(server.base_url, lambda: REDDIT_NOW)
        try:
            first = run_target(engine, collector, "appstore", target, clock=lambda: REDDIT_NOW)
            settings = target.settings.model_copy(update={"app_id": other_app})
            edited = Target(target.brand, settings)
            second = run_target(engine, collector, "appstore", edited, clock=lambda: REDDIT_NOW)
        finally:
            collector.close()
    assert first.ok and second.ok, (first.error, second.error)
    assert second.notes == ["reviews app_id changed, starting the reviews stream afresh"]
    with session_scope(engine) as session:
        ids = set(session.scalars(select(col(Mention.external_id))))
    other = {f"other-{r['id']}" for r in SAMPLE_PAGE["data"]}
    assert other <= ids and second.result.inserted == len(other)
