"""YouTube comments through google-api-python-client against the fake API: posts, budget, errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import AuthError, Cursor, FatalError, Page, RetriableError, Target
from monitor.collectors.youtube.collector import YouTubeCollector
from monitor.pipeline.collect import run_target
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.youtube_server import (
    API_KEY,
    CHANNEL_ID,
    FakeYouTubeServer,
    make_youtube_collector,
    running_youtube_server,
    youtube_brand,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
CRASH = "UgzK1crash5p2AaABAg"
RESET = "UgxPwdReset9xYAaABAg"  # three replies, one by the brand
SAFE = "UgwSafeQ1mnAaABAg"  # on the reviewer's video
BRAND_REPLIES = {f"{CRASH}.9zBrandReply1", f"{RESET}.9zBrandHelp01"}
ALL_IDS = {
    CRASH, f"{CRASH}.9zBrandReply1", f"{CRASH}.9zUserThanks1", "UgwDarkModeLove4AaABAg",
    RESET, f"{RESET}.9zMeToo00001", f"{RESET}.9zBrandHelp01", f"{RESET}.9zFixed000001",
    "UgyNoCarga7qAaABAg", "UgzGreatVid2AaABAg", SAFE, f"{SAFE}.9zReviewer001",
}  # fmt: skip
THREADS = "/youtube/v3/commentThreads"


class Clock:
    """A clock tests can move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def server() -> Iterator[FakeYouTubeServer]:
    with running_youtube_server() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def youtube(
    server: FakeYouTubeServer, clock: Clock, sleeps: list[float]
) -> tuple[YouTubeCollector, Target]:
    return make_youtube_collector(server.base_url, clock, sleep=sleeps.append)


def run(collector: YouTubeCollector, target: Target, cursor: Cursor | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def posts_of(pages: list[Page]) -> dict[str, Post]:
    return {p.external_id: p for page in pages for p in page.posts}


def comment(cid: str, when: str, text: str, author: str = "@newviewer", parent: str = "") -> dict:
    snippet = {
        "channelId": CHANNEL_ID,
        "videoId": "acmeV52tour",
        "textOriginal": text,
        "textDisplay": text,
        "authorDisplayName": author,
        "authorChannelId": {"value": "UCnewViewer0000000000001"},
        "publishedAt": when,
        "updatedAt": when,
        "likeCount": 0,
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "id": cid, "snippet": snippet}


def thread(tid: str, when: str, text: str) -> dict:
    top = comment(tid, when, text)
    snippet = {"channelId": CHANNEL_ID, "videoId": "acmeV52tour", "topLevelComment": top}
    snippet["totalReplyCount"] = 0
    return {"kind": "youtube#commentThread", "id": tid, "snippet": snippet}


def test_threads_replies_and_brand_replies(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target]
) -> None:
    server.replies_carried = 1  # the replies part carries only some: the rest via comments.list
    posts = posts_of(run(*youtube))
    assert set(posts) == ALL_IDS
    crash = posts[CRASH]
    assert crash.author == "frustratedrider" and crash.thread_id == CRASH
    assert crash.in_reply_to is None and crash.created_at == datetime(2024, 6, 1, 9, 40, tzinfo=UTC)
    assert crash.url == f"https://www.youtube.com/watch?v=acmeV52tour&lc={CRASH}"
    assert {k for k, p in posts.items() if p.author == "AcmeMobile"} == BRAND_REPLIES
    for reply in BRAND_REPLIES:
        assert posts[reply].in_reply_to == posts[reply].thread_id == reply.split(".")[0]
    assert posts["UgyNoCarga7qAaABAg"].text == "La app no carga desde ayer 😡 ¿qué pasa?"
    asked = server.requests
    assert [r.path for r in asked].count("/youtube/v3/comments") == 2  # threads with 2 and 3
    first = asked[0].query
    assert first["allThreadsRelatedToChannelId"] == CHANNEL_ID and first["order"] == "time"
    assert first["part"] == "snippet,replies" and first["key"] == API_KEY
    assert any(r.query.get("videoId") == "AcmeReview1" for r in asked)
    assert not server.paths("/youtube/v3/search")  # no search_query: never a 100-unit call


