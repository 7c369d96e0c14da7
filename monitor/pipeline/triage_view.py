"""One item as a person reads it: the post, its whole thread, the customer's earlier items,
the notes and the audit trail (the web inbox's item page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.triage import locate
from monitor.scoring import QueueItem
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.triage import audit_of, earlier_items

Clock = Callable[[], datetime]
#: The customer's earlier items shown on an item page, newest first.
EARLIER_ITEMS = 20


@dataclass(frozen=True)
class ThreadPost:
    """One post of the item's thread, oldest first; ``by_brand``: one of the brand's replies."""

    key: str
    author: str
    created_at: datetime
    text: str
    url: str | None
    by_brand: bool
    in_item: bool
    sentiment: str | None
    sentiment_by: str


@dataclass(frozen=True)
class AuditLine:
    """One recorded action: who, when, what, the note."""

    at: datetime
    actor: str
    action: str
    detail: str | None
    note: str | None


@dataclass(frozen=True)
class EarlierItem:
    """An earlier needs-reply item of the same customer (same source, same brand)."""

    key: str
    created_at: datetime
    kind: str
    reason: str
    resolved_at: datetime | None
    text: str


@dataclass(frozen=True)
class ItemDetail:
    """Everything the item page shows; ``shown`` is None when it needs no reply now."""

    key: str
    brand: str
    source: str
    author: str
    created_at: datetime
    text: str
    url: str | None
    kind: str
    reason: str
    resolved_at: datetime | None
    shown: QueueItem | None
    thread: list[ThreadPost]
    earlier: list[EarlierItem]
    audit: list[AuditLine]

    @property
    def notes(self) -> list[AuditLine]:
        """The notes kept with the item, oldest first."""
        return [a for a in self.audit if a.action == "note"]


def item_detail(engine: Engine, settings: Settings, key: str, *, clock: Clock) -> ItemDetail:
    """The item ``key`` names (its first post, a follow-up or a reply in its thread).

    Raises :class:`~monitor.pipeline.triage.UnknownMentionError` or
    :class:`~monitor.pipeline.triage.NotAnItemError` like the actions do.
    """
    now = require_aware(clock(), "clock()")
    found = locate(engine, settings, key, now=now)
    item, view = found.item, found.analysis.view
    members = set(item.member_keys)
    thread = sorted(
        (
            p
            for p in view.by_key.values()
            if p.source == item.source and view.thread_root(p) == item.thread
        ),
        key=lambda p: (p.created_at, p.key),
    )
    posts = [
        ThreadPost(
            p.key,
            p.author,
            p.created_at,
            p.text,
            p.url,
            p.key in view.brand_keys,
            p.key in members,
            p.label,
            p.label_by,
        )
        for p in thread
    ]
    with session_scope(engine) as session:
        audit = [
            AuditLine(a.at, a.actor, a.action, a.detail, a.note)
            for a in audit_of(session, found.mention_id)
        ]
        rows = earlier_items(
            session, found.brand, item.source, item.author, item.created_at, EARLIER_ITEMS
        )
    earlier = [EarlierItem(*row) for row in rows]
    return ItemDetail(
        key=item.key, brand=found.brand, source=item.source, author=item.author,
        created_at=item.created_at, text=item.text, url=item.url, kind=item.kind,
        reason=item.reason, resolved_at=item.resolved_at, shown=found.shown(settings),
        thread=posts, earlier=earlier, audit=audit,
    )  # fmt: skip
