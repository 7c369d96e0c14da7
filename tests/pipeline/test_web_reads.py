"""The web's read side beyond search and KPIs: digest archive, health, settings summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from monitor.collectors.base import SourceSettings
from monitor.collectors.x.settings import XSettings
from monitor.pipeline.archive import (
    DigestNotFound,
    digest_archive,
    digest_html,
    digest_image,
    stored_digest,
)
from monitor.pipeline.digest import send_due_digests
from monitor.pipeline.health_view import NEVER_RUN, health_view
from monitor.pipeline.settings_view import NOT_SET, SET, settings_summary
from monitor.storage.db import session_scope
from monitor.storage.sources import record_failure, record_success
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, build

DAY = date(2026, 10, 7)


def test_the_archive_lists_digests_and_serves_them_as_stored(
    engine: Engine, tmp_path: Path
) -> None:
    settings = scenario_settings(
        themes={"enabled": False}, digest={"out_dir": str(tmp_path / "out")}
    )
    seed(engine, build())
    for day in (DAY - timedelta(days=1), DAY):
        send_due_digests(engine, settings, clock=lambda: NOW, brand="Acme", day=day)
    listed = digest_archive(engine, settings, now=NOW, brand="acme")
    assert [(d.brand, d.day) for d in listed] == [("Acme", DAY), ("Acme", DAY - timedelta(1))]
    html = digest_html(engine, brand="Acme", day=DAY)
    assert html == Path(listed[0].html_path or "").read_bytes() and b"<html" in html.lower()
    stored = stored_digest(engine, brand="Acme", day=DAY)
    assert len(stored.images) == 3
    for name in stored.images:
        assert name.encode() in html  # the HTML refers to each chart by this name
        assert digest_image(engine, brand="Acme", day=DAY, name=name).startswith(b"\x89PNG")
    with pytest.raises(DigestNotFound, match="no chart"):
        digest_image(engine, brand="Acme", day=DAY, name=f"../{stored.html.name}")
    with pytest.raises(DigestNotFound, match="no digest of Acme for 2026-10-01"):
        digest_html(engine, brand="Acme", day=date(2026, 10, 1))
    stored.html.unlink()
    with pytest.raises(DigestNotFound, match="is gone"):
        digest_html(engine, brand="Acme", day=DAY)


def _with_x(token: str, **top: object) -> object:
    settings = scenario_settings(**top)
    x = XSettings(enabled=True, bearer_token=SecretStr(token))
    return replace(settings, source_settings={"x": x, "hackernews": SourceSettings(enabled=True)})


def test_health_shows_sources_failures_and_backlog_without_secrets(engine: Engine) -> None:
    token = "AAAA-bearer-token-9999"
    settings = _with_x(token)
    seed(engine, build())
    with session_scope(engine) as session:
        record_success(session, "x", "acme", 12, NOW - timedelta(hours=2))
        record_failure(session, "x", "acme", f"401 for token {token}", NOW, auth=True)
    view = health_view(engine, settings)  # type: ignore[arg-type]
    hn, x = view.sources
    assert (x.source, x.state, x.consecutive_failures, x.posts_total) == ("x", "auth_error", 1, 12)
    assert x.last_success_at == NOW - timedelta(hours=2)
    assert x.last_error is not None and token not in x.last_error and "401" in x.last_error
    assert (hn.source, hn.state) == ("hackernews", NEVER_RUN)
    assert view.status == "degraded"
    labeled = sum(1 for m in build().mentions if m.label is not None)
    assert view.backlog == len(build().mentions) - labeled > 0  # unlabeled posts wait


def test_settings_summary_never_shows_a_secret() -> None:
    token, password = "AAAA-bearer-token-9999", "hunter2-password"
    hook = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
    settings = _with_x(
        token,
        database_url=f"postgresql+psycopg://app:{password}@db.internal/monitor",
        email={"enabled": True, "username": "ops", "password": password},
        slack={"enabled": True, "webhook_url": hook},
        targets={"response_rate": {"min": 0.9}},
    )
    sections = settings_summary(settings)  # type: ignore[arg-type]
    text = repr(sections)
    for secret in (token, password, hook, "XXXXsecretXXXX"):
        assert secret not in text
    shown = {s.title: dict(s.lines) for s in sections}
    assert shown["Email"]["password"] == SET and shown["Email"]["username"] == "ops"
    assert shown["Slack"]["webhook_url"] == SET
    assert shown["Source x"]["bearer_token"] == SET
    assert shown["Source hackernews"]["enabled"] == "True"
    plain = {s.title: dict(s.lines) for s in settings_summary(scenario_settings())}
    assert plain["Email"]["password"] == NOT_SET and plain["Slack"]["webhook_url"] == NOT_SET
    assert "db.internal" in shown["General"]["database_url"]
    assert shown["Brand Acme"]["target response_rate"] == "≥ 90.0% /day"
    assert shown["Brand Acme"]["competitors"] == "Globex"