def test_second_pass_reads_only_new_threads_and_new_replies(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target], clock: Clock
) -> None:
    cursor = run(*youtube)[-1].cursor
    clock.now = NOW + timedelta(hours=3)
    server.add_thread(thread("UgNEWthread001AaABAg", "2024-06-02T01:00:00Z", "Still broken"))
    late = comment(f"{CRASH}.9zLateReply1", "2024-06-02T02:00:00Z", "Me too", parent=CRASH)
    server.add_reply(CRASH, late)
    again = posts_of(run(*youtube, cursor))
    assert "UgNEWthread001AaABAg" in again and f"{CRASH}.9zLateReply1" in again
    assert CRASH not in again and "UgzGreatVid2AaABAg" not in again  # old threads: not again


def test_the_mark_moves_only_on_the_last_page_and_a_crash_loses_nothing(
    youtube: tuple[YouTubeCollector, Target],
) -> None:
    pages = run(*youtube)
    channel = [p for p in pages if p.stream == "channel"]
    assert ["channel" in p.cursor["streams"] for p in channel] == [False, False, True]
    stored: dict[str, Post] = posts_of(pages[:1])
    stored.update(posts_of(run(*youtube, pages[0].cursor)))
    assert set(stored) == ALL_IDS


def test_daily_unit_budget_stops_the_pass_and_resets_at_pacific_midnight(
    server: FakeYouTubeServer, clock: Clock
) -> None:
    collector, target = make_youtube_collector(server.base_url, clock, daily_unit_budget=2)
    pages = run(collector, target)
    assert len(server.requests) == 2 and pages[-1].cursor["budget"] == {
        "day": "2024-06-01",  # 00:00 UTC is still June 1st in California
        "units": 2,
    }
    assert "daily unit budget of 2 reached" in pages[-1].notes[0]
    assert "midnight Pacific time, in 7.0 h" in pages[-1].notes[0]
    assert not run(collector, target, pages[-1].cursor)[0].posts  # nothing left today
    assert len(server.requests) == 2
    clock.now = NOW + timedelta(hours=8)  # a new Pacific day
    later = run(collector, target, pages[-1].cursor)
    assert later[-1].cursor["budget"]["day"] == "2024-06-02" and len(server.requests) == 4


def test_search_runs_only_when_configured_and_costs_100_units(
    server: FakeYouTubeServer, clock: Clock
) -> None:
    brand = youtube_brand(search_query='"acme mobile"', video_ids=[])
    collector, target = make_youtube_collector(server.base_url, clock, brand=brand)
    pages = run(collector, target)
    videos = {k: p for k, p in posts_of(pages).items() if p.raw.get("kind") == "video"}
    assert set(videos) == {"AcmeReview1", "acmeOutage1"}
    assert videos["AcmeReview1"].author == "Tech Reviews Daily"
    searched = server.paths("/youtube/v3/search")
    assert len(searched) == 1 and searched[0].query["type"] == "video"
    assert pages[-1].cursor["budget"]["units"] == 103 == server.units_spent()
    run(collector, target, pages[-1].cursor)  # within search_interval_hours: no new search
    assert len(server.paths("/youtube/v3/search")) == 1


def test_quota_exceeded_stops_for_the_day_and_says_when_it_resets(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target], sleeps: list[float]
) -> None:
    server.quota_left = 1
    pages = run(*youtube)
    assert len(server.requests) == 2 and not sleeps  # no retries against a spent quota
    note = pages[-1].notes[0]
    assert "quotaExceeded" in note and "resets at midnight Pacific time" in note
    assert pages[-1].cursor["budget"]["units"] == 5_000  # the day counts as spent


