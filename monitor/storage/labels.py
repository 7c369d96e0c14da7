"""Sentiment labels: the unlabeled backlog and saving the classifier's predictions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, func, select, update
from sqlmodel import Session, col

from monitor.storage.mentions import IMPORT_MODEL_NAME, corrected_ids
from monitor.storage.models import Mention, SentimentLabel


@dataclass(frozen=True)
class LabelRecord:
    """One label to store: the mention, the class (None when skipped) and its scores."""

    mention_id: int
    label: str | None
    confidence: float | None
    scores: dict[str, float] | None
    skipped_reason: str | None = None
    #: The post's language as the labeling found it; stored where the mention has none.
    lang: str | None = None


class BacklogItem(NamedTuple):
    """A mention waiting for a label: its id, text and the source's language tag."""

    id: int
    text: str
    lang: str | None


def backlog_query(
    relabel_model: str | None = None,
    after_id: int = 0,
    limit: int = 1000,
    only: Collection[int] | None = None,
) -> Select[int | None, str, str | None]:
    """Mentions without a label (or, with ``relabel_model``, labeled by another model).

    ``only``: just these mentions (a collected page's posts, a few hundred at most).
    """
    stmt = (
        select(col(Mention.id), col(Mention.text), col(Mention.lang))
        .outerjoin(SentimentLabel, col(SentimentLabel.mention_id) == col(Mention.id))
        .where(col(Mention.id) > after_id)
    )
    if only is not None:
        stmt = stmt.where(col(Mention.id).in_(sorted(set(only))))
    if relabel_model is None:
        stmt = stmt.where(col(SentimentLabel.mention_id).is_(None))
    else:
        stmt = stmt.where(
            (col(SentimentLabel.mention_id).is_(None))
            | (
                (col(SentimentLabel.model_name) != relabel_model)
                & (col(SentimentLabel.model_name) != IMPORT_MODEL_NAME)
            )
        )
    return stmt.order_by(col(Mention.id)).limit(limit)


def fetch_backlog(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 1000,
    relabel_model: str | None = None,
    only: Collection[int] | None = None,
) -> list[tuple[int, str]]:
    """A batch of (mention id, text) to label, in id order from ``after_id``."""
    items = fetch_backlog_items(
        session, after_id=after_id, limit=limit, relabel_model=relabel_model, only=only
    )
    return [(item.id, item.text) for item in items]


def fetch_backlog_items(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 1000,
    relabel_model: str | None = None,
    only: Collection[int] | None = None,
) -> list[BacklogItem]:
    """A batch of mentions to label with their language tags, in id order from ``after_id``."""
    rows = session.execute(backlog_query(relabel_model, after_id, limit, only))
    return [BacklogItem(int(r.id), str(r.text), r.lang) for r in rows]


def count_backlog(
    session: Session, relabel_model: str | None = None, only: Collection[int] | None = None
) -> int:
    """How many mentions (of ``only``, when given) wait for a label."""
    sub = backlog_query(relabel_model, 0, 2**62, only).subquery()
    return int(session.execute(select(func.count()).select_from(sub)).scalar_one())


def save_labels(
    session: Session,
    records: Sequence[LabelRecord],
    *,
    model_name: str,
    model_revision: str | None,
    now: datetime,
) -> None:
    """Store labels (replacing older ones) and copy each onto its mention for fast queries.

    A language found while labeling fills the mention's ``lang`` when the source gave none.
    A mention a person labeled (``monitor label``) keeps that label as its current one.
    """
    human = corrected_ids(session, [rec.mention_id for rec in records])
    for rec in records:
        row = session.get(SentimentLabel, rec.mention_id)
        if row is None:
            row = SentimentLabel(mention_id=rec.mention_id, model_name=model_name, labeled_at=now)
        scores = rec.scores or {}
        row.label, row.confidence = rec.label, rec.confidence
        row.score_negative = scores.get("negative")
        row.score_neutral = scores.get("neutral")
        row.score_positive = scores.get("positive")
        row.model_name, row.model_revision = model_name, model_revision
        row.skipped_reason, row.labeled_at = rec.skipped_reason, now
        session.add(row)
        values: dict[str, object] = {}
        if rec.mention_id not in human:  # a person's label stays the current one
            values.update(sentiment=rec.label, sentiment_confidence=rec.confidence)
        if rec.lang is not None:
            values["lang"] = func.coalesce(col(Mention.lang), rec.lang)
        if values:
            stmt = update(Mention).where(col(Mention.id) == rec.mention_id).values(values)
            session.execute(stmt)
