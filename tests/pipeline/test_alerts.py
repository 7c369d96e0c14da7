"""Alerts over a real DB, delivered to a real SMTP server (aiosmtpd) and a local webhook."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Settings
from monitor.pipeline.alerts import check_and_send_alerts
from monitor.pipeline.score import score_days
from monitor.report import Retry
from monitor.scoring import MentionFacts
from monitor.storage.db import session_scope
from monitor.storage.models import AlertSent
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, Scenario, build

ONCE = Retry(attempts=1)
# x:801 (10-08 13:30) passes the 60-minute SLA at 14:30
AFTER_SLA = NOW + timedelta(minutes=31)


def delivering_settings(smtp: Any, hook: Any, channels: list[str]) -> Settings:
    return scenario_settings(
        alerts={"channels": channels},
        email={"enabled": True, "host": smtp.host, "port": smtp.port, "security": "none",
               "sender": "monitor@example.com"},
        slack={"enabled": True, "webhook_url": hook.url, "timeout_seconds": 5},
        digest={"recipients": ["care-team@example.com"]},
    )  # fmt: skip


def stored_alerts(engine: Engine) -> list[AlertSent]:
    with session_scope(engine) as s:
        return list(s.exec(select(AlertSent).order_by(AlertSent.id)).all())


def at(moment: datetime) -> Any:
    return lambda: moment


@pytest.fixture
def scored(engine: Engine) -> Engine:
    sc = build()
    seed(engine, sc)
    days = sorted({m.created_at.date() for m in sc.mentions})
    score_days(engine, scenario_settings(), clock=at(NOW), days=days)
    return engine


def negatives(count: int, end: datetime, prefix: str) -> list[MentionFacts]:
    """``count`` negative inbound Acme mentions within the hour before ``end``."""
    return [
        MentionFacts(
            source="x", external_id=f"{prefix}{i}", brand="Acme", author=f"angry{i}",
            created_at=end - timedelta(minutes=5 + i), text="@AcmeHelp outage again?!",
            label="negative", confidence=0.9,
        )
        for i in range(count)
    ]  # fmt: skip


def test_old_overdue_complaints_do_not_flood_a_first_run(scored: Engine) -> None:
    """x:401 and appstore:r1 went overdue on 10-06: more than a day before the first check."""
    assert check_and_send_alerts(scored, scenario_settings(), clock=at(NOW)) == []
    fired = check_and_send_alerts(scored, scenario_settings(), clock=at(AFTER_SLA))
    assert [a.alert_key for a in fired] == ["overdue_complaint:Acme:x:801"]
    assert fired[0].url == "https://x.example/801"


def test_each_alert_fires_once_and_is_delivered_by_both_channels(
    scored: Engine, smtp_server: Any, webhook: Any
) -> None:
    settings = delivering_settings(smtp_server, webhook, ["email", "slack"])
    fired = check_and_send_alerts(scored, settings, clock=at(AFTER_SLA), retry=ONCE)
    assert len(fired) == 1
    again = check_and_send_alerts(scored, settings, clock=at(AFTER_SLA + timedelta(minutes=5)))
    assert again == []
    (row,) = stored_alerts(scored)
    assert (row.alert_key, row.delivered_at, row.delivery_error) == (
        "overdue_complaint:Acme:x:801", AFTER_SLA, None,
    )  # fmt: skip
    assert len(smtp_server.sink.messages) == 1 and webhook.calls == 1
    envelope = smtp_server.sink.messages[0]
    assert envelope.rcpt_tos == ["care-team@example.com"]
    assert b"x:801" in envelope.content
    assert "x:801" in str(webhook.bodies[0])


def test_spike_fires_then_cools_down_across_restarts(scored: Engine) -> None:
    settings = scenario_settings()
    seed(scored, Scenario(resolutions=[]), negatives(6, AFTER_SLA, "s1-"))
    fired = check_and_send_alerts(scored, settings, clock=at(AFTER_SLA))
    spikes = [a for a in fired if a.kind == "negative_spike"]
    assert len(spikes) == 1 and spikes[0].count == 6  # x:801 (13:30) is just outside the hour
    # an hour later a new burst: still inside the 6-hour cool-down (read back from storage)
    later = AFTER_SLA + timedelta(hours=1)
    seed(scored, Scenario(resolutions=[]), negatives(8, later, "s2-"))
    assert [a for a in check_and_send_alerts(scored, settings, clock=at(later))] == []
    # after the cool-down a burst fires again
    much_later = AFTER_SLA + timedelta(hours=7)
    seed(scored, Scenario(resolutions=[]), negatives(9, much_later, "s3-"))
    fired = check_and_send_alerts(scored, settings, clock=at(much_later))
    assert [a.kind for a in fired] == ["negative_spike"]
    kinds = [r.kind for r in stored_alerts(scored)]
    assert kinds.count("negative_spike") == 2


def test_failed_channel_is_kept_and_retried_alone(
    scored: Engine, smtp_server: Any, webhook: Any
) -> None:
    settings = delivering_settings(smtp_server, webhook, ["email", "slack"])
    webhook.statuses = [500]
    check_and_send_alerts(scored, settings, clock=at(AFTER_SLA), retry=ONCE)
    (row,) = stored_alerts(scored)
    assert row.delivered_at is None
    assert row.delivery_error is not None and row.delivery_error.startswith("slack: ")
    assert "SECRETTOKEN" not in row.delivery_error  # the webhook path is a secret
    assert len(smtp_server.sink.messages) == 1 and webhook.calls == 1

    retry_at = AFTER_SLA + timedelta(minutes=5)
    assert check_and_send_alerts(scored, settings, clock=at(retry_at), retry=ONCE) == []
    (row,) = stored_alerts(scored)
    assert (row.delivered_at, row.delivery_error) == (retry_at, None)
    assert len(smtp_server.sink.messages) == 1  # e-mail had gone out: not sent twice
    assert webhook.calls == 2


def test_unconfigured_channel_is_recorded_as_failed(scored: Engine) -> None:
    settings = scenario_settings(alerts={"channels": ["email"]})
    fired = check_and_send_alerts(scored, settings, clock=at(AFTER_SLA))
    assert len(fired) == 1  # stored even though it could not be delivered
    (row,) = stored_alerts(scored)
    assert row.delivered_at is None
    assert row.delivery_error is not None and "email.enabled is false" in row.delivery_error


def test_two_workers_deliver_each_alert_once(
    scored: Engine, smtp_server: Any, webhook: Any
) -> None:
    settings = delivering_settings(smtp_server, webhook, ["email", "slack"])
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(len(check_and_send_alerts(scored, settings, clock=at(AFTER_SLA))))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(stored_alerts(scored)) == 1
    assert len(smtp_server.sink.messages) == 1 and webhook.calls == 1