def test_429_waits_as_long_as_retry_after_says_and_5xx_back_off(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target], sleeps: list[float]
) -> None:
    server.fail_next("429", seconds=42)
    server.fail_next("503")
    assert set(posts_of(run(*youtube))) == ALL_IDS
    assert sleeps[0] == 42 and len(sleeps) == 2


def test_a_timeout_is_retried(server: FakeYouTubeServer, clock: Clock, sleeps: list[float]) -> None:
    collector, target = make_youtube_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=0.3
    )
    server.fail_next("slow", seconds=2)
    assert set(posts_of(run(collector, target))) == ALL_IDS
    assert len(sleeps) == 1


@pytest.mark.parametrize("kind", ["badkey", "403", "401"])
def test_refused_key_is_an_auth_error_naming_the_env_var(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target], kind: str
) -> None:
    server.fail_next(kind)
    with pytest.raises(AuthError):
        run(*youtube)
    server.fail_next(kind)
    result = youtube[0].check()
    assert not result.ok and not result.unreachable and "YOUTUBE_API_KEY" in (result.fix or "")


def test_an_unknown_video_is_fatal_and_the_others_still_read(
    server: FakeYouTubeServer, clock: Clock
) -> None:
    brand = youtube_brand(video_ids=["nosuchvideo"])
    collector, target = make_youtube_collector(server.base_url, clock, brand=brand)
    pages: list[Page] = []
    with pytest.raises(FatalError, match="videoNotFound"):
        for page in collector.collect(target, None):
            pages.append(page)
    assert CRASH in posts_of(pages)
    assert any("videoNotFound" in s.raw_body for p in pages for s in p.skipped)


@pytest.mark.parametrize("kind", ["malformed", "html"])
def test_a_malformed_page_is_kept_and_the_mark_stays(
    server: FakeYouTubeServer, youtube: tuple[YouTubeCollector, Target], kind: str
) -> None:
    server.fail_next(kind, path=THREADS, skip=1)
    pages = run(*youtube)
    skipped = [s for p in pages for s in p.skipped]
    assert len(skipped) == 1 and skipped[0].raw_body
    assert "channel" not in pages[-1].cursor["streams"]  # read again next time
    assert "video:AcmeReview1" in pages[-1].cursor["streams"]


def test_unreachable_retries_run_out_as_a_retriable_error(clock: Clock) -> None:
    collector, target = make_youtube_collector("http://127.0.0.1:9", clock, max_retries=1)
    with pytest.raises(RetriableError, match="connection failed"):
        run(collector, target)
    result = collector.check()
    assert not result.ok and result.unreachable


def test_the_api_key_never_reaches_the_logs(
    server: FakeYouTubeServer,
    youtube: tuple[YouTubeCollector, Target],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.fail_next("500")
    with caplog.at_level(logging.DEBUG):
        run(*youtube)
    assert "URL being requested" in caplog.text  # the library logs its URLs...
    assert API_KEY not in caplog.text  # ...with the key blanked


def test_killed_pass_through_the_pipeline_loses_nothing(
    engine: Engine, youtube: tuple[YouTubeCollector, Target], clock: Clock
) -> None:
    collector, target = youtube

    def die_on_second_page(source: str, page: Page, result: object) -> None:
        if page.cursor["budget"]["units"] == 2:
            raise KeyboardInterrupt  # like a kill: not caught by the pipeline

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "youtube", target, clock=clock, on_page=die_on_second_page)
    first = run_target(engine, collector, "youtube", target, clock=clock)
    second = run_target(engine, collector, "youtube", target, clock=clock)
    with session_scope(engine) as session:
        rows = session.execute(select(col(Mention.external_id), col(Mention.is_brand_post)))
        stored = {external_id: brand for external_id, brand in rows}
    assert set(stored) == ALL_IDS
    assert {k for k, brand in stored.items() if brand} == BRAND_REPLIES
    assert first.ok and second.ok and (second.result.inserted, second.result.updated) == (0, 0)
