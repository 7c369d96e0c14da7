"""Slack webhook delivery against a local HTTP server: payload, escaping, retries."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest

from monitor.escape import slack as escape_mrkdwn
from monitor.report.model import DigestData, UnansweredItem
from monitor.report.retry import DeliveryError, Retry
from monitor.report.sample import sample_digest
from monitor.report.slack import digest_blocks, post_slack, slack_link

SCRIPT = "<script>alert('pwned')</script>"


def all_text(payload: Any) -> str:
    """Every string in the payload, joined (what Slack would render)."""
    if isinstance(payload, dict):
        return "\n".join(all_text(v) for v in payload.values())
    if isinstance(payload, list):
        return "\n".join(all_text(v) for v in payload)
    return payload if isinstance(payload, str) else ""


def test_digest_posted_as_block_kit(webhook: Any) -> None:
    post_slack(sample_digest(), webhook.url, retry=Retry(attempts=1))
    assert webhook.calls == 1
    assert webhook.paths == ["/services/T000/B000/SECRETTOKEN"]
    body = webhook.bodies[0]
    assert body["text"].startswith("Acme Mobile daily digest")
    blocks = body["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Acme Mobile daily digest · Tuesday 14 May 2024"},
    }
    assert all(b["type"] in {"header", "section", "divider", "context"} for b in blocks)
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert len(fields) == 12  # every KPI, split over sections of at most 10 fields
    assert all(len(b.get("fields", [])) <= 10 for b in blocks)
    response_rate = next(f for f in fields if f.startswith("*Response rate*"))
    assert "91.3%" in response_rate and "MET" in response_rate
    text = all_text(body)
    assert "<https://x.com/jenna_k/status/1790|open>" in text
    assert "third day without signal" in text


def test_post_text_escaped_for_mrkdwn(webhook: Any) -> None:
    base = sample_digest()
    hostile = UnansweredItem(
        "x", "@a<!channel>", f"{SCRIPT} & <https://evil.example|click> <!here>",
        "https://x.com/a?x=1&y=2|z", age_minutes=61, priority=2.0, reason="negative",
    )  # fmt: skip
    digest: DigestData = replace(base, top_unanswered=[hostile])
    post_slack(digest, webhook.url, retry=Retry(attempts=1))
    text = all_text(webhook.bodies[0])
    assert "<!channel>" not in text and "<!here>" not in text
    assert "<https://evil.example|click>" not in text
    escaped = "&lt;script&gt;alert('pwned')&lt;/script&gt; &amp; &lt;https://evil.example|click&gt;"
    assert escaped in text
    assert "&lt;!here&gt;" in text and "@a&lt;!channel&gt;" in text
    # The link keeps its query but cannot end early at '|'.
    assert "<https://x.com/a?x=1&amp;y=2%7Cz|open>" in text


def test_escape_helpers() -> None:
    assert escape_mrkdwn("a & <b> c") == "a &amp; &lt;b&gt; c"
    assert slack_link("javascript:alert(1)", "open") == ""
    assert slack_link(None, "open") == ""


def test_alert_posted(webhook: Any) -> None:
    alert = sample_digest().alerts[0]
    post_slack(alert, webhook.url, retry=Retry(attempts=1), timezone="Europe/Berlin")
    body = webhook.bodies[0]
    assert body["text"].startswith("negative spike alert for Acme Mobile")
    text = all_text(body)
    assert "*negative spike alert*" in text and "2024-05-14 15:02 CEST" in text


def test_server_error_then_ok_is_retried(webhook: Any, fast_retry: Retry, sleeps: Any) -> None:
    webhook.statuses = [500]
    post_slack(sample_digest(), webhook.url, retry=fast_retry)
    assert webhook.calls == 2
    assert webhook.bodies[0] == webhook.bodies[1]
    assert sleeps.delays == [1.0]


def test_always_failing_raises_after_all_tries_without_leaking_url(
    webhook: Any, fast_retry: Retry, sleeps: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    webhook.statuses = [503, 502, 500, 500]
    expected = r"slack delivery failed after 3 attempt\(s\)"
    with pytest.raises(DeliveryError, match=expected) as caught:
        post_slack(sample_digest(), webhook.url, retry=fast_retry)
    assert webhook.calls == 3
    assert sleeps.delays == [1.0, 2.0]
    assert "answered 500" in caught.value.reason
    assert "SECRETTOKEN" not in str(caught.value) and "SECRETTOKEN" not in caplog.text


def test_client_error_not_retried(webhook: Any, fast_retry: Retry, sleeps: Any) -> None:
    webhook.statuses = [404]
    with pytest.raises(DeliveryError, match="answered 404"):
        post_slack(sample_digest(), webhook.url, retry=fast_retry)
    assert webhook.calls == 1 and sleeps.delays == []


def test_unreachable_webhook(closed_port: int, fast_retry: Retry, sleeps: Any) -> None:
    url = f"http://127.0.0.1:{closed_port}/services/T/B/SECRETTOKEN"
    with pytest.raises(DeliveryError, match="ConnectionError") as caught:
        post_slack(sample_digest(), url, retry=fast_retry)
    assert "SECRETTOKEN" not in str(caught.value)
    assert len(sleeps.delays) == 2


def test_non_http_webhook_rejected() -> None:
    with pytest.raises(ValueError, match="must be http"):
        post_slack(sample_digest(), "file:///etc/passwd")


def test_payload_is_json_and_within_limits() -> None:
    payload = digest_blocks(sample_digest())
    json.dumps(payload)
    assert len(payload["blocks"]) <= 50
    for block in payload["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
