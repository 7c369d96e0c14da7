"""Send an e-mail over SMTP (STARTTLS, implicit TLS or plain) with retries."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal

from pydantic import SecretStr

from monitor.report.retry import (
    PermanentFailure,
    Retry,
    TransientFailure,
    with_retry,
)

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
SECURITY_MODES: tuple[str, ...] = ("starttls", "tls", "none")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to hand mail over; the password never appears in ``repr`` or logs.

    ``security``: ``"starttls"`` (usually port 587), ``"tls"`` (implicit TLS, port 465) or
    ``"none"`` (a trusted local relay). ``ca_file`` adds a CA bundle for a private relay.
    """

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: SecretStr | str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None
    local_hostname: str | None = None

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("smtp host is empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"smtp port {self.port} is outside 1-65535")
        if self.security not in SECURITY_MODES:
            raise ValueError(f"smtp security {self.security!r} is not one of {SECURITY_MODES}")
        if self.username and self.password is None:
            raise ValueError(f"smtp username {self.username!r} is set but no password")
        if self.timeout <= 0:
            raise ValueError(f"smtp timeout must be positive, got {self.timeout}")

    @property
    def where(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"

    def secret(self) -> str:
        """The plain password, only for the login call."""
        if isinstance(self.password, SecretStr):
            return self.password.get_secret_value()
        return self.password or ""


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Certificate-verifying context, with the extra CA bundle when configured."""
    return ssl.create_default_context(cafile=settings.ca_file)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open the connection and secure it as configured."""
    if settings.security == "tls":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=settings.local_hostname,
            timeout=settings.timeout,
            context=_tls_context(settings),
        )
    smtp = smtplib.SMTP(
        settings.host,
        settings.port,
        local_hostname=settings.local_hostname,
        timeout=settings.timeout,
    )
    try:
        if settings.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=_tls_context(settings))
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply(exc: smtplib.SMTPResponseException) -> str:
    """The server reply as text."""
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {text}".strip()


def _send_once(msg: EmailMessage, settings: SmtpSettings) -> list[str]:
    """One delivery attempt, its failures sorted into transient and permanent."""
    where = settings.where
    try:
        with _connect(settings) as smtp:
            if settings.username:
                smtp.login(settings.username, settings.secret())
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentFailure(
            f"{where} rejected the login of user {settings.username!r}: {_reply(exc)}"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise PermanentFailure(f"{where} does not support what is configured: {exc}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {code for code, _ in exc.recipients.values()}
        reason = (
            f"{where} refused every recipient: {sorted(exc.recipients)} (codes {sorted(codes)})"
        )
        if all(400 <= code < 500 for code in codes):
            raise TransientFailure(reason) from None
        raise PermanentFailure(reason) from None
    except smtplib.SMTPResponseException as exc:
        reason = f"{where} replied {_reply(exc)}"
        if 400 <= exc.smtp_code < 500:
            raise TransientFailure(reason) from None
        raise PermanentFailure(reason) from None
    except ssl.SSLCertVerificationError as exc:
        raise PermanentFailure(
            f"{where} TLS certificate not trusted: {exc.verify_message}"
        ) from None
    except ssl.SSLError as exc:
        raise PermanentFailure(f"{where} TLS handshake failed: {exc.reason}") from None
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, timeouts, dropped connections: the relay may be back soon.
        raise TransientFailure(f"{where}: {type(exc).__name__}: {exc}") from None
    if refused:
        log.warning("smtp %s refused some recipients: %s", where, sorted(refused))
    return sorted(refused)


def send_email(
    msg: EmailMessage, settings: SmtpSettings, *, retry: Retry | None = None
) -> list[str]:
    """Deliver ``msg`` to its To/Cc recipients; returns the recipients the server refused.

    Transient failures are retried per ``retry``; raises ``DeliveryError`` when delivery to
    all recipients failed for good.
    """
    policy = retry or Retry()
    refused = with_retry(lambda: _send_once(msg, settings), channel="email", retry=policy)
    log.info(
        "email %r sent via %s to %d recipient(s)",
        msg.get("Subject", ""),
        settings.where,
        len(getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))),
    )
    return refused
