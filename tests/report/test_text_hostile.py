"""Text digest and alert mail bodies: one data value stays on its line, whatever it holds."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest

from monitor.report.mail import build_alert_email, build_email
from monitor.report.retry import Retry
from monitor.report.smtp import SmtpSettings, send_email
from monitor.report.text import render_alert_text, render_text
from tests.hostile.checks import RAW_CONTROL, assert_no_forged_lines
from tests.hostile.reports import hostile_alerts, hostile_digest
from tests.hostile.strings import HOSTILE, VALUES

SENDER = "monitor@acme.example"
RECIPIENTS = ["care@acme.example"]


def assert_body_safe(body: str) -> None:
    assert not RAW_CONTROL.search(body), "raw control character in a text body"
    assert_no_forged_lines(body)
    body.encode("utf-8")  # a lone surrogate would make the part unencodable


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_text_digest_keeps_data_on_its_line(name: str, value: str) -> None:
    text = render_text(hostile_digest(brand=value))
    assert_body_safe(text)
    assert "Bcc: victim@example.com" in text  # still shown, only not as a line of its own


def test_alert_texts_keep_data_on_their_line() -> None:
    for alert in hostile_alerts():
        assert_body_safe(render_alert_text(alert, "Europe/Berlin"))


def test_mails_as_received_have_no_forged_lines(smtp_server: Any) -> None:
    """Through a real SMTP server: no Bcc header, no body line starting "Bcc:" from data."""
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none")
    # No lone surrogate here: the HTML part cannot carry one (sanitize_post replaces them
    # with U+FFFD before storage; the text part's escaping is checked above).
    values = [v for v in VALUES if "\ud800" not in v]
    digest = hostile_digest(brand="Acme\r\nBcc: victim@example.com", values=values)
    messages = [build_email(digest, sender=SENDER, recipients=RECIPIENTS, charts={})]
    messages += [
        build_alert_email(a, sender=SENDER, recipients=RECIPIENTS) for a in hostile_alerts()[:8]
    ]
    for msg in messages:
        send_email(msg, settings, retry=Retry(attempts=1))
    assert len(smtp_server.sink.messages) == len(messages)
    for envelope in smtp_server.sink.messages:
        assert envelope.rcpt_tos == RECIPIENTS
        received = message_from_bytes(envelope.content, policy=policy.default)
        assert received["Bcc"] is None
        assert "\n" not in str(received["Subject"])
        text = received.get_body(("plain",))
        assert text is not None
        assert_body_safe(text.get_content().replace("\r\n", "\n"))  # SMTP line ends
