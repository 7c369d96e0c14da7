"""Bluesky through run_target on both backends: brand replies marked, and a pass cut short
between pages (a kill -9 after a commit) resumes with nothing lost or stored twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.pipeline.collect import run_target
from monitor.storage.models import Mention
from tests.collectors.fakes.bluesky_server import (
    EXPECTED_RKEYS,
    HANDLE,
    FakeBlueskyServer,
    make_bluesky_collector,
    running_bluesky_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeBlueskyServer]:
    with running_bluesky_server() as srv:
        yield srv


def stored(engine: Engine) -> list[Mention]:
    with Session(engine) as session:
        return list(session.exec(select(Mention).where(Mention.source == "bluesky")))


def test_a_pass_stores_posts_with_threads_and_the_brand_reply_marked(
    engine: Engine, server: FakeBlueskyServer
) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock)
    report = run_target(engine, collector, "bluesky", target, clock=clock)
    assert report.ok, report.error
    rows = {m.external_id.rpartition("/")[2]: m for m in stored(engine)}
    assert set(rows) == EXPECTED_RKEYS
    assert [k for k, m in rows.items() if m.is_brand_post] == ["3kuaaaaaaaa22"]
    assert rows["3kuaaaaaaaa22"].author == HANDLE
    assert rows["3kuaaaaaaaa24"].thread_id == rows["3kuaaaaaaaa21"].external_id


@pytest.mark.parametrize("cut_after", [1, 2, 4])
def test_a_pass_cut_short_resumes_without_loss_or_duplicates(
    engine: Engine, server: FakeBlueskyServer, cut_after: int
) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock)
    pages = 0

    def stop() -> bool:
        nonlocal pages
        pages += 1
        return pages >= cut_after

    first = run_target(engine, collector, "bluesky", target, clock=clock, should_stop=stop)
    assert first.stopped and first.pages == cut_after
    partial = {m.external_id for m in stored(engine)}
    # A fresh collector (a restarted process) reads on from the stored cursor.
    collector, target = make_bluesky_collector(server.base_url, clock)
    second = run_target(engine, collector, "bluesky", target, clock=clock)
    assert second.ok, second.error
    rows = stored(engine)
    keys = [m.external_id for m in rows]
    assert len(keys) == len(set(keys))
    assert {k.rpartition("/")[2] for k in keys} == EXPECTED_RKEYS
    assert partial <= set(keys)
    third = run_target(engine, collector, "bluesky", target, clock=clock)
    assert (third.result.inserted, third.result.updated) == (0, 0)
