"""Every Slack payload (digest and each alert kind) with hostile data in every field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.escape import slack
from monitor.report.model import Alert, DigestData, Mention, ShareOfVoice, UnansweredItem
from monitor.report.retry import Retry
from monitor.report.sample import sample_digest
from monitor.report.slack import alert_blocks, digest_blocks, post_slack
from monitor.scoring import NEGATIVE_SPIKE, OVERDUE_COMPLAINT
from tests.hostile.checks import assert_slack_safe, strings
from tests.hostile.strings import HOSTILE, VALUES

AT = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
#: http(s) URLs that pass safe_url, so they become links whose href must be escaped.
LINKY_URLS = ["https://evil.example/a|b><!channel>", "https://evil.example/?q=<@U1>&x=1"]


def hostile_digest(brand: str = "Acme") -> DigestData:
    """The sample digest with a hostile value in every field that comes from posts."""
    base = sample_digest()
    urls = [*LINKY_URLS, *VALUES]
    return replace(
        base,
        brand=brand,
        top_unanswered=[
            UnansweredItem(v, v, v, urls[i % len(urls)], 61, 2.0, v, v)
            for i, v in enumerate(VALUES)
        ],
        most_negative=[
            Mention(v, v, v, urls[i % len(urls)], 0.9, AT) for i, v in enumerate(VALUES)
        ],
        most_positive=[Mention(v, v, v, None, None, AT) for v in VALUES],
        share_of_voice=ShareOfVoice(10, {v[:50]: i for i, v in enumerate(VALUES)}),
        alerts=[Alert(OVERDUE_COMPLAINT, brand, f"complaint by {v}", AT, v) for v in VALUES],
    )


def hostile_alerts() -> list[Alert]:
    """Each alert kind with hostile brand, message (the author is in it) and URL."""
    alerts = []
    for i, v in enumerate(VALUES):
        url = [*LINKY_URLS, v][i % 3]
        alerts.append(
            Alert(OVERDUE_COMPLAINT, v, f"Acme: complaint x:{v} by {v} unanswered", AT, url)
        )
        alerts.append(Alert(NEGATIVE_SPIKE, v, f"{v}: 9 negative mentions in the last hour", AT))
    return alerts


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
