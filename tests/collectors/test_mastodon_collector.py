"""Mastodon through the real Mastodon.py against the fake server: streams, cursors, faults."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.collectors.base import AuthError, FatalError, Page, RetriableError
from monitor.collectors.mastodon.mapping import html_to_text
from monitor.collectors.mastodon.settings import MastodonBrandSettings, MastodonSettings
from monitor.collectors.retry import retry_after_seconds
from tests.collectors.fakes.mastodon_server import (
    EXPECTED_IDS,
    NO_SCOPE_TOKEN,
    SAMPLE,
    Fault,
    make_mastodon_collector,
    running_mastodon_server,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _posts(pages: list[Page]) -> dict[str, Any]:
    return {p.external_id: p for page in pages for p in page.posts}


def _status(ident: int, text: str, *, tags: tuple[str, ...] = ("acme",)) -> dict[str, Any]:
    status = copy.deepcopy(SAMPLE["statuses"][0])
    status.update(
        id=str(ident),
        content=f"<p>{text}</p>",
        created_at=(NOW - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        tags=[{"name": t, "url": ""} for t in tags],
    )
    return status


def test_first_pass_reads_mentions_brand_replies_and_hashtags() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock)
        pages = list(collector.collect(target, None))
    posts = _posts(pages)
    assert set(posts) == EXPECTED_IDS
    complaint = posts["mastodon.social:112540562227201001"]
    assert complaint.author == "bob@fosstodon.org"  # remote handle kept as it is
    assert complaint.text.startswith("@AcmeHelp my order never arrived")
    assert "Order 4411" in complaint.text and "<" not in complaint.text
    assert complaint.thread_id == complaint.external_id and complaint.in_reply_to is None
    reply = posts["mastodon.social:112540621209601002"]
    assert reply.author == "AcmeHelp@mastodon.social"  # local handle gets the domain
    assert reply.author.lower() in {a.lower() for a in target.accounts}
    assert reply.in_reply_to == complaint.external_id and reply.thread_id is None
    assert posts["mastodon.social:112540699852801004"].text.startswith("outage\n\n")
    assert {p.stream for p in pages} >= {"social/mentions", "social/own", "social/tag/acme"}


def test_second_pass_reads_only_what_is_new_and_pages_forward_from_the_mark() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock)
        first = list(collector.collect(target, None))
        for ident in range(113000000000000200, 113000000000000205):
            server.add(_status(ident, f"acme news {ident}"), mention=ident % 2 == 0)
        server.state.requests.clear()
        second = list(collector.collect(target, first[-1].cursor))
        third = list(collector.collect(target, second[-1].cursor))
    new = {f"mastodon.social:{i}" for i in range(113000000000000200, 113000000000000205)}
    assert set(_posts(second)) == new
    # five new hashtag posts at two a page: three pages walked forward with min_id
    tag_pages = [p for p in second if p.stream == "social/tag/acme"]
    assert len(tag_pages) == 3
    assert any("min_id=112540562227201001" in r for r in server.state.requests)
    assert _posts(third) == {}


def test_a_pass_cut_short_resumes_at_the_last_stored_page() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock, max_pages=1)
        first = list(collector.collect(target, None))
        for ident in range(113000000000000300, 113000000000000306):
            server.add(_status(ident, "acme"))
        seen: set[str] = set()
        cursor = first[-1].cursor
        for _ in range(4):
            pages = list(collector.collect(target, cursor))
            batch = set(_posts(pages))
            assert not batch & seen  # nothing read twice
            seen |= batch
            cursor = pages[-1].cursor
    assert seen == {f"mastodon.social:{i}" for i in range(113000000000000300, 113000000000000306)}


def test_429_waits_for_the_iso_reset_then_succeeds() -> None:
    slept: list[float] = []
    with running_mastodon_server() as server:
        server.state.reset_at = NOW + timedelta(seconds=42)
        server.state.faults.append(Fault("429", "/timelines/tag/acme"))
        collector, target = make_mastodon_collector(server.base_url, _clock, sleep=slept.append)
        posts = _posts(list(collector.collect(target, None)))
    assert slept == [42.0]
    assert set(posts) == EXPECTED_IDS


def test_nearly_exhausted_window_slows_down() -> None:
    slept: list[float] = []
    with running_mastodon_server() as server:
        server.state.remaining, server.state.reset_at = 6, NOW + timedelta(seconds=60)
        collector, target = make_mastodon_collector(
            server.base_url, _clock, sleep=slept.append, reserve_requests=10
        )
        list(collector.collect(target, None))
    assert slept and all(0 < s <= 60 for s in slept)


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors_are_retried(kind: str) -> None:
    slept: list[float] = []
    with running_mastodon_server() as server:
        server.state.faults += [Fault(kind, "/notifications"), Fault(kind, "/notifications")]
        collector, target = make_mastodon_collector(server.base_url, _clock, sleep=slept.append)
        posts = _posts(list(collector.collect(target, None)))
    assert len(slept) == 2 and set(posts) == EXPECTED_IDS


def test_timeout_is_retried_then_given_up() -> None:
    with running_mastodon_server() as server:
        server.state.faults += [Fault("slow", "/tag/acme", 1.5) for _ in range(2)]
        collector, target = make_mastodon_collector(
            server.base_url, _clock, timeout_seconds=0.3, max_retries=1
        )
        with pytest.raises(RetriableError, match="no answer in time"):
            list(collector.collect(target, None))


def test_malformed_page_is_kept_and_the_mark_stays() -> None:
    with running_mastodon_server() as server:
        server.state.faults.append(Fault("malformed", "/tag/acme"))
        collector, target = make_mastodon_collector(server.base_url, _clock)
        pages = list(collector.collect(target, None))
        again = list(collector.collect(target, pages[-1].cursor))
    bad = [s for p in pages for s in p.skipped]
    assert len(bad) == 1 and "cut off" in bad[0].raw_body
    assert "social/tag/acme" not in pages[-1].cursor["streams"]
    assert "mastodon.social:112540542566401000" in _posts(again)  # read on the next pass


def test_rejected_token_is_an_auth_error_naming_the_setting() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock, token="wrong")
        with pytest.raises(AuthError, match=r"instances\.social\.access_token"):
            list(collector.collect(target, None))


def test_missing_scope_is_an_auth_error() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock, token=NO_SCOPE_TOKEN)
        with pytest.raises(AuthError, match="403"):
            list(collector.collect(target, None))


def test_not_found_is_fatal_and_other_streams_still_read() -> None:
    with running_mastodon_server() as server:
        server.state.faults.append(Fault("404", "/tag/acmeair"))
        collector, target = make_mastodon_collector(server.base_url, _clock)
        pages: list[Page] = []
        with pytest.raises(FatalError, match="404"):
            for page in collector.collect(target, None):
                pages.append(page)
    assert "mastodon.social:112540562227201001" in _posts(pages)


def test_search_and_unknown_instance() -> None:
    brand = {"accounts": [], "search": ["dark mode"]}
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock, brand=brand)
        assert set(_posts(list(collector.collect(target, None)))) == {
            "mastodon.social:112540542566401000"
        }
        _, other = make_mastodon_collector(
            server.base_url, _clock, brand={**brand, "instances": ["x"]}
        )
        with pytest.raises(FatalError, match=r"not under sources\.mastodon\.instances"):
            list(collector.collect(other, None))


def test_backfill_keeps_the_cursor() -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock)
        since = datetime(2024, 6, 1, 9, 10, tzinfo=UTC)
        pages = list(collector.collect(target, None, since=since, until=NOW))
    assert set(_posts(pages)) == {
        "mastodon.social:112540621209601002",
        "mastodon.social:112540660531201003",
        "mastodon.social:112540699852801004",
    }
    assert pages[-1].cursor == {"v": 1, "streams": {}}


def test_html_to_text() -> None:
    html = '<p>a &amp; b<br/>c</p><p><a href="x">#<span>tag</span></a> &lt;3</p>'
    assert html_to_text(html) == "a & b\nc\n\n#tag <3"


def test_iso_rate_limit_reset() -> None:
    headers = {"X-RateLimit-Reset": "2024-06-01T12:05:00.000Z"}
    assert retry_after_seconds(headers, NOW) == 300.0


def test_settings_validation() -> None:
    with pytest.raises(ValidationError, match="per instance"):
        MastodonSettings.model_validate({"base_url": "https://x.example"})
    with pytest.raises(ValidationError, match="at least one instance"):
        MastodonSettings.model_validate({"enabled": True})
    with pytest.raises(ValidationError, match="full Mastodon handle"):
        MastodonBrandSettings.model_validate({"accounts": ["AcmeHelp"]})
    with pytest.raises(ValidationError, match="le"):
        MastodonSettings.model_validate({"limit": 41})
    assert MastodonBrandSettings.model_validate({"hashtags": ["#Acme"]}).hashtags == ["acme"]


def test_check_reports_ok_bad_token_and_unreachable() -> None:
    with running_mastodon_server() as server:
        good, _ = make_mastodon_collector(server.base_url, _clock)
        bad, _ = make_mastodon_collector(server.base_url, _clock, token="wrong")
        scope, _ = make_mastodon_collector(server.base_url, _clock, token=NO_SCOPE_TOKEN)
        public, _ = make_mastodon_collector(server.base_url, _clock, token=None)
        ok, wrong, no_scope, anon = good.check(), bad.check(), scope.check(), public.check()
        url = server.base_url
    down, _ = make_mastodon_collector(url, _clock, max_retries=0)
    gone = down.check()
    assert ok.ok and "@AcmeHelp@mastodon.social" in ok.detail
    assert not wrong.ok and wrong.fix == "sources.mastodon.instances.social.access_token"
    assert not no_scope.ok and "scope" in no_scope.detail
    assert anon.ok and "hashtags only" in anon.detail
    assert not gone.ok and gone.unreachable


def test_replay_sample_rows_import_with_threads() -> None:
    from pathlib import Path

    from monitor.importer import read_posts

    path = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon" / "sample_posts.jsonl"
    result = read_posts(path)
    posts = {p.external_id: p for p in result.posts}
    assert len(posts) == 5 and all(p.source == "mastodon" for p in posts.values())
    assert all(p.raw.get("synthetic") is True for p in posts.values())
    reply = posts["mastodon.social:112540621209601002"]
    assert reply.author == "AcmeHelp@mastodon.social"
    assert reply.thread_id == "mastodon.social:112540562227201001"
