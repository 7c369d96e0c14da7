"""Upsert idempotency, edits, labels and queries on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from monitor.posts import Post
from monitor.storage.db import make_engine, session_scope
from monitor.storage.labels import LabelRecord, count_backlog, fetch_backlog, save_labels
from monitor.storage.mentions import MentionFilter, mention_by_key, recent_mentions, upsert_posts
from monitor.storage.migrate import current_revision, head_revision, upgrade
from monitor.storage.models import Mention, SentimentLabel

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def post(i: int, text: str = "hello", **kw: object) -> Post:
    base: dict[str, object] = dict(
        source="x",
        external_id=str(1000 + i),
        author=f"user{i}",
        text=text,
        created_at=NOW - timedelta(minutes=i),
    )
    base.update(kw)
    return Post(**base)  # type: ignore[arg-type]


def upsert(engine: Engine, posts: list[Post], brand: str = "Acme"):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return upsert_posts(
            s,
            posts,
            brand_of=lambda p: p.brand or brand,
            is_brand_post=lambda p: p.author == "AcmeHelp",
            now=NOW,
        )


def table_count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_schema_has_every_table_and_is_at_head(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {
        "mention",
        "sentiment_label",
        "checkpoint",
        "source_health",
        "daily_kpi",
        "resolution",
        "alert_sent",
        "digest_run",
        "complaint",
        "skipped_page",
    } <= names
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == (head_revision(), head_revision())  # second run is a no-op


def test_same_page_twice_changes_nothing(engine: Engine) -> None:
    page = [post(i) for i in range(10)]
    first = upsert(engine, page)
    assert (first.inserted, first.updated, first.unchanged) == (10, 0, 0)
    with session_scope(engine) as s:
        before = {m.external_id: m.updated_at for m in s.execute(select(Mention)).scalars()}
    second = upsert(engine, page)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 10)
    assert table_count(engine, Mention) == 10
    with session_scope(engine) as s:
        after = {m.external_id: m.updated_at for m in s.execute(select(Mention)).scalars()}
    assert before == after


def test_duplicate_inside_one_page_is_one_row(engine: Engine) -> None:
    result = upsert(engine, [post(1, "first"), post(1, "second")])
    assert result.inserted == 1
    with session_scope(engine) as s:
        assert mention_by_key(s, "x", "1001").text == "second"  # type: ignore[union-attr]


def test_edited_post_updates_text_and_drops_stale_label(engine: Engine) -> None:
    upsert(engine, [post(1, "bad service")])
    with session_scope(engine) as s:
        mid = mention_by_key(s, "x", "1001").id  # type: ignore[union-attr]
        save_labels(
            s,
            [
                LabelRecord(
                    mid, "negative", 0.9, {"negative": 0.9, "neutral": 0.05, "positive": 0.05}
                )
            ],
            model_name="m",
            model_revision="r1",
            now=NOW,
        )
    result = upsert(engine, [post(1, "bad service (edit: fixed now)")])
    assert (result.inserted, result.updated) == (0, 1)
    with session_scope(engine) as s:
        m = mention_by_key(s, "x", "1001")
        assert m is not None and m.text.endswith("fixed now)") and m.sentiment is None
        assert s.get(SentimentLabel, m.id) is None
    assert table_count(engine, Mention) == 1


def test_imported_label_is_kept_and_not_in_backlog(engine: Engine) -> None:
    upsert(engine, [post(1, "love it", sentiment="positive"), post(2, "meh")])
    with session_scope(engine) as s:
        m = mention_by_key(s, "x", "1001")
        assert m is not None and m.sentiment == "positive" and m.sentiment_confidence == 1.0
        assert [text for _, text in fetch_backlog(s)] == ["meh"]
        assert count_backlog(s, relabel_model="other-model") == 1  # imports are never relabeled


def test_odd_and_huge_posts_are_stored(engine: Engine) -> None:
    huge = "ä" * 150_000
    upsert(engine, [post(1, "nul\x00byte 🙂"), post(2, huge), post(3, "")])
    with session_scope(engine) as s:
        m1, m2 = mention_by_key(s, "x", "1001"), mention_by_key(s, "x", "1002")
        assert m1 is not None and "\x00" not in m1.text and "🙂" in m1.text
        assert m2 is not None and len(m2.text) == 100_000
        assert m2.raw["_truncated_from_chars"] == 150_000


def test_recent_negative_mentions_newest_first(engine: Engine) -> None:
    upsert(
        engine, [post(i, f"text {i}") for i in range(6)] + [post(9, "our reply", author="AcmeHelp")]
    )
    with session_scope(engine) as s:
        ids = {m.external_id: m.id for m in s.execute(select(Mention)).scalars()}
        save_labels(
            s,
            [
                LabelRecord(ids[str(1000 + i)], "negative" if i % 2 else "positive", 0.8, None)
                for i in range(6)
            ]
            + [LabelRecord(ids["1009"], "negative", 0.9, None)],
            model_name="m",
            model_revision=None,
            now=NOW,
        )
        rows = recent_mentions(
            s, MentionFilter(brands=["Acme"], sentiment="negative", since=NOW - timedelta(hours=24))
        )
    assert [m.external_id for m in rows] == ["1001", "1003", "1005"]  # brand reply excluded


def test_sqlite_uses_wal_and_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
