"""Check alert conditions, record each alert once, and deliver it by e-mail and/or Slack.

An alert is stored (its key unique) before it is delivered, so a crash or a failed
delivery never loses it and two workers never both fire it. Delivery goes through the
outbox (:mod:`monitor.pipeline.delivery`): each (alert, channel) is sent at most once, a
failed channel is retried alone on the next checks for a day, and a send cut off by a
crash is left unconfirmed for ``monitor alerts --resend``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.escape import log_line
from monitor.pipeline.delivery import (
    ALERT,
    SENT,
    ChannelOutcome,
    ChannelSetupError,
    ChannelState,
    Parcel,
    alert_subject,
    channel_problems,
    channel_states,
    deliver,
    force_resend,
)
from monitor.pipeline.facts import brand_profile, load_negatives, scoring_params
from monitor.pipeline.score import open_complaints
from monitor.pipeline.themes import new_theme_alerts
from monitor.report import Alert as AlertMessage
from monitor.report import Retry, build_alert_email
from monitor.scoring import NEGATIVE_SPIKE, Alert, overdue_alerts_from, spike_alert
from monitor.scoring.alerts import BASELINE_DAYS
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.models import AlertSent, Delivery
from monitor.storage.outbox import RETRYABLE, delivery_rows
from monitor.storage.scores import (
    alerts_since,
    insert_alert,
    last_fired_at,
    record_delivery,
    undelivered_alerts,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

#: Overdue complaints that passed the SLA longer ago than this are not alerted (first run).
OVERDUE_LOOKBACK = timedelta(days=1)
#: Failed deliveries are retried on each check for this long.
RETRY_FOR = timedelta(days=1)
#: Each check tries a channel twice; the next check tries again.
DEFAULT_RETRY = Retry(attempts=2, first_delay_s=2.0)


def check_and_send_alerts(
    engine: Engine, settings: Settings, *, clock: Clock, retry: Retry | None = None
) -> list[Alert]:
    """Fire the alerts due now (negative spikes, overdue complaints, new themes), deliver them.

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
        _deliver(engine, settings, alert_id, message, _channels(settings), clock, policy)
    _retry_failed(engine, settings, clock, policy, skip={alert_id for alert_id, _ in fired})
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
    alerts.extend(new_theme_alerts(engine, settings, config, now))
    return alerts


def _channels(settings: Settings) -> list[str]:
    return list(dict.fromkeys(settings.config.alerts.channels))


def _zone(settings: Settings, brand: str) -> str:
    return next((b.timezone for b in settings.config.brands if b.name == brand), "UTC")


def _parcel(settings: Settings, message: AlertMessage) -> Parcel:
    """The alert as an e-mail (built when sent: a bad address fails that channel) and a post."""
    cfg = settings.config
    zone = _zone(settings, message.brand)
    return Parcel(
        email=lambda: build_alert_email(
            message, sender=cfg.email.sender, recipients=cfg.digest.recipients, timezone=zone
        ),
        slack=message,
        timezone=zone,
    )


def _deliver(
    engine: Engine,
    settings: Settings,
    alert_id: int,
    message: AlertMessage,
    channels: list[str],
    clock: Clock,
    retry: Retry,
) -> list[ChannelOutcome]:
    """Send one alert over ``channels`` through the outbox; summarise it on the alert row."""
    subject = alert_subject(alert_id, message.brand)
    outcomes = deliver(
        engine, settings, subject, channels, _parcel(settings, message), clock=clock, retry=retry
    )
    failures = [f"{o.channel}: {o.error or o.state}" for o in outcomes if o.state != SENT]
    with session_scope(engine) as session:
        record_delivery(
            session,
            alert_id,
            delivered_at=None if failures else clock(),
            error="\n".join(failures) or None,
        )
    return outcomes


def _retry_failed(
    engine: Engine, settings: Settings, clock: Clock, retry: Retry, skip: set[int]
) -> None:
    """Deliver again, channel by channel, what earlier checks could not (for ``RETRY_FOR``).

    Only channels with nothing sent are tried: failed or pending rows, and alerts stored by
    a worker that stopped before claiming any channel. Unconfirmed sends are left alone.
    """
    now = clock()
    channels = _channels(settings)
    with session_scope(engine) as session:
        alerts = undelivered_alerts(session, now - RETRY_FOR)
        ids = [a.id for a in alerts if a.id is not None and a.id not in skip]
        rows = delivery_rows(session, kind=ALERT, alert_ids=ids)
    by_alert: dict[int, list[Delivery]] = {}
    for row in rows:
        by_alert.setdefault(row.alert_id or 0, []).append(row)
    for alert in alerts:
        if alert.id is None or alert.id in skip:
            continue
        mine = by_alert.get(alert.id, [])
        todo = [r.channel for r in mine if r.state in RETRYABLE] if mine else channels
        if not todo:
            continue
        message = AlertMessage(alert.kind, alert.brand, alert.message, alert.fired_at)
        _deliver(engine, settings, alert.id, message, todo, clock, retry)


@dataclass(frozen=True)
class AlertDelivery:
    """One stored alert and where its delivery stands on each channel."""

    alert: AlertSent
    channels: list[ChannelState]


def alert_deliveries(
    engine: Engine, settings: Settings, *, since: datetime, now: datetime
) -> list[AlertDelivery]:
    """Alerts fired since ``since`` with each channel's state (none: they went to the log)."""
    with session_scope(engine) as session:
        alerts = alerts_since(session, since)
        ids = [a.id for a in alerts if a.id is not None]
        rows = delivery_rows(session, kind=ALERT, alert_ids=ids)
    by_alert: dict[int, list[Delivery]] = {}
    for row in rows:
        by_alert.setdefault(row.alert_id or 0, []).append(row)
    configured = _channels(settings)
    out = []
    for alert in alerts:
        mine = by_alert.get(alert.id or 0, [])
        # Channels configured after the alert fired were never meant for it.
        expected = configured if mine or alert.delivered_at is None else []
        out.append(AlertDelivery(alert, channel_states(engine, mine, expected, now)))
    return out


def resend_alert(
    engine: Engine,
    settings: Settings,
    alert_id: int,
    *,
    clock: Clock,
    channels: list[str] | None = None,
    retry: Retry | None = None,
) -> list[ChannelOutcome]:
    """Send one stored alert again on ``channels`` (default: every configured channel).

    Raises ``ChannelSetupError`` for an unknown alert id, no channel, or a channel not set up.
    """
    chosen = channels or _channels(settings)
    if not chosen:
        raise ChannelSetupError("no alert channel configured: set alerts.channels (email, slack)")
    problems = channel_problems(settings, chosen)
    if problems:
        raise ChannelSetupError("; ".join(problems))
    with session_scope(engine) as session:
        alert = session.get(AlertSent, alert_id)
    if alert is None or alert.id is None:
        raise ChannelSetupError(f"no alert with id {alert_id}")
    busy = force_resend(engine, alert_subject(alert.id, alert.brand), chosen, clock())
    message = AlertMessage(alert.kind, alert.brand, alert.message, alert.fired_at)
    todo = [c for c in chosen if c not in busy]
    outcomes = _deliver(engine, settings, alert.id, message, todo, clock, retry or DEFAULT_RETRY)
    held = [ChannelOutcome(c, "sending", error="another run is sending it") for c in busy]
    return outcomes + held
