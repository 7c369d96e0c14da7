"""Calendar days in the brand's time zone, as UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the local calendar ``day`` begins (local midnight, DST-aware)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_bounds(start_day: date, end_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` covering the local days ``start_day`` through ``end_day``."""
    if end_day < start_day:
        raise ValueError(f"day range {start_day} .. {end_day} ends before it starts")
    return day_start(start_day, zone), day_start(end_day + timedelta(days=1), zone)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The local calendar day an aware instant falls on."""
    return instant.astimezone(zone).date()


def same_local_time_days_ago(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The UTC instant with the same local wall-clock time ``days`` calendar days earlier."""
    # aware arithmetic within one tzinfo is wall-clock arithmetic: DST changes keep the hour
    return (instant.astimezone(zone) - timedelta(days=days)).astimezone(UTC)
