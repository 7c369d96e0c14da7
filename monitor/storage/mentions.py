"""Idempotent batch upsert of posts on (source, external_id), and mention queries."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from monitor.posts import MAX_TEXT_CHARS, Post, clean_text
from monitor.storage.brands import TARGET, add_brands, sync_brands
from monitor.storage.db import dialect_insert
from monitor.storage.models import LabelCorrection, Mention, MentionBrand, SentimentLabel

IMPORT_MODEL_NAME = "import"
#: The confidence of a person's label (``monitor label``), copied onto the mention with it.
HUMAN_CONFIDENCE = 1.0
_CHUNK = 500
# Fields whose change means the source edited the post: the row is updated, others are kept.
_MUTABLE = ("text", "author_followers", "rating", "url", "lang")


@dataclass
class UpsertResult:
    """What one batch did: new rows, edited rows, and rows already stored as they are."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _clean_text(text: str) -> str:
    # PostgreSQL rejects NUL and lone surrogates; a huge post is cut rather than failing a page.
    return clean_text(text)[:MAX_TEXT_CHARS]


def post_to_row(post: Post, brand: str, is_brand_post: bool, now: datetime) -> dict[str, Any]:
    """The mention column values for ``post``."""
    raw = dict(post.raw)
    if len(post.text) > MAX_TEXT_CHARS:
        raw["_truncated_from_chars"] = len(post.text)
    return {
        "source": post.source,
        "external_id": post.external_id,
        "brand": brand,
        "author": post.author[:256],
        "author_id": post.author_id,
        "author_followers": post.author_followers,
        "text": _clean_text(post.text),
        "url": post.url,
        "created_at": post.created_at,
        "collected_at": now,
        "updated_at": now,
        "in_reply_to": post.in_reply_to,
        "thread_id": post.thread_id or post.external_id,
        "subreddit": post.subreddit,
        "is_brand_post": is_brand_post,
        "rating": post.rating,
        "lang": post.lang,
        "raw": raw,
    }


