"""Every Slack payload (digest and each alert kind) with hostile data in every field."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.escape import slack
from monitor.report.retry import Retry
from monitor.report.slack import alert_blocks, digest_blocks, post_slack
from tests.hostile.checks import assert_slack_safe, strings
from tests.hostile.reports import hostile_alerts, hostile_digest
from tests.hostile.strings import HOSTILE


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_digest_payload_is_inert(name: str, value: str) -> None:
    assert_slack_safe(digest_blocks(hostile_digest(brand=value)))


def test_every_alert_kind_payload_is_inert() -> None:
    """The ``text`` fallback once carried ``<!channel>`` raw (issue 9, item 1)."""
    for alert in hostile_alerts():
        payload = alert_blocks(alert, "Europe/Berlin")
        assert_slack_safe(payload)
        assert slack(alert.brand)[:50] in payload["text"]  # shown, escaped, not dropped


def test_links_we_make_keep_to_their_url(webhook: Any) -> None:
    """What reaches the webhook: the only links are ours, their hrefs escaped."""
    post_slack(hostile_digest(), webhook.url, retry=Retry(attempts=1))
    for alert in hostile_alerts()[:6]:
        post_slack(alert, webhook.url, retry=Retry(attempts=1))
    assert webhook.calls == 7
    for body in webhook.bodies:
        assert_slack_safe(body)
    sent = "\n".join(s for body in webhook.bodies for s in strings(body))
    assert "<https://evil.example/a%7Cb%3E%3C!channel%3E|open>" in sent
    assert "&lt;!channel&gt;" in sent and "&lt;@U123ABC&gt;" in sent
    assert "\\x1b[2J" in sent  # escape sequences shown, not sent raw
