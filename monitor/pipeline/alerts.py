"""Check alert conditions, record each alert once, and deliver it by e-mail and/or Slack.

An alert is stored (its key unique) before it is delivered, so a crash or a failed
delivery never loses it and two workers never both send it: the insert decides who owns
it. A failed channel is retried on the next check, for a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.escape import log_line
from monitor.pipeline.facts import brand_profile, load_negatives, scoring_params
from monitor.pipeline.score import open_complaints
from monitor.report import Alert as AlertMessage
from monitor.report import (
    DeliveryError,
    Retry,
    SmtpSettings,
    build_alert_email,
    post_slack,
    send_email,
)
from monitor.scoring import NEGATIVE_SPIKE, Alert, overdue_alerts_from, spike_alert
from monitor.scoring.alerts import BASELINE_DAYS
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.models import AlertSent
from monitor.storage.scores import (
    claim_alert,
    failed_alerts,
    insert_alert,
    last_fired_at,
    record_delivery,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

#: Overdue complaints that passed the SLA longer ago than this are not alerted (first run).
OVERDUE_LOOKBACK = timedelta(days=1)
#: Failed deliveries are retried on each check for this long.
RETRY_FOR = timedelta(days=1)
#: A delivery with no outcome after this long was abandoned by its worker.
STALE_AFTER = timedelta(minutes=10)
#: Each check tries a channel twice; the next check tries again.
DEFAULT_RETRY = Retry(attempts=2, first_delay_s=2.0)
_CLAIM = "delivering since "


def check_and_send_alerts(
    engine: Engine, settings: Settings, *, clock: Clock, retry: Retry | None = None
) -> list[Alert]:
    """Fire the alerts due now (negative spikes, overdue complaints) and deliver them.

    Returns the alerts this call fired; alerts already stored (by an earlier check or
    another worker) are not fired again. Undelivered alerts of earlier checks are retried.
    """
    now = require_aware(clock(), "clock()")
    policy = retry or DEFAULT_RETRY
    fired: list[tuple[int, Alert]] = []
    for config in settings.config.brands:
        for alert in due_alerts(engine, settings, config, now):
            with session_scope(engine) as session:
                new_id = insert_alert(
                    session, alert_key=alert.alert_key, kind=alert.kind, brand=alert.brand,
                    message=alert.message, fired_at=now,
                )  # fmt: skip
            if new_id is not None:
                log.info("alert %s: %s", log_line(alert.alert_key), log_line(alert.message))
                fired.append((new_id, alert))
    for alert_id, alert in fired:
        message = AlertMessage(alert.kind, alert.brand, alert.message, alert.at, alert.url)
        _deliver(engine, settings, alert_id, message, _channels(settings), now, policy)
    _retry_failed(engine, settings, now, policy, skip={alert_id for alert_id, _ in fired})
    return [alert for _, alert in fired]


def due_alerts(
    engine: Engine, settings: Settings, config: BrandConfig, now: datetime
) -> list[Alert]:
    """The brand's alert conditions at ``now`` (stored or not)."""
    params = scoring_params(settings)
    profile = brand_profile(settings, config)
    since = now - timedelta(days=BASELINE_DAYS, hours=2)
    with session_scope(engine) as session:
        negatives = load_negatives(session, profile, since, now)
        last = last_fired_at(session, config.name, NEGATIVE_SPIKE)
    alerts = []
    spike = spike_alert(negatives, profile, params, now, last)
    if spike is not None:
        alerts.append(spike)
    complaints = open_complaints(engine, settings, brand=config.name, now=now)
    alerts.extend(overdue_alerts_from(complaints, params, now, now - OVERDUE_LOOKBACK))
    return alerts


def _channels(settings: Settings) -> list[str]:
    return list(dict.fromkeys(settings.config.alerts.channels))


def _zone(settings: Settings, brand: str) -> str:
    return next((b.timezone for b in settings.config.brands if b.name == brand), "UTC")


def smtp_settings(settings: Settings) -> SmtpSettings:
    """SMTP delivery settings from config (the password stays a secret)."""
    email = settings.config.email
    return SmtpSettings(
        host=email.host,
        port=email.port,
        security=email.security,
        username=email.username,
        password=email.password,
        timeout=email.timeout_seconds,
    )


def _send(settings: Settings, channel: str, message: AlertMessage, retry: Retry) -> None:
    """Deliver one alert over one channel; raises ``DeliveryError`` (or ``ValueError``)."""
    cfg = settings.config
    zone = _zone(settings, message.brand)
    if channel == "email":
        if not cfg.email.enabled or not cfg.digest.recipients:
            raise DeliveryError("email", "email is not enabled or digest.recipients is empty", 0)
        msg = build_alert_email(
            message, sender=cfg.email.sender, recipients=cfg.digest.recipients, timezone=zone
        )
        send_email(msg, smtp_settings(settings), retry=retry)
    elif channel == "slack":
        if not cfg.slack.enabled or cfg.slack.webhook_url is None:
            raise DeliveryError("slack", "slack is not enabled or has no webhook_url", 0)
        url = cfg.slack.webhook_url.get_secret_value()
        post_slack(message, url, retry=retry, timeout=cfg.slack.timeout_seconds, timezone=zone)
    else:  # pragma: no cover - config validation allows only these two
        raise DeliveryError(channel, "unknown channel", 0)


def _deliver(
    engine: Engine,
    settings: Settings,
    alert_id: int,
    message: AlertMessage,
    channels: list[str],
    now: datetime,
    retry: Retry,
) -> None:
    """Send over ``channels`` and record the outcome; failures keep one line per channel."""
    failures = []
    for channel in channels:
        try:
            _send(settings, channel, message, retry)
        except (DeliveryError, ValueError) as exc:
            failures.append(f"{channel}: {exc}")
            log.warning("alert %d: %s delivery failed: %s", alert_id, channel, exc)
    with session_scope(engine) as session:
        if failures:
            record_delivery(session, alert_id, delivered_at=None, error="\n".join(failures))
        else:
            record_delivery(session, alert_id, delivered_at=now, error=None)


def _retry_failed(
    engine: Engine, settings: Settings, now: datetime, retry: Retry, skip: set[int]
) -> None:
    """Deliver again what earlier checks could not, over the channels that failed."""
    with session_scope(engine) as session:
        rows = failed_alerts(session, now - RETRY_FOR, now - STALE_AFTER)
    for row in rows:
        if row.id is None or row.id in skip or _claimed_recently(row, now):
            continue
        with session_scope(engine) as session:
            if not claim_alert(session, row.id, row.delivery_error, f"{_CLAIM}{now.isoformat()}"):
                continue  # another worker took it
        message = AlertMessage(row.kind, row.brand, row.message, row.fired_at)
        _deliver(engine, settings, row.id, message, _failed_channels(settings, row), now, retry)


def _claimed_recently(row: AlertSent, now: datetime) -> bool:
    error = row.delivery_error or ""
    if not error.startswith(_CLAIM):
        return False
    try:
        claimed = datetime.fromisoformat(error.removeprefix(_CLAIM))
    except ValueError:
        return False
    return claimed > now - STALE_AFTER


def _failed_channels(settings: Settings, row: AlertSent) -> list[str]:
    """The channels named in the stored failure lines (all configured ones when unknown)."""
    channels = _channels(settings)
    lines = (row.delivery_error or "").splitlines()
    failed = [c for c in channels if any(line.startswith(f"{c}: ") for line in lines)]
    return failed or channels
