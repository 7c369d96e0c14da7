"""The replay source: pages of a file in order, shifted to now, resumable from a line offset."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.collectors.base import FatalError, Page, SourceSettings, Target
from monitor.collectors.replay.collector import ReplayCollector
from monitor.collectors.replay.settings import BUNDLED_SAMPLE, ReplayBrandSettings, ReplaySettings
from monitor.pipeline.collect import run_target
from monitor.posts import Post
from tests.collectors.replay_harness import FIXTURE, NOW, SKYLARK_IDS, make_replay_collector

NEWEST = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # r7, the file's newest post
SHIFT = NOW - timedelta(minutes=5) - NEWEST  # a whole number of minutes here


def posts_of(pages: list[Page]) -> list[Post]:
    return [p for page in pages for p in page.posts]


def roundtrip(cursor: dict[str, object]) -> dict[str, object]:
    return dict(json.loads(json.dumps(cursor)))


def test_first_pass_yields_the_targets_posts_in_pages_shifted_to_now() -> None:
    collector, target = make_replay_collector()
    pages = list(collector.collect(target, None))
    assert len(pages) == 3  # 8 rows in pages of 3: 3 + 3 + 2
    posts = posts_of(pages)
    assert [p.external_id for p in posts] == SKYLARK_IDS
    r1 = posts[0]
    assert (r1.source, r1.brand, r1.raw["original_source"]) == ("replay", "Skylark", "x")
    assert r1.created_at == datetime(2026, 10, 1, 8, 0, tzinfo=UTC) + SHIFT
    assert r1.author_followers == 320 and r1.thread_id == "r1"
    assert posts[2].thread_id == "r1"  # no thread_id in the row: the root through in_reply_to
    assert pages[-1].cursor == {
        "v": 1, "file": str(FIXTURE), "line": 8, "shift_seconds": int(SHIFT.total_seconds()),
    }  # fmt: skip
    [bad] = [s for page in pages for s in page.skipped]
    assert bad.where == f"{FIXTURE}:6"
    assert bad.reason == "created_at: cannot parse 'not a time' as an ISO 8601 time"
    assert '"id":"r-bad"' in bad.raw_body


def test_cursor_survives_json_and_a_second_pass_adds_nothing() -> None:
    collector, target = make_replay_collector()
    pages = list(collector.collect(target, None))
    for page in pages:
        assert roundtrip(page.cursor) == page.cursor
    again = list(collector.collect(target, roundtrip(pages[-1].cursor)))
    assert posts_of(again) == [] and again[-1].cursor == pages[-1].cursor
    assert [s for page in again for s in page.skipped] == []  # bad lines are reported once


def test_resuming_mid_file_gives_the_rest_with_the_same_times() -> None:
    collector, target = make_replay_collector()
    pages = list(collector.collect(target, None))
    # A crash after the first page: the next pass starts from that page's cursor.
    later = make_replay_collector(clock=lambda: NOW + timedelta(days=3))[0]
    rest = posts_of(list(later.collect(target, roundtrip(pages[0].cursor))))
    assert posts_of(pages[:1]) + rest == posts_of(pages)


def test_a_grown_file_continues_from_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    shutil.copy(FIXTURE, path)
    collector, target = make_replay_collector(path)
    first = list(collector.collect(target, None))
    new_row = {
        "source": "x", "id": "r8", "created_at": "2026-10-01T13:00:00Z", "author": "fay",
        "brand": "Skylark", "text": "@SkylarkHelp where is my refund?",
    }  # fmt: skip
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(new_row) + "\n" + '{"source": "x", "id": "r9", "text": "half a li')
    second = list(collector.collect(target, roundtrip(first[-1].cursor)))
    [r8] = posts_of(second)
    assert r8.external_id == "r8"
    assert r8.created_at == datetime(2026, 10, 1, 13, 0, tzinfo=UTC) + SHIFT  # the kept shift
    assert second[-1].cursor["line"] == 9  # the unterminated line waits for its end
    assert second[-1].notes == [f"{path}:10: no line end yet, read later"]
    assert second[-1].cursor["shift_seconds"] == first[-1].cursor["shift_seconds"]


def test_brand_names_and_accounts_pick_the_rows(tmp_path: Path) -> None:
    collector, _ = make_replay_collector()
    globex = Target(
        "Globex", ReplayBrandSettings(accounts=["GlobexAir"], brand_names=["globex air"]), True
    )
    assert [p.external_id for p in posts_of(list(collector.collect(globex, None)))] == ["r4"]
    assert all(p.brand == "Globex" for p in posts_of(list(collector.collect(globex, None))))
    nobody = Target("Initech", ReplayBrandSettings())
    assert posts_of(list(collector.collect(nobody, None))) == []


def test_backfill_reads_the_window_and_keeps_the_cursor() -> None:
    collector, target = make_replay_collector()
    cursor = roundtrip(list(collector.collect(target, None))[-1].cursor)
    since = datetime(2026, 10, 1, 9, 0, tzinfo=UTC) + SHIFT
    until = datetime(2026, 10, 1, 11, 5, tzinfo=UTC) + SHIFT
    pages = list(collector.collect(target, cursor, since=since, until=until))
    assert [p.external_id for p in posts_of(pages)] == ["r3", "r5"]
    assert all(page.cursor == cursor for page in pages)


def test_without_shift_times_stay_and_another_file_starts_afresh(tmp_path: Path) -> None:
    collector, target = make_replay_collector(shift_to_now=False)
    pages = list(collector.collect(target, None))
    assert posts_of(pages)[0].created_at == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    other = tmp_path / "other.jsonl"
    shutil.copy(FIXTURE, other)
    moved, _ = make_replay_collector(other, shift_to_now=False)
    again = posts_of(list(moved.collect(target, roundtrip(pages[-1].cursor))))
    assert [p.external_id for p in again] == SKYLARK_IDS


def test_missing_file_is_a_fatal_source_error(tmp_path: Path) -> None:
    collector, target = make_replay_collector(tmp_path / "nowhere.jsonl")
    with pytest.raises(FatalError, match=r"nowhere\.jsonl not found"):
        list(collector.collect(target, None))


def test_settings_default_to_the_bundled_sample() -> None:
    settings = ReplaySettings.model_validate({"enabled": True})
    assert settings.file == BUNDLED_SAMPLE and BUNDLED_SAMPLE.is_file()
    with pytest.raises(TypeError):
        ReplayCollector(SourceSettings(), lambda: NOW)


def test_pipeline_stores_each_post_once_across_passes(engine: Engine) -> None:
    collector, target = make_replay_collector()
    first = run_target(engine, collector, "replay", target, clock=lambda: NOW)
    second = run_target(engine, collector, "replay", target, clock=lambda: NOW)
    assert first.ok and first.result.inserted == len(SKYLARK_IDS) and first.skipped_pages == 1
    assert second.ok and (second.result.inserted, second.result.updated) == (0, 0)
