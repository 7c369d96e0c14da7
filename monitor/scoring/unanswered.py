"""The unanswered queue: open complaints no brand account has replied to, most urgent first."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.scoring.complaints import Complaint, analyze_complaints
from monitor.scoring.model import (
    BrandProfile,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    require_aware,
)


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One unanswered complaint in the queue."""

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object (``created_at`` in ISO 8601 UTC)."""
        return {
            "id": self.key,
            "source": self.source,
            "brand": self.brand,
            "author": self.author,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "age_minutes": self.age_minutes,
            "url": self.url,
            "text": self.text,
            "priority": self.priority,
            "reason": self.reason,
            "overdue": self.overdue,
        }


def priority(complaint: Complaint, params: ScoringParams, now: datetime) -> float:
    """age/SLA, +1 once older than the SLA, + log10(1 + followers)/2, + negative confidence."""
    age = complaint.age_minutes(now)
    followers = max(complaint.author_followers or 0, 0)
    return (
        age / params.sla_minutes
        + (1.0 if age > params.sla_minutes else 0.0)
        + math.log10(1 + followers) / 2
        + complaint.negative_score
    )


def queue_from_complaints(
    complaints: Iterable[Complaint],
    params: ScoringParams,
    now: datetime,
    overdue_only: bool = False,
) -> list[QueueItem]:
    """The queue from analysed complaints: unanswered and not resolved, most urgent first.

    A complaint marked resolved by hand leaves the queue even without a brand reply:
    that is what ``monitor resolve`` is for. Ties go to the oldest complaint.
    """
    now = require_aware(now, "now")
    items = []
    for c in complaints:
        if c.answered or c.resolved:
            continue
        overdue = c.overdue(now, params)
        if overdue_only and not overdue:
            continue
        items.append(
            QueueItem(
                key=c.key,
                source=c.source,
                brand=c.brand,
                author=c.author,
                created_at=c.created_at,
                age_minutes=c.age_minutes(now),
                url=c.url,
                text=c.text,
                priority=priority(c, params, now),
                reason=c.reason,
                overdue=overdue,
            )
        )
    items.sort(key=lambda i: (-i.priority, i.created_at, i.key))
    return items


def unanswered_queue(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    now: datetime,
    overdue_only: bool = False,
) -> list[QueueItem]:
    """The brand's unanswered queue at ``now``.

    Pass every mention that may be an unanswered complaint (the stored complaint rows with
    ``answered`` false narrow it to those) plus every post of their threads up to ``now``,
    and the manual resolutions of those posts.
    """
    complaints = analyze_complaints(mentions, brand, params, resolutions, now)
    return queue_from_complaints(complaints, params, now, overdue_only)
