"""Queries behind the daily digest, and the record that makes each digest go out once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from monitor.storage.db import dialect_insert
from monitor.storage.models import AlertSent, DailyKpi, DigestRun, Mention, MentionBrand


def kpi_rows(session: Session, brand: str, first: date, last: date) -> list[DailyKpi]:
    """Stored KPI rows of ``brand`` for every source, from ``first`` to ``last`` inclusive."""
    stmt = select(DailyKpi).where(
        col(DailyKpi.brand) == brand, col(DailyKpi.day) >= first, col(DailyKpi.day) <= last
    )
    return list(session.execute(stmt).scalars())


def extreme_mentions(
    session: Session, brand: str, label: str, start: datetime, end: datetime, limit: int
) -> list[Mention]:
    """The most confident inbound mentions of one label counting for ``brand`` in [start, end)."""
    stmt = (
        select(Mention)
        .join(MentionBrand, col(MentionBrand.mention_id) == col(Mention.id))
        .where(
            col(MentionBrand.brand) == brand,
            col(MentionBrand.created_at) >= start,
            col(MentionBrand.created_at) < end,
            col(Mention.sentiment) == label,
            col(Mention.is_brand_post).is_(False),
        )
        .order_by(col(Mention.sentiment_confidence).desc(), col(Mention.created_at).desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def inbound_volumes(
    session: Session, brands: Sequence[str], start: datetime, end: datetime
) -> dict[str, int]:
    """Inbound mentions per brand name in [start, end) (share of voice).

    A post naming several of ``brands`` counts for each (docs/kpis.md).
    """
    stmt = (
        select(col(MentionBrand.brand), func.count())
        .join(Mention, col(Mention.id) == col(MentionBrand.mention_id))
        .where(
            col(MentionBrand.brand).in_(list(brands)),
            col(MentionBrand.created_at) >= start,
            col(MentionBrand.created_at) < end,
            col(Mention.is_brand_post).is_(False),
        )
        .group_by(col(MentionBrand.brand))
    )
    counts = {name: 0 for name in brands}
    counts.update({name: int(n) for name, n in session.execute(stmt)})
    return counts


def alerts_between(session: Session, brand: str, start: datetime, end: datetime) -> list[AlertSent]:
    """Alerts of ``brand`` fired in [start, end), oldest first."""
    stmt = (
        select(AlertSent)
        .where(
            col(AlertSent.brand) == brand,
            col(AlertSent.fired_at) >= start,
            col(AlertSent.fired_at) < end,
        )
        .order_by(col(AlertSent.fired_at))
    )
    return list(session.execute(stmt).scalars())


def digest_run(session: Session, brand: str, day: date) -> DigestRun | None:
    """The digest record of ``brand`` for ``day``, if one was built."""
    stmt = select(DigestRun).where(col(DigestRun.brand) == brand, col(DigestRun.day) == day)
    return session.execute(stmt).scalar_one_or_none()


def last_digest_sent_at(session: Session) -> datetime | None:
    """When the newest digest went out (for /metrics)."""
    return session.execute(select(func.max(col(DigestRun.sent_at)))).scalar_one_or_none()


def digest_runs(
    session: Session,
    *,
    brand: str | None = None,
    day: date | None = None,
    since: date | None = None,
) -> list[DigestRun]:
    """Built digests, filtered by brand and day (or days from ``since``), oldest first."""
    stmt = select(DigestRun)
    if brand is not None:
        stmt = stmt.where(col(DigestRun.brand) == brand)
    if day is not None:
        stmt = stmt.where(col(DigestRun.day) == day)
    if since is not None:
        stmt = stmt.where(col(DigestRun.day) >= since)
    return list(session.execute(stmt.order_by(col(DigestRun.day), col(DigestRun.brand))).scalars())


def save_digest_run(
    session: Session,
    brand: str,
    day: date,
    *,
    now: datetime,
    html_path: str,
    channels: str | None,
    error: str | None,
    sent: bool,
) -> None:
    """Record a built digest; race-free (two runs may finish the same brand and day at once).

    ``sent_at`` is set the first time every channel has gone out, and kept after that.
    """
    session.execute(
        dialect_insert(session, DigestRun)
        .values(brand=brand, day=day, created_at=now)
        .on_conflict_do_nothing(index_elements=["brand", "day"])
    )
    values: dict[str, object] = {"html_path": html_path, "channels": channels, "error": error}
    if sent:
        values["sent_at"] = func.coalesce(col(DigestRun.sent_at), now)
    session.execute(
        update(DigestRun)
        .where(col(DigestRun.brand) == brand, col(DigestRun.day) == day)
        .values(**values)
    )
