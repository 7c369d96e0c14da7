"""kill -9 in the middle of collection, then a restart: nothing lost, nothing duplicated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.fake_source import (
    BEARER_ENV,
    daemon_config,
    make_tweets,
    running_gated_x,
    stored_cursor,
    stored_ids,
    write_config,
)
from tests.daemon.process import DaemonProcess

PAGE = 10
FREE_PAGES = 3


@pytest.fixture
def processes() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for p in started:
        p.ensure_dead()


def newest(ids: set[str], n: int) -> set[str]:
    return set(sorted(ids, key=int, reverse=True)[:n])


def test_kill_9_mid_collection_then_restart_stores_every_post_once(
    tmp_path: Path, processes: list[DaemonProcess]
) -> None:
    tweets = make_tweets(95)
    with running_gated_x(tweets, free_requests=FREE_PAGES) as fake:
        config = write_config(tmp_path, daemon_config(tmp_path, fake.base_url))
        db = tmp_path / "monitor.db"
        first = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(first)
        # The 4th page request is held: three pages are committed, the pass is half done.
        first.wait_for("the 4th page request", fake.holding.is_set)
        before_kill = stored_ids(db)
        assert set(before_kill) == newest(fake.all_ids(), FREE_PAGES * PAGE)
        cursor = stored_cursor(db, "Acme")
        assert cursor is not None
        search = cursor["streams"]["search"]
        assert "since_id" not in search  # the first pass has not completed
        assert search["until_id"] == min(before_kill, key=int)

        first.kill_hard()
        # New traffic arrives while the daemon is down; then the source answers freely.
        fake.add_tweets(*make_tweets(7, start=fake.clock(), first_seq=500))
        fake.open_gate()
        want = fake.all_ids()
        assert len(want) == 102

        second = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(second)
        second.wait_for("every post stored", lambda: set(stored_ids(db)) == want)
        second.wait_for(
            "a completed pass",
            lambda: (
                (stored_cursor(db, "Acme") or {}).get("streams", {}).get("search", {})
                == {"since_id": max(want, key=int)}
            ),
        )
        assert second.stop() == 0, second.output

    ids = stored_ids(db)
    assert len(ids) == len(set(ids)) == len(want)  # no duplicate rows
    assert set(ids) == want  # no loss
