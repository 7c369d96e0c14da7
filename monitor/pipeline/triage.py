"""The needs-reply queue from storage: items with their manual state, and finding an item by id.

The item analysis is :func:`monitor.pipeline.facts.analyse_threads` (the threads of given
posts); :func:`refresh_threads` stores its result, the incremental path after a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import Settings
from monitor.errors import UsageError
from monitor.escape import terminal
from monitor.pipeline.facts import Analysis, analyse_threads, brand_profile, scoring_params
from monitor.pipeline.queue_cache import CACHE, Entry, QueueCache
from monitor.pipeline.score import brands_of, item_record
from monitor.scoring import BrandProfile, Complaint, QueueItem, ScoringParams, TriageMarks
from monitor.scoring.model import require_aware
from monitor.scoring.unanswered import (
    ABANDONED,
    AWAITING_REPLY,
    KINDS,
    NEW,
    SNOOZED,
    STATES,
    queue_from_complaints,
    queue_item,
    sort_queue,
)
from monitor.storage.db import session_scope
from monitor.storage.mentions import mention_by_key
from monitor.storage.scores import upsert_items
from monitor.storage.triage import open_item_ids, states_of

Clock = Callable[[], datetime]
#: What ``monitor unanswered`` lists without ``--state``: items waiting for our reply.
DEFAULT_STATES = (NEW, AWAITING_REPLY)


class UnknownMentionError(UsageError):
    """An action named a post that is not stored (exit 2)."""


class NotAnItemError(LookupError):
    """An action named a stored post that belongs to no needs-reply item."""


def parse_key(key: str) -> tuple[str, str]:
    """``SOURCE:EXTERNAL_ID`` split in two, or a clear usage error."""
    source, sep, external_id = key.strip().partition(":")
    if not sep or not source or not external_id:
        raise UsageError(f"{key!r} is not SOURCE:EXTERNAL_ID (for example x:1790000000000000001)")
    return source, external_id


def refresh_threads(
    engine: Engine, settings: Settings, *, brand: str, mention_ids: Iterable[int], clock: Clock
) -> int:
    """Re-analyse the threads of ``mention_ids`` and store their items; how many.

    The incremental update after new posts: no other item or KPI row is touched (the
    periodic rescore still recomputes days for late replies).
    """
    now = require_aware(clock(), "clock()")
    config = settings.brand(brand)
    profile = brand_profile(settings, config)
    with session_scope(engine) as session:
        analysis = analyse_threads(session, profile, scoring_params(settings), mention_ids, now)
    records = [item_record(c, analysis.ids[c.key]) for c in analysis.complaints]
    with session_scope(engine) as session:
        upsert_items(session, records, now)
    return len(records)


def _marks(session: Session, analysis: Analysis) -> dict[str, TriageMarks]:
    """The stored manual state of the analysed items, by item key."""
    keys = {analysis.ids[c.key]: c.key for c in analysis.complaints}
    return {
        keys[mid]: TriageMarks(
            key=keys[mid],
            assignee=row.assignee,
            snoozed_until=row.snoozed_until,
            closed_at=row.closed_at,
            reopened_at=row.reopened_at,
        )
        for mid, row in states_of(session, list(keys)).items()
    }


def _analyse_open(
    session: Session, profile: BrandProfile, params: ScoringParams, now: datetime
) -> Entry:
    """The brand's open items analysed with their threads at ``now``, and their marks."""
    analysis = analyse_threads(session, profile, params, open_item_ids(session, profile.name), now)
    return analysis.complaints, _marks(session, analysis)


@dataclass(frozen=True)
class QueueFilter:
    """``monitor unanswered`` options: which items to list."""

    brand: str | None = None
    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = DEFAULT_STATES
    assignee: str | None = None
    overdue_only: bool = False
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for kind in self.kinds:
            if kind not in KINDS:
                raise UsageError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        listed = (NEW, AWAITING_REPLY, SNOOZED, ABANDONED)
        for state in self.states:
            if state not in STATES:
                raise UsageError(f"unknown state {state!r}: use one of {', '.join(STATES)}")
            if state not in listed:
                raise UsageError(
                    f"state {state!r} is not listed: resolved items are no longer in the "
                    f"queue (use one of {', '.join(listed)})"
                )


