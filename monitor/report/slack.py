"""Post digests and alerts to a Slack incoming webhook as Block Kit messages, with retries."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from monitor.escape import slack as escape_slack
from monitor.report.formatting import MISSING, excerpt, local_time, safe_url, status_word
from monitor.report.model import Alert, DigestData
from monitor.report.retry import PermanentFailure, Retry, TransientFailure, with_retry
from monitor.report.text import digest_subject
from monitor.report.views import day_title, kpi_row, targets_summary, unanswered_row

log = logging.getLogger(__name__)

#: Slack limits: 3000 chars per section text, 2000 per field, 10 fields per section,
#: 150 per header, 50 blocks per message.
_SECTION_CHARS = 3000
_FIELD_CHARS = 2000
_HEADER_CHARS = 150
_FIELDS_PER_SECTION = 10
_COMPLAINTS_SHOWN = 5
_POST_CHARS = 280


def slack_link(url: str | None, label: str) -> str:
    """A ``<url|label>`` link for http(s) URLs; empty for anything else."""
    href = safe_url(url)
    if href is None:
        return ""
    # '|' and '>' would end the URL part early; '&' must be entity-escaped for Slack.
    href = href.replace("&", "&amp;").replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{href}|{escape_slack(label)}>"


def _cut(text: str, limit: int) -> str:
    """Keep under a Slack length limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kpi_field(digest: DigestData, index: int) -> dict[str, str]:
    """One KPI as a two-line mrkdwn field: name, then value, status and change."""
    row = kpi_row(digest.kpis[index])
    icon = {None: "", True: ":white_check_mark: ", False: ":x: "}[row.met]
    parts = [f"{icon}{row.value}"]
    if row.met is not None:
        parts.append(f"{status_word(row.met)} (target {row.target})")
    if row.change != MISSING:
        parts.append(f"{row.change} vs prev. day")
    body = escape_slack(" · ".join(parts))
    return {"type": "mrkdwn", "text": _cut(f"*{escape_slack(row.label)}*\n{body}", _FIELD_CHARS)}


def digest_blocks(digest: DigestData) -> dict[str, Any]:
    """The webhook payload for a digest: KPI summary and the top unanswered complaints."""
    header = _cut(escape_slack(f"{digest.brand} daily digest · {day_title(digest)}"), _HEADER_CHARS)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape_slack(targets_summary(digest))}*"},
        },
    ]
    indices = list(range(len(digest.kpis)))
    for start in range(0, len(indices), _FIELDS_PER_SECTION):
        fields = [_kpi_field(digest, i) for i in indices[start : start + _FIELDS_PER_SECTION]]
        blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "divider"})
    complaints = [unanswered_row(i) for i in digest.top_unanswered[:_COMPLAINTS_SHOWN]]
    title = f"*Top unanswered complaints* ({len(digest.top_unanswered)})"
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": title}})
    if not complaints:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "No unanswered complaints."}}
        )
    for row in complaints:
        link = slack_link(row.url, "open")
        meta = escape_slack(f"{row.author} on {row.source} · {row.detail}")
        quote = escape_slack(excerpt(row.text, _POST_CHARS))
        text = f"*{meta}*{' · ' + link if link else ''}\n>{quote}"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, _SECTION_CHARS)}}
        )
    if digest.alerts:
        lines = [
            f"• *{escape_slack(a.kind)}* {escape_slack(excerpt(a.message, 200))}"
            for a in digest.alerts[:10]
        ]
        text = _cut(
            f"*Alerts of the day ({len(digest.alerts)})*\n" + "\n".join(lines), _SECTION_CHARS
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    generated = f"Generated {local_time(digest.generated_at, digest.tz)}. Full digest by e-mail."
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape_slack(generated)}]}
    )
    return {"text": escape_slack(digest_subject(digest)), "blocks": blocks}


def alert_blocks(alert: Alert, timezone: str = "UTC") -> dict[str, Any]:
    """The webhook payload for one alert."""
    head = f":rotating_light: *{escape_slack(alert.kind)} alert* · {escape_slack(alert.brand)}"
    body = escape_slack(excerpt(alert.message, 2000))
    link = slack_link(alert.url, "open")
    text = _cut(f"{head}\n{body}{chr(10) + link if link else ''}", _SECTION_CHARS)
    when = escape_slack(local_time(alert.at, ZoneInfo(timezone)))
    return {
        "text": _cut(
            escape_slack(f"{alert.kind} alert for {alert.brand}: {excerpt(alert.message, 200)}"),
            300,
        ),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": when}]},
        ],
    }


class _RedactSecrets(logging.Filter):
    """Blank registered webhook paths out of urllib3's debug lines (they log every request URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "/<redacted>")
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


_URLLIB3_REDACTOR = _RedactSecrets()
logging.getLogger("urllib3.connectionpool").addFilter(_URLLIB3_REDACTOR)


def _redacted(webhook_url: str) -> str:
    """The webhook host only: the URL path is a secret token."""
    return urlsplit(webhook_url).netloc or "<webhook>"


def _post_once(payload: dict[str, Any], webhook_url: str, timeout: float) -> None:
    """One POST, its failures sorted into transient and permanent (never quoting the URL)."""
    host = _redacted(webhook_url)
    try:
        with requests.Session() as session:
            response = session.post(
                webhook_url, json=payload, timeout=timeout, allow_redirects=False
            )
    except requests.RequestException as exc:
        # str(exc) would contain the secret URL path, so only the exception type is kept.
        raise TransientFailure(f"{host}: {type(exc).__name__}") from None
    body = _cut(response.text.strip(), 200)
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("Retry-After", "")
        hint = float(retry_after) if retry_after.isdigit() else None
        raise TransientFailure(f"{host} answered {response.status_code} {body!r}", hint)
    if not 200 <= response.status_code < 300:
        raise PermanentFailure(f"{host} answered {response.status_code} {body!r}")


def post_slack(
    item: DigestData | Alert,
    webhook_url: str,
    *,
    retry: Retry | None = None,
    timeout: float = 10.0,
    timezone: str | None = None,
) -> None:
    """Post a digest summary or an alert to a Slack incoming webhook, retrying transient errors.

    ``timezone`` only applies to alerts (a digest carries its own); raises ``DeliveryError``.
    """
    scheme = urlsplit(webhook_url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"slack webhook URL must be http(s), got scheme {scheme!r}")
    path = urlsplit(webhook_url).path
    if len(path) > 1:
        _URLLIB3_REDACTOR.secrets.add(path)
    if isinstance(item, DigestData):
        payload = digest_blocks(item)
        what = f"digest {item.brand} {item.day.isoformat()}"
    else:
        payload = alert_blocks(item, timezone or "UTC")
        what = f"{item.kind} alert {item.brand}"
    with_retry(
        lambda: _post_once(payload, webhook_url, timeout), channel="slack", retry=retry or Retry()
    )
    log.info("slack %s posted to %s", what, _redacted(webhook_url))
