"""run_job: one log line per run, failures recorded instead of raised; the metrics text."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.daemon.jobs import JobContext, JobOutcome, run_job
from monitor.daemon.metrics import Metrics, SourceState, StoredFigures
from monitor.redact import Redactor, configured_secrets
from monitor.storage.db import make_engine
from tests.collectors.fakes.x_server import FAKE_BEARER
from tests.daemon.test_scheduler import settings

NOW = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[JobContext]:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    yield JobContext(engine, settings(), lambda: NOW, Metrics(NOW))
    engine.dispose()


def labeled(ctx: JobContext, count: int) -> JobOutcome:
    return JobOutcome(f"labeled {count}", {"labeled": count})


def broken(ctx: JobContext) -> JobOutcome:
    raise RuntimeError("database went away")


def test_a_run_logs_one_line_and_is_recorded(
    ctx: JobContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.daemon"):
        outcome = run_job(ctx, "classify", "classify", labeled, 12)
    assert outcome is not None and outcome.counts == {"labeled": 12}
    lines = [r.getMessage() for r in caplog.records if r.name == "monitor.daemon"]
    assert len(lines) == 1 and lines[0].startswith("classify: labeled 12 (")
    (run,) = ctx.metrics.last_runs()
    assert (run.job_id, run.kind, run.ok, run.started_at) == ("classify", "classify", True, NOW)


def test_a_failing_job_is_logged_and_recorded_not_raised(
    ctx: JobContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.daemon"):
        outcome = run_job(ctx, "score", "score", broken)
    assert outcome is not None and not outcome.ok
    assert outcome.summary == "failed: RuntimeError: database went away"
    (record,) = [r for r in caplog.records if r.name == "monitor.daemon"]
    assert record.levelno == logging.ERROR and "database went away" in record.getMessage()
    text = ctx.metrics.render(StoredFigures())
    assert 'monitor_job_runs_total{job="score",outcome="error"} 1' in text


def test_jobs_queued_before_a_stop_do_not_start(ctx: JobContext) -> None:
    ctx.stop.set()
    assert run_job(ctx, "classify", "classify", labeled, 1) is None
    assert ctx.metrics.last_runs() == []


def test_a_signal_flag_alone_stops_jobs_and_ends_retry_waits(ctx: JobContext) -> None:
    ctx.signalled = "SIGTERM"  # what the signal handler sets (it may not take locks)
    assert ctx.should_stop()
    ctx.sleep(3600)  # returns at once instead of waiting out a Retry-After


def test_metrics_text_format() -> None:
    metrics = Metrics(NOW)
    metrics.declare_target("x", "Acme")
    metrics.declare_target("x", 'Odd "name"\\')
    metrics.add_posts("x", "Acme", 5)
    metrics.add_posts("x", "Acme", 2)
    metrics.add_source_failure("x", 'Odd "name"\\')
    text = metrics.render(
        StoredFigures(
            labeling_backlog=42,
            last_digest_at=datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
            sources=[SourceState("x", "Acme", "ok", 0), SourceState("x", "Rival", "auth_error", 3)],
        )
    )
    lines = text.splitlines()
    assert "# TYPE monitor_posts_collected_total counter" in lines
    assert 'monitor_posts_collected_total{source="x",target="Acme"} 7' in lines
    assert 'monitor_posts_collected_total{source="x",target="Odd \\"name\\"\\\\"} 0' in lines
    assert 'monitor_source_failures_total{source="x",target="Odd \\"name\\"\\\\"} 1' in lines
    assert 'monitor_source_up{source="x",target="Rival"} 0' in lines
    assert 'monitor_source_consecutive_failures{source="x",target="Rival"} 3' in lines
    assert "monitor_labeling_backlog 42" in lines
    sent = int(datetime(2026, 3, 9, 7, tzinfo=UTC).timestamp())
    assert f"monitor_last_digest_timestamp_seconds {sent}" in lines
    assert text.endswith("\n")
    for line in lines:  # every sample line is "name{labels} number"
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def leaky(ctx: JobContext) -> JobOutcome:
    raise ConnectionError(f"GET https://api.x.test/2/tweets?token={FAKE_BEARER} refused")


def test_secrets_never_reach_the_log_or_the_recorded_run(
    ctx: JobContext, caplog: pytest.LogCaptureFixture
) -> None:
    ctx.redact = Redactor(configured_secrets(ctx.settings))
    with caplog.at_level(logging.INFO, logger="monitor.daemon"):
        outcome = run_job(ctx, "collect:x:Acme", "collect", leaky)
    assert outcome is not None and "token=***" in outcome.summary
    assert FAKE_BEARER not in caplog.text and "token=***" in caplog.text
    assert FAKE_BEARER not in ctx.metrics.last_runs()[0].summary


def test_a_webhook_url_is_masked_whole_and_by_its_path() -> None:
    document = {
        "brands": [{"name": "Acme"}],
        "slack": {"enabled": True, "webhook_url": "${HOOK}"},
    }
    hook = "https://hooks.slack.test/services/T000/B000/abcdefXYZ"
    redact = Redactor(configured_secrets(parse_config(document, env={"HOOK": hook})))
    assert redact(f"POST {hook} failed") == "POST *** failed"
    assert redact("404 for url: /services/T000/B000/abcdefXYZ") == "404 for url: ***"
