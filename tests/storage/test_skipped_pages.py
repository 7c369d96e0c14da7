"""Skipped pages and source errors are stored with every secret masked and the body capped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.config import parse_config
from monitor.pipeline.collect import collect
from monitor.redact import MAX_BODY_CHARS
from monitor.storage.db import session_scope
from monitor.storage.models import SkippedPageRecord, SourceHealth
from monitor.storage.sources import keep_skipped_page
from tests.collectors.fakes.x_server import (
    FAKE_BEARER,
    SAMPLE_CORPUS,
    MutableClock,
    XFakeServer,
    running_x_server,
)

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[XFakeServer]:
    with running_x_server(clock=MutableClock(NOW)) as fake:
        yield fake


def test_an_upstream_that_echoes_the_bearer_token_never_puts_it_in_the_database(
    engine: Engine, server: XFakeServer
) -> None:
    document = {
        "brands": [{"name": "Skylark Air", "sources": {"x": SAMPLE_CORPUS["brand"]}}],
        "sources": {
            "x": {
                "enabled": True,
                "base_url": server.base_url,
                "bearer_token": "${X_BEARER}",
                "max_retries": 0,
            }
        },
    }
    settings = parse_config(document, env={"X_BEARER": FAKE_BEARER})
    server.fail_next("echo", path="/search")
    [report] = collect(engine, settings, clock=lambda: NOW, sleep=lambda s: None)
    assert report.skipped_pages == 1 and report.error and "400" in report.error
    with session_scope(engine) as session:
        [skipped] = session.execute(select(SkippedPageRecord)).scalars().all()
        [health] = session.execute(select(SourceHealth)).scalars().all()
    stored = json.loads(skipped.raw_body)  # still readable JSON, the secret masked
    assert stored["title"] == "Invalid Request"
    assert stored["request_headers"]["Authorization"] == "***"
    for text in (skipped.raw_body, skipped.reason, health.last_error or ""):
        assert FAKE_BEARER not in text
        assert FAKE_BEARER[-12:] not in text  # not even a tail of it


def test_skipped_body_is_capped_and_masks_credential_pairs(engine: Engine) -> None:
    secret = "reddit-app-secret-42"
    body = (
        "grant_type=password&username=bob&password=hunter2hunter2"
        f"&client_secret={secret} Cookie: session=abc123\n" + "x" * 100_000
    )
    with session_scope(engine) as session:
        keep_skipped_page(
            session, "reddit", "Acme", "token", f"echoed {secret}", body, NOW, secrets=[secret]
        )
    with session_scope(engine) as session:
        [row] = session.execute(select(SkippedPageRecord)).scalars().all()
    assert secret not in row.raw_body and secret not in row.reason
    assert "hunter2" not in row.raw_body and "abc123" not in row.raw_body
    assert "username=bob" in row.raw_body  # what is not a credential stays for inspection
    assert MAX_BODY_CHARS <= len(row.raw_body) < MAX_BODY_CHARS + 100
    assert row.raw_body.endswith(f"[cut from {len(body)} characters]")
