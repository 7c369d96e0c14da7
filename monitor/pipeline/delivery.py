"""The one delivery path for digests and alerts: claim an outbox row per channel, send, record.

Each (digest brand+day, channel) and (alert, channel) has one ``delivery`` row. A worker
claims it (unique insert, or a compare-and-set from ``pending``/``failed``) and commits
before sending, then marks it ``sent`` or ``failed``. So parallel runs send once, a failed
channel is retried alone, and a channel that went out is never sent again. A row left in
``sending`` by a process that died is shown as ``unconfirmed`` (the message may or may not
have gone out) and is only sent again on an explicit resend.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.report import (
    Alert,
    DeliveryError,
    DigestData,
    Retry,
    SmtpSettings,
    post_slack,
    send_email,
)
from monitor.storage.db import session_scope
from monitor.storage.models import Delivery
from monitor.storage.outbox import (
    FAILED,
    PENDING,
    RETRYABLE,
    SENDING,
    SENT,
    UNCONFIRMED,
    Claim,
    Subject,
    claim_existing,
    claim_new,
    delivery_row,
    delivery_rows,
    finish,
    mark_unconfirmed,
    requeue,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

DIGEST, ALERT = "digest", "alert"
CHANNELS = ("email", "slack")
#: Slack and SMTP calls beyond their own timeouts and backoff: margin before a lease ends.
LEASE_MARGIN_S = 60.0

__all__ = [
    "ALERT",
    "CHANNELS",
    "DIGEST",
    "FAILED",
    "PENDING",
    "SENDING",
    "SENT",
    "UNCONFIRMED",
    "ChannelOutcome",
    "ChannelSetupError",
    "ChannelState",
    "Parcel",
    "alert_subject",
    "channel_problems",
    "channel_states",
    "current_state",
    "deliver",
    "digest_subject",
    "force_resend",
    "open_channels",
    "settle",
    "smtp_settings",
]  # fmt: skip


class ChannelSetupError(ValueError):
    """Delivery was asked for but no channel is configured, or one is not set up."""


@dataclass(frozen=True)
class Parcel:
    """One subject as each channel carries it: the e-mail (built on demand) and the Slack item."""

    email: Callable[[], EmailMessage]
    slack: DigestData | Alert
    timezone: str | None = None


@dataclass(frozen=True)
class ChannelOutcome:
    """Where one channel stands after a delivery run; ``sent_now`` when this run sent it."""

    channel: str
    state: str
    sent_now: bool = False
    error: str | None = None


def digest_subject(brand: str, day: date) -> Subject:
    """The outbox subject of one brand's digest for one day."""
    return Subject(DIGEST, f"{day.isoformat()}:{brand}", brand, day=day)


def alert_subject(alert_id: int, brand: str) -> Subject:
    """The outbox subject of one stored alert."""
    return Subject(ALERT, str(alert_id), brand, alert_id=alert_id)


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


def channel_problems(settings: Settings, channels: Sequence[str]) -> list[str]:
    """Why each of ``channels`` cannot deliver as configured (empty when all can)."""
    cfg = settings.config
    problems = []
    for channel in channels:
        unset = settings.unset_env.get(channel) if channel in CHANNELS else None
        if unset:  # checked when delivering, not at load: kpis needs no SMTP password
            problems.append(f"{channel}: {'; '.join(unset)}")
        elif channel == "email" and not (cfg.email.enabled and cfg.digest.recipients):
            problems.append("email: email.enabled is false or digest.recipients is empty")
        elif channel == "slack" and not (cfg.slack.enabled and cfg.slack.webhook_url):
            problems.append("slack: slack.enabled is false or slack.webhook_url is not set")
        elif channel not in CHANNELS:
            problems.append(f"{channel}: not a channel (use one of {', '.join(CHANNELS)})")
    return problems


