"""Label the backlog of unlabeled mentions in batches, each batch committed on its own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.language import post_language, unsupported_reason
from monitor.pipeline.refresh import refresh_items
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.labels import (
    BacklogItem,
    LabelRecord,
    count_backlog,
    fetch_backlog_items,
    save_labels,
)
from monitor.storage.locks import LockHeld, database_lock
from monitor.storage.mentions import ids_by_keys

if TYPE_CHECKING:  # torch and transformers load only when a command needs the model
    from monitor.classify import SentimentClassifier

log = logging.getLogger(__name__)
#: The lock that lets one classify run label a database at a time.
CLASSIFY_LOCK = "classify"
Clock = Callable[[], datetime]
BatchCallback = Callable[[int, int], None]  # (labeled so far, total backlog)


@dataclass
class ClassifyReport:
    """What one classify run did."""

    labeled: int = 0
    skipped: int = 0
    remaining: int = 0
    model_name: str = ""
    items: int = 0  # complaints in the labeled posts' threads after refreshing them


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
    only: Collection[int] | None = None,
    settings: Settings | None = None,
) -> ClassifyReport:
    """Label every mention without a label (``relabel``: also those of another model).

    One run at a time per database: a second run waits for the first (or gives up when
    ``should_stop`` says so), then labels only what is still waiting, so no mention is
    labeled twice by two runs at once. ``only``: label just these mentions. With
    ``settings``, each saved batch's threads get their complaint items refreshed
    (:func:`monitor.pipeline.refresh.refresh_items`), so the queue is current when it ends.
    """
    report = ClassifyReport(model_name=classifier.model_name)
    relabel_model = classifier.model_name if relabel else None
    try:
        with database_lock(
            engine, CLASSIFY_LOCK, wait=True, should_stop=should_stop, on_wait=_tell_waiting
        ):
            _label_backlog(
                engine,
                classifier,
                report,
                clock=clock,
                batch_size=batch_size,
                relabel_model=relabel_model,
                limit=limit,
                on_batch=on_batch,
                should_stop=should_stop,
                only=only,
                settings=settings,
            )
    except LockHeld:
        log.info("classify: stopped while another run was labeling; nothing labeled")
    with session_scope(engine) as session:
        report.remaining = count_backlog(session, relabel_model, only)
    return report


def classify_stored(
    engine: Engine,
    settings: Settings,
    keys: Sequence[tuple[str, str]],
    *,
    classifier: Callable[[], SentimentClassifier],
    clock: Clock,
    should_stop: Callable[[], bool] | None = None,
) -> ClassifyReport:
    """Label the unlabeled posts among ``keys`` (a page just stored) and refresh their items.

    ``classifier`` is called only when there is something to label, so the model loads on
    the first page that needs it. New and edited posts are the unlabeled ones; a page of
    posts stored before unchanged needs no work.
    """
    with session_scope(engine) as session:
        ids = list(ids_by_keys(session, keys).values())
        waiting = count_backlog(session, only=ids) if ids else 0
    if waiting == 0:
        return ClassifyReport()
    return classify_backlog(
        engine, classifier(), clock=clock, should_stop=should_stop, only=ids, settings=settings
    )


def _tell_waiting(held: LockHeld) -> None:
    log.info("classify: another run is labeling this database (%s); waiting for it", held)


def _label_backlog(
    engine: Engine,
    classifier: SentimentClassifier,
    report: ClassifyReport,
    *,
    clock: Clock,
    batch_size: int,
    relabel_model: str | None,
    limit: int | None,
    on_batch: BatchCallback | None,
    should_stop: Callable[[], bool] | None,
    only: Collection[int] | None,
    settings: Settings | None,
) -> None:
    # Counted under the lock: what an earlier run labeled is no longer in the backlog.
    with session_scope(engine) as session:
        total = count_backlog(session, relabel_model, only)
    if limit is not None:
        total = min(total, limit)
    after_id = 0
    while report.labeled + report.skipped < total:
        if should_stop is not None and should_stop():
            break
        want = min(batch_size, total - report.labeled - report.skipped)
        with session_scope(engine) as session:
            batch = fetch_backlog_items(
                session, after_id=after_id, limit=want, relabel_model=relabel_model, only=only
            )
        if not batch:
            break
        records = label_items(classifier, batch)
        # A batch that loses a deadlock to a concurrent import is saved again, not lost.
        save = partial(
            save_labels,
            records=records,
            model_name=classifier.model_name,
            model_revision=classifier.revision,
            now=clock(),
        )
        run_transaction(engine, save)
        if settings is not None:
            ids = [item.id for item in batch]  # skipped posts too: a later analysis may want them
            report.items += refresh_items(engine, settings, clock=clock, mention_ids=ids)
        after_id = batch[-1].id
        report.labeled += sum(1 for r in records if r.label is not None)
        report.skipped += sum(1 for r in records if r.label is None)
        if on_batch is not None:
            on_batch(report.labeled + report.skipped, total)


def label_items(classifier: SentimentClassifier, items: list[BacklogItem]) -> list[LabelRecord]:
    """Labels for ``items``; a post in a language the model does not read gets none.

    The language is the source's tag, else the detector's guess (monitor.language); a post
    too short to tell is labeled, so "ok" or a row of emoji keeps its label.
    """
    langs = [post_language(item.lang, item.text) for item in items]
    reasons = [unsupported_reason(lang, classifier.languages) for lang in langs]
    predicted = iter(
        classifier.classify([i.text for i, r in zip(items, reasons, strict=True) if r is None])
    )
    records = []
    for item, lang, reason in zip(items, langs, reasons, strict=True):
        if reason is not None:
            records.append(LabelRecord(item.id, None, None, None, reason, lang))
        else:
            p = next(predicted)
            records.append(
                LabelRecord(item.id, p.label, p.confidence, p.scores, p.skipped_reason, lang)
            )
    return records
