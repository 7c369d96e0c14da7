"""Which brands and competitors each mention counts for (the ``mention_brand`` table).

A post naming two configured brands counts for both (docs/kpis.md); ``mention.brand``
stays the one brand it was collected for, which owns its thread and its complaint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlmodel import Session, col

from monitor.storage.db import dialect_insert
from monitor.storage.models import MentionBrand

#: How a mention was matched to a brand, strongest first (one row per mention and brand).
TARGET, HANDLE, KEYWORD = "target", "handle", "keyword"
_CHUNK = 500


def _insert(session: Session) -> Any:
    return dialect_insert(session, MentionBrand)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def add_brands(session: Session, rows: Sequence[tuple[int, str, str, datetime]]) -> None:
    """Insert ``(mention_id, brand, how, created_at)`` rows not stored yet; others are kept."""
    if not rows:
        return
    stmt = _insert(session).on_conflict_do_nothing(index_elements=["mention_id", "brand"])
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))  # one lock order for every writer
    for chunk in _chunks(ordered):
        session.connection().execute(
            stmt,
            [{"mention_id": m, "brand": b, "how": h, "created_at": c} for m, b, h, c in chunk],
        )


def stored_brands(session: Session, mention_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """``{mention_id: {brand: how}}`` of the given mentions (those with none are absent)."""
    found: dict[int, dict[str, str]] = {}
    ids = sorted(set(mention_ids))
    for chunk in _chunks(ids):
        stmt = select(
            col(MentionBrand.mention_id), col(MentionBrand.brand), col(MentionBrand.how)
        ).where(col(MentionBrand.mention_id).in_(list(chunk)))
        for mention_id, brand, how in session.connection().execute(stmt):
            found.setdefault(int(mention_id), {})[brand] = how
    return found


def sync_brands(
    session: Session,
    wanted: Mapping[int, Mapping[str, str]],
    created: Mapping[int, datetime],
) -> int:
    """Make each mention's brands those of ``wanted`` (``{id: {brand: how}}``).

    ``target`` rows are never removed (a post collected for a brand always counts for it);
    matched rows no longer wanted are, so a post edited to drop a name stops counting for
    it. Idempotent: when nothing changed, nothing is written. Returns rows added.
    """
    stored = stored_brands(session, list(wanted))
    gone: list[tuple[int, str]] = []
    pinned: list[tuple[int, str]] = []
    new: list[tuple[int, str, str, datetime]] = []
    for mention_id, brands in wanted.items():
        have = stored.get(mention_id, {})
        for brand, how in have.items():
            if how != TARGET and brand not in brands:
                gone.append((mention_id, brand))
            elif how != TARGET and brands.get(brand) == TARGET:
                pinned.append((mention_id, brand))
        new.extend(
            (mention_id, brand, how, created[mention_id])
            for brand, how in brands.items()
            if brand not in have
        )
    for chunk in _chunks(sorted(gone)):
        session.execute(delete(MentionBrand).where(_pairs(chunk)))
    for chunk in _chunks(sorted(pinned)):
        session.execute(update(MentionBrand).where(_pairs(chunk)).values(how=TARGET))
    add_brands(session, new)
    return len(new)


def _pairs(pairs: Sequence[tuple[int, str]]) -> Any:
    return or_(
        *(and_(col(MentionBrand.mention_id) == m, col(MentionBrand.brand) == b) for m, b in pairs)
    )
