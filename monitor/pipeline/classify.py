"""Label the backlog of unlabeled mentions in batches, each batch committed on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, count_backlog, fetch_backlog, save_labels

if TYPE_CHECKING:  # torch and transformers load only when a command needs the model
    from monitor.classify import SentimentClassifier

Clock = Callable[[], datetime]
BatchCallback = Callable[[int, int], None]  # (labeled so far, total backlog)


@dataclass
class ClassifyReport:
    """What one classify run did."""

    labeled: int = 0
    skipped: int = 0
    remaining: int = 0
    model_name: str = ""


def get_classifier(settings: Settings) -> SentimentClassifier:
    """The configured classifier, loaded once per process (the loader caches it)."""
    from monitor.classify import load_classifier

    s = settings.config.sentiment
    return load_classifier(
        s.model,
        batch_size=s.batch_size,
        max_length=s.max_length,
        threads=s.threads,
        quantize=s.quantize,
    )


def classify_backlog(
    engine: Engine,
    classifier: SentimentClassifier,
    *,
    clock: Clock,
    batch_size: int = 512,
    relabel: bool = False,
    limit: int | None = None,
    on_batch: BatchCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ClassifyReport:
    """Label every mention without a label (``relabel``: also those of another model)."""
    report = ClassifyReport(model_name=classifier.model_name)
    relabel_model = classifier.model_name if relabel else None
    with session_scope(engine) as session:
        total = count_backlog(session, relabel_model)
    if limit is not None:
        total = min(total, limit)
    after_id = 0
    while report.labeled + report.skipped < total:
        if should_stop is not None and should_stop():
            break
        want = min(batch_size, total - report.labeled - report.skipped)
        with session_scope(engine) as session:
            batch = fetch_backlog(
                session, after_id=after_id, limit=want, relabel_model=relabel_model
            )
        if not batch:
            break
        predictions = classifier.classify([text for _, text in batch])
        records = [
            LabelRecord(mid, p.label, p.confidence, p.scores, p.skipped_reason)
            for (mid, _), p in zip(batch, predictions, strict=True)
        ]
        with session_scope(engine) as session:
            save_labels(
                session,
                records,
                model_name=classifier.model_name,
                model_revision=classifier.revision,
                now=clock(),
            )
        after_id = batch[-1][0]
        report.labeled += sum(1 for r in records if r.label is not None)
        report.skipped += sum(1 for r in records if r.label is None)
        if on_batch is not None:
            on_batch(report.labeled + report.skipped, total)
    with session_scope(engine) as session:
        report.remaining = count_backlog(session, relabel_model)
    return report
