"""The daemon in this process: a slow source never blocks another; /healthz and /metrics."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.daemon import Daemon, DaemonError
from monitor.daemon.jobs import collect_job, run_job
from monitor.storage.db import make_engine
from tests.daemon.fake_source import (
    BEARER_ENV,
    GatedXServer,
    daemon_config,
    make_tweets,
    running_gated_x,
    stored_ids,
)
from tests.daemon.process import DEADLINE_SECONDS


def wait_until(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def metric(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.M)
    assert match, f"{sample} missing from /metrics:\n{text}"
    return float(match.group(1))


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[[GatedXServer, dict[str, str]], Daemon]]:
    daemons: list[Daemon] = []

    def start(fake: GatedXServer, brands: dict[str, str]) -> Daemon:
        # A long poll interval: each target runs exactly once unless the test runs it again.
        document = daemon_config(tmp_path, fake.base_url, brands=brands, poll_minutes=600)
        settings = parse_config(document, path=tmp_path / "config.yaml", env=BEARER_ENV)
        daemon = Daemon(settings, make_engine(settings.config.database_url))
        daemons.append(daemon)
        daemon.start()
        return daemon

    yield start
    for daemon in daemons:
        daemon.shutdown()
        daemon.ctx.engine.dispose()


def ran(daemon: Daemon, job_id: str) -> bool:
    return any(r.job_id == job_id for r in daemon.ctx.metrics.last_runs())


def test_a_slow_source_target_does_not_hold_up_the_others(
    tmp_path: Path, started: Callable[[GatedXServer, dict[str, str]], Daemon]
) -> None:
    tweets = make_tweets(25) + make_tweets(5, word="slowbrand", first_seq=100)
    with running_gated_x(tweets, held_query="slowbrand") as fake:
        daemon = started(fake, {"Acme": "acmeair", "Slowco": "slowbrand"})
        wait_until("the Slowco request to be held", fake.holding.is_set)
        wait_until("Acme's pass", lambda: ran(daemon, "collect:x:Acme"))
        assert not ran(daemon, "collect:x:Slowco")  # still waiting on its source
        assert len(stored_ids(tmp_path / "monitor.db")) == 25
        fake.open_gate()
        wait_until("Slowco's pass", lambda: ran(daemon, "collect:x:Slowco"))
    assert len(stored_ids(tmp_path / "monitor.db")) == 30


def test_healthz_and_metrics_follow_a_failing_then_recovering_source(
    tmp_path: Path, started: Callable[[GatedXServer, dict[str, str]], Daemon]
) -> None:
    with running_gated_x(make_tweets(25)) as fake:
        fake.fail_next("401")
        daemon = started(fake, {"Acme": "acmeair"})
        assert daemon.health is not None
        url = daemon.health.url
        wait_until("the first pass", lambda: ran(daemon, "collect:x:Acme"))

        status, body = get(url + "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded"
        (source,) = health["sources"]
        assert (source["target"], source["state"]) == ("Acme", "auth_error")
        assert "authentication failed" in source["last_error"]
        (job,) = [j for j in health["jobs"] if j["id"] == "collect:x:Acme"]
        assert job["ok"] is False and job["kind"] == "collect"
        status, text = get(url + "/metrics")
        assert status == 200
        labels = '{source="x",target="Acme"}'
        assert metric(text, f"monitor_source_failures_total{labels}") == 1
        assert metric(text, f"monitor_posts_collected_total{labels}") == 0
        assert metric(text, f"monitor_source_up{labels}") == 0
        assert metric(text, "monitor_labeling_backlog") == 0
        assert metric(text, "monitor_last_digest_timestamp_seconds") == 0
        assert metric(text, 'monitor_job_duration_seconds_count{job="collect"}') == 1

        run_job(daemon.ctx, "collect:x:Acme", "collect", collect_job, "x", "Acme")
        health = json.loads(get(url + "/healthz")[1])
        assert health["status"] == "ok" and health["sources"][0]["state"] == "ok"
        text = get(url + "/metrics")[1]
        assert metric(text, f"monitor_posts_collected_total{labels}") == 25
        assert metric(text, f"monitor_source_up{labels}") == 1
        assert metric(text, 'monitor_job_runs_total{job="collect",outcome="ok"}') == 1
        assert get(url + "/nothing")[0] == 404

    daemon.shutdown()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/healthz", timeout=5)


def test_a_taken_metrics_port_is_a_clear_startup_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        document = daemon_config(tmp_path, "http://127.0.0.1:9", metrics_port=port)
        settings = parse_config(document, path=tmp_path / "config.yaml", env=BEARER_ENV)
        daemon = Daemon(settings, make_engine(settings.config.database_url))
        with pytest.raises(DaemonError, match=rf"127\.0\.0\.1:{port}: .*daemon\.metrics_port"):
            daemon.start()
        daemon.shutdown()
        daemon.ctx.engine.dispose()
