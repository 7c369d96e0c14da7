"""A person's label is the mention's current label (SQLite and PostgreSQL): listings, digests
and the spike alert read it, and neither the model, an import nor an edit replaces it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from monitor.posts import Post
from monitor.storage.db import make_engine, session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.mentions import MentionFilter, recent_mentions, upsert_posts
from monitor.storage.migrate import alembic_config, upgrade
from monitor.storage.models import Mention, SentimentLabel
from monitor.storage.threads import negative_rows
from monitor.storage.triage import save_correction
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import NOW, build


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    return seed(engine, build())


def current(engine: Engine, mention_id: int) -> tuple[str | None, float | None]:
    with session_scope(engine) as s:
        m = s.get(Mention, mention_id)
        assert m is not None
        return m.sentiment, m.sentiment_confidence


def negatives(engine: Engine) -> set[str]:
    with session_scope(engine) as s:
        flt = MentionFilter(brands=["Acme"], sentiment="negative", limit=1000)
        return {f"{m.source}:{m.external_id}" for m in recent_mentions(s, flt)}


def test_a_correction_becomes_the_current_label_and_stays(
    engine: Engine, ids: dict[str, int]
) -> None:
    mid = ids["x:801"]  # the model says negative
    assert "x:801" in negatives(engine)
    with session_scope(engine) as s:
        assert save_correction(s, mid, "neutral", actor="ann", at=NOW) == "negative"
    assert current(engine, mid) == ("neutral", 1.0)
    assert "x:801" not in negatives(engine)
    with session_scope(engine) as s:  # the model labels it again (relabel, a new model)
        save_labels(
            s, [LabelRecord(mid, "negative", 0.99, {"negative": 0.99})],
            model_name="other-model", model_revision=None, now=NOW,
        )  # fmt: skip
        assert s.get(SentimentLabel, mid).label == "negative"  # type: ignore[union-attr]
    assert current(engine, mid) == ("neutral", 1.0)
    with session_scope(engine) as s:  # a second correction reports the model's label
        assert save_correction(s, mid, "positive", actor="bo", at=NOW) == "negative"
    assert current(engine, mid) == ("positive", 1.0)


def test_an_import_or_an_edit_keeps_a_persons_label(engine: Engine, ids: dict[str, int]) -> None:
    mid = ids["x:801"]
    with session_scope(engine) as s:
        save_correction(s, mid, "neutral", actor="ann", at=NOW)
        m = s.get(Mention, mid)
        assert m is not None
        stored = Post(
            source=m.source, external_id=m.external_id, author=m.author, text=m.text,
            created_at=m.created_at, url=m.url, thread_id=m.thread_id,
        )  # fmt: skip
    later = NOW + timedelta(hours=1)
    with session_scope(engine) as s:  # arrives again with a label, as an import carries
        upsert_posts(s, [replace(stored, sentiment="negative")], brand_of=lambda p: "Acme",
                     is_brand_post=lambda p: False, now=later)  # fmt: skip
    assert current(engine, mid) == ("neutral", 1.0)
    with session_scope(engine) as s:  # edited at the source: the model's label must go
        edited = replace(stored, text=stored.text + " (edited)")
        upsert_posts(
            s, [edited], brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=later
        )
        kept = s.get(SentimentLabel, mid)
        assert kept is not None and kept.model_name == "import"  # an import's label stays
    assert current(engine, mid) == ("neutral", 1.0)


def test_the_spike_alert_reads_a_persons_negative(engine: Engine, ids: dict[str, int]) -> None:
    start, end = NOW - timedelta(days=30), NOW
    with session_scope(engine) as s:
        before = {r.id for r in negative_rows(s, "Acme", start, end)}
        neutral = next(
            mid for key, mid in ids.items()
            if mid not in before and s.get(Mention, mid).sentiment == "neutral"  # type: ignore[union-attr]
        )  # fmt: skip
        save_correction(s, neutral, "negative", actor="ann", at=NOW)
        gone = next(iter(before))
        save_correction(s, gone, "positive", actor="ann", at=NOW)
    with session_scope(engine) as s:
        after = {r.id: r for r in negative_rows(s, "Acme", start, end)}
    assert set(after) == (before - {gone}) | {neutral}
    assert after[neutral].label == "negative" and after[neutral].label_by == "human"


def test_migration_copies_earlier_corrections_onto_their_mentions(
    db_url: str, ids: dict[str, int]
) -> None:
    from alembic import command

    engine = make_engine(db_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008_queue_version")
            conn.execute(
                text(
                    "INSERT INTO label_correction (mention_id, label, model_label, actor,"
                    " corrected_at) VALUES (:mid, 'positive', 'negative', 'ann', :at)"
                ),
                {"mid": ids["x:801"], "at": NOW},
            )
        assert current(engine, ids["x:801"])[0] == "negative"  # as saved before 0009
        upgrade(engine)
        assert current(engine, ids["x:801"]) == ("positive", 1.0)
        assert "x:801" not in negatives(engine)
    finally:
        engine.dispose()
