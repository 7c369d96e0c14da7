"""App Store reviews with requests against the fake App Store Connect: posts, paging, cursor."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.appstore.collector import AppStoreCollector
from monitor.collectors.base import Cursor, Page, Target
from monitor.pipeline.collect import run_target
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.appstore_server import (
    EXPECTED_IDS,
    ISSUER_ID,
    KEY_ID,
    SAMPLE_PAGE,
    FakeAppStoreServer,
    make_appstore_collector,
    running_appstore_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
LOGIN_CRASH = "00000029-7d41-2a01-c3e5-8b1f00000000"  # 1 star, answered
INVOICE = "00000029-7d0a-3c01-88d1-e2b400000000"  # 2 stars, answer pending
DARK_MODE = "00000029-7c9e-6f01-85a5-0d6400000000"  # 4 stars, no body
ESIM = "00000029-7c51-7a01-a496-be5500000000"  # the oldest, 2024-05-20
REVIEW_IDS = {r["id"] for r in SAMPLE_PAGE["data"]}


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
def server(clock: Clock) -> Iterator[FakeAppStoreServer]:
    with running_appstore_server(clock=clock) as srv:
        yield srv


@pytest.fixture
def appstore(
    server: FakeAppStoreServer, clock: Clock
) -> Iterator[tuple[AppStoreCollector, Target]]:
    collector, target = make_appstore_collector(server.base_url, clock)
    yield collector, target
    collector.close()


def run(collector: AppStoreCollector, target: Target, cursor: Cursor | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def posts_of(pages: list[Page]) -> dict[str, Post]:
    return {p.external_id: p for page in pages for p in page.posts}


def review(rid: str, when: str, rating: int = 1, title: str = "Broken again") -> dict[str, object]:
    return {
        "type": "customerReviews",
        "id": rid,
        "attributes": {
            "rating": rating,
            "title": title,
            "body": "Nothing loads.",
            "reviewerNickname": "newcomer",
            "createdDate": when,
            "territory": "NZL",
        },
    }


def response(rid: str, when: str, text: str = "Sorry! Fixed in 5.3.") -> dict[str, object]:
    attributes = {"responseBody": text, "lastModifiedDate": when, "state": "PUBLISHED"}
    return {"type": "customerReviewResponses", "id": rid, "attributes": attributes}


def test_reviews_and_developer_responses_become_posts(
    appstore: tuple[AppStoreCollector, Target],
) -> None:
    posts = posts_of(run(*appstore))
    assert set(posts) == EXPECTED_IDS
    crash = posts[LOGIN_CRASH]
    assert crash.rating == 1 and crash.author == "frustrated_in_fresno"
    assert crash.text == (
        "Can't log in since update\n\nApp crashes on the login screen since the 5.2 update. "
        "Reinstalled twice. Useless until fixed."
    )
    assert crash.created_at == datetime(2024, 6, 1, 9, 40, tzinfo=UTC)
    assert crash.thread_id == LOGIN_CRASH and crash.in_reply_to is None
    assert crash.raw["attributes"]["territory"] == "USA" and crash.raw["app_id"] == "1234567890"
    answers = [p for p in posts.values() if p.in_reply_to is not None]
    assert {a.in_reply_to for a in answers} == {
        LOGIN_CRASH,
        INVOICE,
        "00000029-7cd8-5e01-96b4-4f7300000000",
    }
    answer = next(a for a in answers if a.in_reply_to == LOGIN_CRASH)
    assert answer.author == "Acme Mobile Ltd" and answer.thread_id == LOGIN_CRASH
    assert answer.rating is None and answer.text.startswith("Sorry about this!")
    assert answer.created_at == datetime(2024, 6, 1, 12, 10, tzinfo=UTC)
    pending = next(a for a in answers if a.in_reply_to == INVOICE)
    assert pending.raw["attributes"]["state"] == "PENDING_PUBLISH"
    assert posts[DARK_MODE].text == "Good, needs dark mode"  # empty body: the title alone
    assert sorted(p.rating for p in posts.values() if p.rating) == [1, 1, 2, 3, 4, 5, 5]


def test_requests_are_signed_and_paged_as_the_api_documents(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target]
) -> None:
    run(*appstore)
    asked = server.requests
    assert [r.query.get("cursor") is None for r in asked] == [True, False, False]
    assert all(
        r.query["sort"] == "-createdDate" and r.query["include"] == "response" for r in asked
    )
    assert all(r.query["limit"] == "3" for r in asked)
    assert all(r.path == "/v1/apps/1234567890/customerReviews" for r in asked)
    claims = asked[0].claims
    assert claims is not None and claims["iss"] == ISSUER_ID
    assert claims["aud"] == "appstoreconnect-v1"
    assert claims["exp"] - claims["iat"] == 15 * 60
    token = asked[0].headers["authorization"].removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": KEY_ID, "typ": "JWT"}
    assert len({r.headers["authorization"] for r in asked}) == 1  # one token for the pass


def test_token_is_renewed_before_it_expires(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target], clock: Clock
) -> None:
    cursor = run(*appstore)[-1].cursor
    clock.now += timedelta(minutes=16)  # the first token has expired (the fake checks)
    assert run(*appstore, cursor)[-1].cursor == cursor
    tokens = [r.headers["authorization"] for r in server.requests]
    assert len(set(tokens)) == 2 and all(r.claims for r in server.requests)


def test_next_links_are_followed_on_the_configured_host_only(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target]
) -> None:
    server.next_link_base = "https://api.appstoreconnect.apple.com"
    assert set(posts_of(run(*appstore))) == EXPECTED_IDS
    assert len(server.requests) == 3


def test_second_pass_adds_nothing_new(appstore: tuple[AppStoreCollector, Target]) -> None:
    first = run(*appstore)
    second = run(*appstore, first[-1].cursor)
    again = posts_of(second)
    # Reviews are not read again; answers within the look-back window are, unchanged.
    assert not set(again) & REVIEW_IDS
    assert all(again[k] == posts_of(first)[k] for k in again)
    assert second[-1].cursor == first[-1].cursor


def test_new_reviews_and_late_answers_are_collected(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target]
) -> None:
    cursor = run(*appstore)[-1].cursor
    server.add_review(review("00000029-7e00-0001-0000-000000000001", "2024-06-01T23:59:00-07:00"))
    server.respond(
        ESIM, response("6a4b3c1e-0000-0000-0000-00000000e51a", "2024-06-01T20:00:00-07:00")
    )
    posts = posts_of(run(*appstore, cursor))
    assert "00000029-7e00-0001-0000-000000000001" in posts
    late = posts["6a4b3c1e-0000-0000-0000-00000000e51a"]
    assert late.in_reply_to == ESIM and late.author == "Acme Mobile Ltd"


def test_answers_older_than_the_look_back_are_not_looked_for(
    server: FakeAppStoreServer, clock: Clock
) -> None:
    collector, target = make_appstore_collector(server.base_url, clock, response_lookback_days=0)
    cursor = run(collector, target)[-1].cursor
    server.respond(
        ESIM, response("6a4b3c1e-0000-0000-0000-00000000e51b", "2024-06-01T20:00:00-07:00")
    )
    posts = posts_of(run(collector, target, cursor))
    assert "6a4b3c1e-0000-0000-0000-00000000e51b" not in posts
    assert set(posts) <= EXPECTED_IDS  # at most the answer to the review at the mark itself
    assert len(server.requests) == 3 + 1  # the second pass stops on its first page
    collector.close()


def test_first_pass_goes_back_first_pass_days(server: FakeAppStoreServer, clock: Clock) -> None:
    collector, target = make_appstore_collector(server.base_url, clock, first_pass_days=4)
    posts = posts_of(run(collector, target))
    collector.close()
    reviews = {k for k, p in posts.items() if p.rating}
    # 4 days before 2024-06-02T00:00Z: the 29 May review (14:30 UTC) is the last one in.
    assert reviews == REVIEW_IDS - {DARK_MODE, ESIM}
    assert len(server.requests) == 2  # page 2 holds a review older than that: stop


def test_the_mark_moves_only_on_the_last_page(appstore: tuple[AppStoreCollector, Target]) -> None:
    pages = run(*appstore)
    assert [p.cursor["streams"] != {} for p in pages] == [False, False, True]
    assert pages[-1].cursor["streams"]["reviews"] == {
        "ts": datetime(2024, 6, 1, 9, 40, tzinfo=UTC).timestamp(),
        "ids": [LOGIN_CRASH],
    }


@pytest.mark.parametrize("crash_after", [1, 2])
def test_crash_mid_pass_then_rerun_yields_everything(
    appstore: tuple[AppStoreCollector, Target], crash_after: int
) -> None:
    stored: dict[str, Post] = {}
    cursor: Cursor | None = None
    for number, page in enumerate(run(*appstore), start=1):
        stored.update(posts_of([page]))
        cursor = page.cursor
        if number == crash_after:
            break
    stored.update(posts_of(run(*appstore, cursor)))
    assert set(stored) == EXPECTED_IDS


def test_killed_pass_through_the_pipeline_loses_nothing(
    engine: Engine, appstore: tuple[AppStoreCollector, Target], clock: Clock
) -> None:
    collector, target = appstore

    def die_on_first_page(source: str, page: Page, result: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "appstore", target, clock=clock, on_page=die_on_first_page)
    first = run_target(engine, collector, "appstore", target, clock=clock)
    second = run_target(engine, collector, "appstore", target, clock=clock)
    with session_scope(engine) as session:
        columns = col(Mention.external_id), col(Mention.is_brand_post), col(Mention.rating)
        rows = session.execute(select(*columns))
        stored = {external_id: (brand, rating) for external_id, brand, rating in rows}
    assert set(stored) == EXPECTED_IDS
    assert {k for k, (brand, _) in stored.items() if brand} == EXPECTED_IDS - REVIEW_IDS
    assert stored[LOGIN_CRASH] == (False, 1)
    assert first.ok and second.ok and second.result.inserted == 0


def test_backfill_window(appstore: tuple[AppStoreCollector, Target]) -> None:
    collector, target = appstore
    since, until = datetime(2024, 5, 29, tzinfo=UTC), datetime(2024, 5, 31, tzinfo=UTC)
    pages = list(collector.collect(target, {"v": 1, "streams": {}}, since=since, until=until))
    posts = posts_of(pages)
    assert {k for k, p in posts.items() if p.rating} == {
        "00000029-7cf1-4d01-b7c3-93a200000000",
        "00000029-7cd8-5e01-96b4-4f7300000000",
    }
    assert "6a4b3c1e-2f57-4d8e-9a61-0c5d7e8f9a03" in posts  # its answer comes along
    assert all(p.cursor == {"v": 1, "streams": {}} for p in pages)


def test_an_unreadable_review_is_skipped_with_its_json(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target]
) -> None:
    bad_rating = review(
        "00000029-7e00-0002-0000-000000000002", "2024-06-01T10:00:00-07:00", rating=9
    )
    no_date = copy.deepcopy(review("00000029-7e00-0003-0000-000000000003", "x"))
    del no_date["attributes"]["createdDate"]  # type: ignore[attr-defined]
    server.add_review(bad_rating)
    server.add_review(no_date)
    pages = run(*appstore)
    skipped = {s.where.split()[-1]: s for p in pages for s in p.skipped}
    assert "rating 9" in skipped["00000029-7e00-0002-0000-000000000002"].reason
    assert any("createdDate" in s.reason and '"newcomer"' in s.raw_body for s in skipped.values())
    assert set(posts_of(pages)) == EXPECTED_IDS
