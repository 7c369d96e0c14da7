"""Queue priority: bounded, so fresh and recoverable items rank above stale ones.

``priority = 2·urgency + 1.5·reach + 1·severity + 1·follow_up`` (0 to 5.5 for an open
item), and an abandoned item's priority is that minus :data:`ABANDONED_OFFSET`, so it is
always below 0 and never above an open one. docs/kpis.md explains each term.
"""

from __future__ import annotations

import math
from datetime import datetime

W_URGENCY = 2.0
W_REACH = 1.5
W_SEVERITY = 1.0
W_FOLLOW_UP = 1.0
#: The highest priority an open item can have.
OPEN_MAX = W_URGENCY + W_REACH + W_SEVERITY + W_FOLLOW_UP
#: Subtracted from an abandoned item's priority: more than any open item can score.
ABANDONED_OFFSET = OPEN_MAX + 0.5
#: Audience at which reach saturates: 10 million followers (log10 = 7).
REACH_SATURATION_LOG10 = 7.0


def urgency(wait_minutes: float, sla_minutes: float) -> float:
    """0 → 1 as the wait approaches the SLA, then stays at 1 (it saturates)."""
    return min(max(wait_minutes, 0.0) / sla_minutes, 1.0)


def reach(followers: int | None) -> float:
    """log10(1 + followers) / 7, capped at 1 (unknown followers count as 0)."""
    return min(math.log10(1 + max(followers or 0, 0)) / REACH_SATURATION_LOG10, 1.0)


def priority(
    *,
    wait_minutes: float,
    sla_minutes: float,
    followers: int | None,
    severity: float,
    follow_up: bool,
    abandoned: bool,
) -> float:
    """The item's priority; ``severity`` is the negative confidence (0-1, clamped)."""
    value = (
        W_URGENCY * urgency(wait_minutes, sla_minutes)
        + W_REACH * reach(followers)
        + W_SEVERITY * min(max(severity, 0.0), 1.0)
        + (W_FOLLOW_UP if follow_up else 0.0)
    )
    return value - ABANDONED_OFFSET if abandoned else value


def rank_key(
    priority_value: float, waiting_since: datetime, followers: int | None, key: str
) -> tuple[float, float, int, str]:
    """Sort key, most urgent first: priority, then the fresher wait, the bigger audience, the id.

    The id makes the order total, so every database gives the same queue.
    """
    return (-priority_value, -waiting_since.timestamp(), -max(followers or 0, 0), key)
