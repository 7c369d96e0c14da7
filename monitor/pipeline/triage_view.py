"""One item as a person reads it: the post, its whole thread, the customer's earlier items,
the notes and the audit trail (the web inbox's item page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.triage import Analysed, NotAnItemError, analysed_post, locate
from monitor.scoring import BrandView, QueueItem
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

    A post of a configured brand that is in no item (any more: say a corrected label made
    it neutral) is shown alone, with its thread and audit trail. Raises
    :class:`~monitor.pipeline.triage.UnknownMentionError` (not stored) or
    :class:`~monitor.pipeline.triage.NotAnItemError` (a post of no configured brand).
    """
    now = require_aware(clock(), "clock()")
    try:
        found = locate(engine, settings, key, now=now)
    except NotAnItemError:
        return _post_detail(engine, analysed_post(engine, settings, key, now=now))
    item, view = found.item, found.analysis.view
    return ItemDetail(
        key=item.key, brand=found.brand, source=item.source, author=item.author,
        created_at=item.created_at, text=item.text, url=item.url, kind=item.kind,
        reason=item.reason, resolved_at=item.resolved_at, shown=found.shown(settings),
        thread=_thread(view, item.source, item.thread, set(item.member_keys)),
        **_history(engine, found.mention_id, found.brand, item.source, item.author,
                   item.created_at),
    )  # fmt: skip


def _post_detail(engine: Engine, found: Analysed) -> ItemDetail:
    """A post in no item: itself, its thread and its audit trail."""
    view = found.analysis.view
    post = view.by_key.get(found.key)
    if post is None:  # created after now: not yet visible to scoring
        raise NotAnItemError(f"{found.key} is not a needs-reply item of {found.brand}")
    return ItemDetail(
        key=post.key, brand=found.brand, source=post.source, author=post.author,
        created_at=post.created_at, text=post.text, url=post.url, kind="post",
        reason="not a needs-reply item", resolved_at=None, shown=None,
        thread=_thread(view, post.source, view.thread_root(post), {post.key}),
        **_history(engine, found.mention_id, found.brand, post.source, post.author,
                   post.created_at),
    )  # fmt: skip


def _thread(view: BrandView, source: str, root: str, members: set[str]) -> list[ThreadPost]:
    """The thread's posts oldest first, brand replies marked."""
    posts = sorted(
        (p for p in view.by_key.values() if p.source == source and view.thread_root(p) == root),
        key=lambda p: (p.created_at, p.key),
    )
    return [
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
        for p in posts
    ]


def _history(
    engine: Engine, mention_id: int, brand: str, source: str, author: str, before: datetime
) -> dict[str, Any]:
    """The audit trail of the post and the author's earlier items."""
    with session_scope(engine) as session:
        audit = [
            AuditLine(a.at, a.actor, a.action, a.detail, a.note)
            for a in audit_of(session, mention_id)
        ]
        rows = earlier_items(session, brand, source, author, before, EARLIER_ITEMS)
    return {"audit": audit, "earlier": [EarlierItem(*row) for row in rows]}
