"""An overdue complaint by a hostile author, alerted through the real pipeline on both backends.

The author name reaches the alert's log line, its Slack payload and its e-mail body; each
must show it on one line, inert.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from monitor.pipeline.alerts import check_and_send_alerts
from monitor.pipeline.score import score_days
from tests.hostile.checks import RAW_CONTROL, assert_no_forged_lines, assert_slack_safe
from tests.hostile.strings import FORGED
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.pipeline.test_alerts import AFTER_SLA, ONCE, at, delivering_settings
from tests.scoring.scenario import NOW, build

AUTHOR = f"uma <!channel>\x1b[2J\r\n2026-01-01 00:00:00,000 {FORGED}\r\nBcc: victim@example.com"


def test_hostile_author_in_log_slack_and_mail(
    engine: Engine, smtp_server: Any, webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sc = build()
    facts = [replace(m, author=AUTHOR) if m.key == "x:801" else m for m in sc.mentions]
    seed(engine, sc, facts)
    days = sorted({m.created_at.date() for m in facts})
    score_days(engine, scenario_settings(), clock=at(NOW), days=days)
    settings = delivering_settings(smtp_server, webhook, ["email", "slack"])
    with caplog.at_level(logging.INFO, logger="monitor"):
        fired = check_and_send_alerts(engine, settings, clock=at(AFTER_SLA), retry=ONCE)
    assert [a.alert_key for a in fired] == ["overdue_complaint:Acme:x:801"]
    assert AUTHOR in fired[0].message  # the alert itself keeps the author verbatim

    (record,) = [r for r in caplog.records if r.getMessage().startswith("alert overdue")]
    message = record.getMessage()
    assert "\n" not in message and not RAW_CONTROL.search(message)
    assert "uma <!channel>\\x1b[2J\\r\\n2026-01-01" in message

    (payload,) = webhook.bodies
    assert_slack_safe(payload)
    (envelope,) = smtp_server.sink.messages
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["Bcc"] is None and envelope.rcpt_tos == ["care-team@example.com"]
    body = received.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert not RAW_CONTROL.search(text)
    assert_no_forged_lines(text)
