"""Near real time: a collected complaint is in the queue after the collect pass, no score job.

The daemon runs in this process against the fake X API, with the bundled model and the
classify and score jobs scheduled far in the future: only the collect jobs and the page
labeler run. Assertions are about what is in the queue, never about how fast it got there
(scripts/bench_latency.py reports that).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from monitor.clock import utc_now
from monitor.config import Settings, parse_config
from monitor.daemon import Daemon
from monitor.daemon.jobs import collect_job, run_job
from monitor.pipeline.classify import CLASSIFY_LOCK
from monitor.storage.db import make_engine, session_scope
from monitor.storage.locks import database_lock
from monitor.storage.models import Complaint, Mention
from tests.collectors.fakes.x_server import TWITTER_EPOCH_MS
from tests.daemon.fake_source import BEARER_ENV, USER, GatedXServer, running_gated_x
from tests.daemon.process import DEADLINE_SECONDS
from tests.queues import unanswered

BRAND_USER = {"id": "3001", "name": "Acme Help", "username": "AcmeHelp"}
COMPLAINT = "@AcmeHelp acmeair lost my bag and nobody answers. Worst airline ever, terrible"
PRAISE = "@AcmeHelp acmeair thanks, all sorted now! great help"
REPLY = "@pat_flyer so sorry about that, please DM us your booking code"


def tweet(seq: int, at: datetime, text: str, author: dict[str, str], **kw: Any) -> dict[str, Any]:
    """One X v2 tweet with a snowflake id for ``at``."""
    ms = int(at.timestamp() * 1000)
    tweet_id = str(((ms - TWITTER_EPOCH_MS) << 22) | seq)
    return {
        "id": tweet_id,
        "text": text,
        "edit_history_tweet_ids": [tweet_id],
        "author_id": author["id"],
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": "en",
        "conversation_id": kw.pop("conversation_id", tweet_id),
        **kw,
    }


def realtime_config(db_url: str, base_url: str, poll_minutes: float = 600) -> dict[str, Any]:
    """Brand Acme on the fake X with its account; classify and score far in the future."""
    return {
        "database_url": db_url,
        "brands": [
            {
                "name": "Acme",
                "sources": {
                    "x": {
                        "query": "acmeair",
                        "accounts": ["AcmeHelp"],
                        "include_own_replies": True,
                    }
                },
            }
        ],
        "sources": {
            "x": {
                "enabled": True,
                "base_url": base_url,
                "bearer_token": "${X_BEARER_TOKEN}",
                "poll_minutes": poll_minutes,
                "max_results": 10,
                "timeout_seconds": 60,
                "max_retries": 0,
            }
        },
        "daemon": {
            "classify_minutes": 1000,
            "score_minutes": 1000,
            "alert_minutes": 1000,
            "metrics_port": None,
        },
    }


@pytest.fixture
def fake() -> Iterator[GatedXServer]:
    start = datetime.now(UTC) - timedelta(minutes=20)
    later = start + timedelta(minutes=1)
    tweets = [tweet(1, start, COMPLAINT, USER), tweet(2, later, PRAISE, USER)]
    with running_gated_x(tweets) as server:
        server.users.append(dict(BRAND_USER))
        yield server


def settings_for(db_url: str, fake: GatedXServer, tmp_path: Path) -> Settings:
    return parse_config(
        realtime_config(db_url, fake.base_url), path=tmp_path / "config.yaml", env=BEARER_ENV
    )


def ran(daemon: Daemon, kind: str) -> bool:
    return any(r.kind == kind for r in daemon.ctx.metrics.last_runs())


def pass_done(daemon: Daemon) -> None:
    """Wait for the collect job's pass and for the labeler to finish its pages."""
    deadline = datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS)
    while not ran(daemon, "collect"):
        assert datetime.now(UTC) < deadline, "the collect job never ran"
        daemon.ctx.stop.wait(0.05)
    assert daemon.labeler is not None and daemon.labeler.wait_idle(DEADLINE_SECONDS)


def answered_flags(daemon: Daemon) -> dict[str, bool]:
    with session_scope(daemon.ctx.engine) as s:
        pairs = s.exec(select(Mention, Complaint).join(Complaint)).all()
        return {f"x:{m.external_id}": c.answered for m, c in pairs}


def test_a_collected_complaint_is_queued_in_the_same_pass_and_a_late_reply_answers_it(
    db_url: str, fake: GatedXServer, tmp_path: Path
) -> None:
    settings = settings_for(db_url, fake, tmp_path)
    daemon = Daemon(settings, make_engine(db_url))
    try:
        daemon.start()
        pass_done(daemon)
        complaint_id = fake.tweets[0]["id"]
        queue = unanswered(daemon.ctx.engine, settings, clock=utc_now)
        assert [i.key for i in queue] == [f"x:{complaint_id}"]
        assert queue[0].text == COMPLAINT
        # labeled and queued by the page labeler alone: neither classify nor score ran
        assert ran(daemon, "label")
        assert not ran(daemon, "classify") and not ran(daemon, "score")

        # the brand answers; the next pass stores the reply and the item is answered at once
        reply_at = datetime.now(UTC) - timedelta(minutes=1)
        fake.add_tweets(
            tweet(
                3,
                reply_at,
                REPLY,
                BRAND_USER,
                conversation_id=complaint_id,
                in_reply_to_user_id=USER["id"],
                referenced_tweets=[{"type": "replied_to", "id": complaint_id}],
            )
        )
        run_job(daemon.ctx, "collect:x:Acme", "collect", collect_job, "x", "Acme")
        assert daemon.labeler.wait_idle(DEADLINE_SECONDS)
        assert answered_flags(daemon) == {f"x:{complaint_id}": True}  # stored, not just shown
        assert unanswered(daemon.ctx.engine, settings, clock=utc_now) == []
        assert not ran(daemon, "score")
    finally:
        daemon.shutdown()
        daemon.ctx.engine.dispose()


def test_collectors_go_on_while_labeling_waits_for_the_classify_lock(
    db_url: str, fake: GatedXServer, tmp_path: Path
) -> None:
    """A long ``monitor classify`` holding the lock (or a slow model) never stalls a pass."""
    settings = settings_for(db_url, fake, tmp_path)
    daemon = Daemon(settings, make_engine(db_url))
    other = make_engine(db_url)  # another process's connection
    try:
        with database_lock(other, CLASSIFY_LOCK):
            daemon.start()
            deadline = datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS)
            while not ran(daemon, "collect"):
                assert datetime.now(UTC) < deadline, "the collect pass waited for labeling"
                daemon.ctx.stop.wait(0.05)
            with session_scope(daemon.ctx.engine) as s:
                assert len(s.exec(select(Mention)).all()) == 2  # the page is stored
            assert daemon.labeler is not None and not daemon.labeler.wait_idle(0.5)
            assert unanswered(daemon.ctx.engine, settings, clock=utc_now) == []
        # the lock is free: the labeler labels the waiting page and the item appears
        assert daemon.labeler.wait_idle(DEADLINE_SECONDS)
        queue = unanswered(daemon.ctx.engine, settings, clock=utc_now)
        assert [i.text for i in queue] == [COMPLAINT]
    finally:
        daemon.shutdown()
        daemon.ctx.engine.dispose()
        other.dispose()
