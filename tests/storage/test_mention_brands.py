"""mention_brand: every brand a post counts for, stored with it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from monitor.posts import Post
from monitor.storage.brands import stored_brands
from monitor.storage.db import make_engine, session_scope
from monitor.storage.digests import inbound_volumes
from monitor.storage.mentions import (
    MentionFilter,
    matching_mentions,
    recent_mentions,
    upsert_posts,
)
from monitor.storage.migrate import alembic_config, upgrade
from monitor.storage.models import Mention, MentionBrand
from monitor.storage.threads import rows_in_window

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def post(i: int, text: str, author: str = "ann") -> Post:
    return Post(
        source="x",
        external_id=str(i),
        author=author,
        text=text,
        created_at=NOW - timedelta(minutes=i),
    )


def naive_named(p: Post) -> dict[str, str]:
    """A stand-in for BrandMatcher: the brands whose name is in the text."""
    return {b: "keyword" for b in ("Brewly", "Beanbox") if b.lower() in p.text.lower()}


def store(engine: Engine, posts: list[Post], brand: str = "Brewly", named: bool = True) -> None:
    with session_scope(engine) as s:
        upsert_posts(
            s, posts, brand_of=lambda p: brand, is_brand_post=lambda p: False, now=NOW,
            named=naive_named if named else None,
        )  # fmt: skip


def brands(engine: Engine) -> dict[str, dict[str, str]]:
    """``{external_id: {brand: how}}`` as stored."""
    with session_scope(engine) as s:
        ids = {int(i): e for i, e in s.execute(select(Mention.id, Mention.external_id))}
        return {ids[i]: b for i, b in stored_brands(s, list(ids)).items()}


def all_rows(engine: Engine) -> list[tuple[int, str, str, datetime]]:
    with session_scope(engine) as s:
        stmt = select(
            MentionBrand.mention_id, MentionBrand.brand, MentionBrand.how, MentionBrand.created_at
        ).order_by(MentionBrand.mention_id, MentionBrand.brand)
        return [tuple(r) for r in s.execute(stmt)]  # type: ignore[misc]


def test_a_post_counts_for_its_brand_and_every_brand_it_names(engine: Engine) -> None:
    store(engine, [post(1, "Beanbox vs Brewly"), post(2, "just Brewly")])
    assert brands(engine) == {
        "1": {"Brewly": "target", "Beanbox": "keyword"},
        "2": {"Brewly": "target"},
    }
    created = {r[0]: r[3] for r in all_rows(engine)}
    assert sorted(created.values()) == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]


def test_storing_again_changes_nothing(engine: Engine) -> None:
    page = [post(1, "Beanbox vs Brewly"), post(2, "just Brewly")]
    store(engine, page)
    before = all_rows(engine)
    store(engine, page)
    store(engine, page, named=False)
    assert all_rows(engine) == before


def test_an_edit_that_drops_a_name_drops_that_brand_but_never_the_target(engine: Engine) -> None:
    store(engine, [post(1, "Beanbox vs Brewly")])
    store(engine, [post(1, "nothing named any more")])
    assert brands(engine) == {"1": {"Brewly": "target"}}


def test_a_post_found_by_a_second_brand_counts_for_it_as_target(engine: Engine) -> None:
    store(engine, [post(1, "Beanbox vs Brewly")])
    store(engine, [post(1, "Beanbox vs Brewly")], brand="Beanbox")
    assert brands(engine) == {"1": {"Brewly": "target", "Beanbox": "target"}}
    with session_scope(engine) as s:
        assert s.execute(select(Mention.brand)).scalar_one() == "Brewly"  # the first stays


def test_brand_reads_count_every_brand_a_post_names(engine: Engine) -> None:
    store(engine, [post(1, "Beanbox vs Brewly"), post(2, "just Brewly")])
    store(engine, [post(3, "Beanbox again")], brand="Beanbox")
    start, end = NOW - timedelta(hours=1), NOW
    with session_scope(engine) as s:
        assert inbound_volumes(s, ["Brewly", "Beanbox"], start, end) == {
            "Brewly": 2, "Beanbox": 2,
        }  # fmt: skip
        rows = {r.external_id: r.brands for r in rows_in_window(s, ["Beanbox"], start, end)}
        assert rows == {"1": ("Beanbox",), "3": ("Beanbox",)}
        both = rows_in_window(s, ["Brewly", "Beanbox"], start, end)
        assert sorted((r.external_id, r.brands) for r in both) == [
            ("1", ("Beanbox", "Brewly")), ("2", ("Brewly",)), ("3", ("Beanbox",)),
        ]  # fmt: skip
        flt = MentionFilter(brands=["Beanbox"], limit=1)
        assert [m.external_id for m in recent_mentions(s, flt)] == ["1"]  # newest first
        assert matching_mentions(s, flt) == 2


def test_migration_backfills_each_mention_with_its_brand(db_url: str) -> None:
    from alembic import command

    engine = make_engine(db_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004_themes")
        with engine.begin() as conn:
            for i, brand in ((1, "Brewly"), (2, "Beanbox")):
                conn.execute(
                    text(
                        "INSERT INTO mention (source, external_id, brand, author, text, "
                        "created_at, collected_at, updated_at, is_brand_post, raw) VALUES "
                        "('x', :eid, :brand, 'ann', 'Beanbox vs Brewly', :at, :at, :at, "
                        "false, '{}')"
                    ),
                    {"eid": str(i), "brand": brand, "at": NOW - timedelta(minutes=i)},
                )
        upgrade(engine)
        assert brands(engine) == {"1": {"Brewly": "target"}, "2": {"Beanbox": "target"}}
        assert {r[3] for r in all_rows(engine)} == {NOW - timedelta(minutes=i) for i in (1, 2)}
    finally:
        engine.dispose()
