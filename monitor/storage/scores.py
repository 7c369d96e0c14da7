"""Scorer output in storage: daily KPI rows, complaint state, manual resolutions, sent alerts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, SQLModel, col

from monitor.storage.db import dialect_insert
from monitor.storage.models import AlertSent, Complaint, DailyKpi, Resolution

_CHUNK = 500


def _insert(session: Session, model: type[SQLModel]) -> Any:
    return dialect_insert(session, model)


# --- daily KPI rows ---------------------------------------------------------------------


def save_daily_kpis(
    session: Session,
    brand: str,
    day: date,
    rows: Mapping[str, Mapping[str, Any]],
    computed_at: datetime,
) -> int:
    """Store one brand-day's rows (``{source: values}``), replacing what was there.

    Upsert on (brand, source, day); rows of sources that no longer have one are removed,
    so scoring the same data again leaves exactly the same rows.
    """
    session.execute(
        delete(DailyKpi).where(
            col(DailyKpi.brand) == brand,
            col(DailyKpi.day) == day,
            col(DailyKpi.source).not_in(list(rows)),
        )
    )
    if not rows:
        return 0
    stmt = _insert(session, DailyKpi)
    stmt = stmt.on_conflict_do_update(
        index_elements=["brand", "source", "day"],
        set_={"values": stmt.excluded["values"], "computed_at": stmt.excluded.computed_at},
    )
    session.execute(
        stmt,
        [
            {"brand": brand, "source": source, "day": day, "values": dict(values),
             "computed_at": computed_at}
            for source, values in rows.items()
        ],
    )  # fmt: skip
    return len(rows)


def stored_kpis(
    session: Session, brand: str, first: date, last: date, sources: Collection[str]
) -> dict[tuple[date, str], dict[str, Any]]:
    """``{(day, source): values}`` of ``brand`` from ``first`` to ``last`` inclusive."""
    stmt = select(col(DailyKpi.day), col(DailyKpi.source), col(DailyKpi.values)).where(
        col(DailyKpi.brand) == brand,
        col(DailyKpi.day) >= first,
        col(DailyKpi.day) <= last,
        col(DailyKpi.source).in_(list(sources)),
    )
    return {(d, s): dict(v) for d, s, v in session.execute(stmt)}


# --- complaints ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """One complaint's state as the scorer found it."""

    mention_id: int
    brand: str
    source: str
    created_at: datetime
    reason: str
    answered: bool
    first_response_at: datetime | None
    brand_replies: int
    resolved_at: datetime | None
    resolution_kind: str | None
    kind: str = "complaint"


def save_complaints(
    session: Session,
    brand: str,
    start: datetime,
    end: datetime,
    records: Sequence[ComplaintRecord],
    scored_at: datetime,
) -> None:
    """Rebuild the brand's complaints created in ``[start, end)`` and update ``records``.

    Complaints of the window that are no longer complaints are removed; ``records`` may
    also hold older complaints whose threads were scored (their state is refreshed).
    """
    session.execute(
        delete(Complaint).where(
            col(Complaint.brand) == brand,
            col(Complaint.created_at) >= start,
            col(Complaint.created_at) < end,
        )
    )
    upsert_items(session, records, scored_at)


def upsert_items(session: Session, records: Sequence[ComplaintRecord], scored_at: datetime) -> None:
    """Insert or refresh item rows (no window is cleared: an incremental update)."""
    if not records:
        return
    stmt = _insert(session, Complaint)
    columns = (
        "brand", "source", "created_at", "reason", "answered", "first_response_at",
        "brand_replies", "resolved_at", "resolution_kind", "scored_at", "kind",
    )  # fmt: skip
    stmt = stmt.on_conflict_do_update(
        index_elements=["mention_id"], set_={c: stmt.excluded[c] for c in columns}
    )
    rows = [
        {
            "mention_id": r.mention_id, "brand": r.brand, "source": r.source,
            "created_at": r.created_at, "reason": r.reason, "answered": r.answered,
            "first_response_at": r.first_response_at, "brand_replies": r.brand_replies,
            "resolved_at": r.resolved_at, "resolution_kind": r.resolution_kind,
            "scored_at": scored_at, "kind": r.kind,
        }
        for r in sorted(records, key=lambda r: r.mention_id)
    ]  # fmt: skip
    for begin in range(0, len(rows), _CHUNK):
        session.connection().execute(stmt, rows[begin : begin + _CHUNK])


