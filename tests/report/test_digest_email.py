"""The digest e-mail, delivered to a real SMTP server (aiosmtpd) and taken apart again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from monitor.report.mail import build_alert_email, build_email
from monitor.report.model import DigestData
from monitor.report.retry import Retry
from monitor.report.sample import sample_digest
from monitor.report.smtp import SmtpSettings, send_email

SCRIPT = "<script>alert('pwned')</script>"
IMG_XSS = "<img src=x onerror=alert(1)>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SENDER = "monitor@acme.example"
RECIPIENTS = ["care@acme.example", "lead@acme.example"]


def received(server: Any) -> EmailMessage:
    """The single message the SMTP sink received, parsed."""
    assert len(server.sink.messages) == 1
    envelope = server.sink.messages[0]
    assert envelope.mail_from == SENDER
    assert sorted(envelope.rcpt_tos) == sorted(RECIPIENTS)
    msg = message_from_bytes(envelope.original_content, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_digest_arrives_with_parts_cid_images_and_escaped_text(
    smtp_server: Any, hostile: DigestData, html_parser: Callable[[str], Any]
) -> None:
    msg = build_email(hostile, sender=SENDER, recipients=RECIPIENTS)
    settings = SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none")
    assert send_email(msg, settings, retry=Retry(attempts=1)) == []

    got = received(smtp_server)
    assert got.get_content_type() == "multipart/alternative"
    assert "Acme Mobile daily digest" in got["Subject"]
    plain = got.get_body(preferencelist=("plain",))
    html_part = got.get_body(preferencelist=("html",))
    assert plain is not None and html_part is not None
    related = [p for p in got.iter_parts() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1

    images = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in related[0].iter_parts()
        if part.get_content_type() == "image/png"
    }
    assert len(images) == 3
    for png in images.values():
        assert png[:8] == PNG_SIGNATURE
        assert len(png) > 15_000  # real matplotlib output, not a stub

    html = html_part.get_content()
    srcs = html_parser(html).attrs("img", "src")
    assert sorted(srcs) == sorted(f"cid:{cid}" for cid in images)  # every image resolves

    text = plain.get_content()
    for shown in ("91.3%", "1 h 12 min", "154", "MISSED", "MET"):
        assert shown in html
        assert shown in text
    assert SCRIPT not in html and IMG_XSS not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert SCRIPT in text  # the plain part shows the post as written


def test_plain_login_on_unencrypted_relay_never_logs_password(
    smtp_server: Any, smtp_credentials: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    user, password = smtp_credentials
    caplog.set_level(logging.DEBUG)
    msg = build_email(sample_digest(), sender=SENDER, recipients=RECIPIENTS)
    settings = SmtpSettings(
        host=smtp_server.host,
        port=smtp_server.port,
        security="none",
        username=user,
        password=password,
    )
    send_email(msg, settings, retry=Retry(attempts=1))
    received(smtp_server)
    assert password not in caplog.text
    assert password not in repr(settings)


def test_alert_email_arrives(smtp_server: Any) -> None:
    alert = sample_digest().alerts[1]
    msg = build_alert_email(alert, sender=SENDER, recipients=RECIPIENTS, timezone="Europe/Berlin")
    send_email(msg, SmtpSettings(smtp_server.host, smtp_server.port, security="none"))
    got = received(smtp_server)
    assert got["Subject"].startswith("[Acme Mobile] overdue complaint alert")
    body = got.get_body(preferencelist=("plain",))
    assert body is not None
    assert "16:02 CEST" in body.get_content()
    assert "https://x.com/jenna_k/status/1790" in body.get_content()


@pytest.mark.parametrize(
    ("sender", "recipients", "error"),
    [
        ("nobody", ["a@b.example"], "sender 'nobody' is not an e-mail address"),
        (SENDER, [], "no recipients given"),
        (SENDER, ["a@b.example", "oops"], "e-mail address 'oops' is not valid"),
    ],
)
def test_bad_addresses_named(sender: str, recipients: list[str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        build_email(sample_digest(), sender=sender, recipients=recipients)


def test_recipients_as_single_string_rejected() -> None:
    with pytest.raises(TypeError, match="list of addresses"):
        build_email(sample_digest(), sender=SENDER, recipients="a@b.example")
