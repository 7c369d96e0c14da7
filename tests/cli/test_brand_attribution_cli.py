"""Issue 10 item 6 through the real script: a post naming two brands counts for both."""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.cli.test_boundary import Cli

CONFIG = """
database_url: sqlite:///monitor.db
brands:
  - name: Brewly
    sources:
      replay: {accounts: [BrewlyHelp], brand_names: [Brewly]}
    competitors:
      - {name: Beanbox, sources: {replay: {brand_names: [Beanbox]}}}
sources:
  replay: {enabled: false}
"""
DAY = "2026-10-01"
ROWS = [
    # names both: stored for Brewly (the first brand it names), counted for Beanbox too
    {"source": "replay", "id": "1", "author": "ann", "sentiment": "neutral",
     "text": "Beanbox vs Brewly: which one ships faster?", "created_at": f"{DAY}T10:00:00Z"},
    {"source": "replay", "id": "2", "author": "bob", "sentiment": "positive",
     "text": "brewly's beans are great", "created_at": f"{DAY}T11:00:00Z"},
    {"source": "replay", "id": "3", "author": "cy", "sentiment": "negative",
     "text": "Beanbox lost my parcel", "created_at": f"{DAY}T12:00:00Z"},
    {"source": "replay", "id": "4", "author": "dee", "sentiment": "negative",
     "text": "@BrewlyHelp my order is late", "created_at": f"{DAY}T13:00:00Z"},
    # not a whole word: no brand is named, the row is refused as today
    {"source": "replay", "id": "5", "author": "eve", "sentiment": "neutral",
     "text": "beanboxes everywhere", "created_at": f"{DAY}T14:00:00Z"},
]  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.config.write_text(CONFIG, encoding="utf-8")
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    result = cli("import", str(posts))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no configured brand matches" in result.stderr  # row 5 only
    return cli


def ok(result: CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def day_row(cli: Cli, brand: str) -> dict[str, object]:
    (row,) = json.loads(ok(cli("kpis", "--brand", brand, "--date", DAY, "--json")))
    assert row["brand"] == brand and row["date"] == DAY
    return dict(row)


def test_a_post_naming_two_brands_counts_for_each(cli: Cli) -> None:
    brewly, beanbox = day_row(cli, "Brewly"), day_row(cli, "Beanbox")
    assert brewly["volume"] == 3  # rows 1, 2, 4
    assert beanbox["volume"] == 2  # rows 1, 3: before, Beanbox had 1
    assert (brewly["positive"], brewly["neutral"], brewly["negative"]) == (1, 1, 1)
    assert (beanbox["neutral"], beanbox["negative"]) == (1, 1)
    # docs/kpis.md: the denominator counts brand-mentions, so the shares add up to 100
    total = brewly["volume"] + beanbox["volume"]  # type: ignore[operator]
    assert brewly["share_of_voice"] == pytest.approx(100 * 3 / total)  # 60, not 75
    beanbox_share = 100 * beanbox["volume"] / total  # type: ignore[operator]
    assert brewly["share_of_voice"] + beanbox_share == pytest.approx(100)
    assert beanbox["share_of_voice"] is None  # a competitor has no competitors of its own
    # the complaint is one item, Brewly's (its account was addressed); Beanbox has none
    assert (brewly["complaints"], beanbox["complaints"]) == (1, 0)


def test_mentions_of_a_brand_include_posts_naming_it(cli: Cli) -> None:
    out = ok(cli("mentions", "--brand", "Beanbox", "--since", "2026-09-01", "--json"))
    texts = sorted(m["text"] for m in json.loads(out))
    assert texts == ["Beanbox lost my parcel", "Beanbox vs Brewly: which one ships faster?"]
    out = ok(cli("mentions", "--brand", "Brewly", "--since", "2026-09-01", "--json"))
    assert len(json.loads(out)) == 3


def test_scoring_again_counts_the_same(cli: Cli) -> None:
    before = day_row(cli, "Beanbox")
    ok(cli("score", "--date", DAY))
    ok(cli("score", "--date", DAY))  # idempotent: matching again adds nothing
    assert day_row(cli, "Beanbox") == before
    assert day_row(cli, "Brewly")["share_of_voice"] == pytest.approx(60.0)
