"""Google Play reviews through google-api-python-client and a service account, fake API."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import AuthError, Cursor, FatalError, Page, Target
from monitor.collectors.googleplay.collector import GooglePlayCollector
from monitor.pipeline.collect import run_target
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.googleplay_server import (
    CLIENT_EMAIL,
    SCOPE,
    FakePlayServer,
    make_play_collector,
    running_play_server,
    service_account_json,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)
CRASH = "gp:AOqpTOH1crashLoginAcme0001"  # 1 star, answered
BILL = "gp:AOqpTOH2billTwiceAcme0002"  # 2 stars, Italian
DARK = "gp:AOqpTOH4darkModeAcme0004"  # title and body, answered, no author name
REVIEWS = {
    CRASH, BILL, "gp:AOqpTOH3esimGreatAcme0003", DARK, "gp:AOqpTOH5slowAppAcme00005"
}  # fmt: skip
REPLIES = {f"{CRASH}:reply", f"{DARK}:reply"}
REVIEWS_PATH = "/androidpublisher/v3/applications/com.acme.mobile/reviews"


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
def server(clock: Clock) -> Iterator[FakePlayServer]:
    with running_play_server(clock) as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def play(
    server: FakePlayServer, clock: Clock, sleeps: list[float]
) -> tuple[GooglePlayCollector, Target]:
    return make_play_collector(server.base_url, clock, sleep=sleeps.append)


def run(collector: GooglePlayCollector, target: Target, cursor: Cursor | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def posts_of(pages: list[Page]) -> dict[str, Post]:
    return {p.external_id: p for page in pages for p in page.posts}


def review(rid: str, when: datetime, stars: int = 1, text: str = "Broken again") -> dict:
    user = {
        "text": text,
        "starRating": stars,
        "lastModified": {"seconds": str(int(when.timestamp()))},
    }
    return {"reviewId": rid, "authorName": "newcomer", "comments": [{"userComment": user}]}


def test_reviews_ratings_and_developer_replies(
    server: FakePlayServer, play: tuple[GooglePlayCollector, Target]
) -> None:
    posts = posts_of(run(*play))
    assert set(posts) == REVIEWS | REPLIES  # the review older than 7 days is not served
    crash = posts[CRASH]
    assert crash.rating == 1 and crash.author == "Dana K." and crash.thread_id == CRASH
    assert crash.text == "Crashes on login since the update. Useless until fixed."
    assert crash.created_at == datetime(2024, 6, 1, 8, 30, tzinfo=UTC) and crash.lang == "en"
    assert posts[BILL].rating == 2 and posts[BILL].lang == "it"
    assert (
        posts[DARK].text == "Good\n\nWould love a dark mode."
        and posts[DARK].author == "[anonymous]"
    )
    reply = posts[f"{CRASH}:reply"]
    assert reply.author == "Acme Mobile Ltd" and reply.in_reply_to == reply.thread_id == CRASH
    assert reply.rating is None and reply.created_at == datetime(2024, 6, 1, 11, tzinfo=UTC)
    grant = server.grants[0]
    assert grant["iss"] == CLIENT_EMAIL and grant["scope"] == SCOPE
    asked = server.paths(REVIEWS_PATH)
    assert [r.query.get("token") is None for r in asked] == [True, False, False]
    assert all(r.headers["authorization"].startswith("Bearer ya29.fake-") for r in asked)
    assert len(server.paths("/token")) == 1  # the token is kept between pages


def test_second_pass_reads_new_reviews_and_late_replies(
    server: FakePlayServer, play: tuple[GooglePlayCollector, Target], clock: Clock
) -> None:
    cursor = run(*play)[-1].cursor
    clock.now = NOW + timedelta(hours=2)
    server.add_review(review("gp:NEWreview0000000000001", NOW + timedelta(hours=1)))
    server.reply(BILL, "Refunded, sorry Marco!", NOW + timedelta(hours=1, minutes=30))
    again = posts_of(run(*play, cursor))
    assert set(again) == {"gp:NEWreview0000000000001", f"{BILL}:reply", *REPLIES}
    assert again[f"{BILL}:reply"].author == "Acme Mobile Ltd"


def test_a_gap_beyond_the_7_day_window_is_warned_about_once(
    play: tuple[GooglePlayCollector, Target], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    cursor = run(*play)[-1].cursor
    clock.now = NOW + timedelta(days=9)  # the daemon was down for 9 days
    with caplog.at_level(logging.WARNING, logger="monitor.collectors.googleplay.collector"):
        pages = run(*play, cursor)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "only the last 7 days" in warned[0]
    assert "2024-06-02 00:00 UTC" in warned[0] and warned[0] in pages[0].notes
    caplog.clear()
    clock.now += timedelta(hours=1)
    with caplog.at_level(logging.WARNING, logger="monitor.collectors.googleplay.collector"):
        run(*play, pages[-1].cursor)
    assert not caplog.records  # the pass after it is complete again


@pytest.mark.parametrize("crash_after", [1, 2])
def test_crash_mid_pass_then_rerun_yields_everything(
    play: tuple[GooglePlayCollector, Target], crash_after: int
) -> None:
    stored: dict[str, Post] = {}
    cursor: Cursor | None = None
    for number, page in enumerate(run(*play), start=1):
        stored.update(posts_of([page]))
        cursor = page.cursor
        if number == crash_after:
            break
    assert cursor is not None and cursor["streams"] == {}  # the mark moves on the last page only
    stored.update(posts_of(run(*play, cursor)))
    assert set(stored) == REVIEWS | REPLIES


def test_429_and_5xx_back_off_and_retry(
    server: FakePlayServer, play: tuple[GooglePlayCollector, Target], sleeps: list[float]
) -> None:
    server.fail_next("429", seconds=30, path=REVIEWS_PATH)
    server.fail_next("500", path=REVIEWS_PATH)
    assert set(posts_of(run(*play))) == REVIEWS | REPLIES
    assert sleeps[0] == 30 and len(sleeps) == 2


def test_a_timeout_is_retried(server: FakePlayServer, clock: Clock, sleeps: list[float]) -> None:
    collector, target = make_play_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=0.3
    )
    server.fail_next("slow", seconds=2, path=REVIEWS_PATH)
    assert set(posts_of(run(collector, target))) == REVIEWS | REPLIES
    assert len(sleeps) == 1


def test_refused_access_is_an_auth_error(
    server: FakePlayServer, play: tuple[GooglePlayCollector, Target]
) -> None:
    server.fail_next("403", path=REVIEWS_PATH)  # the account is not invited to the app
    with pytest.raises(AuthError, match="403"):
        run(*play)


def test_a_key_the_token_endpoint_refuses(server: FakePlayServer, clock: Clock) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = SecretStr(service_account_json(server.token_uri, pem))
    collector, target = make_play_collector(server.base_url, clock, service_account_json=key)
    with pytest.raises(AuthError, match="invalid_grant"):
        run(collector, target)
    result = collector.check()
    assert not result.ok and "GOOGLE_PLAY_SERVICE_ACCOUNT_JSON" in (result.fix or "")
    assert "PRIVATE KEY" not in result.detail


def test_an_unreadable_key_names_the_problem_not_the_key(clock: Clock, tmp_path: Path) -> None:
    broken = SecretStr('{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----x"}')
    collector, target = make_play_collector(
        "http://127.0.0.1:9", clock, service_account_json=broken
    )
    with pytest.raises(AuthError, match="not a Google service-account JSON key") as caught:
        run(collector, target)
    assert "BEGIN" not in str(caught.value)


def test_key_from_a_file(server: FakePlayServer, clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "play-key.json"
    path.write_text(service_account_json(server.token_uri), encoding="utf-8")
    collector, target = make_play_collector(
        server.base_url, clock, service_account_json=None, service_account_file=str(path)
    )
    assert set(posts_of(run(collector, target))) == REVIEWS | REPLIES
    assert collector.check().ok


def test_an_unknown_app_is_fatal(server: FakePlayServer, clock: Clock) -> None:
    collector, target = make_play_collector(server.base_url, clock)
    server.fail_next("404", path=REVIEWS_PATH)
    with pytest.raises(FatalError, match="404"):
        run(collector, target)


@pytest.mark.parametrize("kind", ["malformed", "html"])
def test_a_malformed_page_is_kept_and_the_mark_stays(
    server: FakePlayServer, play: tuple[GooglePlayCollector, Target], kind: str
) -> None:
    server.fail_next(kind, path=REVIEWS_PATH, skip=1)
    pages = run(*play)
    skipped = [s for p in pages for s in p.skipped]
    assert len(skipped) == 1 and skipped[0].raw_body and pages[-1].cursor["streams"] == {}
    assert json.dumps(pages[-1].cursor)


def test_unreachable_check(clock: Clock) -> None:
    collector, _ = make_play_collector("http://127.0.0.1:9", clock)
    result = collector.check()
    assert not result.ok and result.unreachable


def test_killed_pass_through_the_pipeline_loses_nothing(
    engine: Engine, play: tuple[GooglePlayCollector, Target], clock: Clock
) -> None:
    collector, target = play

    def die_on_first_page(source: str, page: Page, result: object) -> None:
        raise KeyboardInterrupt  # like a kill: not caught by the pipeline

    with pytest.raises(KeyboardInterrupt):
        run_target(engine, collector, "googleplay", target, clock=clock, on_page=die_on_first_page)
    first = run_target(engine, collector, "googleplay", target, clock=clock)
    second = run_target(engine, collector, "googleplay", target, clock=clock)
    with session_scope(engine) as session:
        columns = col(Mention.external_id), col(Mention.is_brand_post), col(Mention.rating)
        stored = {eid: (brand, rating) for eid, brand, rating in session.execute(select(*columns))}
    assert set(stored) == REVIEWS | REPLIES
    assert {k for k, (brand, _) in stored.items() if brand} == REPLIES
    assert stored[CRASH] == (False, 1)
    assert first.ok and second.ok and (second.result.inserted, second.result.updated) == (0, 0)
