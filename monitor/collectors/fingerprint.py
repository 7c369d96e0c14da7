"""Stream fingerprints: a changed query starts that stream afresh instead of skipping posts.

A cursor is stored per source and brand, but what a stream has seen depends on what it
asked for: an X ``since_id`` reached under one query says nothing about another. A
collector that keeps per-stream state under ``cursor["streams"][NAME]`` names the settings
that define each stream (:class:`DescribesStreams`); a short hash of them is kept under
``cursor["fingerprints"][NAME]``. When the hash differs from the stored one, that stream's
state is dropped before the collector sees the cursor, so it reads afresh within its
normal first-pass window; the other streams keep their place.

A cursor without a stored fingerprint for a stream (written before fingerprints existed)
keeps its state and adopts the current settings: an upgrade re-reads nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from monitor.collectors.base import Cursor, Target

FINGERPRINTS = "fingerprints"
#: Hex digits kept of the SHA-256: a collision needs 2**32 edits of one stream's settings.
DIGITS = 16

#: Settings per stream name, e.g. ``{"search": {"query": "acme"}}``.
StreamSettings = Mapping[str, Mapping[str, Any]]


@runtime_checkable
class DescribesStreams(Protocol):
    """A collector that can say which settings define each of a target's streams."""

    def stream_settings(self, target: Target) -> StreamSettings:
        """Stream name -> the settings (JSON-able) that decide what the stream reads."""
        ...


def fingerprint(settings: Mapping[str, Any]) -> str:
    """A short, stable hash of one stream's settings (key order does not matter)."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGITS]


@dataclass(frozen=True)
class ChangedStream:
    """A stream whose settings changed since its state was stored."""

    name: str
    settings: tuple[str, ...]  # the names of the settings that define it

    def message(self) -> str:
        """What the log says, e.g. ``search query changed, starting the search stream afresh``."""
        what = " and ".join(self.settings) if self.settings else "settings"
        return f"{self.name} {what} changed, starting the {self.name} stream afresh"


@dataclass
class StreamCheck:
    """The cursor to hand to the collector, the fingerprints to store, and what changed."""

    cursor: Cursor | None
    fingerprints: dict[str, str]
    changed: list[ChangedStream] = field(default_factory=list)

    def stamp(self, cursor: Cursor) -> Cursor:
        """``cursor`` (as a collector wrote it) with the current fingerprints added."""
        if not self.fingerprints:
            return cursor
        return {**cursor, FINGERPRINTS: dict(self.fingerprints)}


def check_streams(cursor: Cursor | None, settings: StreamSettings) -> StreamCheck:
    """Compare stored fingerprints with ``settings``; drop the state of changed streams.

    Fingerprints of streams no longer configured are kept, so a stream removed and later
    added back with other settings still starts afresh.
    """
    stored_raw = (cursor or {}).get(FINGERPRINTS)
    stored = stored_raw if isinstance(stored_raw, dict) else {}
    current = {name: fingerprint(values) for name, values in settings.items()}
    changed = [
        ChangedStream(name, tuple(settings[name]))
        for name, digest in current.items()
        if isinstance(stored.get(name), str) and stored[name] != digest
    ]
    kept = {k: v for k, v in stored.items() if isinstance(k, str) and isinstance(v, str)}
    fingerprints = {**kept, **current}
    if not changed or cursor is None:
        return StreamCheck(cursor, fingerprints, changed)
    streams = cursor.get("streams")
    if isinstance(streams, dict):
        gone = {c.name for c in changed}
        streams = {name: state for name, state in streams.items() if name not in gone}
        cursor = {**cursor, "streams": streams}
    return StreamCheck(cursor, fingerprints, changed)


def stream_settings_of(collector: object, target: Target) -> StreamSettings:
    """The collector's stream settings for ``target``; none when it does not describe them."""
    if isinstance(collector, DescribesStreams):
        return collector.stream_settings(target)
    return {}