def drop_complaints_except(
    session: Session, mention_ids: Collection[int], keep: Collection[int], brands: Collection[str]
) -> int:
    """Remove the ``brands``' complaints of ``mention_ids`` that are not in ``keep``.

    The threads of ``mention_ids`` were analysed again: a post there that is no longer a
    complaint (relabeled, folded in as a follow-up) leaves the queue. Returns rows removed.
    """
    gone = sorted(set(mention_ids) - set(keep))
    removed = 0
    for begin in range(0, len(gone), _CHUNK):
        result = session.execute(
            delete(Complaint).where(
                col(Complaint.mention_id).in_(gone[begin : begin + _CHUNK]),
                col(Complaint.brand).in_(list(brands)),
            )
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed


def open_complaint_ids(session: Session, brand: str) -> list[int]:
    """Mention ids of the brand's stored complaints that are unanswered and unresolved."""
    stmt = select(col(Complaint.mention_id)).where(
        col(Complaint.brand) == brand,
        col(Complaint.answered).is_(False),
        col(Complaint.resolved_at).is_(None),
        col(Complaint.kind) == "complaint",
    )
    return [int(mid) for (mid,) in session.execute(stmt)]


# --- manual resolutions -------------------------------------------------------------------


def save_resolution(
    session: Session, mention_id: int, resolved_at: datetime, note: str | None, marked_at: datetime
) -> None:
    """Mark a mention resolved by hand (a second mark replaces the first)."""
    stmt = _insert(session, Resolution)
    stmt = stmt.on_conflict_do_update(
        index_elements=["mention_id"],
        set_={
            "resolved_at": stmt.excluded.resolved_at,
            "note": stmt.excluded.note,
            "marked_at": stmt.excluded.marked_at,
        },
    )
    session.execute(
        stmt,
        [{"mention_id": mention_id, "resolved_at": resolved_at, "note": note,
          "marked_at": marked_at}],
    )  # fmt: skip


# --- alerts -------------------------------------------------------------------------------


def insert_alert(
    session: Session, *, alert_key: str, kind: str, brand: str, message: str, fired_at: datetime
) -> int | None:
    """Store an alert unless its key is already stored; the new row's id, else ``None``.

    The unique key decides which of two concurrent workers owns the alert.
    """
    stmt = _insert(session, AlertSent).values(
        alert_key=alert_key, kind=kind, brand=brand, message=message, fired_at=fired_at
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=["alert_key"]).returning(AlertSent.id)
    new_id = session.execute(stmt).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def last_fired_at(session: Session, brand: str, kind: str) -> datetime | None:
    """When ``brand``'s latest alert of ``kind`` fired, if ever."""
    stmt = select(func.max(col(AlertSent.fired_at))).where(
        col(AlertSent.brand) == brand, col(AlertSent.kind) == kind
    )
    value: datetime | None = session.execute(stmt).scalar_one_or_none()
    return value


def undelivered_alerts(session: Session, since: datetime) -> list[AlertSent]:
    """Alerts fired since ``since`` not yet delivered on every channel, oldest first."""
    stmt = (
        select(AlertSent)
        .where(col(AlertSent.delivered_at).is_(None), col(AlertSent.fired_at) >= since)
        .order_by(col(AlertSent.fired_at), col(AlertSent.id))
    )
    return list(session.execute(stmt).scalars())


def alerts_since(session: Session, since: datetime) -> list[AlertSent]:
    """Alerts fired since ``since``, oldest first."""
    stmt = (
        select(AlertSent)
        .where(col(AlertSent.fired_at) >= since)
        .order_by(col(AlertSent.fired_at), col(AlertSent.id))
    )
    return list(session.execute(stmt).scalars())


def record_delivery(
    session: Session, alert_id: int, *, delivered_at: datetime | None, error: str | None
) -> None:
    """Store the outcome of a delivery attempt."""
    session.execute(
        update(AlertSent)
        .where(col(AlertSent.id) == alert_id)
        .values(delivered_at=delivered_at, delivery_error=error)
    )
