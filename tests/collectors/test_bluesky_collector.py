"""Bluesky through the real atproto SDK against the fake: streams, threads, cursor, session."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.collectors.base import Page, Target
from monitor.collectors.bluesky.collector import BlueskyCollector
from monitor.collectors.bluesky.session import forget_all_in_memory
from monitor.posts import Post
from tests.collectors.fakes.bluesky_server import (
    APP_PASSWORD,
    DID,
    EXPECTED_RKEYS,
    HANDLE,
    FakeBlueskyServer,
    make_bluesky_collector,
    running_bluesky_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
CREATE = "com.atproto.server.createSession"
REFRESH = "com.atproto.server.refreshSession"


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeBlueskyServer]:
    with running_bluesky_server() as srv:
        yield srv


def run(collector: BlueskyCollector, target: Target, cursor: dict | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def posts(pages: list[Page]) -> dict[str, Post]:
    return {p.external_id.rpartition("/")[2]: p for page in pages for p in page.posts}


def new_post(rkey: str, text: str, when: str, reply_to: str | None = None) -> dict[str, Any]:
    did = "did:plc:danaaaaaaaaaaaaaaaaaaaaa"
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": when, "text": text}
    if reply_to:
        ref = {"uri": reply_to, "cid": "bafyreiparent"}
        record["reply"] = {"root": ref, "parent": ref}
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {"did": did, "handle": "dana.bsky.social", "displayName": "Dana"},
        "record": record,
        "indexedAt": when,
    }


def test_a_pass_reads_mentions_replies_quotes_brand_replies_and_search(
    server: FakeBlueskyServer,
) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock)
    got = posts(run(collector, target))
    assert set(got) == EXPECTED_RKEYS
    complaint, brand_reply, thanks = (
        got["3kuaaaaaaaa21"],
        got["3kuaaaaaaaa22"],
        got["3kuaaaaaaaa24"],
    )
    assert complaint.source == "bluesky" and complaint.author == "dana.bsky.social"
    assert complaint.thread_id == complaint.external_id and complaint.in_reply_to is None
    assert complaint.url == "https://bsky.app/profile/dana.bsky.social/post/3kuaaaaaaaa21"
    assert complaint.created_at == datetime(2024, 6, 1, 10, tzinfo=UTC) and complaint.lang == "en"
    # The brand's reply: its author is one of the brand's accounts, threaded under the complaint.
    assert brand_reply.author == HANDLE and brand_reply.author_id == DID
    assert (brand_reply.in_reply_to, brand_reply.thread_id) == (complaint.external_id,) * 2
    assert thanks.in_reply_to == brand_reply.external_id
    assert thanks.thread_id == complaint.external_id and thanks.raw["reason"] == "reply"
    assert got["3kuaaaaaaaa25"].raw["quotes"].endswith("/3kuaaaaaaaa26")
    # Not collected: the brand's top-level post, its repost of Lee's post, the like.
    assert "3kuaaaaaaaa26" not in got


def test_the_notifications_stream_needs_the_signed_in_account_among_the_brands_accounts(
    server: FakeBlueskyServer,
) -> None:
    collector, target = make_bluesky_collector(
        server.base_url, clock, brand={"accounts": ["acme.example.com"], "terms": ["acme air"]}
    )
    assert list(collector.stream_settings(target)) == [
        "replies:acme.example.com",
        "search:acme air",
    ]


def test_a_second_pass_reads_only_what_is_new(server: FakeBlueskyServer) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock)
    first = run(collector, target)
    complaint = "at://did:plc:danaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kuaaaaaaaa21"
    server.add_post(
        new_post("3kuaaaaaaaa31", "@acmehelp.bsky.social any news?", "2024-06-01T18:00:00.000Z",
                 complaint),
        notification="reply",
    )  # fmt: skip
    server.add_post(new_post("3kuaaaaaaaa32", "Acme Air again", "2024-06-01T19:00:00.000Z"))
    second = run(collector, target, first[-1].cursor)
    assert set(posts(second)) == {"3kuaaaaaaaa31", "3kuaaaaaaaa32"}
    assert posts(second)["3kuaaaaaaaa31"].thread_id == complaint
    assert posts(run(collector, target, second[-1].cursor)) == {}


def test_a_walk_cut_by_max_pages_carries_on_next_pass(server: FakeBlueskyServer) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock, max_pages=1)
    seen: set[str] = set()
    cursor = None
    for _ in range(4):
        pages = run(collector, target, cursor)
        seen |= set(posts(pages))
        cursor = pages[-1].cursor
    assert seen == EXPECTED_RKEYS
    state = cursor["streams"]["search:acme air"]
    assert "pending" not in state and state["mark"]["ts"] > 0


def test_a_backfill_reads_its_window_and_leaves_the_cursor_alone(server: FakeBlueskyServer) -> None:
    collector, target = make_bluesky_collector(server.base_url, clock)
    pages = list(
        collector.collect(
            target,
            None,
            since=datetime(2024, 6, 1, 10, 30, tzinfo=UTC),
            until=datetime(2024, 6, 1, 11, 45, tzinfo=UTC),
        )
    )
    assert set(posts(pages)) == {"3kuaaaaaaaa23", "3kuaaaaaaaa24"}
    assert all(page.cursor["streams"] == {} for page in pages)
    search = [r for r in server.requests if r.nsid == "app.bsky.feed.searchPosts"]
    assert search[0].query["since"] == ["2024-06-01T10:30:00.000Z"]


def test_two_passes_sign_in_once_and_keep_the_session_in_a_0600_file(
    server: FakeBlueskyServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session_file = tmp_path / "state" / "bluesky-session.json"
    for _ in range(2):  # two processes: nothing shared but the file
        forget_all_in_memory()
        collector, target = make_bluesky_collector(
            server.base_url, clock, session_file=str(session_file)
        )
        assert set(posts(run(collector, target))) <= EXPECTED_RKEYS
    assert server.calls(CREATE) == 1
    assert stat.S_IMODE(os.stat(session_file).st_mode) == 0o600
    stored = json.loads(session_file.read_text())
    assert stored["handle"] == HANDLE and stored["service"] == server.base_url
    assert APP_PASSWORD not in session_file.read_text()
    tokens = stored["session"].split(":::")[2:4]
    assert all(token not in caplog.text for token in tokens)
    assert APP_PASSWORD not in caplog.text


def test_a_session_near_its_expiry_is_refreshed_not_recreated(
    server: FakeBlueskyServer, tmp_path: Path
) -> None:
    server.access_lifetime = 600  # the SDK refreshes 15 minutes before expiry
    session_file = tmp_path / "bluesky-session.json"
    collector, target = make_bluesky_collector(
        server.base_url, clock, session_file=str(session_file)
    )
    run(collector, target)
    assert (server.calls(CREATE), server.calls(REFRESH)) >= (1, 1)
    refreshes = server.calls(REFRESH)
    before = session_file.read_text()
    run(collector, target)  # uses the refreshed tokens (the old refresh token is spent)
    assert server.calls(CREATE) == 1 and server.calls(REFRESH) > refreshes
    assert session_file.read_text() != before


def test_a_revoked_session_signs_in_again_once(server: FakeBlueskyServer, tmp_path: Path) -> None:
    session_file = tmp_path / "bluesky-session.json"
    collector, target = make_bluesky_collector(
        server.base_url, clock, session_file=str(session_file)
    )
    run(collector, target)
    server.revoke_tokens()
    cursor = None
    assert set(posts(run(collector, target, cursor))) == EXPECTED_RKEYS
    assert server.calls(CREATE) == 2


def test_a_session_file_for_another_account_or_server_is_not_used(
    server: FakeBlueskyServer, tmp_path: Path
) -> None:
    session_file = tmp_path / "bluesky-session.json"
    other = {"v": 1, "service": "https://elsewhere.example", "handle": HANDLE}
    session_file.write_text(json.dumps({**other, "session": "a:::b:::c:::d:::e"}))
    collector, target = make_bluesky_collector(
        server.base_url, clock, session_file=str(session_file)
    )
    assert set(posts(run(collector, target))) == EXPECTED_RKEYS
    assert server.calls(CREATE) == 1
    assert json.loads(session_file.read_text())["service"] == server.base_url


def test_check_says_who_is_signed_in_and_the_requests_left(server: FakeBlueskyServer) -> None:
    collector, _ = make_bluesky_collector(server.base_url, clock)
    result = collector.check()
    assert result.ok, result
    assert f"@{HANDLE}" in result.detail and "2999 of 3000 requests left" in result.detail
