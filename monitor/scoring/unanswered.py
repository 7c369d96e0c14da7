"""The needs-reply queue: items with their state and bounded priority, most urgent first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.scoring.complaints import Complaint, analyze_items
from monitor.scoring.model import (
    BrandProfile,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    require_aware,
)
from monitor.scoring.priority import priority as bounded_priority
from monitor.scoring.priority import rank_key

#: Item states. ``answered`` (we replied, the customer has not written since) is not a
#: queue state: such items leave the queue until the customer writes again.
NEW = "new"
AWAITING_REPLY = "awaiting_reply"
SNOOZED = "snoozed"
RESOLVED = "resolved"
ABANDONED = "abandoned"
ANSWERED = "answered"
STATES = (NEW, AWAITING_REPLY, SNOOZED, RESOLVED, ABANDONED)
#: Kinds shown in the queue.
KINDS = ("complaint", "question", "follow_up", "unknown")
FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class TriageMarks:
    """The team's manual state of one item (kept apart from the rebuilt complaint rows)."""

    key: str
    assignee: str | None = None
    snoozed_until: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One item of the queue (or of the abandoned list)."""

    key: str
    source: str
    brand: str
    author: str
    created_at: datetime
    age_minutes: float
    url: str | None
    text: str
    priority: float
    reason: str
    overdue: bool
    kind: str = "complaint"
    state: str = NEW
    followers: int | None = None
    assignee: str | None = None
    snoozed_until: datetime | None = None
    sentiment: str | None = None
    sentiment_by: str = "model"
    waiting_since: datetime | None = None
    thread: str = ""
    member_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON element of ``monitor unanswered --json`` (times ISO 8601 UTC)."""
        return {
            "id": self.key,
            "kind": self.kind,
            "state": self.state,
            "priority": self.priority,
            "reason": self.reason,
            "brand": self.brand,
            "source": self.source,
            "author": self.author,
            "followers": self.followers,
            "text": self.text,
            "url": self.url,
            "created_at": _iso(self.created_at),
            "age_minutes": self.age_minutes,
            "overdue": self.overdue,
            "assignee": self.assignee,
            "snoozed_until": _iso(self.snoozed_until) if self.snoozed_until else None,
            "sentiment": self.sentiment,
            "sentiment_by": self.sentiment_by,
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def waiting_start(item: Complaint, marks: TriageMarks | None) -> datetime | None:
    """Since when the customer waits for us; a reopen after our reply starts a wait."""
    if item.waiting_since is not None:
        return item.waiting_since
    reopened = marks.reopened_at if marks else None
    if reopened is not None and (item.last_reply_at is None or reopened > item.last_reply_at):
        return reopened
    return None


def item_state(
    item: Complaint, marks: TriageMarks | None, params: ScoringParams, now: datetime
) -> str:
    """The item's state at ``now`` (one of :data:`STATES`, or ``answered``)."""
    reopened = marks.reopened_at if marks else None
    if item.resolved_at is not None and (reopened is None or reopened < item.resolved_at):
        return RESOLVED
    closed = marks.closed_at if marks else None
    if closed is not None and (reopened is None or reopened < closed):
        return ABANDONED
    waiting = waiting_start(item, marks)
    if waiting is None:
        return ANSWERED
    if marks is not None and marks.snoozed_until is not None and marks.snoozed_until > now:
        return SNOOZED
    # a reopen restarts the abandonment clock, not the customer's wait
    clock_from = max(waiting, reopened) if reopened is not None else waiting
    if now - clock_from > timedelta(hours=params.abandon_after_hours):
        return ABANDONED
    return AWAITING_REPLY if item.answered else NEW


def queue_item(
    item: Complaint, marks: TriageMarks | None, params: ScoringParams, now: datetime
) -> QueueItem | None:
    """The item as the queue shows it, or ``None`` when it needs no reply (answered, resolved)."""
    state = item_state(item, marks, params, now)
    waiting = waiting_start(item, marks)
    if state in (RESOLVED, ANSWERED) or waiting is None:
        return None
    wait = (now - waiting).total_seconds() / 60
    follow_up = item.answered
    return QueueItem(
        key=item.key,
        source=item.source,
        brand=item.brand,
        author=item.author,
        created_at=item.created_at,
        age_minutes=wait,
        url=item.url,
        text=item.text,
        priority=bounded_priority(
            wait_minutes=wait,
            sla_minutes=params.sla_minutes,
            followers=item.author_followers,
            severity=item.negative_score,
            follow_up=follow_up,
            abandoned=state == ABANDONED,
        ),
        reason=item.reason,
        overdue=state in (NEW, AWAITING_REPLY) and wait > params.sla_minutes,
        kind=FOLLOW_UP if follow_up else item.kind,
        state=state,
        followers=item.author_followers,
        assignee=marks.assignee if marks else None,
        snoozed_until=marks.snoozed_until if marks and state == SNOOZED else None,
        sentiment=item.sentiment,
        sentiment_by=item.sentiment_by,
        waiting_since=waiting,
        thread=item.thread,
        member_keys=item.member_keys,
    )


def sort_queue(items: Iterable[QueueItem]) -> list[QueueItem]:
    """Most urgent first; equal priorities: the fresher wait, the bigger audience, the id."""
    return sorted(
        items,
        key=lambda i: rank_key(i.priority, i.waiting_since or i.created_at, i.followers, i.key),
    )


def queue_from_complaints(
    complaints: Iterable[Complaint],
    params: ScoringParams,
    now: datetime,
    overdue_only: bool = False,
    marks: Mapping[str, TriageMarks] | None = None,
    states: Iterable[str] = (NEW, AWAITING_REPLY),
) -> list[QueueItem]:
    """The queue from analysed items: those in ``states``, most urgent first.

    A complaint marked resolved by hand leaves the queue even without a brand reply:
    that is what ``monitor resolve`` is for.
    """
    now = require_aware(now, "now")
    wanted = set(states)
    marks = marks or {}
    items = []
    for c in complaints:
        item = queue_item(c, marks.get(c.key), params, now)
        if item is None or item.state not in wanted or (overdue_only and not item.overdue):
            continue
        items.append(item)
    return sort_queue(items)


def unanswered_queue(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    now: datetime,
    overdue_only: bool = False,
) -> list[QueueItem]:
    """The brand's queue (new and awaiting-reply items) at ``now``.

    Pass every mention that may be an open item plus every post of their threads up to
    ``now``, and the manual resolutions of those posts.
    """
    items = analyze_items(mentions, brand, params, resolutions, now)
    return queue_from_complaints(items, params, now, overdue_only)
