"""``monitor run --once``: every job a single time, a printed summary, then exit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.daemon.fake_source import (
    BEARER_ENV,
    daemon_config,
    make_tweets,
    running_gated_x,
    stored_ids,
    write_config,
)
from tests.daemon.process import DaemonProcess


@pytest.mark.slow
def test_once_collects_labels_scores_and_writes_the_digest(tmp_path: Path) -> None:
    with running_gated_x(make_tweets(25)) as fake:
        config = write_config(tmp_path, daemon_config(tmp_path, fake.base_url, metrics_port=9))
        first = DaemonProcess(config, tmp_path, BEARER_ENV, "--once")
        assert first.finish() == 0, first.output
        second = DaemonProcess(config, tmp_path, BEARER_ENV, "--once")
        assert second.finish() == 0, second.output

    out = first.output
    assert "collected 25 new posts (0 edited) in 1 source passes" in out
    assert "labeled 25 mentions (0 waiting)" in out
    assert re.search(r"scored: \d+ KPI rows, \d+ complaints", out)
    assert re.search(r"alerts: \d+ fired", out)
    digest = re.search(r"digest Acme \d{4}-\d\d-\d\d: written to (\S+\.html)", out)
    assert digest, out
    assert Path(tmp_path, digest.group(1)).is_file()
    # One line per job run in the log, then the summary; no endpoint in --once (port 9 unused).
    assert re.search(r"collect:x:Acme: 3 pages, 25 new, 0 edited \(", out)
    assert "health and metrics at" not in out
    # Run again: nothing new, nothing labeled twice, the day's digest is not redone.
    again = second.output
    assert "collected 0 new posts" in again and "labeled 0 mentions" in again
    assert "already written (no delivery channel)" in again
    assert len(stored_ids(tmp_path / "monitor.db")) == 25


def test_once_summary_says_alerts_went_to_the_log_only_without_a_channel() -> None:
    from monitor.daemon import OnceSummary

    logged = OnceSummary(alerts=13, alerts_log_only=True).lines()
    assert "alerts: 13 fired (no alert channel configured: written to the log only" in logged[3]
    assert OnceSummary(alerts=13).lines()[3] == "alerts: 13 fired"
    assert OnceSummary(alerts=0, alerts_log_only=True).lines()[3] == "alerts: 0 fired"
