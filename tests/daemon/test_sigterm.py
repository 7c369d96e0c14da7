"""SIGTERM: the page in flight is finished and committed with its cursor, then exit 0."""

from __future__ import annotations

import json
import re
import signal
import urllib.request
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


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert match, f"{name}{labels} missing from /metrics:\n{text}"
    return float(match.group(1))


def test_sigterm_finishes_the_page_in_flight_and_exits_0(
    tmp_path: Path, processes: list[DaemonProcess]
) -> None:
    tweets = make_tweets(95)
    with running_gated_x(tweets, free_requests=FREE_PAGES) as fake:
        config = write_config(tmp_path, daemon_config(tmp_path, fake.base_url))
        db = tmp_path / "monitor.db"
        daemon = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(daemon)
        daemon.wait_for("the 4th page request", fake.holding.is_set)

        daemon.proc.send_signal(signal.SIGTERM)
        daemon.wait_for_line(r"SIGTERM: stopping")
        fake.open_gate()  # the page in flight arrives after the stop was asked for
        assert daemon.finish() == 0, daemon.output
        assert "stopped between pages for shutdown" in daemon.output

        stored = stored_ids(db)
        everything = fake.all_ids()
        # Exactly the four pages read: the one in flight was kept, no further page was asked.
        assert len(stored) == len(set(stored)) == (FREE_PAGES + 1) * PAGE
        search = (stored_cursor(db, "Acme") or {})["streams"]["search"]
        assert "since_id" not in search
        assert search["pending_newest"] == max(everything, key=int)
        # The cursor covers exactly the stored rows: everything from until_id up.
        assert set(stored) == {i for i in everything if int(i) >= int(search["until_id"])}

        # A restart resumes where the cursor says and completes the pass.
        again = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(again)
        url = again.wait_for_line(r"health and metrics at (http://127\.0\.0\.1:\d+)").group(1)
        again.wait_for("every post stored", lambda: set(stored_ids(db)) == everything)
        again.wait_for_line(r"collect:x:Acme: \d+ pages, 55 new")

        status, body = get(url + "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok", health
        (source,) = health["sources"]
        assert (source["source"], source["target"], source["state"]) == ("x", "Acme", "ok")
        assert any(j["id"] == "collect:x:Acme" and j["ok"] for j in health["jobs"])
        status, text = get(url + "/metrics")
        assert status == 200
        assert metric(text, "monitor_posts_collected_total", '{source="x",target="Acme"}') == 55
        assert metric(text, "monitor_source_failures_total", '{source="x",target="Acme"}') == 0
        assert metric(text, "monitor_labeling_backlog") == 95

        assert again.stop(signal.SIGINT) == 0, again.output

    ids = stored_ids(db)
    assert len(ids) == len(set(ids)) == len(everything)
