"""Triage storage: the team's manual item state, the audit trail and human label corrections.

Kept apart from the ``complaint`` rows, which scoring rebuilds: nothing here is lost then.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from monitor.storage.mentions import HUMAN_CONFIDENCE
from monitor.storage.models import (
    Complaint,
    LabelCorrection,
    Mention,
    Resolution,
    SentimentLabel,
    TriageAudit,
    TriageState,
)

_CHUNK = 500
#: The manual-state columns :func:`update_state` may set.
STATE_FIELDS = frozenset({"assignee", "snoozed_until", "closed_at", "reopened_at"})


def open_item_ids(session: Session, brand: str) -> list[int]:
    """Mention ids of the brand's stored items not resolved, plus reopened ones."""
    reopened = select(col(TriageState.mention_id)).where(col(TriageState.reopened_at).is_not(None))
    stmt = select(col(Complaint.mention_id)).where(
        col(Complaint.brand) == brand,
        or_(col(Complaint.resolved_at).is_(None), col(Complaint.mention_id).in_(reopened)),
    )
    return sorted(int(mid) for (mid,) in session.execute(stmt))


def states_of(session: Session, mention_ids: Collection[int]) -> dict[int, TriageState]:
    """The stored manual state of each of ``mention_ids`` that has one."""
    ids = sorted(set(mention_ids))
    found: dict[int, TriageState] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = select(TriageState).where(
            col(TriageState.mention_id).in_(ids[start : start + _CHUNK])
        )
        for row in session.execute(stmt).scalars():
            found[row.mention_id] = row
    return found


def update_state(session: Session, mention_id: int, now: datetime, **values: Any) -> TriageState:
    """Set some manual-state columns of an item (creating its row), leaving the others."""
    unknown = set(values) - STATE_FIELDS
    if unknown:
        raise ValueError(f"not a triage state field: {', '.join(sorted(unknown))}")
    row = session.get(TriageState, mention_id, with_for_update=True)
    if row is None:
        row = TriageState(mention_id=mention_id, updated_at=now)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def add_audit(
    session: Session,
    mention_id: int,
    *,
    action: str,
    actor: str,
    at: datetime,
    detail: str | None = None,
    note: str | None = None,
) -> None:
    """Record one action: who did what to which post, when, with an optional note."""
    session.add(
        TriageAudit(
            mention_id=mention_id, action=action, actor=actor, at=at, detail=detail, note=note
        )
    )
    session.flush()


def audit_of(session: Session, mention_id: int) -> list[TriageAudit]:
    """The actions recorded for a post, oldest first."""
    stmt = (
        select(TriageAudit)
        .where(col(TriageAudit.mention_id) == mention_id)
        .order_by(col(TriageAudit.at), col(TriageAudit.id))
    )
    return list(session.execute(stmt).scalars())


def earlier_items(
    session: Session, brand: str, source: str, author: str, before: datetime, limit: int
) -> list[tuple[str, datetime, str, str, datetime | None, str]]:
    """An author's items of a brand on a source before ``before``, newest first.

    Each as ``(key, created_at, kind, reason, resolved_at, text)``.
    """
    stmt = (
        select(
            col(Mention.source),
            col(Mention.external_id),
            col(Complaint.created_at),
            col(Complaint.kind),
            col(Complaint.reason),
            col(Complaint.resolved_at),
            col(Mention.text),
        )
        .join(Mention, col(Mention.id) == col(Complaint.mention_id))
        .where(
            col(Complaint.brand) == brand,
            col(Complaint.source) == source,
            col(Mention.author) == author,
            col(Complaint.created_at) < before,
        )
        .order_by(col(Complaint.created_at).desc())
        .limit(limit)
    )
    return [
        (f"{s}:{e}", at, kind, reason, resolved, text)
        for s, e, at, kind, reason, resolved, text in session.execute(stmt)
    ]


def delete_resolutions(session: Session, mention_ids: Collection[int]) -> int:
    """Remove the manual resolutions of ``mention_ids``; how many there were."""
    if not mention_ids:
        return 0
    ids = sorted(set(mention_ids))
    stmt = select(col(Resolution.mention_id)).where(col(Resolution.mention_id).in_(ids))
    found = len(list(session.execute(stmt)))
    session.execute(delete(Resolution).where(col(Resolution.mention_id).in_(ids)))
    return found


def save_correction(
    session: Session, mention_id: int, label: str, *, actor: str, at: datetime
) -> str | None:
    """Store a human label beside the model's (a second one replaces the first) and make it
    the mention's current label, which listings, digests and the spike alert read.

    Returns the model's label at the time (kept with the correction for evaluation).
    """
    stored = session.get(SentimentLabel, mention_id)
    model_label = stored.label if stored is not None else None
    row = session.get(LabelCorrection, mention_id, with_for_update=True)
    if row is None:
        row = LabelCorrection(mention_id=mention_id, label=label, actor=actor, corrected_at=at)
    row.label, row.actor, row.corrected_at, row.model_label = label, actor, at, model_label
    session.add(row)
    session.execute(
        update(Mention)
        .where(col(Mention.id) == mention_id)
        .values(sentiment=label, sentiment_confidence=HUMAN_CONFIDENCE)
    )
    session.flush()
    return model_label


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    """One human label with its post, for export."""

    key: str
    label: str
    text: str
    model_label: str | None
    actor: str
    corrected_at: datetime


def corrections(session: Session) -> list[CorrectionRow]:
    """Every human label correction, in post id order."""
    stmt = (
        select(
            col(Mention.source),
            col(Mention.external_id),
            col(LabelCorrection.label),
            col(Mention.text),
            col(LabelCorrection.model_label),
            col(LabelCorrection.actor),
            col(LabelCorrection.corrected_at),
        )
        .join(Mention, col(Mention.id) == col(LabelCorrection.mention_id))
        .order_by(col(LabelCorrection.mention_id))
    )
    return [
        CorrectionRow(f"{s}:{e}", label, text, model, actor, at)
        for s, e, label, text, model, actor, at in session.execute(stmt)
    ]
