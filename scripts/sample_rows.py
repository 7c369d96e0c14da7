"""What both sample builders share: ids in time order, import-format rows, the JSONL file.

``make_synthetic_sample.py`` (the bundled sample) and ``make_sample.py`` (the airline sample a
user may build locally) draw their threads differently but write them the same way.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar


class SampleEvent(Protocol):
    """One generated post; ``parent`` is the post it answers, ``root`` its thread's first."""

    at: datetime
    seq: int
    id: str
    author: str
    brand: str
    text: str

    @property
    def followers(self) -> int | None:
        """The author's followers, when known."""

    @property
    def parent(self) -> SampleEvent | None:
        """The post this one answers."""

    @property
    def root(self) -> SampleEvent:
        """The first post of the thread."""


E = TypeVar("E", bound=SampleEvent)


def import_rows(
    events: Iterable[E], id_prefix: str, extra: Callable[[E], Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The events in time order as import-format rows, ids given out in that order.

    ``extra`` adds each builder's provenance fields (``synthetic``, corpus row...); keys whose
    value is None are left out, as the import format has no nulls.
    """
    ordered = sorted(events, key=lambda e: (e.at, e.seq))
    for number, event in enumerate(ordered, start=1):
        event.id = f"{id_prefix}{number:05d}"
    out = []
    for event in ordered:
        row: dict[str, Any] = {
            "source": "x",
            "id": event.id,
            "created_at": event.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": event.author,
            "author_id": str(zlib.crc32(event.author.encode())),
            "followers": event.followers,
            "brand": event.brand,
            "in_reply_to": event.parent.id if event.parent else None,
            "thread_id": event.root.id if event.parent else None,
            "lang": "en",
            "text": event.text,
            **extra(event),
        }
        out.append({k: v for k, v in row.items() if v is not None})
    return out


def write_sample(path: Path, rows: list[dict[str, Any]], stats: Mapping[str, int]) -> None:
    """Write ``rows`` as JSON lines to ``path`` and print the sample's figures."""
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    figures = {"posts": len(lines), "bytes": path.stat().st_size, **dict(sorted(stats.items()))}
    print(json.dumps(figures, indent=1))
