"""The X cursor: an id window per stream plus the posts read today, as plain JSON.

Shape (every key optional)::

    {"streams": {"search": {"since_id": "…", "until_id": "…", "pending_newest": "…"}, …},
     "budget": {"day": "YYYY-MM-DD", "reads": N}}

X returns newest first. ``since_id`` is the newest id of the last *completed* pass. While a
pass is under way, pages carry ``until_id`` (the oldest id read so far: what is left lies
between ``since_id`` and ``until_id``) and ``pending_newest`` (the next ``since_id`` once the
pass completes). A pass cut short by a crash or the read budget resumes from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.collectors.base import Cursor
from monitor.collectors.budget import DailyBudget

_ID_KEYS = ("since_id", "until_id", "pending_newest")


@dataclass(frozen=True)
class StreamState:
    """Where one stream stands: the last completed high-water mark and any unfinished pass."""

    since_id: str | None = None
    until_id: str | None = None
    pending_newest: str | None = None

    def to_json(self) -> dict[str, str]:
        """The non-empty ids."""
        return {k: v for k in _ID_KEYS if (v := getattr(self, k)) is not None}


class ReadBudget(DailyBudget):
    """Posts read on one UTC day, against a daily limit (None: no limit)."""

    @property
    def reads(self) -> int:
        """Posts read today."""
        return self.used

    @reads.setter
    def reads(self, value: int) -> None:
        self.used = value

    def note(self) -> str:
        """What the collector says when it stops for the budget."""
        return (
            f"x: daily read budget of {self.limit} posts reached; stopping until 00:00 UTC "
            f"({self.reads} read on {self.day})"
        )


@dataclass
class XCursor:
    """The whole cursor of one target, loaded leniently and written back as JSON."""

    budget: ReadBudget
    streams: dict[str, StreamState] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, cursor: Cursor | None, *, today: str, limit: int | None) -> XCursor:
        """Read a stored cursor; unreadable parts start afresh and are named in ``problems``."""
        cursor = cursor if isinstance(cursor, dict) else {}
        problems: list[str] = []
        streams: dict[str, StreamState] = {}
        stored = cursor.get("streams", {})
        for name, state in (stored if isinstance(stored, dict) else {}).items():
            ids = {k: state.get(k) for k in _ID_KEYS} if isinstance(state, dict) else None
            if ids is None or not all(v is None or _is_id(v) for v in ids.values()):
                problems.append(f"x: stored cursor of stream {name!r} is unreadable; starting over")
                continue
            streams[str(name)] = StreamState(**ids)
        stored_budget = DailyBudget.load(
            cursor.get("budget"), today=today, limit=limit, key="reads"
        )
        return cls(ReadBudget(limit, today, stored_budget.used), streams, problems)

    def stream(self, name: str) -> StreamState:
        """The state of stream ``name`` (empty when never read)."""
        return self.streams.get(name, StreamState())

    def to_json(self) -> Cursor:
        """A fresh JSON-ready dict of the whole cursor."""
        return {
            "streams": {n: s.to_json() for n, s in sorted(self.streams.items())},
            "budget": self.budget.to_json("reads"),
        }


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()
