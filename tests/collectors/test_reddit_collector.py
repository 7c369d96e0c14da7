"""Reddit collection with the real praw client against the fake server: posts, paging, cursor."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import Cursor, Page, Target
from monitor.collectors.reddit.collector import RedditCollector
from monitor.pipeline.collect import run_target
from monitor.posts import MAX_TEXT_CHARS, Post
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.reddit_server import (
    EXPECTED_IDS,
    FakeRedditServer,
    make_reddit_collector,
    running_reddit_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
T0 = 1717236000  # the fixture's first post


def clock() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """praw/prawcore must never wait for real: every wait goes through the injected sleep."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) called; waits must use the injected sleep")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def server() -> Iterator[FakeRedditServer]:
    with running_reddit_server() as srv:
        yield srv


@pytest.fixture
def reddit(server: FakeRedditServer) -> Iterator[tuple[RedditCollector, Target]]:
    collector, target = make_reddit_collector(server.base_url, clock)
    yield collector, target
    collector.close()


def run(collector: RedditCollector, target: Target, cursor: Cursor | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def posts_of(pages: list[Page]) -> dict[str, Post]:
    return {p.external_id: p for page in pages for p in page.posts}


def comment(cid: str, sub: str, body: str, ts: float, link: str = "1d5a004") -> dict[str, object]:
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "author": "someone_new",
            "body": body,
            "subreddit": sub,
            "created_utc": ts,
            "parent_id": f"t3_{link}",
            "link_id": f"t3_{link}",
            "permalink": f"/r/{sub}/comments/{link}/x/{cid}/",
        },
    }


def test_first_pass_collects_mentions_brand_replies_and_threads(
    reddit: tuple[RedditCollector, Target],
) -> None:
    pages = run(*reddit)
    posts = posts_of(pages)
    assert set(posts) == EXPECTED_IDS
    reply = posts["t1_l6a0003"]  # the brand answering the complaint
    assert (reply.author, reply.in_reply_to, reply.thread_id) == (
        "AcmeSupport",
        "t3_1d5a001",
        "t3_1d5a001",
    )
    follow_up = posts["t1_l6a0004"]  # the customer answering the brand
    assert (follow_up.in_reply_to, follow_up.thread_id) == ("t1_l6a0003", "t3_1d5a001")
    complaint = posts["t3_1d5a001"]
    assert complaint.in_reply_to is None and complaint.thread_id == "t3_1d5a001"
    assert complaint.text.startswith("Acme router drops Wi-Fi every evening\n\nSince the firmware")
    assert complaint.url == (
        "https://www.reddit.com/r/techsupport/comments/1d5a001/acme_router_drops_wi_fi_every_evening/"
    )
    assert complaint.subreddit == "techsupport" and complaint.author_id == "t2_8xk2m1qa"
    assert complaint.created_at == datetime.fromtimestamp(T0, UTC)
    assert complaint.author_followers is None and complaint.source == "reddit"
    assert complaint.raw["kind"] == "t3" and complaint.raw["score"] == 14


def test_deleted_authors_and_removed_texts(reddit: tuple[RedditCollector, Target]) -> None:
    pages = run(*reddit)
    posts = posts_of(pages)
    assert posts["t3_1d5a006"].author == "[deleted]"  # account gone, text kept
    assert "Barcelona" in posts["t3_1d5a006"].text
    assert posts["t1_l6a0009"].author == "[deleted]"
    removed = posts["t3_1d5a005"]  # a moderator removed the body: the title still names Acme
    assert removed.text == "Acme support scam number??"
    assert removed.raw["text_removed"] == "[removed]"
    assert "t1_l6a0007" not in posts  # a removed comment has no text left: skipped and noted
    notes = [n for page in pages for n in page.notes]
    assert "skipped 1 removed or deleted comments" in notes
    assert "ignored 1 'more comments' stubs" in notes


