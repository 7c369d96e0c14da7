"""The delivery outbox with real parts: aiosmtpd SMTP, a loopback Slack fake, both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.config import Settings
from monitor.pipeline.delivery import SENT, ChannelSetupError
from monitor.pipeline.digest import DigestOutcome, digest_status, send_due_digests
from monitor.report import Retry
from monitor.storage.db import session_scope
from monitor.storage.models import Delivery, DigestRun
from tests.pipeline.scenario_db import scenario_settings
from tests.pipeline.slack_fake import SlackFake, running_slack

ONCE = Retry(attempts=1)
DAY = date(2026, 10, 7)
NOW = datetime(2026, 10, 8, 14, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    with running_slack() as fake:
        yield fake


def outbox_settings(
    tmp_path: Path, smtp: Any, slack_url: str, channels: list[str] | None = None
) -> Settings:
    return scenario_settings(
        digest={"channels": ["email", "slack"] if channels is None else channels,
                "recipients": ["care@example.com"], "out_dir": str(tmp_path / "digests")},
        alerts={"channels": ["email", "slack"]},
        email={"enabled": True, "host": smtp.host, "port": smtp.port, "security": "none",
               "sender": "monitor@example.com", "timeout_seconds": 10},
        slack={"enabled": True, "webhook_url": slack_url, "timeout_seconds": 5},
    )  # fmt: skip


def send(engine: Engine, settings: Settings, **kw: Any) -> DigestOutcome:
    (outcome,) = send_due_digests(engine, settings, clock=lambda: NOW, day=DAY, retry=ONCE, **kw)
    return outcome


def rows(engine: Engine) -> dict[str, Delivery]:
    with session_scope(engine) as s:
        return {r.channel: r for r in s.execute(select(Delivery)).scalars()}


def test_parallel_sends_deliver_each_channel_once(
    engine: Engine, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    settings = outbox_settings(tmp_path, smtp_server, slack.url)
    start = threading.Barrier(3)
    results: list[DigestOutcome] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(10)
            results.append(send(engine, settings))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(smtp_server.sink.messages) == 1 and slack.calls == 1
    assert sorted(c for r in results for c in r.sent_via) == ["email", "slack"]
    assert {c: r.state for c, r in rows(engine).items()} == {"email": SENT, "slack": SENT}
    again = send(engine, settings)
    assert again.already_sent and again.sent_via == []
    assert len(smtp_server.sink.messages) == 1 and slack.calls == 1


def test_failing_slack_is_retried_alone_and_sent_once_it_recovers(
    engine: Engine, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    settings = outbox_settings(tmp_path, smtp_server, slack.url)
    slack.mode = "fail"
    for run in range(1, 4):
        outcome = send(engine, settings)
        assert outcome.states == {"email": SENT, "slack": "failed"}
        assert slack.calls == run  # Slack is tried on every run...
        assert len(smtp_server.sink.messages) == 1  # ...the e-mail went out once
    assert rows(engine)["slack"].attempts == 3
    assert "SECRETTOKEN" not in (rows(engine)["slack"].error or "")
    slack.mode = "ok"
    outcome = send(engine, settings)
    assert outcome.sent_via == ["slack"] and outcome.errors == []
    assert slack.calls == 4 and len(smtp_server.sink.messages) == 1
    for _ in range(2):
        assert send(engine, settings).already_sent
    assert slack.calls == 4 and len(smtp_server.sink.messages) == 1
    with session_scope(engine) as s:
        (run,) = s.execute(select(DigestRun)).scalars()
    assert run.sent_at == NOW and run.channels == "email,slack"
    (status,) = digest_status(engine, settings, now=NOW, day=DAY)
    assert [(c.channel, c.state, c.attempts) for c in status.channels] == [
        ("email", SENT, 1),
        ("slack", SENT, 4),
    ]


def test_resend_sends_only_the_chosen_channel_again(
    engine: Engine, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    settings = outbox_settings(tmp_path, smtp_server, slack.url)
    send(engine, settings)
    outcome = send(engine, settings, resend=["slack"])
    assert outcome.sent_via == ["slack"]
    assert slack.calls == 2 and len(smtp_server.sink.messages) == 1
    assert send(engine, settings).already_sent and slack.calls == 2


def test_no_channel_writes_files_and_marks_nothing(
    engine: Engine, tmp_path: Path, smtp_server: Any, slack: SlackFake
) -> None:
    settings = outbox_settings(tmp_path, smtp_server, slack.url, channels=[])
    outcome = send(engine, settings)
    assert outcome.html_path is not None and outcome.html_path.is_file()
    assert outcome.sent_via == [] and outcome.states == {}
    assert rows(engine) == {}
    with session_scope(engine) as s:
        (run,) = s.execute(select(DigestRun)).scalars()
    assert run.sent_at is None  # configuring a channel later still sends this day
    later = outbox_settings(tmp_path, smtp_server, slack.url)
    assert send(engine, later).sent_via == ["email", "slack"]


def test_channel_not_set_up_is_refused_before_anything(
    engine: Engine, tmp_path: Path, smtp_server: Any
) -> None:
    settings = scenario_settings(digest={"channels": ["slack"], "out_dir": str(tmp_path)})
    with pytest.raises(ChannelSetupError, match=r"slack\.webhook_url"):
        send(engine, settings)
    assert rows(engine) == {}
