"""An in-process cache of each brand's queue analysis, checked against the database.

The queue page re-analysed every open item's thread on each request (about 1 s at 1 M
mentions). The analysis (the items and their manual marks) is kept per engine and brand
with the :func:`data_version` it was computed at, and reused while that version is
unchanged and it is younger than :data:`TTL`. State, priority and filters are still
computed at ``now`` on every request from the kept analysis.

The version is read from the database (never an in-process flag): the daemon, the web and
the CLI share only the database, so a write by any of them is seen by all at once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from monitor.scoring import Complaint, TriageMarks
from monitor.storage.models import Complaint as ComplaintRow
from monitor.storage.models import Mention, SentimentLabel, TriageAudit

#: How long a kept analysis may serve: the analysis depends on ``now`` (a silent thread
#: resolves, an unanswered one is abandoned), so such a change shows at most this late.
TTL = timedelta(seconds=60)

#: What one analysis holds: the brand's open items and their manual marks.
Entry = tuple[list[Complaint], dict[str, TriageMarks]]


def data_version(session: Session) -> tuple[object, ...]:
    """A value that changes on every write the queue's analysis depends on.

    Each part is one index look-up (a primary key or an index of migration
    ``0008_queue_version``) on SQLite and PostgreSQL:
    new posts (``mention.id``), edited posts (``mention.updated_at``), new model labels
    (``sentiment_label.labeled_at``), every triage action, manual resolution and label
    correction (each writes a ``triage_audit`` row) and rescoring (``complaint.scored_at``).
    A removed ``complaint`` row is not counted (a count reads every row: 11 ms at 100 k on
    PostgreSQL): rescoring removes one only after a change to posts or labels, which moves
    the version, and the analysis reads those posts and labels, not the removed row.
    """
    stmt = select(
        select(func.max(col(Mention.id))).scalar_subquery(),
        select(func.max(col(Mention.updated_at))).scalar_subquery(),
        select(func.max(col(SentimentLabel.labeled_at))).scalar_subquery(),
        select(func.max(col(TriageAudit.id))).scalar_subquery(),
        select(func.max(col(ComplaintRow.scored_at))).scalar_subquery(),
    )
    return tuple(session.execute(stmt).one())


@dataclass(frozen=True)
class _Kept:
    version: tuple[object, ...]
    key: object
    at: datetime
    entry: Entry


class QueueCache:
    """Kept analyses by engine and brand; safe to share between request threads."""

    def __init__(self, ttl: timedelta = TTL) -> None:
        self.ttl = ttl
        self.hits = 0
        self.misses = 0
        # One lock for all: a miss is computed once while other requests wait for it.
        self._lock = threading.Lock()
        self._kept: weakref.WeakKeyDictionary[Engine, dict[str, _Kept]] = (
            weakref.WeakKeyDictionary()
        )

    def get(
        self,
        engine: Engine,
        session: Session,
        brand: str,
        key: object,
        now: datetime,
        compute: Callable[[], Entry],
    ) -> Entry:
        """The brand's analysis: kept if still valid at ``now``, else ``compute()`` kept.

        ``key`` names what else the analysis depends on (the brand's settings): a change
        of it is a miss too.
        """
        with self._lock:
            version = data_version(session)
            kept = self._kept.get(engine, {}).get(brand)
            if (
                kept is not None
                and kept.version == version
                and kept.key == key
                and kept.at <= now < kept.at + self.ttl
            ):
                self.hits += 1
                return kept.entry
            self.misses += 1
            entry = compute()
            self._kept.setdefault(engine, {})[brand] = _Kept(version, key, now, entry)
            return entry

    def clear(self) -> None:
        """Forget every kept analysis."""
        with self._lock:
            self._kept = weakref.WeakKeyDictionary()


#: The process's cache, used by :func:`monitor.pipeline.triage.queue`.
CACHE = QueueCache()
