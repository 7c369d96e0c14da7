"""The Hacker News collector against the fake HN Search API: streams, threads, cursor, paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import Page
from monitor.collectors.hackernews.collector import HackerNewsCollector
from monitor.pipeline.collect import run_target
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.hackernews_server import (
    SAMPLE_HITS,
    FakeHNServer,
    make_hn_collector,
    running_hn_server,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
T0 = int(NOW.timestamp())
#: What the Skylark target collects from the fixture: all but the Globex story.
EXPECTED = {h["objectID"] for h in SAMPLE_HITS} - {"47310008"}


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeHNServer]:
    with running_hn_server() as srv:
        yield srv


def run(collector: HackerNewsCollector, target: Any, cursor: dict | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def ids(pages: list[Page]) -> set[str]:
    return {p.external_id for page in pages for p in page.posts}


def comment(oid: int, ago: int, text: str, author: str = "someone") -> dict[str, Any]:
    ts = T0 - ago
    return {
        "_tags": ["comment", f"author_{author}", "story_47310002"],
        "author": author,
        "comment_text": text,
        "created_at": datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z"),
        "created_at_i": ts,
        "objectID": str(oid),
        "parent_id": 47310002,
        "story_id": 47310002,
        "story_title": "Ask HN: Anyone else locked out of the Skylark Air app?",
    }


def test_one_pass_collects_stories_comments_threads_and_brand_replies(
    server: FakeHNServer,
) -> None:
    collector, target = make_hn_collector(server.base_url, clock)
    pages = run(collector, target)
    posts = {p.external_id: p for page in pages for p in page.posts}
    assert set(posts) == EXPECTED
    assert {p.stream for p in pages} == {"replies:skylark_help", "search:skylark air"}
    story, complaint, answer = posts["47310002"], posts["47310003"], posts["47310004"]
    # a story is its own thread; a comment answers its parent within the story's thread
    assert (story.thread_id, story.in_reply_to) == ("47310002", None)
    assert (complaint.thread_id, complaint.in_reply_to) == ("47310002", "47310002")
    assert (answer.thread_id, answer.in_reply_to, answer.author) == (
        "47310002",
        "47310003",
        "skylark_help",
    )
    # the brand's reply that does not name the brand comes from the replies stream
    assert posts["47310006"].in_reply_to == "47310005"
    # HTML is plain text; the title leads a story; links go to the HN item
    assert story.text.startswith("Ask HN: Anyone else locked out of the Skylark Air app?\n\n")
    assert "doesn't exist.\n\nSupport line" in story.text
    assert "useless & nobody" in complaint.text and "<" not in answer.text
    assert answer.url == "https://news.ycombinator.com/item?id=47310004"
    assert story.created_at == NOW - timedelta(hours=2)
    assert posts["47310001"].raw["url"] == "https://engineering.skylark.example/seatmap"
    # what was asked, as the API reference spells it
    first_pass_floor = str(int((NOW - timedelta(days=7)).timestamp()))
    asked = [r.params for r in server.requests]
    assert asked[0] == {
        "tags": "comment,author_skylark_help",
        "numericFilters": f"created_at_i>={first_pass_floor}",
        "hitsPerPage": "3",
        "page": "0",
    }
    assert asked[1]["query"] == "skylark air" and asked[1]["tags"] == "(story,comment)"
    assert [a["page"] for a in asked[1:]] == ["0", "1"]
    assert all(r.path == "/api/v1/search_by_date" for r in server.requests)


def test_second_pass_reads_only_what_is_new(server: FakeHNServer) -> None:
    collector, target = make_hn_collector(server.base_url, clock)
    first = run(collector, target)
    cursor = first[-1].cursor
    assert ids(run(collector, target, cursor)) == set()
    server.add_hits(
        comment(47310100, 60, "Skylark Air support still silent for me."),
        comment(47310101, 30, "Sorry! Sent you an email.", author="skylark_help"),
    )
    asked = len(server.requests)
    second = run(collector, target, cursor)
    assert ids(second) == {"47310100", "47310101"}
    # the window starts at the stored mark, not a week back
    mark = cursor["streams"]["search:skylark air"]["mark"]["ts"]
    assert server.requests[asked + 1].params["numericFilters"] == f"created_at_i>={int(mark)}"


def test_interrupted_walk_resumes_below_what_it_read(server: FakeHNServer) -> None:
    collector, target = make_hn_collector(server.base_url, clock, accounts=[])
    pages = iter(collector.collect(target, None))
    first = next(pages)  # a crash after the first stored page
    pages.close()
    state = first.cursor["streams"]["search:skylark air"]
    assert "mark" not in state and state["until"] == min(
        int(p.created_at.timestamp()) for p in first.posts
    )
    server.add_hits(comment(47310100, 10, "Skylark Air again"))  # arrives meanwhile
    rest = run(collector, target, first.cursor)
    assert ids([first]) | ids(rest) == EXPECTED - {"47310006"}
    assert "47310100" not in ids(rest)  # above the pending mark: the next pass reads it
    assert f"created_at_i<={state['until']}" in server.requests[-1].params["numericFilters"]
    assert ids(run(collector, target, rest[-1].cursor)) == {"47310100"}


def test_max_pages_stops_and_the_next_pass_reads_on(server: FakeHNServer) -> None:
    collector, target = make_hn_collector(server.base_url, clock, accounts=[], max_pages=1)
    first = run(collector, target)
    assert any("max_pages" in n for n in first[-1].notes)
    seen, cursor, passes = ids(first), first[-1].cursor, 1
    while "mark" not in cursor["streams"]["search:skylark air"]:
        later = run(collector, target, cursor)
        seen, cursor, passes = seen | ids(later), later[-1].cursor, passes + 1
        assert passes < 6
    # each resumed pass re-reads the hit at its lower edge (ties share a second), none is lost
    assert seen == EXPECTED - {"47310006"} and passes == 3


def test_past_the_1000_hit_cap_the_window_narrows(server: FakeHNServer) -> None:
    many = [comment(48000000 + i, 5000 + i * 7, f"Skylark Air #{i}") for i in range(1_150)]
    server.add_hits(*many)
    collector, target = make_hn_collector(
        server.base_url, clock, accounts=[], hits_per_page=500, max_pages=10
    )
    pages = run(collector, target)
    assert ids(pages) == EXPECTED - {"47310006"} | {h["objectID"] for h in many}
    windows = [r.params for r in server.requests if r.params["page"] == "0"]
    assert len(windows) == 2 and "created_at_i<=" in windows[1]["numericFilters"]


def test_backfill_reads_a_window_and_keeps_the_cursor(server: FakeHNServer) -> None:
    collector, target = make_hn_collector(server.base_url, clock)
    since, until = NOW - timedelta(hours=2, minutes=30), NOW - timedelta(minutes=45)
    pages = list(collector.collect(target, None, since=since, until=until))
    assert ids(pages) == {"47310002", "47310003", "47310004", "47310005", "47310006"}
    assert all(page.cursor == {"v": 1, "streams": {}} for page in pages)
    windows = {r.params["numericFilters"] for r in server.requests}
    assert windows == {
        f"created_at_i>={int(since.timestamp())},created_at_i<={int(until.timestamp()) - 1}"
    }


def test_a_changed_term_restarts_only_that_stream(server: FakeHNServer) -> None:
    collector, target = make_hn_collector(server.base_url, clock)
    settings = collector.stream_settings(target)
    assert settings["search:skylark air"] == {"query": "skylark air", "tags": "(story,comment)"}
    assert settings["replies:skylark_help"]["tags"] == "comment,author_skylark_help"


def test_interrupted_pipeline_run_then_rerun_stores_every_post_once(
    engine: Engine, server: FakeHNServer
) -> None:
    collector, target = make_hn_collector(server.base_url, clock)
    wall = lambda: datetime.now(UTC)  # noqa: E731

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # a kill -9 right after the second page was committed

    calls = iter([None, killed])

    def on_page(*args: object) -> None:
        step = next(calls, killed)
        if step is not None:
            step(*args)

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "hackernews", target, clock=wall, on_page=on_page)
    with session_scope(engine) as session:
        partial = set(session.scalars(select(col(Mention.external_id))))
    assert partial and partial < EXPECTED
    report = run_target(engine, collector, "hackernews", target, clock=wall)
    assert report.ok, report.error
    again = run_target(engine, collector, "hackernews", target, clock=wall)
    assert again.ok and (again.result.inserted, again.result.updated) == (0, 0)
    with session_scope(engine) as session:
        stored = set(session.scalars(select(col(Mention.external_id))))
        total = session.scalar(select(func.count()).select_from(Mention))
        brand_replies = set(
            session.scalars(
                select(col(Mention.external_id)).where(col(Mention.is_brand_post).is_(True))
            )
        )
    assert stored == EXPECTED and total == len(EXPECTED)
    assert brand_replies == {"47310004", "47310006"}
