"""Test helper: the default needs-reply queue, as ``monitor unanswered`` lists it."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.triage import Clock, QueueFilter, QueueItem, queue


def unanswered(engine: Engine, settings: Settings, *, clock: Clock) -> list[QueueItem]:
    """The default needs-reply queue (every brand, open states), most urgent first."""
    return queue(engine, settings, clock=clock, where=QueueFilter())