def keys_clause(keys: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """``(source, external_id) IN keys`` written per source, so SQLite uses the unique index.

    SQLite answers a row-value ``IN (VALUES ...)`` with a full index scan; one
    ``source = ? AND external_id IN (...)`` per source is an index search per key.
    """
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    return or_(
        *(
            and_(col(Mention.source) == source, col(Mention.external_id).in_(ids))
            for source, ids in by_source.items()
        )
    )


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert the rows whose key is not stored yet; the keys (and ids) it really inserted.

    One statement over rows in key order: on PostgreSQL a conflicting row is locked (``DO
    UPDATE ... WHERE false`` locks without writing), so every writer takes its row locks in
    the same order and two imports cannot deadlock. A row another writer stored first is
    not returned, so it is never counted as new twice. SQLite has one writer at a time.
    """
    dialect = session.get_bind().dialect.name
    keys = ["source", "external_id"]
    # The Core table, not the ORM entity: the ORM splits rows into groups by which values
    # are None, and each group with RETURNING becomes its own statement (half the speed).
    table: Table = Mention.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session, table)
    if dialect == "postgresql":
        stmt: Any = insert.on_conflict_do_update(
            index_elements=keys, set_={"updated_at": table.c.updated_at}, where=false()
        )
    else:
        stmt = insert.on_conflict_do_nothing(index_elements=keys)
    stmt = stmt.returning(table.c.id, table.c.source, table.c.external_id)
    return {(r.source, r.external_id): int(r.id) for r in session.execute(stmt, rows)}


def upsert_posts(
    session: Session,
    posts: Sequence[Post],
    *,
    brand_of: Callable[[Post], str],
    is_brand_post: Callable[[Post], bool],
    now: datetime,
    named: Callable[[Post], Mapping[str, str]] | None = None,
) -> UpsertResult:
    """Insert new posts, update edited ones, leave identical ones untouched.

    Runs inside the caller's transaction, so a page and its cursor commit together. Keys
    are handled in (source, external_id) order, the same in every writer; the counts are
    what the database did, so concurrent writers never both count one row as new.

    Every post counts for ``brand_of(post)`` (``mention_brand``, how ``target``) and, when
    ``named`` is given, for the brands it names (``{brand: how}``), in the same transaction.
    """
    result = UpsertResult()
    unique: dict[tuple[str, str], Post] = {}
    for post in posts:
        unique[(post.source, post.external_id)] = post  # the last copy in a page wins
    items = sorted(unique.items(), key=lambda item: item[0])
    for start in range(0, len(items), _CHUNK):
        chunk = dict(items[start : start + _CHUNK])
        result += _upsert_chunk(session, chunk, brand_of, is_brand_post, now, named)
    return result


def _upsert_chunk(
    session: Session,
    chunk: dict[tuple[str, str], Post],
    brand_of: Callable[[Post], str],
    is_brand_post: Callable[[Post], bool],
    now: datetime,
    named: Callable[[Post], Mapping[str, str]] | None,
) -> UpsertResult:
    result = UpsertResult()
    rows = {
        key: post_to_row(post, brand_of(post), is_brand_post(post), now)
        for key, post in chunk.items()
    }
    inserted = _insert_new(session, list(rows.values()))
    result.inserted = len(inserted)
    ids = dict(inserted)
    created = {ids[key]: rows[key]["created_at"] for key in inserted}
    stored_before = [key for key in chunk if key not in inserted]
    if stored_before:
        cols = [
            col(Mention.id),
            col(Mention.source),
            col(Mention.external_id),
            col(Mention.created_at),
            *(getattr(Mention, f) for f in _MUTABLE),
        ]
        # Rows are locked (PostgreSQL) or the write lock held (SQLite): this read is current.
        existing = {
            (r.source, r.external_id): r
            for r in session.execute(select(*cols).where(keys_clause(stored_before)))
        }
        for key in stored_before:
            ids[key] = int(existing[key].id)
            created[ids[key]] = existing[key].created_at
            if _update_if_edited(session, existing[key], rows[key], now):
                result.updated += 1
            else:
                result.unchanged += 1
    _store_brands(chunk, rows, ids, created, named, session)
    _store_imported_labels(session, chunk, now)
    return result


def _store_brands(
    chunk: dict[tuple[str, str], Post],
    rows: dict[tuple[str, str], dict[str, Any]],
    ids: dict[tuple[str, str], int],
    created: dict[int, datetime],
    named: Callable[[Post], Mapping[str, str]] | None,
    session: Session,
) -> None:
    """The brands each post of the chunk counts for: its own, plus those it names."""
    if named is None:
        add_brands(session, [(ids[k], rows[k]["brand"], TARGET, created[ids[k]]) for k in chunk])
        return
    wanted = {ids[k]: {**named(post), rows[k]["brand"]: TARGET} for k, post in chunk.items()}
    sync_brands(session, wanted, created)


def _update_if_edited(session: Session, old: Any, row: dict[str, Any], now: datetime) -> bool:
    """Write the fields the source changed; False when the stored row is already the same."""
    changed = {f: row[f] for f in _MUTABLE if getattr(old, f) != row[f]}
    if "lang" in changed and row["lang"] is None and "text" not in changed:
        # A source that sends no tag keeps the language found when the post was labeled.
        del changed["lang"]
    if not changed:
        return False
    changed.update(updated_at=now, raw=row["raw"])
    if "text" in changed:
        # An edited post must be labeled again; an imported label stays with its import.
        if not corrected_ids(session, [old.id]):  # a person's label stays the current one
            changed.update(sentiment=None, sentiment_confidence=None)
        session.execute(
            delete(SentimentLabel).where(
                col(SentimentLabel.mention_id) == old.id,
                col(SentimentLabel.model_name) != IMPORT_MODEL_NAME,
            )
        )
    session.execute(update(Mention).where(col(Mention.id) == old.id).values(**changed))
    return True


def corrected_ids(session: Session, mention_ids: Collection[int]) -> set[int]:
    """Which of ``mention_ids`` carry a human label correction."""
    ids = list(mention_ids)
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        stmt = select(col(LabelCorrection.mention_id)).where(
            col(LabelCorrection.mention_id).in_(ids[start : start + _CHUNK])
        )
        found.update(int(mid) for (mid,) in session.execute(stmt))
    return found


def _store_imported_labels(
    session: Session, chunk: dict[tuple[str, str], Post], now: datetime
) -> None:
    """Posts that arrive labeled keep their label; the classifier then leaves them alone."""
    labeled = {k: p for k, p in chunk.items() if p.sentiment is not None}
    if not labeled:
        return
    ids = dict(
        ((r.source, r.external_id), r.id)
        for r in session.execute(
            select(col(Mention.id), col(Mention.source), col(Mention.external_id)).where(
                keys_clause(list(labeled))
            )
        )
    )
    human = corrected_ids(session, ids.values())
    for key, post in labeled.items():
        mention_id = ids[key]
        confidence = 1.0 if post.confidence is None else post.confidence
        label = session.get(SentimentLabel, mention_id)
        if label is not None and label.label == post.sentiment and label.confidence == confidence:
            continue
        if label is None:
            label = SentimentLabel(
                mention_id=mention_id, model_name=IMPORT_MODEL_NAME, labeled_at=now
            )
        label.label, label.confidence = post.sentiment, confidence
        label.model_name, label.model_revision, label.labeled_at = IMPORT_MODEL_NAME, None, now
        label.score_negative = label.score_neutral = label.score_positive = None
        label.skipped_reason = None
        session.add(label)
        if mention_id not in human:  # a person's label stays the current one
            session.execute(
                update(Mention)
                .where(col(Mention.id) == mention_id)
                .values(sentiment=post.sentiment, sentiment_confidence=confidence)
            )


def mention_by_key(session: Session, source: str, external_id: str) -> Mention | None:
    """The mention stored as ``SOURCE:EXTERNAL_ID``, if any."""
    stmt = select(Mention).where(
        col(Mention.source) == source, col(Mention.external_id) == external_id
    )
    return session.execute(stmt).scalar_one_or_none()


def ids_by_keys(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``{(source, external_id): mention id}`` of the stored posts among ``keys``."""
    found: dict[tuple[str, str], int] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), _CHUNK):
        stmt = select(col(Mention.id), col(Mention.source), col(Mention.external_id)).where(
            keys_clause(unique[start : start + _CHUNK])
        )
        found.update({(r.source, r.external_id): int(r.id) for r in session.execute(stmt)})
    return found


