"""Assemble digest and alert e-mails: text + HTML alternatives with charts as CID images."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from monitor.report.charts import render_charts
from monitor.report.html import render_html
from monitor.report.model import Alert, DigestData
from monitor.report.text import alert_subject, digest_subject, render_alert_text, render_text

#: Domain part of generated Message-ID / Content-ID values. Fixed rather than
#: ``socket.getfqdn()``, which can block on DNS on a badly configured host.
MSGID_DOMAIN = "social-monitor.local"


def _check_addresses(sender: str, recipients: Sequence[str]) -> list[str]:
    """Reject obviously wrong addresses early with a message naming the culprit."""
    if isinstance(recipients, str):
        raise TypeError("recipients must be a list of addresses, not a single string")
    if not sender or "@" not in sender:
        raise ValueError(f"sender {sender!r} is not an e-mail address")
    cleaned = [r.strip() for r in recipients]
    if not cleaned:
        raise ValueError("no recipients given")
    for address in [sender, *cleaned]:
        if "@" not in address or "\n" in address or "\r" in address:
            raise ValueError(f"e-mail address {address!r} is not valid")
    return cleaned


def _headers(msg: EmailMessage, subject: str, sender: str, recipients: list[str]) -> None:
    """Fill the envelope headers shared by digests and alerts."""
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Message-ID"] = make_msgid(domain=MSGID_DOMAIN)
    msg["Auto-Submitted"] = "auto-generated"


def chart_cids(names: Sequence[str]) -> dict[str, str]:
    """Fresh unique Content-IDs (``<…>`` form) for the given chart names.

    Kept short (unlike ``make_msgid``) so the header is never folded: some clients
    compare the folded value literally and then miss the image.
    """
    return {
        name: f"<{name.replace('_', '-')}.{secrets.token_hex(8)}@{MSGID_DOMAIN}>" for name in names
    }


def build_email(
    digest: DigestData,
    *,
    sender: str,
    recipients: Sequence[str],
    charts: Mapping[str, bytes] | None = None,
) -> EmailMessage:
    """The digest as multipart/alternative (text, then multipart/related HTML + PNG charts).

    Pass ``charts`` (from ``render_charts``) to reuse images already drawn for the files.
    """
    addresses = _check_addresses(sender, recipients)
    images = render_charts(digest.history) if charts is None else dict(charts)
    cids = chart_cids(list(images))
    msg = EmailMessage()
    _headers(msg, digest_subject(digest), sender, addresses)
    msg["Date"] = format_datetime(digest.generated_at)
    msg.set_content(render_text(digest), subtype="plain", charset="utf-8")
    html = render_html(digest, {name: f"cid:{cid[1:-1]}" for name, cid in cids.items()})
    msg.add_alternative(html, subtype="html", charset="utf-8")
    html_part = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
    for name, png in images.items():
        # Inline, not attachment: clients then show the chart in place, not in a list.
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=cids[name],
            disposition="inline",
            filename=f"{name}.png",
        )
    return msg


def build_alert_email(
    alert: Alert, *, sender: str, recipients: Sequence[str], timezone: str = "UTC"
) -> EmailMessage:
    """A short plain-text e-mail for one alert (time shown in ``timezone``)."""
    addresses = _check_addresses(sender, recipients)
    msg = EmailMessage()
    _headers(msg, alert_subject(alert), sender, addresses)
    msg["Date"] = format_datetime(alert.at)
    msg.set_content(render_alert_text(alert, timezone), subtype="plain", charset="utf-8")
    return msg