def _send(settings: Settings, channel: str, parcel: Parcel, retry: Retry) -> None:
    """Hand one parcel to one channel; raises ``DeliveryError`` or ``ValueError``."""
    problems = channel_problems(settings, [channel])
    if problems:
        raise DeliveryError(channel, problems[0].split(": ", 1)[1], 0)
    cfg = settings.config
    if channel == "email":
        send_email(parcel.email(), smtp_settings(settings), retry=retry)
    else:
        assert cfg.slack.webhook_url is not None  # checked by channel_problems
        post_slack(
            parcel.slack,
            cfg.slack.webhook_url.get_secret_value(),
            retry=retry,
            timeout=cfg.slack.timeout_seconds,
            timezone=parcel.timezone,
        )


def _lease(settings: Settings, channel: str, retry: Retry) -> timedelta:
    """How long a send on ``channel`` can take at most: every attempt, timeout and backoff."""
    cfg = settings.config
    timeout = cfg.email.timeout_seconds if channel == "email" else cfg.slack.timeout_seconds
    waits = sum(retry.delay(n) for n in range(1, retry.attempts))
    return timedelta(seconds=retry.attempts * timeout + waits + LEASE_MARGIN_S)


# --- who is sending: a dead sender's row is unconfirmed --------------------------------


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a Linux process; None without /proc or process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], fields[19]


def owner_token() -> str:
    """``host:pid:start`` of this process (the start time tells a reused pid apart)."""
    pid = os.getpid()
    stat = _proc_stat(pid)
    return f"{socket.gethostname()}:{pid}:{stat[1] if stat else ''}"


def _owner_alive(owner: str | None, lease_until: datetime | None, now: datetime) -> bool:
    """Whether the sender that holds a row may still be working on it."""
    try:
        host, pid_text, start = (owner or "").rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return lease_until is not None and now < lease_until
    if host != socket.gethostname():  # another machine: trust its lease
        return lease_until is not None and now < lease_until
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    stat = _proc_stat(pid)
    # A zombie has stopped; a different start time means the pid now names another process.
    return stat is None or not (stat[0] in ("Z", "X") or (start and stat[1] != start))


def current_state(row: Delivery, now: datetime) -> str:
    """The row's state as users see it: ``sending`` with a dead sender is ``unconfirmed``."""
    if row.state == SENDING and not _owner_alive(row.owner, row.lease_until, now):
        return UNCONFIRMED
    return row.state


def settle(engine: Engine, rows: Sequence[Delivery], now: datetime) -> list[Delivery]:
    """Store ``unconfirmed`` on rows whose sender is gone; returns the rows as they are now."""
    out = []
    for row in rows:
        if row.state == SENDING and current_state(row, now) == UNCONFIRMED:
            with session_scope(engine) as session:
                if mark_unconfirmed(session, row, now=now):
                    log.warning(
                        "%s %s %s: the sender stopped mid-send; unconfirmed, not sent again "
                        "unless resent",
                        row.kind, row.ref, row.channel,
                    )  # fmt: skip
            with session_scope(engine) as session:
                fresh = session.get(Delivery, row.id)
            row = fresh if fresh is not None else row
        out.append(row)
    return out


# --- delivering ---------------------------------------------------------------------------


def open_channels(
    engine: Engine, subject: Subject, channels: Sequence[str], now: datetime
) -> tuple[list[str], dict[str, str]]:
    """Channels a run may still send on (no row, or pending/failed), and the others' states."""
    with session_scope(engine) as session:
        rows = delivery_rows(session, kind=subject.kind, refs=[subject.ref])
    by_channel = {r.channel: r for r in settle(engine, rows, now)}
    todo, done = [], {}
    for channel in channels:
        row = by_channel.get(channel)
        if row is None or row.state in RETRYABLE:
            todo.append(channel)
        else:
            done[channel] = current_state(row, now)
    return todo, done


