"""The queue's analysis cache over a real database (SQLite and PostgreSQL): a hit is the
same queue as a fresh computation; a write by another engine (another process) or an
expired TTL on the injected clock makes the next call compute again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from monitor.pipeline.queue_cache import TTL, QueueCache
from monitor.pipeline.score import score_days
from monitor.pipeline.triage import QueueFilter, queue, refresh_threads
from monitor.pipeline.triage_actions import assign, label
from monitor.scoring import QueueItem
from monitor.storage.db import make_engine
from tests.pipeline.scenario_db import seed
from tests.pipeline.test_triage import DAYS, EVERY, SETTINGS
from tests.scoring.scenario import NOW, build, post


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine, build())
    score_days(engine, SETTINGS, clock=lambda: NOW, days=DAYS)
    return engine


@pytest.fixture
def other(seeded: Engine) -> Iterator[Engine]:
    """A second engine on the same database: what another process (the daemon) writes with."""
    eng = make_engine(seeded.url.render_as_string(hide_password=False))
    try:
        yield eng
    finally:
        eng.dispose()


def listed(engine: Engine, cache: QueueCache, now: datetime = NOW) -> list[QueueItem]:
    return queue(engine, SETTINGS, clock=lambda: now, where=EVERY, cache=cache)


def fresh(engine: Engine, now: datetime = NOW) -> list[QueueItem]:
    return listed(engine, QueueCache(), now)


def states(items: list[QueueItem]) -> dict[str, tuple[str, str | None, str | None]]:
    return {i.key: (i.state, i.assignee, i.sentiment) for i in items}


def test_a_hit_is_the_same_queue_as_a_fresh_computation(seeded: Engine) -> None:
    cache = QueueCache()
    first = listed(seeded, cache)
    assert (cache.hits, cache.misses) == (0, 1) and first
    later = NOW + TTL - timedelta(seconds=1)
    again = listed(seeded, cache, later)
    assert (cache.hits, cache.misses) == (1, 1)
    # state and priority are computed at the later time from the kept analysis
    assert again == fresh(seeded, later)
    # filters apply to the kept analysis as well
    mine = queue(seeded, SETTINGS, clock=lambda: NOW, where=QueueFilter(kinds=("question",)),
                 cache=cache)  # fmt: skip
    assert cache.hits == 2 and mine == [i for i in fresh(seeded) if i.kind == "question"]


def test_an_action_by_another_process_shows_at_once(seeded: Engine, other: Engine) -> None:
    cache = QueueCache()
    before = listed(seeded, cache)
    key = before[0].key
    assign(other, SETTINGS, key, to="bo", actor="ann", clock=lambda: NOW)
    after = listed(seeded, cache)
    assert cache.misses == 2 and states(after)[key][1] == "bo"
    assert after == fresh(seeded)


def test_a_label_correction_by_another_process_shows_at_once(seeded: Engine, other: Engine) -> None:
    cache = QueueCache()
    assert "x:801" in states(listed(seeded, cache))
    label(other, SETTINGS, "x:801", sentiment="positive", actor="ann", clock=lambda: NOW)
    after = listed(seeded, cache)
    assert cache.misses == 2 and "x:801" not in states(after)
    assert after == fresh(seeded)


def test_a_new_post_and_a_reply_stored_by_another_process_show_at_once(
    seeded: Engine, other: Engine
) -> None:
    cache = QueueCache()
    before = states(listed(seeded, cache))
    assert "x:801" in before and "x:901" not in before
    question = post("x", "901", "vic", "10-08 13:50", "@AcmeHelp how do I change my address",
                    thread="901", label="neutral", conf=0.8, neg=0.1)  # fmt: skip
    ids = seed(other, build(), [question])
    refresh_threads(other, SETTINGS, brand="Acme", mention_ids=[ids["x:901"]], clock=lambda: NOW)
    added = states(listed(seeded, cache))
    assert cache.misses == 2 and "x:901" in added
    # the brand's reply is only stored (no rescoring): the thread analysis sees it
    reply = post("x", "902", "AcmeHelp", "10-08 13:55", "@uma we are on it", reply="801",
                 thread="801", brand_post=True)  # fmt: skip
    seed(other, build(), [reply])
    replied = listed(seeded, cache)
    # answered: it needs no reply any more
    assert cache.misses == 3 and "x:801" not in states(replied)
    assert replied == fresh(seeded)


def test_after_the_ttl_the_analysis_is_computed_again(seeded: Engine) -> None:
    cache = QueueCache()
    listed(seeded, cache)
    listed(seeded, cache, NOW + TTL - timedelta(seconds=1))
    assert (cache.hits, cache.misses) == (1, 1)
    expired = NOW + TTL
    assert listed(seeded, cache, expired) == fresh(seeded, expired)
    assert (cache.hits, cache.misses) == (1, 2)
    # a clock moved back is not served from an analysis made later
    listed(seeded, cache, NOW)
    assert (cache.hits, cache.misses) == (1, 3)