@dataclass(frozen=True)
class MentionFilter:
    """Filters of ``monitor mentions``; every field optional."""

    brands: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    sentiment: str | None = None
    source: str | None = None
    search: str | None = None
    inbound_only: bool = True
    limit: int = 50
    #: Rows skipped before the first returned (a page of a search).
    offset: int = 0


def recent_mentions(session: Session, flt: MentionFilter) -> list[Mention]:
    """Mentions newest first, served by the (brand, sentiment, created_at) index."""
    stmt = _filtered(select(Mention), flt)
    stmt = stmt.order_by(col(Mention.created_at).desc(), col(Mention.id).desc()).limit(flt.limit)
    if flt.offset:
        stmt = stmt.offset(flt.offset)
    return list(session.execute(stmt).scalars())


def matching_mentions(session: Session, flt: MentionFilter, *, cap: int | None = None) -> int:
    """How many mentions match ``flt`` in all (its limit aside): "50 of 513".

    With ``cap``, counting stops at ``cap`` (a year of a busy brand need not be counted
    row by row to say "more than 10000").
    """
    if cap is None:
        stmt = _filtered(select(func.count()).select_from(Mention), flt)
    else:
        found = _filtered(select(col(Mention.id)), flt).limit(cap).subquery()
        stmt = select(func.count()).select_from(found)
    return int(session.execute(stmt).scalar_one())


def _filtered(stmt: Any, flt: MentionFilter) -> Any:
    """``stmt`` with the filter's conditions (not its order or limit)."""
    if flt.brands:
        # every mention counting for one of the brands: those naming it among others too
        # (a primary-key look-up per row, so "newest first, 50" still stops early)
        counted = exists().where(
            col(MentionBrand.mention_id) == col(Mention.id),
            col(MentionBrand.brand).in_(list(flt.brands)),
        )
        stmt = stmt.where(counted)
    if flt.sentiment:
        stmt = stmt.where(col(Mention.sentiment) == flt.sentiment)
    if flt.since:
        stmt = stmt.where(col(Mention.created_at) >= flt.since)
    if flt.until:
        stmt = stmt.where(col(Mention.created_at) < flt.until)
    if flt.source:
        stmt = stmt.where(col(Mention.source) == flt.source)
    if flt.inbound_only:
        stmt = stmt.where(col(Mention.is_brand_post).is_(False))
    if flt.search:
        # autoescape: '%', '_' and the escape character itself match only themselves.
        needle = flt.search.lower()
        stmt = stmt.where(
            or_(
                func.lower(col(Mention.text)).contains(needle, autoescape=True),
                func.lower(col(Mention.author)).contains(needle, autoescape=True),
            )
        )
    return stmt