def test_requests_follow_the_api(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    run(*reddit)
    token = server.requests[0]
    assert token.method == "POST" and token.path == "/api/v1/access_token"
    assert token.headers["authorization"].startswith("Basic ")
    sitewide = server.api_requests("/search")
    assert [r.query.get("after") for r in sitewide] == [None, "t3_1d5a006", "t3_1d5a002"]
    assert all(r.query["sort"] == "new" and r.query["q"] == "acme" for r in sitewide)
    assert all(r.query["limit"] == "2" for r in sitewide)
    per_sub = server.api_requests("/r/techsupport/search")
    assert per_sub and all(r.query["restrict_sr"] == "1" for r in per_sub)
    assert server.api_requests("/user/AcmeSupport/comments")[0].query["sort"] == "new"
    api = server.api_requests()
    assert all(r.headers["authorization"].startswith("bearer fake-token-") for r in api)
    assert all(r.headers["user-agent"].startswith("python:social-monitor-tests") for r in api)


def test_script_app_logs_in_with_password_grant(server: FakeRedditServer) -> None:
    collector, target = make_reddit_collector(server.base_url, clock, script_app=True)
    assert set(posts_of(run(collector, target))) == EXPECTED_IDS
    collector.close()
    assert server.api_requests()[0].headers["authorization"].endswith("-password")


def test_second_pass_adds_nothing_and_reads_one_page_per_stream(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    first = run(*reddit)
    cursor = json.loads(json.dumps(first[-1].cursor))  # what the pipeline stores and loads
    assert cursor == first[-1].cursor
    before = len(server.api_requests())
    second = run(*reddit, cursor)
    assert posts_of(second) == {}
    # One page per stream reaches the mark; in r/techsupport a 'more' stub (no timestamp)
    # fills the rest of the first page, so one more page is read there.
    assert len(server.api_requests()) - before == 7
    assert second[-1].cursor == cursor


def test_new_posts_are_collected_once(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    cursor = run(*reddit)[-1].cursor
    # Same second as the newest own-subreddit comment: ties are told apart by id.
    server.add(comment("l6b0001", "AcmeMobile", "Back up now, thanks", T0 + 2200))
    server.add(comment("l6b0002", "techsupport", "acme fixed it", T0 + 5000, link="1d5a003"))
    second = run(*reddit, cursor)
    assert set(posts_of(second)) == {"t1_l6b0001", "t1_l6b0002"}
    assert posts_of(run(*reddit, second[-1].cursor)) == {}


def test_a_stream_mark_moves_only_on_the_last_page_of_its_walk(
    reddit: tuple[RedditCollector, Target],
) -> None:
    pages = [p for p in run(*reddit) if p.stream == "search:all"]
    assert len(pages) == 3  # 5 matching submissions, 2 a page
    assert ["search:all" in p.cursor["streams"] for p in pages] == [False, False, True]
    assert pages[-1].cursor["streams"]["search:all"] == {"ts": T0 + 3600.0, "ids": ["t3_1d5a007"]}


@pytest.mark.parametrize("crash_after", [1, 4, 9])
def test_crash_mid_pass_then_rerun_yields_everything(
    reddit: tuple[RedditCollector, Target], crash_after: int
) -> None:
    stored: dict[str, Post] = {}
    cursor: Cursor | None = None
    for number, page in enumerate(run(*reddit), start=1):
        stored.update(posts_of([page]))
        cursor = page.cursor  # committed with the page's posts
        if number == crash_after:
            break  # the process dies here
    rerun = run(*reddit, cursor)
    stored.update(posts_of(rerun))
    assert set(stored) == EXPECTED_IDS
    assert posts_of(run(*reddit, rerun[-1].cursor)) == {}


def test_killed_pass_through_the_pipeline_loses_nothing(
    engine: Engine, reddit: tuple[RedditCollector, Target]
) -> None:
    collector, target = reddit
    pages_seen = 0

    def die_after_two_pages(source: str, page: Page, result: object) -> None:
        nonlocal pages_seen
        pages_seen += 1
        if pages_seen == 2:
            raise KeyboardInterrupt  # like a kill: not caught by the pipeline

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "reddit", target, clock=clock, on_page=die_after_two_pages)
    report = run_target(engine, collector, "reddit", target, clock=clock)
    again = run_target(engine, collector, "reddit", target, clock=clock)
    with session_scope(engine) as session:
        stored = set(session.scalars(select(col(Mention.external_id))).all())
        brand = select(col(Mention.external_id)).where(col(Mention.is_brand_post))
        brand_posts = set(session.scalars(brand).all())
    assert stored == EXPECTED_IDS
    assert brand_posts == {"t1_l6a0003", "t1_l6a0005", "t1_l6a0008"}
    assert report.ok and again.ok and again.result.inserted == 0


def test_backfill_window_leaves_the_cursor_alone(reddit: tuple[RedditCollector, Target]) -> None:
    collector, target = reddit
    since = datetime.fromtimestamp(T0 + 1000, UTC)
    until = datetime.fromtimestamp(T0 + 2200, UTC)
    pages = list(collector.collect(target, None, since=since, until=until))
    expected = {"t1_l6a0005", "t1_l6a0004", "t1_l6a0001", "t3_1d5a004", "t1_l6a0008"}
    assert set(posts_of(pages)) == expected  # since included, until excluded
    assert all(p.cursor == {"v": 1, "streams": {}} for p in pages)


def test_huge_and_odd_texts_are_kept_safe(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    body = "Acme modem log \x00 " + "x" * (MAX_TEXT_CHARS + 5000) + " broken emoji \ud83d end"
    server.add(comment("l6c0001", "AcmeMobile", body, T0 + 9000))
    post = posts_of(run(*reddit))["t1_l6c0001"]
    assert post.text.endswith("broken emoji \ufffd end")  # lone surrogate replaced
    assert len(post.text) == len(body)  # storage cuts it; the collector keeps it whole
    post.text.encode("utf-8")  # storable


def test_unreadable_thing_is_skipped_with_its_json(
    server: FakeRedditServer, reddit: tuple[RedditCollector, Target]
) -> None:
    broken = comment("l6d0001", "AcmeMobile", "no timestamp", T0 + 100)
    del broken["data"]["created_utc"]  # type: ignore[attr-defined]
    server.add(broken)
    pages = run(*reddit)
    skipped = [s for p in pages for s in p.skipped]
    assert len(skipped) == 1 and "created_utc" in skipped[0].reason
    assert "no timestamp" in skipped[0].raw_body and "child" in skipped[0].where
    assert set(posts_of(pages)) == EXPECTED_IDS


def test_max_pages_ends_a_walk_with_a_note(server: FakeRedditServer) -> None:
    collector, target = make_reddit_collector(server.base_url, clock, max_pages=1)
    cursor = run(collector, target)[-1].cursor
    for n in range(3):
        server.add(comment(f"l6e000{n}", "AcmeMobile", "more outage", T0 + 9000 + n))
    pages = run(collector, target, cursor)
    collector.close()
    notes = [n for p in pages if p.stream == "comments:r/AcmeMobile" for n in p.notes]
    assert any("stopped after 1 pages" in n for n in notes)
    assert len(posts_of(pages)) == 2


def test_empty_listings_end_every_walk() -> None:
    with running_reddit_server(things=[]) as empty:
        collector, target = make_reddit_collector(empty.base_url, clock)
        pages = run(collector, target)
        collector.close()
    assert len(pages) == 6 and posts_of(pages) == {}  # one empty page per stream
    assert pages[-1].cursor == {"v": 1, "streams": {}}
