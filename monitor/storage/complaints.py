"""Complaint state stored by the scorer: the unanswered queue's source, and per-mention flags."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from monitor.storage.models import Complaint


def complaint_flags(session: Session, mention_ids: Sequence[int]) -> dict[int, dict[str, bool]]:
    """``{mention_id: {"is_complaint", "answered"}}`` for scored mentions among ``mention_ids``."""
    flags: dict[int, dict[str, bool]] = {
        mid: {"is_complaint": False, "answered": False} for mid in mention_ids
    }
    ids = list(mention_ids)
    for start in range(0, len(ids), 500):
        stmt = select(col(Complaint.mention_id), col(Complaint.answered)).where(
            col(Complaint.mention_id).in_(ids[start : start + 500]),
            col(Complaint.kind) == "complaint",  # questions are items, not complaints
        )
        for mid, answered in session.execute(stmt):
            flags[mid] = {"is_complaint": True, "answered": bool(answered)}
    return flags
