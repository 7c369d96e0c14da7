"""Two classify runs at once on one database: every mention is labeled exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.classify import SentimentClassifier, bundled_model_path, load_classifier
from monitor.pipeline.classify import CLASSIFY_LOCK, ClassifyReport, classify_backlog
from monitor.posts import Post
from monitor.storage.db import make_engine, session_scope
from monitor.storage.locks import database_lock
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import SentimentLabel

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
BACKLOG = 48
WAIT = 120.0  # a safety net against a hung test, never a speed assertion


@pytest.fixture(scope="module")
def classifier() -> SentimentClassifier:
    return load_classifier(str(bundled_model_path()), batch_size=8)


def fill_backlog(engine: Engine) -> None:
    words = ["late again", "thanks for the help", "where is my bag", "ok"]
    posts = [
        Post(
            source="x",
            external_id=str(i),
            author=f"u{i}",
            text=f"@AcmeHelp flight {i} {words[i % len(words)]}",
            created_at=NOW - timedelta(minutes=i),
        )
        for i in range(BACKLOG)
    ]
    with session_scope(engine) as s:
        upsert_posts(s, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=NOW)


def test_two_runs_at_once_label_each_mention_once(
    engine: Engine, db_url: str, classifier: SentimentClassifier
) -> None:
    fill_backlog(engine)
    start = threading.Barrier(2)
    reports: list[ClassifyReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        own = make_engine(db_url)  # a second process would have its own connections
        try:
            start.wait(WAIT)
            reports.append(classify_backlog(own, classifier, clock=lambda: NOW, batch_size=8))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert errors == []
    # Without the lock both runs read the same batches and each labels them: 2 x BACKLOG.
    assert sum(r.labeled + r.skipped for r in reports) == BACKLOG
    assert sorted(r.labeled + r.skipped for r in reports) == [0, BACKLOG]
    assert [r.remaining for r in reports] == [0, 0]
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(SentimentLabel)).scalar_one() == BACKLOG


def test_a_waiting_run_gives_up_when_asked_to_stop(
    engine: Engine, classifier: SentimentClassifier
) -> None:
    fill_backlog(engine)
    polls = 0

    def should_stop() -> bool:
        nonlocal polls
        polls += 1
        return polls > 2  # the daemon is shutting down while the other run still labels

    with database_lock(engine, CLASSIFY_LOCK):  # another run holds the database
        report = classify_backlog(engine, classifier, clock=lambda: NOW, should_stop=should_stop)
    assert (report.labeled, report.skipped, report.remaining) == (0, 0, BACKLOG)
    assert polls == 3
    # Once the holder is gone, the next run labels everything.
    again = classify_backlog(engine, classifier, clock=lambda: NOW)
    assert (again.labeled + again.skipped, again.remaining) == (BACKLOG, 0)
