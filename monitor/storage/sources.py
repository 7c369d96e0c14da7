"""Per-source state: cursors (checkpoints), health, and pages kept for inspection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from monitor.redact import MAX_BODY_CHARS, redact_body
from monitor.storage.models import Checkpoint, SkippedPageRecord, SourceHealth

MAX_ERROR_CHARS = 2_000
MAX_RAW_BODY_CHARS = MAX_BODY_CHARS


def load_cursor(session: Session, source: str, query_key: str) -> dict[str, Any] | None:
    """The saved cursor of ``source`` for ``query_key``, or None before the first pass."""
    row = session.get(Checkpoint, (source, query_key))
    return dict(row.cursor) if row is not None else None


def save_cursor(
    session: Session, source: str, query_key: str, cursor: dict[str, Any], now: datetime
) -> None:
    """Store a cursor in the caller's transaction (together with the rows it covers)."""
    row = session.get(Checkpoint, (source, query_key))
    if row is None:
        session.add(Checkpoint(source=source, query_key=query_key, cursor=cursor, updated_at=now))
    elif row.cursor != cursor:
        row.cursor, row.updated_at = cursor, now
        session.add(row)


def _health(session: Session, source: str, query_key: str) -> SourceHealth:
    row = session.get(SourceHealth, (source, query_key))
    return row if row is not None else SourceHealth(source=source, query_key=query_key)


def record_success(session: Session, source: str, query_key: str, posts: int, now: datetime) -> str:
    """Mark a pass as succeeded; returns the state it had before (for change-only logging)."""
    row = _health(session, source, query_key)
    before = row.state
    row.state, row.consecutive_failures = "ok", 0
    row.last_success_at, row.posts_last_run = now, posts
    row.posts_total = (row.posts_total or 0) + posts
    session.add(row)
    return before


def record_failure(
    session: Session, source: str, query_key: str, error: str, now: datetime, *, auth: bool
) -> str:
    """Mark a pass as failed; returns the state it had before."""
    row = _health(session, source, query_key)
    before = row.state
    row.state = "auth_error" if auth else "failing"
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    # An upstream error text may quote the request's headers: masked like a skipped body.
    row.last_error_at, row.last_error = now, redact_body(error, limit=MAX_ERROR_CHARS)
    session.add(row)
    return before


def all_health(session: Session) -> list[SourceHealth]:
    """Health of every source and target seen so far."""
    stmt = select(SourceHealth).order_by(col(SourceHealth.source), col(SourceHealth.query_key))
    return list(session.execute(stmt).scalars())


def keep_skipped_page(
    session: Session,
    source: str,
    query_key: str,
    where: str,
    reason: str,
    raw_body: str,
    now: datetime,
    *,
    secrets: Sequence[str] = (),
) -> None:
    """Keep a page that could not be parsed, for inspection: its body masked and capped.

    An API that echoes the request puts the bearer token or the Reddit credentials in its
    error body, so ``secrets`` (every configured secret value), auth headers and credential
    pairs are masked before anything is stored, and the body is cut at 16 KB.
    """
    session.add(
        SkippedPageRecord(
            source=source,
            query_key=query_key,
            where=where,
            reason=redact_body(reason, secrets, limit=MAX_ERROR_CHARS),
            raw_body=redact_body(raw_body, secrets).replace("\x00", "\ufffd"),
            at=now,
        )
    )