def queue(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    where: QueueFilter,
    cache: QueueCache = CACHE,
) -> list[QueueItem]:
    """The needs-reply queue of one brand or all, most urgent first (same order on any DB).

    Open items are analysed with their threads, kept in ``cache`` while no write reached
    the database and for at most :data:`~monitor.pipeline.queue_cache.TTL`: replies,
    follow-ups and the team's actions count at once, from any process. State, priority
    and filters are computed at ``clock()`` on every call.
    """
    now = require_aware(clock(), "clock()")
    params = scoring_params(settings)
    items: list[QueueItem] = []
    for config in brands_of(settings, where.brand):
        profile = brand_profile(settings, config)
        with session_scope(engine) as session:
            compute = partial(_analyse_open, session, profile, params, now)
            complaints, marks = cache.get(
                engine, session, config.name, (profile, params), now, compute
            )
        found = queue_from_complaints(
            complaints, params, now, where.overdue_only, marks, where.states
        )
        items.extend(
            i
            for i in found
            if (not where.kinds or i.kind in where.kinds)
            and (not where.sources or i.source in where.sources)
            and (where.assignee is None or i.assignee == where.assignee)
        )
    return sort_queue(items)


@dataclass(frozen=True)
class Located:
    """The item an action's id names: its brand, analysis and manual state."""

    key: str
    brand: str
    mention_id: int
    item: Complaint
    marks: TriageMarks | None
    analysis: Analysis
    now: datetime

    def shown(self, settings: Settings) -> QueueItem | None:
        """The item as the queue shows it now (``None``: needs no reply)."""
        return queue_item(self.item, self.marks, scoring_params(settings), self.now)


def stored_post(session: Session, key: str) -> tuple[int, str, datetime]:
    """``(mention id, brand, created_at)`` of a stored post, or :class:`UnknownMentionError`."""
    source, external_id = parse_key(key)
    mention = mention_by_key(session, source, external_id)
    if mention is None or mention.id is None:
        raise UnknownMentionError(
            # The key is typed data: one line, escaped (it may be fed from post text).
            f"no stored post {terminal(f'{source}:{external_id}')} (ids are SOURCE:EXTERNAL_ID "
            "as shown by `monitor unanswered` and `monitor mentions --json`)"
        )
    return mention.id, mention.brand, mention.created_at


@dataclass(frozen=True)
class Analysed:
    """A stored post of a configured brand with its thread analysed (items and marks)."""

    key: str
    mention_id: int
    brand: str
    analysis: Analysis
    marks: dict[str, TriageMarks]


def analysed_post(engine: Engine, settings: Settings, key: str, *, now: datetime) -> Analysed:
    """The post ``key`` with its whole thread analysed at ``now``.

    Raises :class:`UnknownMentionError` (not stored) or :class:`NotAnItemError` (a post of
    a brand that is not configured).
    """
    key = ":".join(parse_key(key))
    with session_scope(engine) as session:
        mention_id, brand, _ = stored_post(session, key)
        configured = {b.name for b in settings.config.brands}
        if brand not in configured:
            raise NotAnItemError(f"{key} is a post of {brand!r}, not of a configured brand")
        profile = brand_profile(settings, settings.brand(brand))
        params = scoring_params(settings)
        analysis = analyse_threads(session, profile, params, [mention_id], now)
        marks = _marks(session, analysis)
    return Analysed(key, mention_id, brand, analysis, marks)


def locate(engine: Engine, settings: Settings, key: str, *, now: datetime) -> Located:
    """The item whose first post, follow-up or thread is ``key``.

    In a thread with several items, the one of the post's author wins, else the latest
    still needing a reply, else the latest. Raises :class:`UnknownMentionError` (not
    stored) or :class:`NotAnItemError` (stored, but in no item of a configured brand).
    """
    found = analysed_post(engine, settings, key, now=now)
    analysis = found.analysis
    item = _pick(analysis, found.key)
    if item is None:
        raise NotAnItemError(
            f"{found.key} is not a needs-reply item of {found.brand} nor in the thread of one "
            "(see `monitor unanswered` for the items)"
        )
    return Located(
        item.key, found.brand, analysis.ids[item.key], item, found.marks.get(item.key),
        analysis, now,
    )  # fmt: skip


def _pick(analysis: Analysis, key: str) -> Complaint | None:
    """The item holding ``key``, else the best item of its thread (see :func:`locate`)."""
    items = analysis.complaints
    direct = next((c for c in items if key in c.member_keys), None)
    if direct is not None:
        return direct
    post = analysis.view.by_key.get(key)
    if post is None:
        return None
    root = analysis.view.thread_root(post)
    same = [c for c in items if c.thread == root and c.source == post.source]
    if not same:
        return None
    mine = [c for c in same if c.author.casefold() == post.author.casefold()]
    open_ = [c for c in same if not c.resolved]
    for group in (mine, open_, same):
        if group:
            return max(group, key=lambda c: (c.created_at, c.key))
    return None
