"""The X collector with the real tweepy Client against the fake API: streams, cursor, budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.x.client import EXPANSIONS, TWEET_FIELDS, USER_FIELDS
from monitor.pipeline.collect import run_target
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.x_server import (
    MutableClock,
    XFakeServer,
    drain,
    make_x_collector,
    running_x_server,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
SEARCH, MENTIONS = "/2/tweets/search/recent", "/2/users/90210777/mentions"


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(NOW)


@pytest.fixture
def server(clock: MutableClock) -> Iterator[XFakeServer]:
    with running_x_server(clock=clock) as fake:
        yield fake


def test_one_pass_collects_mentions_brand_replies_and_search(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock)
    pages, posts = drain(collector, target)
    ids = [p.external_id for p in posts]
    expected = server.expected_ids(target.settings)
    assert set(ids) == expected and len(expected) > 30
    assert {p.stream for p in pages} >= {"mentions", "brand_replies", "search"}
    # what tweepy sent, as the X reference spells it
    first = server.paths(SEARCH)[0].params
    assert first["max_results"] == "100"
    assert first["expansions"] == ",".join(EXPANSIONS)
    assert first["tweet.fields"] == ",".join(TWEET_FIELDS)
    assert first["user.fields"] == ",".join(USER_FIELDS)
    assert (
        server.paths(SEARCH)[0].params["query"]
        == "(from:SkylarkAir OR from:SkylarkAirHelp) is:reply"
    )
    # a brand answer can be matched to the complaint it answers
    by_id = {p.external_id: p for p in posts}
    answers = [p for p in posts if p.author in target.accounts and p.in_reply_to in by_id]
    assert len(answers) >= 5
    for answer in answers:
        complaint = by_id[answer.in_reply_to or ""]
        assert answer.thread_id == complaint.thread_id
        assert complaint.author not in target.accounts or complaint.in_reply_to
    carlos = next(p for p in posts if p.author == "carlos_mx" and p.lang == "es")
    assert carlos.author_followers is not None and carlos.url
    assert carlos.url.startswith("https://x.com/carlos_mx/status/")


def test_pages_follow_next_token_and_pagination_token(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    pages, posts = drain(collector, target)
    for stream in ("mentions", "brand_replies", "search"):  # streams overlap; pages don't
        ids = [p.external_id for page in pages if page.stream == stream for p in page.posts]
        assert len(ids) == len(set(ids)) > 0
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)
    brand_search = [r for r in server.paths(SEARCH) if "-is:retweet" in r.params["query"]]
    assert len(brand_search) >= 3
    assert all("next_token" in r.params for r in brand_search[1:])
    assert all("pagination_token" in r.params for r in server.paths(MENTIONS)[1:])
    assert len(server.paths(MENTIONS)) >= 2
    # newest first: only the last page of a stream carries its new since_id
    search_pages = [p for p in pages if p.stream == "search"]
    assert all("since_id" not in p.cursor["streams"]["search"] for p in search_pages[:-1])
    newest = max((p.external_id for page in search_pages for p in page.posts), key=int)
    assert search_pages[-1].cursor["streams"]["search"] == {"since_id": newest}


def test_second_pass_sends_since_id_and_returns_only_new_posts(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    pages, _ = drain(collector, target)
    cursor = pages[-1].cursor
    asked = len(server.requests)
    _, again = drain(collector, target, cursor)
    assert again == []
    second = server.requests[asked:]
    assert len(second) == 3 and all("since_id" in r.params for r in second)
    assert {r.params["since_id"] for r in second} == {
        s["since_id"] for s in cursor["streams"].values()
    }
    new = {
        "id": "2031700000000000000",
        "text": "@SkylarkAir boarding now, thanks for sorting my seat",
        "author_id": "1500000000000000101",
        "created_at": "2026-03-11T11:35:45.000Z",
        "conversation_id": "2031700000000000000",
        "lang": "en",
    }
    server.add_tweets(new)
    pages, third = drain(collector, target, pages[-1].cursor)
    # found by both mentions and search: stored once by the pipeline's upsert
    assert {p.external_id for p in third} == {new["id"]}


def test_cursor_survives_a_json_round_trip(server: XFakeServer, clock: MutableClock) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    cursor = None
    for _ in range(2):
        pages, _ = drain(collector, target, cursor)
        for page in pages:
            assert json.loads(json.dumps(page.cursor)) == page.cursor
        cursor = json.loads(json.dumps(pages[-1].cursor))
    assert cursor is not None and set(cursor) == {"streams", "budget"}


@pytest.mark.parametrize("crash_after", [1, 2, 4, 5])
def test_crash_mid_pass_then_rerun_loses_nothing(
    server: XFakeServer, clock: MutableClock, crash_after: int
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)
    seen: set[tuple[str, str]] = set()  # (stream, post id)
    stored = None
    run = collector.collect(target, None)
    for _ in range(crash_after):  # the pipeline commits each page with its cursor...
        page = next(run)
        seen |= {(page.stream, p.external_id) for p in page.posts}
        stored = json.loads(json.dumps(page.cursor))
    run.close()  # ...then the process dies
    asked = len(server.requests)
    pages, _ = drain(collector, target, stored)
    rest = {(page.stream, p.external_id) for page in pages for p in page.posts}
    assert {i for _, i in seen | rest} == server.expected_ids(target.settings)
    # the unfinished stream resumes below what it had read: nothing is read (and billed) twice
    assert not seen & rest
    if crash_after == 1:
        resumed = server.requests[asked]
        assert resumed.path == MENTIONS and "until_id" in resumed.params


def test_read_budget_stops_with_a_note_and_resumes_the_next_day(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(
        server.base_url, clock, max_results=10, daily_read_budget=15
    )
    pages, first = drain(collector, target)
    note = "x: daily read budget of 15 posts reached; stopping until 00:00 UTC"
    assert any(n.startswith(note) for n in pages[-1].notes)
    assert pages[-1].cursor["budget"]["day"] == "2026-03-12"
    assert pages[-1].cursor["budget"]["reads"] >= 15
    # 11 posts read on the first mentions page (10 + 1 referenced): asks only for what is left
    assert [r.params["max_results"] for r in server.requests] == ["10", "5"]
    # same day: nothing is requested
    asked = len(server.requests)
    pages, none = drain(collector, target, pages[-1].cursor)
    assert none == [] and len(server.requests) == asked
    assert any(n.startswith(note) for n in pages[-1].notes)
    # following days: the unfinished streams resume until the pass completes
    collected = {p.external_id for p in first}
    cursor = pages[-1].cursor
    for day in range(1, 10):
        clock.now = NOW + timedelta(days=day)
        pages, more = drain(collector, target, cursor)
        collected |= {p.external_id for p in more}
        cursor = pages[-1].cursor
        if not any(n.startswith("x: daily read budget") for n in pages[-1].notes):
            break
    assert day > 2
    assert collected == server.expected_ids(target.settings)
    assert all(set(s) == {"since_id"} for s in cursor["streams"].values())


def test_brand_replies_come_from_the_timeline_without_accounts(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, brand={"accounts": []})
    _, posts = drain(collector, target)
    [timeline] = server.paths("/2/users/90210777/tweets")
    assert timeline.params["exclude"] == "retweets"
    own = {p.external_id for p in posts if p.author == "SkylarkAir"}
    assert any("free seat selection" in p.text for p in posts if p.external_id in own)
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)


def test_search_only_without_user_id(server: XFakeServer, clock: MutableClock) -> None:
    collector, target = make_x_collector(
        server.base_url, clock, brand={"user_id": None, "include_own_replies": False}
    )
    _, posts = drain(collector, target)
    assert {r.path for r in server.requests} == {SEARCH}
    assert {p.external_id for p in posts} == server.expected_ids(target.settings)


def test_backfill_reads_a_time_window_and_ignores_the_cursor(
    server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock)
    pages, _ = drain(collector, target)
    since, until = datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)
    asked = len(server.requests)
    _, posts = drain(collector, target, pages[-1].cursor, since=since, until=until)
    assert posts and all(since <= p.created_at < until for p in posts)
    for request in server.requests[asked:]:
        assert "since_id" not in request.params
        assert request.params["start_time"] == "2026-03-10T00:00:00Z"
        assert request.params["end_time"] == "2026-03-11T00:00:00Z"
    # recent search reaches back 7 days only: the start is moved and the pass says so
    pages, _ = drain(collector, target, None, since=NOW - timedelta(days=30))
    assert any("reaches back 7 days" in n for page in pages for n in page.notes)
    starts = {r.params.get("start_time") for r in server.paths(SEARCH)[-2:]}
    assert starts == {"2026-03-05T12:01:00Z"}


def test_interrupted_pipeline_run_then_rerun_stores_exactly_the_server_posts(
    engine: Engine, server: XFakeServer, clock: MutableClock
) -> None:
    collector, target = make_x_collector(server.base_url, clock, max_results=10)

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # a kill after the first page was committed

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "x", target, clock=clock, on_page=killed)
    report = run_target(engine, collector, "x", target, clock=clock)
    assert report.ok, report.error
    again = run_target(engine, collector, "x", target, clock=clock)
    assert again.ok and again.result.inserted == 0
    with session_scope(engine) as session:
        stored = set(
            session.scalars(select(col(Mention.external_id)).where(col(Mention.source) == "x"))
        )
        total = session.scalar(select(func.count()).select_from(Mention))
    assert stored == server.expected_ids(target.settings) and total == len(stored)


def test_odd_posts_are_stored_on_every_backend(
    engine: Engine, server: XFakeServer, clock: MutableClock
) -> None:
    odd = [
        ("2031600000000000001", "@SkylarkAir " + "long " * 10_000),
        ("2031600000000000002", "@SkylarkAir NUL \x00 in the middle"),
        ("2031600000000000003", "@SkylarkAir 😤✈️👩🏽‍✈️ שלום"),
    ]
    server.add_tweets(*({"id": i, "text": t, "author_id": "1500000000000000101"} for i, t in odd))
    collector, target = make_x_collector(server.base_url, clock)
    report = run_target(engine, collector, "x", target, clock=clock)
    assert report.ok, report.error
    with session_scope(engine) as session:
        stored = dict(
            session.execute(
                select(col(Mention.external_id), col(Mention.text)).where(
                    col(Mention.external_id).in_([i for i, _ in odd])
                )
            ).all()
        )
    assert len(stored["2031600000000000001"]) == 50_012
    assert stored["2031600000000000002"] == "@SkylarkAir NUL \ufffd in the middle"
    assert stored["2031600000000000003"] == odd[2][1]
