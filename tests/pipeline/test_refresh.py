"""Incremental queue refresh: the threads a write touched, analysed like the full scorer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.pipeline.importing import import_file
from monitor.pipeline.refresh import refresh_items
from monitor.pipeline.score import score_days
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.mentions import ids_by_keys, upsert_posts
from monitor.storage.models import Complaint, Mention
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.pipeline.test_score_db import DAYS
from tests.queues import unanswered
from tests.scoring.scenario import NOW, build

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
COMPLAINT = "@AcmeHelp my bag never arrived and nobody answers. Terrible."


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def complaint_rows(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every stored complaint by post key, without the time it was scored."""
    with session_scope(engine) as s:
        pairs = s.exec(select(Mention, Complaint).join(Complaint)).all()
        return {
            f"{m.source}:{m.external_id}": (
                c.brand, c.source, c.created_at, c.reason, c.answered, c.first_response_at,
                c.brand_replies, c.resolved_at, c.resolution_kind,
            )
            for m, c in pairs
        }  # fmt: skip


def store(engine: Engine, posts: list[Post], labels: dict[str, str], now: datetime) -> list[int]:
    """Store a page as a collector would, label it, and return the page's mention ids."""
    with session_scope(engine) as s:
        upsert_posts(
            s,
            posts,
            brand_of=lambda p: "Acme",
            is_brand_post=lambda p: p.author == "AcmeHelp",
            now=now,
        )
    with session_scope(engine) as s:
        ids = ids_by_keys(s, [(p.source, p.external_id) for p in posts])
        records = [LabelRecord(ids[("x", k)], label, 0.95, None) for k, label in labels.items()]
        save_labels(s, records, model_name="test-model", model_revision=None, now=now)
    return list(ids.values())


def x_post(eid: str, author: str, minutes: float, text: str, **kw: Any) -> Post:
    return Post(source="x", external_id=eid, author=author, text=text, created_at=at(minutes), **kw)


def test_refreshing_every_post_stores_what_the_full_scorer_stores(engine: Engine) -> None:
    sc = build()
    ids = seed(engine, sc)
    settings = scenario_settings()
    assert refresh_items(engine, settings, clock=lambda: NOW, mention_ids=ids.values()) > 0
    refreshed = complaint_rows(engine)
    with session_scope(engine) as s:
        for row in s.exec(select(Complaint)).all():
            s.delete(row)
    score_days(engine, settings, clock=lambda: NOW, days=DAYS)
    scored = complaint_rows(engine)
    assert refreshed == scored
    assert {"x:001", "x:401", "appstore:r1", "x:801"} <= set(scored)


def test_refresh_is_idempotent_and_touches_only_the_given_threads(engine: Engine) -> None:
    sc = build()
    ids = seed(engine, sc)
    settings = scenario_settings()
    # x:401 (frank, never answered) alone: only its thread gets a row
    count = refresh_items(engine, settings, clock=lambda: NOW, mention_ids=[ids["x:401"]])
    assert count == 1 and list(complaint_rows(engine)) == ["x:401"]
    first = complaint_rows(engine)
    assert refresh_items(engine, settings, clock=lambda: NOW, mention_ids=[ids["x:401"]]) == 1
    assert complaint_rows(engine) == first
    everything = ids.values()
    n = refresh_items(engine, settings, clock=lambda: NOW, mention_ids=everything)
    again = complaint_rows(engine)
    assert refresh_items(engine, settings, clock=lambda: NOW, mention_ids=everything) == n
    assert complaint_rows(engine) == again and len(again) == n
    assert refresh_items(engine, settings, clock=lambda: NOW, mention_ids=[]) == 0


def test_a_late_brand_reply_answers_the_item_incrementally(engine: Engine) -> None:
    settings = scenario_settings()
    page1 = store(engine, [x_post("c1", "pat", 0, COMPLAINT)], {"c1": "negative"}, at(1))
    refresh_items(engine, settings, clock=lambda: at(2), mention_ids=page1)
    queue = unanswered(engine, settings, clock=lambda: at(2))
    assert [i.key for i in queue] == ["x:c1"]
    assert complaint_rows(engine)["x:c1"][4] is False  # stored unanswered

    reply = x_post("r1", "AcmeHelp", 30, "@pat so sorry, please DM us", in_reply_to="c1")
    page2 = store(engine, [reply], {"r1": "neutral"}, at(31))
    # only the reply's id is given: its thread is found through in_reply_to
    assert refresh_items(engine, settings, clock=lambda: at(32), mention_ids=page2) == 1
    row = complaint_rows(engine)["x:c1"]
    assert row[4] is True and row[5] == at(30) and row[6] == 1  # answered, FRT, replies
    assert unanswered(engine, settings, clock=lambda: at(32)) == []


def test_a_post_relabeled_not_negative_leaves_the_queue(engine: Engine) -> None:
    settings = scenario_settings()
    page = store(engine, [x_post("c2", "sam", 0, COMPLAINT)], {"c2": "negative"}, at(1))
    refresh_items(engine, settings, clock=lambda: at(2), mention_ids=page)
    assert "x:c2" in complaint_rows(engine)
    with session_scope(engine) as s:
        save_labels(
            s,
            [LabelRecord(page[0], "neutral", 0.9, None)],
            model_name="other-model",
            model_revision=None,
            now=at(3),
        )
    assert refresh_items(engine, settings, clock=lambda: at(4), mention_ids=page) == 0
    assert complaint_rows(engine) == {}
    assert unanswered(engine, settings, clock=lambda: at(4)) == []


def test_import_leaves_the_queue_current_without_a_score_run(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        {"source": "x", "id": "i1", "author": "kim", "created_at": "2026-11-02T15:00:00Z",
         "text": COMPLAINT, "sentiment": "negative", "confidence": 0.97, "followers": 120},
        {"source": "x", "id": "i2", "author": "lee", "created_at": "2026-11-02T15:05:00Z",
         "text": "@AcmeHelp the app keeps crashing, useless", "sentiment": "negative"},
        {"source": "x", "id": "i3", "author": "AcmeHelp", "created_at": "2026-11-02T15:20:00Z",
         "text": "@lee sorry! a fix ships today", "in_reply_to": "i2", "sentiment": "neutral"},
        {"source": "x", "id": "i4", "author": "max", "created_at": "2026-11-02T15:10:00Z",
         "text": "@AcmeHelp thanks, great crew today", "sentiment": "positive"},
    ]  # fmt: skip
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = scenario_settings()
    report = import_file(engine, settings, path, clock=lambda: at(60), batch_size=2)
    assert report.error is None and report.result.inserted == 4
    assert report.items >= 2
    queue = unanswered(engine, settings, clock=lambda: at(60))
    assert [i.key for i in queue] == ["x:i1"]  # i2 was answered by i3, in a later batch
    stored = complaint_rows(engine)
    assert set(stored) == {"x:i1", "x:i2"} and stored["x:i2"][4] is True
