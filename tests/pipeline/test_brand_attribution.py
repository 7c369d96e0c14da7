"""Counting a post for every brand it names: matching, storing, re-matching, scoring.

On SQLite and PostgreSQL (the ``engine`` fixture), with the real config loader.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.config import Settings, load_config
from monitor.pipeline.brands import BrandMatcher, rematch_brands
from monitor.pipeline.kpis import kpi_rows
from monitor.pipeline.score import score_days
from monitor.pipeline.store import store_page
from monitor.posts import Post
from monitor.scoring.parts import PARTS_KEY, PARTS_VERSION
from monitor.storage.brands import stored_brands
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.mentions import ids_by_keys, upsert_posts
from monitor.storage.scores import stored_kpis

CONFIG = """
brands:
  - name: Brewly
    sources:
      x: {query: "brewly OR @BrewlyHelp", accounts: [BrewlyHelp]}
      reddit: {keywords: [brewly, "cold brew club"], accounts: [brewly_support]}
    competitors:
      - name: Beanbox
        sources: {x: {query: beanbox, accounts: [BeanboxCare]}}
      - name: Grindr
        sources: {x: {query: grindr}}
sources:
  x: {enabled: false}
  reddit: {enabled: false}
"""
DAY = date(2026, 10, 1)
AT = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_config(path, env={})


def post(i: int, text: str, author: str = "ann", label: str | None = "neutral") -> Post:
    return Post(
        source="x", external_id=str(i), author=author, text=text,
        created_at=AT + timedelta(minutes=i), sentiment=label,
    )  # fmt: skip


# -- matching ----------------------------------------------------------------------


def test_matcher_finds_names_keywords_and_handles_as_whole_words(settings: Settings) -> None:
    named = BrandMatcher(settings).named
    assert named("x", "ann", "Beanbox vs Brewly: which ships faster?") == {
        "Brewly": "keyword", "Beanbox": "keyword",
    }  # fmt: skip
    assert named("x", "ann", "BEANBOX's app and #brewly") == {
        "Beanbox": "keyword", "Brewly": "keyword",
    }  # fmt: skip
    assert named("x", "ann", "beanboxes and brewlyx") == {}  # not whole words
    assert named("x", "ann", "joined the Cold Brew Club") == {"Brewly": "keyword"}  # phrase
    assert named("x", "ann", "@beanboxcare hello") == {"Beanbox": "handle"}
    # a configured account's own post counts only for the brand it was stored for
    assert named("x", "@BrewlyHelp", "unlike Beanbox we ship") == {}


# -- storing ------------------------------------------------------------------------


def store(engine: Engine, settings: Settings, posts: list[Post], brand: str = "Brewly") -> None:
    matcher = BrandMatcher(settings)
    run_transaction(
        engine,
        lambda s: store_page(
            s, posts, brand_of=lambda p: brand, is_brand_post=lambda p: False, now=NOW,
            named=matcher.named_by,
        ),
    )  # fmt: skip


def attributions(engine: Engine) -> dict[str, dict[str, str]]:
    with session_scope(engine) as s:
        ids = ids_by_keys(s, [("x", str(i)) for i in range(20)])
        found = stored_brands(s, list(ids.values()))
    return {key[1]: found[i] for key, i in ids.items() if i in found}


def test_store_page_attributes_every_brand_in_the_same_transaction(
    engine: Engine, settings: Settings
) -> None:
    posts = [post(1, "Beanbox vs Brewly"), post(2, "Grindr and beanbox, both late")]
    store(engine, settings, posts)
    store(engine, settings, posts)  # idempotent
    assert attributions(engine) == {
        "1": {"Brewly": "target", "Beanbox": "keyword"},
        "2": {"Brewly": "target", "Beanbox": "keyword", "Grindr": "keyword"},
    }


def test_rematch_adds_what_older_rows_name_and_is_idempotent(
    engine: Engine, settings: Settings
) -> None:
    # stored as before attribution existed: only the brand it was collected for
    with session_scope(engine) as s:
        upsert_posts(
            s, [post(1, "Beanbox vs Brewly"), post(2, "plain Brewly")],
            brand_of=lambda p: "Brewly", is_brand_post=lambda p: False, now=NOW,
        )  # fmt: skip
    assert attributions(engine) == {"1": {"Brewly": "target"}, "2": {"Brewly": "target"}}
    start, end = AT - timedelta(days=1), AT + timedelta(days=1)
    assert rematch_brands(engine, settings, start, end) == 1
    assert rematch_brands(engine, settings, start, end) == 0
    assert attributions(engine)["1"] == {"Brewly": "target", "Beanbox": "keyword"}


# -- scoring ------------------------------------------------------------------------


def day_values(engine: Engine, settings: Settings, brand: str) -> dict[str, object]:
    (row,) = kpi_rows(engine, settings, brand=brand, days=[DAY], clock=lambda: NOW)
    return row


def test_kpis_count_a_post_for_each_brand_it_names(engine: Engine, settings: Settings) -> None:
    store(engine, settings, [post(1, "Beanbox vs Brewly", label="negative"), post(2, "Brewly!")])
    store(engine, settings, [post(3, "beanbox is ok"), post(4, "grindr and beanbox")], "Beanbox")
    # scored and stored, then read back (stored days carry the new parts version)
    score_days(engine, settings, clock=lambda: NOW, days=[DAY], rematch=True)
    brewly = day_values(engine, settings, "Brewly")
    assert (brewly["volume"], brewly["negative"]) == (2, 1)
    # rivals: Beanbox 3 (posts 1, 3, 4) + Grindr 1 (post 4) = 4 brand-mentions
    assert brewly["share_of_voice"] == pytest.approx(100 * 2 / (2 + 4))
    beanbox = day_values(engine, settings, "Beanbox")
    grindr = day_values(engine, settings, "Grindr")
    assert (beanbox["volume"], beanbox["negative"], grindr["volume"]) == (3, 1, 1)
    shares = [100 * v / (2 + 4) for v in (brewly["volume"], beanbox["volume"], grindr["volume"])]
    assert sum(shares) == pytest.approx(100)  # as docs/kpis.md says
    with session_scope(engine) as s:
        stored = stored_kpis(s, "Brewly", DAY, DAY, {"all"})
    assert stored[(DAY, "all")][PARTS_KEY]["v"] == PARTS_VERSION == 3


def test_collect_attributes_each_page_to_every_brand_it_names(
    engine: Engine, tmp_path: Path
) -> None:
    from monitor.pipeline.collect import collect

    rows = [
        {"source": "x", "id": "1", "author": "ann", "brand": "Brewly",
         "text": "Beanbox vs Brewly", "created_at": "2026-10-01T10:00:00Z"},
        {"source": "x", "id": "2", "author": "bob", "brand": "Beanbox",
         "text": "beanbox only", "created_at": "2026-10-01T11:00:00Z"},
    ]  # fmt: skip
    sample = tmp_path / "rows.jsonl"
    sample.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    path = tmp_path / "replay.yaml"
    path.write_text(
        "brands:\n"
        "  - name: Brewly\n"
        "    sources: {replay: {}}\n"
        "    competitors: [{name: Beanbox, sources: {replay: {}}}]\n"
        f"sources:\n  replay: {{enabled: true, path: {sample}, shift_to_now: false}}\n",
        encoding="utf-8",
    )
    settings = load_config(path, env={})
    for _ in range(2):  # a second pass stores nothing new
        reports = collect(engine, settings, clock=lambda: NOW, sleep=lambda s: None)
        assert all(r.ok for r in reports), [r.error for r in reports]
    with session_scope(engine) as s:
        ids = ids_by_keys(s, [("replay", "1"), ("replay", "2")])
        found = stored_brands(s, list(ids.values()))
    assert found[ids[("replay", "1")]] == {"Brewly": "target", "Beanbox": "keyword"}
    assert found[ids[("replay", "2")]] == {"Beanbox": "target"}