def _claim(
    engine: Engine, subject: Subject, channel: str, now: datetime, lease: timedelta
) -> tuple[Claim | None, str]:
    """Claim the row for a send, or say the state that keeps this run from sending."""
    owner = owner_token()
    with session_scope(engine) as session:
        claim = claim_new(session, subject, channel, owner=owner, now=now, lease_until=now + lease)
    if claim is not None:
        return claim, SENDING
    with session_scope(engine) as session:
        row = delivery_row(session, subject.kind, subject.ref, channel)
    if row is None:  # pragma: no cover - rows are never deleted
        raise RuntimeError(f"{subject.kind} {subject.ref} {channel}: outbox row vanished")
    with session_scope(engine) as session:
        claim = claim_existing(session, row, owner=owner, now=now, lease_until=now + lease)
    if claim is not None:
        return claim, SENDING
    (row,) = settle(engine, [row], now)
    return None, current_state(row, now)


def deliver(
    engine: Engine,
    settings: Settings,
    subject: Subject,
    channels: Sequence[str],
    parcel: Parcel,
    *,
    clock: Clock,
    retry: Retry,
) -> list[ChannelOutcome]:
    """Send ``parcel`` on each channel not yet claimed (or pending/failed); record each outcome."""
    outcomes = []
    for channel in channels:
        now = clock()
        claim, state = _claim(engine, subject, channel, now, _lease(settings, channel, retry))
        if claim is None:
            outcomes.append(ChannelOutcome(channel, state))
            continue
        try:
            _send(settings, channel, parcel, retry)
        except (DeliveryError, ValueError) as exc:
            # Refused or never reached: nothing went out, so a later run may try again.
            log.warning("%s %s: %s delivery failed: %s", subject.kind, subject.ref, channel, exc)
            with session_scope(engine) as session:
                finish(session, claim, FAILED, now=clock(), error=str(exc))
            outcomes.append(ChannelOutcome(channel, FAILED, error=str(exc)))
            continue
        except BaseException as exc:
            # Cut off in an unknown place (a bug, an interrupt): it may have gone out.
            with session_scope(engine) as session:
                finish(
                    session, claim, UNCONFIRMED, now=clock(), error=f"{type(exc).__name__}: {exc}"
                )
            raise
        with session_scope(engine) as session:
            finish(session, claim, SENT, now=clock())
        outcomes.append(ChannelOutcome(channel, SENT, sent_now=True))
    return outcomes


def force_resend(
    engine: Engine, subject: Subject, channels: Sequence[str], now: datetime
) -> list[str]:
    """Put the subject's rows on ``channels`` back to pending; returns channels being sent now."""
    with session_scope(engine) as session:
        rows = [
            r
            for r in delivery_rows(session, kind=subject.kind, refs=[subject.ref])
            if r.channel in channels
        ]
    busy = []
    for row in settle(engine, rows, now):
        if row.state == SENDING:
            busy.append(row.channel)  # a live sender holds it: never two sends at once
            continue
        with session_scope(engine) as session:
            requeue(session, row, now=now)
    return busy


@dataclass(frozen=True)
class ChannelState:
    """One channel's delivery of one subject, as shown by ``--status`` and ``monitor alerts``."""

    channel: str
    state: str
    attempts: int = 0
    sent_at: datetime | None = None
    error: str | None = None


def channel_states(
    engine: Engine, rows: Sequence[Delivery], channels: Sequence[str], now: datetime
) -> list[ChannelState]:
    """States of ``channels`` (plus any other channel with a row); no row means ``not sent``."""
    by_channel = {r.channel: r for r in settle(engine, rows, now)}
    out = []
    for channel in dict.fromkeys([*channels, *by_channel]):
        row = by_channel.get(channel)
        if row is None:
            out.append(ChannelState(channel, "not sent"))
        else:
            state = current_state(row, now)
            out.append(ChannelState(channel, state, row.attempts, row.sent_at, row.error))
    return out
