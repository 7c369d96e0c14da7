"""High-water marks for newest-first listings: what a stream has already seen, and when to stop.

Generic (App Store reviews use it too); items are identified by an id and a timestamp in
epoch seconds. Timestamps tie (one-second resolution), so a mark keeps every id at its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Mark:
    """The newest timestamp a stream has seen and the ids that share it."""

    ts: float
    ids: frozenset[str] = frozenset()

    def is_new(self, ts: float, item_id: str) -> bool:
        """True when an item at ``ts`` has not been seen by this mark."""
        return ts > self.ts or (ts == self.ts and item_id not in self.ids)

    def advanced(self, ts: float, item_id: str) -> Mark:
        """This mark after seeing one more item."""
        if ts > self.ts:
            return Mark(ts, frozenset({item_id}))
        if ts == self.ts:
            return Mark(ts, self.ids | {item_id})
        return self

    def to_json(self) -> dict[str, Any]:
        """The mark as stored in a cursor."""
        return {"ts": self.ts, "ids": sorted(self.ids)}

    @classmethod
    def from_json(cls, data: Any) -> Mark | None:
        """A mark from a stored cursor entry; None when absent or unreadable (start afresh)."""
        if not isinstance(data, dict):
            return None
        ts, ids = data.get("ts"), data.get("ids", [])
        if isinstance(ts, bool) or not isinstance(ts, int | float):
            return None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return None
        return cls(float(ts), frozenset(ids))


@dataclass
class Walk:
    """One newest-first walk of a stream: which items to emit and when to stop paging.

    A live walk emits what the old mark has not seen and stops below it; a backfill
    (``since``/``until``) emits what lies in the window and stops below ``since``.
    ``floor`` stops a walk that has no other bound (a first pass).
    """

    old: Mark | None
    since: float | None = None
    until: float | None = None
    floor: float | None = None
    newest: Mark | None = None
    reached_end: bool = field(default=False)

    @property
    def backfill(self) -> bool:
        """True when this walk fills a time window instead of following the mark."""
        return self.since is not None or self.until is not None

    def see(self, ts: float, item_id: str) -> bool:
        """Record an item; True when it should be emitted."""
        first = Mark(ts, frozenset({item_id}))
        self.newest = self.newest.advanced(ts, item_id) if self.newest else first
        if self.backfill:
            if self.since is not None and ts < self.since:
                self.reached_end = True
                return False
            return self.until is None or ts < self.until
        if self.old is not None and not self.old.is_new(ts, item_id):
            self.reached_end = self.reached_end or ts < self.old.ts
            return False
        if self.old is None and self.floor is not None and ts < self.floor:
            self.reached_end = True
            return False
        return True

    def new_mark(self) -> Mark | None:
        """The mark to store once the walk completed: the newer of the old one and what was seen."""
        if self.newest is None:
            return self.old
        if self.old is None:
            return self.newest
        mark = self.old
        for item_id in sorted(self.newest.ids):
            mark = mark.advanced(self.newest.ts, item_id)
        return mark


def epoch(when: datetime | None) -> float | None:
    """Epoch seconds of an aware datetime, None stays None."""
    return when.timestamp() if when is not None else None
