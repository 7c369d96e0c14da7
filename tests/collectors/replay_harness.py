"""The replay source's contract harness: a small posts file, no server (see test_contract.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.collectors.base import Clock, Target
from monitor.collectors.replay.collector import ReplayCollector
from monitor.collectors.replay.settings import ReplayBrandSettings, ReplaySettings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "replay.jsonl"
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
#: What the Skylark target collects from FIXTURE: its brand rows and the unbranded ones
#: written by or naming @SkylarkHelp (r4 is Globex Air's, r7 names nobody, line 6 is bad).
SKYLARK_IDS = ["r1", "r2", "r3", "r5", "r6"]


def make_replay_collector(
    path: Path = FIXTURE, clock: Clock = lambda: NOW, **settings: Any
) -> tuple[ReplayCollector, Target]:
    """A replay collector over ``path`` in pages of 3 rows, and the Skylark target."""
    config = ReplaySettings.model_validate(
        {"enabled": True, "path": str(path), "batch_size": 3, **settings}
    )
    target = Target("Skylark", ReplayBrandSettings(accounts=["SkylarkHelp"]))
    return ReplayCollector(config, clock), target


@contextmanager
def replay_harness() -> Iterator[tuple[ReplayCollector, Target]]:
    """The collector and target the contract test runs against."""
    yield make_replay_collector()


@contextmanager
def counted_replay_harness() -> Iterator[tuple[ReplayCollector, Target, Callable[[], int]]]:
    """As :func:`replay_harness`, with a count of the pages read (a file has no requests)."""
    collector, target = make_replay_collector()
    read = [0]
    collect = collector.collect

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for page in collect(*args, **kwargs):
            read[0] += 1
            yield page

    collector.collect = counting  # type: ignore[method-assign]
    yield collector, target, lambda: read[0]
