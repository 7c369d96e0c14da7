"""App Store failures and settings: retried, auth, fatal, or skipped with the raw body."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from monitor.collectors.appstore.collector import AppStoreCollector
from monitor.collectors.appstore.settings import AppStoreBrandSettings, AppStoreSettings
from monitor.collectors.base import AuthError, FatalError, Page, RetriableError, Target
from tests.collectors.fakes.appstore_server import (
    EXPECTED_IDS,
    PRIVATE_KEY_PEM,
    FakeAppStoreServer,
    make_appstore_collector,
    running_appstore_server,
)

NOW = datetime(2024, 6, 2, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def server() -> Iterator[FakeAppStoreServer]:
    with running_appstore_server(clock=clock) as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def appstore(
    server: FakeAppStoreServer, sleeps: list[float]
) -> Iterator[tuple[AppStoreCollector, Target]]:
    collector, target = make_appstore_collector(server.base_url, clock, sleep=sleeps.append)
    yield collector, target
    collector.close()


def run(collector: AppStoreCollector, target: Target, cursor: dict | None = None) -> list[Page]:
    return list(collector.collect(target, cursor))


def ids(pages: list[Page]) -> set[str]:
    return {p.external_id for page in pages for p in page.posts}


def test_429_waits_as_long_as_retry_after_says(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target], sleeps: list[float]
) -> None:
    server.fail_next("429", seconds=60, skip=1)
    assert ids(run(*appstore)) == EXPECTED_IDS
    assert sleeps == [60.0] and len(server.requests) == 4


@pytest.mark.parametrize("kind", ["429", "500", "503", "reset"])
def test_temporary_failures_back_off_and_retry(
    server: FakeAppStoreServer,
    appstore: tuple[AppStoreCollector, Target],
    sleeps: list[float],
    kind: str,
) -> None:
    server.fail_next(kind)
    assert ids(run(*appstore)) == EXPECTED_IDS
    assert len(sleeps) == 1 and 0.75 <= sleeps[0] <= 1.25


def test_a_timeout_is_retried(server: FakeAppStoreServer, sleeps: list[float]) -> None:
    collector, target = make_appstore_collector(
        server.base_url, clock, sleep=sleeps.append, timeout_seconds=1.0
    )
    server.fail_next("slow", seconds=3)
    assert ids(run(collector, target)) == EXPECTED_IDS
    collector.close()
    assert len(sleeps) == 1


def test_retries_run_out(server: FakeAppStoreServer, sleeps: list[float]) -> None:
    collector, target = make_appstore_collector(
        server.base_url, clock, sleep=sleeps.append, max_retries=2
    )
    for _ in range(3):
        server.fail_next("503")
    with pytest.raises(RetriableError, match="HTTP 503 UNEXPECTED_ERROR"):
        run(collector, target)
    collector.close()
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_credentials_are_an_auth_error(
    server: FakeAppStoreServer, appstore: tuple[AppStoreCollector, Target], status: str
) -> None:
    server.fail_next(status)
    with pytest.raises(AuthError, match=f"HTTP {status} (NOT_AUTHORIZED|FORBIDDEN_ERROR)"):
        run(*appstore)


def test_a_token_signed_with_another_key_is_refused(server: FakeAppStoreServer) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    collector, target = make_appstore_collector(
        server.base_url, clock, private_key=SecretStr(other.decode())
    )
    with pytest.raises(AuthError, match="HTTP 401"):
        run(collector, target)
    collector.close()


def test_an_unusable_key_is_an_auth_error_that_does_not_show_the_key(
    server: FakeAppStoreServer,
) -> None:
    secret = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----"
    collector, target = make_appstore_collector(
        server.base_url, clock, private_key=SecretStr(secret)
    )
    with pytest.raises(AuthError) as caught:
        run(collector, target)
    collector.close()
    assert "not an ES256 (P-256) key in PEM" in str(caught.value)
    assert "bm90" not in str(caught.value) and caught.value.__cause__ is None
    assert server.requests == []  # nothing was sent


def test_key_from_a_file_or_with_escaped_newlines(
    server: FakeAppStoreServer, tmp_path: Path
) -> None:
    key_file = tmp_path / "AuthKey_2X9R4HXF34.p8"
    key_file.write_text(PRIVATE_KEY_PEM)
    escaped = PRIVATE_KEY_PEM.replace("\n", "\\n")  # as pasted into one environment variable
    variants: list[dict[str, Any]] = [
        {"private_key": None, "private_key_file": str(key_file)},
        {"private_key": SecretStr(escaped)},
    ]
    for overrides in variants:
        collector, target = make_appstore_collector(server.base_url, clock, **overrides)
        assert ids(run(collector, target)) == EXPECTED_IDS
        collector.close()
    missing: dict[str, Any] = {"private_key": None, "private_key_file": str(tmp_path / "gone.p8")}
    collector, target = make_appstore_collector(server.base_url, clock, **missing)
    with pytest.raises(AuthError, match="cannot read private_key_file"):
        run(collector, target)
    collector.close()


def test_an_unknown_app_is_fatal(server: FakeAppStoreServer) -> None:
    collector, _ = make_appstore_collector(server.base_url, clock)
    target = Target("Acme", AppStoreBrandSettings(app_id="999999999", accounts=["Acme"]))
    with pytest.raises(FatalError, match="HTTP 404 NOT_FOUND"):
        run(collector, target)
    collector.close()


@pytest.mark.parametrize(
    ("kind", "reason", "body_part"),
    [
        ("malformed", "expected data and included lists and links", '"customerReviews"'),
        ("html", "body is not JSON", "502 Bad Gateway"),
    ],
)
def test_a_malformed_page_is_kept_and_the_mark_stays(
    server: FakeAppStoreServer,
    appstore: tuple[AppStoreCollector, Target],
    kind: str,
    reason: str,
    body_part: str,
) -> None:
    server.fail_next(kind, skip=1)  # page 2 is garbage
    pages = run(*appstore)
    assert len(pages) == 2 and ids(pages[:1]) and pages[1].posts == []
    skipped = pages[1].skipped
    assert len(skipped) == 1 and skipped[0].where == "reviews page 2"
    assert reason in skipped[0].reason and body_part in skipped[0].raw_body
    assert pages[-1].cursor == {"v": 1, "streams": {}}  # not moved: read again next time
    assert ids(pages) | ids(run(*appstore, pages[-1].cursor)) == EXPECTED_IDS


def test_settings_validation() -> None:
    with pytest.raises(ValidationError, match="issuer_id, key_id, private_key"):
        AppStoreSettings(enabled=True)
    with pytest.raises(ValidationError, match="not both"):
        AppStoreSettings(private_key=SecretStr("x"), private_key_file="/k.p8")
    with pytest.raises(ValidationError, match="page_size"):
        AppStoreSettings(page_size=201)
    with pytest.raises(ValidationError, match="numeric Apple ID"):
        AppStoreBrandSettings(app_id="com.acme.mobile", accounts=["Acme"])
    with pytest.raises(ValidationError, match="name the developer account"):
        AppStoreBrandSettings(app_id="1234567890", accounts=[" "])
    with pytest.raises(ValidationError, match="accounts"):
        AppStoreBrandSettings(app_id="1234567890")  # type: ignore[call-arg]
    assert AppStoreSettings(base_url="http://x/").api_root == "http://x"
    assert AppStoreSettings().api_root == "https://api.appstoreconnect.apple.com"
