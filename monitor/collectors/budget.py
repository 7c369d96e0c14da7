"""A daily budget of paid or rationed units (X posts read, YouTube quota units) kept in a cursor.

Stored as ``{"day": "YYYY-MM-DD", "<unit key>": N}``; a stored count from another day, or one
that is unreadable, starts the day at zero. Which day it is (UTC for X, Pacific time for the
YouTube quota) is the caller's to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class DailyBudget:
    """Units spent on one day against a daily limit (None: no limit)."""

    limit: int | None
    day: str
    used: int = 0

    @property
    def remaining(self) -> int | None:
        """Units left today, or None without a limit."""
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        """True once today's spending reaches the limit."""
        return self.remaining == 0

    def allows(self, cost: int) -> bool:
        """True when ``cost`` more units fit in what is left today."""
        remaining = self.remaining
        return remaining is None or cost <= remaining

    def spend(self, units: int) -> None:
        """Count ``units`` spent."""
        self.used += units

    def exhaust(self) -> None:
        """Count the day as spent (the source said its own quota ran out)."""
        if self.limit is not None:
            self.used = max(self.used, self.limit)

    def to_json(self, key: str = "used") -> dict[str, Any]:
        """The budget as stored in a cursor, the count under ``key``."""
        return {"day": self.day, key: self.used}

    @classmethod
    def load(cls, stored: Any, *, today: str, limit: int | None, key: str = "used") -> DailyBudget:
        """Today's budget from a stored entry (``to_json`` shape); another day starts at zero."""
        count = stored.get(key) if isinstance(stored, dict) else None
        same_day = isinstance(stored, dict) and stored.get("day") == today
        valid = isinstance(count, int) and not isinstance(count, bool) and count >= 0
        return cls(limit, today, count if same_day and valid and count is not None else 0)
