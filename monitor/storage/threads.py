"""Thread-aware mention reads for the scorer: a window of mentions plus their whole threads.

Every query here is an index search per key (``(brand, created_at)``, ``(source,
thread_id)``, ``(source, in_reply_to)``, ``(source, external_id)``), in chunks: on SQLite
``IN (?, ?, …)`` of :data:`CHUNK` values, on PostgreSQL ``= ANY(array)`` with a single
array parameter of up to :data:`PG_CHUNK` values (hundreds of separate parameters cost
more to bind than to look up).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, String, any_, literal, select
from sqlmodel import Session, col

from monitor.storage.mentions import HUMAN_CONFIDENCE
from monitor.storage.models import (
    LabelCorrection,
    Mention,
    MentionBrand,
    Resolution,
    SentimentLabel,
)

CHUNK = 500
PG_CHUNK = 5000
Key = tuple[str, str]  # (source, external id / thread id)


@dataclass(frozen=True, slots=True)
class FactRow:
    """The columns the scorer reads of one mention, its label scores included.

    A human correction (``monitor label``) replaces the model's label: confidence 1 and a
    negative score of 1 or 0; ``label_by`` says which one it is.
    """

    id: int
    source: str
    external_id: str
    brand: str
    author: str
    created_at: datetime
    text: str
    url: str | None
    author_followers: int | None
    in_reply_to: str | None
    thread_id: str | None
    subreddit: str | None
    rating: int | None
    is_brand_post: bool
    label: str | None
    confidence: float | None
    negative_score: float | None
    skipped_reason: str | None = None
    label_by: str = "model"
    #: The asked-for brands the post counts for (``mention_brand``); empty when read by id.
    brands: tuple[str, ...] = ()


_COLUMNS: tuple[Any, ...] = (
    col(Mention.id),
    col(Mention.source),
    col(Mention.external_id),
    col(Mention.brand),
    col(Mention.author),
    col(Mention.created_at),
    col(Mention.text),
    col(Mention.url),
    col(Mention.author_followers),
    col(Mention.in_reply_to),
    col(Mention.thread_id),
    col(Mention.subreddit),
    col(Mention.rating),
    col(Mention.is_brand_post),
    col(Mention.sentiment),
    col(Mention.sentiment_confidence),
    col(SentimentLabel.score_negative),
    col(SentimentLabel.skipped_reason),
    col(LabelCorrection.label),
)


def _select() -> Select[Any]:
    return (
        select(*_COLUMNS)
        .outerjoin(SentimentLabel, col(SentimentLabel.mention_id) == col(Mention.id))
        .outerjoin(LabelCorrection, col(LabelCorrection.mention_id) == col(Mention.id))
    )


def _row(r: Any) -> FactRow:
    human = r[18]
    label, confidence, negative = r[14], r[15], r[16]
    if human is not None:
        label, confidence = human, HUMAN_CONFIDENCE
        negative = 1.0 if human == "negative" else 0.0
    return FactRow(
        int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
        r[12], bool(r[13]), label, confidence, negative, r[17],
        "human" if human is not None else "model",
    )  # fmt: skip


def _rows(session: Session, stmt: Select[Any]) -> list[FactRow]:
    return [_row(r) for r in session.connection().execute(stmt)]


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _one_of(
    session: Session, column: Any, values: list[Any], item_type: Any
) -> ColumnElement[bool]:
    """``column IN values``, written as ``= ANY(array)`` on PostgreSQL."""
    if _is_postgres(session):
        from sqlalchemy.dialects.postgresql import ARRAY  # only here: SQLite starts faster

        return column == any_(literal(values, ARRAY(item_type)))
    return column.in_(values)


def _chunks(session: Session, values: Collection[Any]) -> Iterator[list[Any]]:
    """``values`` sorted (reproducible statements) in chunks the backend binds cheaply."""
    size = PG_CHUNK if _is_postgres(session) else CHUNK
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _ids_where(session: Session, column: Any, keys: Iterable[Key]) -> set[int]:
    """Ids of the rows whose ``(source, column)`` is one of ``keys`` (index-only reads)."""
    by_source: dict[str, set[str]] = {}
    for source, value in keys:
        by_source.setdefault(source, set()).add(value)
    found: set[int] = set()
    for source in sorted(by_source):
        for values in _chunks(session, by_source[source]):
            stmt = select(col(Mention.id)).where(
                col(Mention.source) == source, _one_of(session, column, values, String())
            )
            found.update(i for (i,) in session.connection().execute(stmt) if i is not None)
    return found


def _counted_for(
    session: Session, stmt: Select[Any], brands: Sequence[str], start: datetime, end: datetime
) -> list[FactRow]:
    """The rows of ``stmt`` joined to the ``brands`` they count for, each row once.

    ``mention_brand`` is searched on its (brand, created_at) index; a post counting for
    several of ``brands`` comes back once with all of them in ``FactRow.brands``.
    """
    stmt = (
        stmt.add_columns(col(MentionBrand.brand))
        .join(MentionBrand, col(MentionBrand.mention_id) == col(Mention.id))
        .where(
            col(MentionBrand.brand).in_(list(brands)),
            col(MentionBrand.created_at) >= start,
            col(MentionBrand.created_at) < end,
        )
    )
    found: dict[int, FactRow] = {}
    named: dict[int, list[str]] = {}
    for r in session.connection().execute(stmt):
        row = found.setdefault(int(r[0]), _row(r))
        named.setdefault(row.id, []).append(r[-1])
    return [replace(row, brands=tuple(sorted(named[i]))) for i, row in found.items()]


def rows_in_window(
    session: Session, brands: Sequence[str], start: datetime, end: datetime
) -> list[FactRow]:
    """Mentions counting for any of ``brands`` (``mention_brand``) created in ``[start, end)``."""
    return _counted_for(session, _select(), brands, start, end)


def rows_by_ids(session: Session, ids: Collection[int]) -> list[FactRow]:
    """Mentions by primary key."""
    found: list[FactRow] = []
    for chunk in _chunks(session, ids):
        stmt = _select().where(_one_of(session, col(Mention.id), chunk, BigInteger()))
        found.extend(_rows(session, stmt))
    return found


def thread_closure(session: Session, seeds: Iterable[FactRow]) -> list[FactRow]:
    """``seeds`` plus every stored post of their threads, in any brand.

    A thread is followed three ways until nothing new turns up: posts sharing a
    ``thread_id``, replies (``in_reply_to``) to any loaded post, and the parents of loaded
    posts. Replies are needed as well as thread ids because a post stored without its
    source's thread id carries its own id there.
    """
    found: dict[int, FactRow] = {}
    keys: set[Key] = set()
    threads_asked: set[Key] = set()
    replies_asked: set[Key] = set()
    parents_asked: set[Key] = set()
    frontier: list[FactRow] = []
    for row in seeds:
        if row.id not in found:
            found[row.id] = row
            keys.add((row.source, row.external_id))
            frontier.append(row)
    while frontier:
        threads = {(r.source, r.thread_id) for r in frontier if r.thread_id} - threads_asked
        askers = {(r.source, r.external_id) for r in frontier} - replies_asked
        parents = {(r.source, r.in_reply_to) for r in frontier if r.in_reply_to}
        parents -= keys | parents_asked
        threads_asked |= threads
        replies_asked |= askers
        parents_asked |= parents
        # ids first: the thread query finds mostly posts already loaded (the seeds
        # themselves), and ids come from the indexes alone
        ids = _ids_where(session, col(Mention.thread_id), threads)
        ids |= _ids_where(session, col(Mention.in_reply_to), askers)
        ids |= _ids_where(session, col(Mention.external_id), parents)
        frontier = []
        for row in rows_by_ids(session, ids - found.keys()):
            found[row.id] = row
            keys.add((row.source, row.external_id))
            frontier.append(row)
    return list(found.values())


def negative_rows(session: Session, brand: str, start: datetime, end: datetime) -> list[FactRow]:
    """The mentions counting for ``brand`` labeled negative created in ``[start, end]``."""
    stmt = _select().where(col(Mention.sentiment) == "negative")  # a person's label wins
    # [start, end]: the window's end is included, so the range ends just after it
    return _counted_for(session, stmt, [brand], start, end + timedelta(microseconds=1))


@dataclass(frozen=True, slots=True)
class ResolutionRow:
    """A manual resolution with the key of the post it marks."""

    mention_id: int
    key: str
    resolved_at: datetime
    note: str | None


def resolutions_of(session: Session, mention_ids: Collection[int]) -> list[ResolutionRow]:
    """The manual resolutions stored for any of ``mention_ids``.

    Manual marks are few, so one range scan over the ids' span (filtered here) beats
    thousands of key look-ups for a day's posts.
    """
    wanted = set(mention_ids)
    if not wanted:
        return []
    stmt = (
        select(
            col(Resolution.mention_id),
            col(Mention.source),
            col(Mention.external_id),
            col(Resolution.resolved_at),
            col(Resolution.note),
        )
        .join(Mention, col(Mention.id) == col(Resolution.mention_id))
        .where(col(Resolution.mention_id).between(min(wanted), max(wanted)))
        .order_by(col(Resolution.mention_id))
    )
    return [
        ResolutionRow(int(mid), f"{source}:{eid}", at, note)
        for mid, source, eid, at, note in session.connection().execute(stmt)
        if mid in wanted
    ]
