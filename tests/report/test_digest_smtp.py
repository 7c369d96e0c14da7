"""SMTP delivery modes, retries and failures against real local servers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import SecretStr

from monitor.report.mail import build_email
from monitor.report.retry import DeliveryError, Retry
from monitor.report.sample import sample_digest
from monitor.report.smtp import SmtpSettings, send_email

SENDER = "monitor@acme.example"
RECIPIENTS = ["care@acme.example"]


@pytest.fixture(scope="module")
def message() -> Any:
    """One digest e-mail, built once for all delivery tests."""
    return build_email(sample_digest(), sender=SENDER, recipients=RECIPIENTS)


def test_starttls_with_login(
    starttls_server: Any, certificate: Any, smtp_credentials: tuple[str, str], message: Any
) -> None:
    user, password = smtp_credentials
    settings = SmtpSettings(
        host=starttls_server.host,
        port=starttls_server.port,
        security="starttls",
        username=user,
        password=SecretStr(password),
        ca_file=str(certificate.cert),
    )
    send_email(message, settings, retry=Retry(attempts=1))
    assert len(starttls_server.sink.messages) == 1


def test_implicit_tls(tls_server: Any, certificate: Any, message: Any) -> None:
    settings = SmtpSettings(
        host=tls_server.host, port=tls_server.port, security="tls", ca_file=str(certificate.cert)
    )
    send_email(message, settings, retry=Retry(attempts=1))
    assert len(tls_server.sink.messages) == 1


def test_untrusted_certificate_fails_without_retry(
    starttls_server: Any, message: Any, fast_retry: Retry, sleeps: Any
) -> None:
    settings = SmtpSettings(host=starttls_server.host, port=starttls_server.port)
    with pytest.raises(DeliveryError, match="TLS certificate not trusted") as caught:
        send_email(message, settings, retry=fast_retry)
    assert caught.value.attempts == 1 and sleeps.delays == []
    assert starttls_server.sink.messages == []


def test_wrong_password_is_permanent_and_not_logged(
    smtp_server: Any,
    smtp_credentials: tuple[str, str],
    message: Any,
    fast_retry: Retry,
    sleeps: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    user, _ = smtp_credentials
    wrong = "wrong-Pa55-must-not-appear"
    settings = SmtpSettings(
        smtp_server.host, smtp_server.port, security="none", username=user, password=wrong
    )
    with pytest.raises(DeliveryError, match=f"rejected the login of user '{user}'") as caught:
        send_email(message, settings, retry=fast_retry)
    assert caught.value.attempts == 1 and sleeps.delays == []
    assert wrong not in str(caught.value) and wrong not in caplog.text


def test_temporary_rejection_is_retried(
    smtp_server: Any, message: Any, fast_retry: Retry, sleeps: Any
) -> None:
    smtp_server.sink.replies = ["451 4.3.0 try again later"]
    settings = SmtpSettings(smtp_server.host, smtp_server.port, security="none")
    send_email(message, settings, retry=fast_retry)
    assert smtp_server.sink.data_calls == 2
    assert len(smtp_server.sink.messages) == 1
    assert sleeps.delays == [1.0]


def test_permanent_rejection_not_retried(
    smtp_server: Any, message: Any, fast_retry: Retry, sleeps: Any
) -> None:
    smtp_server.sink.replies = ["554 5.7.1 rejected as spam"]
    settings = SmtpSettings(smtp_server.host, smtp_server.port, security="none")
    with pytest.raises(DeliveryError, match=r"replied 554 5\.7\.1 rejected as spam"):
        send_email(message, settings, retry=fast_retry)
    assert smtp_server.sink.data_calls == 1 and sleeps.delays == []


def test_unreachable_server_retried_then_delivery_error(
    closed_port: int, message: Any, fast_retry: Retry, sleeps: Any
) -> None:
    settings = SmtpSettings("127.0.0.1", closed_port, security="none", timeout=5)
    expected = r"email delivery failed after 3 attempt\(s\)"
    with pytest.raises(DeliveryError, match=expected) as caught:
        send_email(message, settings, retry=fast_retry)
    assert "ConnectionRefusedError" in caught.value.reason
    assert sleeps.delays == [1.0, 2.0]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"host": ""}, "smtp host is empty"),
        ({"host": "h", "port": 0}, "smtp port 0 is outside"),
        ({"host": "h", "security": "ssl"}, "smtp security 'ssl' is not one of"),
        ({"host": "h", "username": "u"}, "username 'u' is set but no password"),
    ],
)
def test_bad_settings_named(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmtpSettings(**kwargs)
