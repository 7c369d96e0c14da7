"""The delivery outbox in storage: claim a (digest or alert, channel) row before sending.

Every write here is a single conditional statement that is the first of its transaction,
so two workers racing for a row are decided by the database (a unique insert or a
compare-and-set UPDATE), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from monitor.storage.db import dialect_insert
from monitor.storage.models import Delivery

#: Row states. ``sending`` is left behind by a sender that died; readers show it as
#: ``unconfirmed`` once its owner is gone, and it is then stored as such.
PENDING, SENDING, SENT, FAILED, UNCONFIRMED = "pending", "sending", "sent", "failed", "unconfirmed"
#: States a delivery run may claim on its own: nothing went out on this channel.
RETRYABLE = (PENDING, FAILED)


@dataclass(frozen=True, slots=True)
class Subject:
    """What is delivered: one brand's digest of one day, or one alert."""

    kind: str
    ref: str
    brand: str
    day: date | None = None
    alert_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this worker holds in ``sending``; only its holder may record the outcome."""

    id: int
    owner: str
    attempts: int


def _insert(session: Session) -> Any:
    return dialect_insert(session, Delivery)


def claim_new(
    session: Session,
    subject: Subject,
    channel: str,
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
) -> Claim | None:
    """Insert the row as ``sending``; ``None`` when a row for this channel already exists."""
    stmt = (
        _insert(session)
        .values(
            kind=subject.kind,
            ref=subject.ref,
            channel=channel,
            brand=subject.brand,
            day=subject.day,
            alert_id=subject.alert_id,
            state=SENDING,
            attempts=1,
            owner=owner,
            claimed_at=now,
            lease_until=lease_until,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "ref", "channel"])
        .returning(col(Delivery.id))
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    return None if new_id is None else Claim(int(new_id), owner, 1)


def claim_existing(
    session: Session,
    row: Delivery,
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
    states: Collection[str] = RETRYABLE,
) -> Claim | None:
    """Take a row read earlier if it is still as read and in one of ``states``."""
    if row.id is None or row.state not in states:
        return None
    attempts = row.attempts + 1
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == row.id,
            col(Delivery.state) == row.state,
            col(Delivery.attempts) == row.attempts,
        )
        .values(
            state=SENDING,
            attempts=attempts,
            owner=owner,
            claimed_at=now,
            lease_until=lease_until,
            updated_at=now,
        )
    )
    return Claim(row.id, owner, attempts) if result.rowcount else None  # type: ignore[attr-defined]


def finish(
    session: Session, claim: Claim, state: str, *, now: datetime, error: str | None = None
) -> bool:
    """Record the outcome of a claimed send; ``False`` when the claim was taken over since."""
    values: dict[str, Any] = {"state": state, "error": error, "updated_at": now, "owner": None}
    if state == SENT:
        values["sent_at"] = now
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == claim.id,
            col(Delivery.state) == SENDING,
            col(Delivery.owner) == claim.owner,
            col(Delivery.attempts) == claim.attempts,
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_unconfirmed(session: Session, row: Delivery, *, now: datetime) -> bool:
    """Store that a ``sending`` row's sender is gone (only if nobody touched it since)."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == row.id,
            col(Delivery.state) == SENDING,
            col(Delivery.attempts) == row.attempts,
        )
        .values(
            state=UNCONFIRMED,
            owner=None,
            updated_at=now,
            error=f"sender {row.owner} stopped during the send; it may or may not have gone out",
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def requeue(session: Session, row: Delivery, *, now: datetime) -> bool:
    """Put a sent, failed or unconfirmed row back to ``pending`` for a forced resend."""
    if row.state == SENDING:
        return False
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == row.id,
            col(Delivery.state) == row.state,
            col(Delivery.attempts) == row.attempts,
        )
        .values(state=PENDING, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delivery_row(session: Session, kind: str, ref: str, channel: str) -> Delivery | None:
    """The row of one subject and channel, if claimed ever."""
    stmt = select(Delivery).where(
        col(Delivery.kind) == kind, col(Delivery.ref) == ref, col(Delivery.channel) == channel
    )
    return session.execute(stmt).scalar_one_or_none()


def delivery_rows(
    session: Session,
    *,
    kind: str,
    refs: Collection[str] | None = None,
    brand: str | None = None,
    day: date | None = None,
    since_day: date | None = None,
    alert_ids: Collection[int] | None = None,
) -> list[Delivery]:
    """Outbox rows of one kind, filtered, in a stable order (subject, then channel)."""
    stmt = select(Delivery).where(col(Delivery.kind) == kind)
    if refs is not None:
        stmt = stmt.where(col(Delivery.ref).in_(list(refs)))
    if brand is not None:
        stmt = stmt.where(col(Delivery.brand) == brand)
    if day is not None:
        stmt = stmt.where(col(Delivery.day) == day)
    if since_day is not None:
        stmt = stmt.where(col(Delivery.day) >= since_day)
    if alert_ids is not None:
        stmt = stmt.where(col(Delivery.alert_id).in_(list(alert_ids)))
    stmt = stmt.order_by(
        col(Delivery.day), col(Delivery.alert_id), col(Delivery.brand), col(Delivery.channel)
    )
    return list(session.execute(stmt).scalars())


def failed_rows(session: Session, kind: str, created_since: datetime) -> list[Delivery]:
    """Rows of ``kind`` a run may retry on its own (failed or pending), oldest first."""
    stmt = (
        select(Delivery)
        .where(
            col(Delivery.kind) == kind,
            col(Delivery.state).in_(RETRYABLE),
            col(Delivery.created_at) >= created_since,
        )
        .order_by(col(Delivery.created_at), col(Delivery.id))
    )
    return list(session.execute(stmt).scalars())
