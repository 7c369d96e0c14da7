"""The read-only pages through the ASGI test client: every route, every role, both backends."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from monitor.config import Settings
from monitor.pipeline.digest import send_due_digests
from monitor.pipeline.kpi_page import kpi_view
from monitor.storage.db import session_scope
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import AlertSent
from monitor.storage.sources import record_failure
from tests.pipeline.scenario_db import scenario_settings, to_post
from tests.scoring.scenario import NOW, build

PAGES = (
    "/mentions",
    "/mentions.csv",
    "/kpis",
    "/kpis/chart/sentiment_mix.png",
    "/alerts",
    "/digests",
    "/health",
    "/settings",
)
ROLES = ("admin", "agent", "viewer")
SLACK_HOOK = "https://hooks.slack.com/services/T0/B0/sEcReT-hook-value"
HOSTILE = "<script>alert('pwned')</script> & <img src=x onerror=alert(1)>"
Client = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The scenario's brand with a target, a Slack webhook (a secret) and a digest folder."""
    return scenario_settings(
        {"response_rate": {"min": 0.9}},
        themes={"enabled": False},
        digest={"out_dir": str(tmp_path / "digests")},
        slack={"enabled": True, "webhook_url": SLACK_HOOK},
    )


@pytest.fixture
def hostile(seeded: Engine) -> Engine:
    """The seeded scenario plus a post made of markup (frank's, on 10-06)."""
    frank = next(m for m in build().mentions if m.key == "x:401")
    with session_scope(seeded) as session:
        upsert_posts(
            session,
            [to_post(replace(frank, external_id="666", text=HOSTILE))],
            brand_of=lambda p: "Acme",
            is_brand_post=lambda p: False,
            now=NOW,
        )
    return seeded


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read_every_page(client_as: Client, role: str) -> None:
    client, _ = client_as(role)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        assert response.headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in response.headers["content-security-policy"]


def test_signed_out_pages_redirect_to_login(app: Starlette) -> None:
    client = TestClient(app)
    for path in PAGES:
        response = client.get(path + "?brand=Acme", follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


def test_read_pages_take_no_post(client_as: Client) -> None:
    client, csrf = client_as("admin")
    for path in ("/mentions", "/kpis", "/alerts", "/digests", "/health", "/settings"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 405, path


def test_mention_search_pages_and_escapes(client_as: Client, hostile: Engine) -> None:
    client, _ = client_as("viewer")
    html = client.get("/mentions", params={"text": "pwned", "first": "2026-10-01"}).text
    assert "1 mention from 2026-10-01 to 2026-10-08" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;pwned&#39;)" in html
    assert "<img src=x" not in html
    first = client.get("/mentions", params={"brand": "Acme", "first": "2026-10-01"}).text
    total = int(re.search(r"(\d+) mentions from", first).group(1))  # type: ignore[union-attr]
    assert total > 20
    shown = re.findall(r'<tr data-key="([^"]+)"', first)
    assert len(shown) == min(total, 50)
    bad = client.get("/mentions", params={"first": "yesterday"})
    assert bad.status_code == 400 and "first must be a date as YYYY-MM-DD" in bad.text


def test_mention_search_second_page(client_as: Client) -> None:
    client, _ = client_as("viewer")
    from monitor.pipeline.search import PAGE_SIZE

    params = {"first": "2026-10-01"}
    one = client.get("/mentions", params=params).text
    total = int(re.search(r"(\d+) mentions from", one).group(1))  # type: ignore[union-attr]
    if total <= PAGE_SIZE:
        assert 'rel="next"' not in one
        return
    two = client.get("/mentions", params={**params, "page": "2"}).text
    keys_one = set(re.findall(r'<tr data-key="([^"]+)"', one))
    keys_two = set(re.findall(r'<tr data-key="([^"]+)"', two))
    assert keys_one and keys_two and not keys_one & keys_two


def test_csv_export_is_the_whole_search_and_inert(client_as: Client, hostile: Engine) -> None:
    client, _ = client_as("agent")
    response = client.get("/mentions.csv", params={"first": "2026-10-01", "page": "3"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][0] == "id" and len(rows) > 30
    hostile = next(r for r in rows if r[0] == "x:666")
    assert hostile[-1] == HOSTILE  # data as written (a CSV is not HTML), one line
    bad = client.get("/mentions.csv", params={"sentiment": "furious"})
    assert bad.status_code == 400 and "sentiment must be one of" in bad.text


def test_kpi_page_shows_the_same_figures_as_the_library(
    client_as: Client, seeded: Engine, settings: Settings
) -> None:
    client, _ = client_as("viewer")
    html = client.get("/kpis", params={"brand": "Acme"}).text
    kv = kpi_view(seeded, settings, brand="Acme", clock=lambda: NOW)
    rate = next(s for s in kv.statuses if s.key == "response_rate")
    row = re.search(r'<tr data-kpi="response_rate"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    assert "≥ 90.0% /day" in row.group(1)
    assert ("met" if rate.met else "MISSED") in row.group(1)
    assert "targets judged on 2026-10-07" in html
    assert 'id="voice"' in html and "Globex" in html  # share of voice
    charts = re.findall(r'<img src="([^"]+)"', html)
    assert len(charts) == 3
    png = client.get(charts[0].replace("&amp;", "&"))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert client.get("/kpis/chart/nope.png").status_code == 404
    bad = client.get("/kpis", params={"brand": "Initech"})
    assert bad.status_code == 400 and "no brand or competitor named" in bad.text
    late = client.get("/kpis", params={"last": "2026-10-09"})
    assert late.status_code == 400 and "ends after today" in late.text


def test_kpi_page_of_a_competitor_over_a_range(client_as: Client) -> None:
    client, _ = client_as("viewer")
    html = client.get(
        "/kpis", params={"brand": "Globex", "first": "2026-10-05", "last": "2026-10-07"}
    ).text
    assert "Globex · all" in html and "2026-10-05 … 2026-10-07" in html


def test_digest_archive_opens_the_digest_as_mailed_in_its_own_policy(
    client_as: Client, seeded: Engine, settings: Settings
) -> None:
    day = date(2026, 10, 7)
    send_due_digests(seeded, settings, clock=lambda: NOW, brand="Acme", day=day, deliver=False)
    client, _ = client_as("viewer")
    listing = client.get("/digests").text
    link = re.search(r'href="(/digests/Acme/2026-10-07)"', listing)
    assert link is not None, listing
    document = client.get(link.group(1))
    assert document.status_code == 200
    (policy,) = document.headers.get_list("content-security-policy")  # its own, alone
    assert policy.endswith("sandbox") and "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none': no script at all
    assert document.headers["x-frame-options"] == "DENY"
    assert "data:image/png;base64," in document.text  # charts inlined, no extra request
    assert "<script" not in document.text
    assert client.get("/digests/Acme/2026-10-01").status_code == 404
    assert client.get("/digests/Acme/someday").status_code == 404


def test_alerts_health_and_settings(client_as: Client, seeded: Engine) -> None:
    with session_scope(seeded) as session:
        session.add(
            AlertSent(
                alert_key="spike:Acme:1", kind="spike", brand="Acme",
                message=f"negative spike {HOSTILE}", fired_at=NOW - timedelta(hours=3),
            )
        )  # fmt: skip
        record_failure(session, "x", "acme", f"boom {SLACK_HOOK}", NOW, auth=False)
    client, _ = client_as("viewer")
    alerts = client.get("/alerts").text
    assert "negative spike &lt;script&gt;" in alerts and "<script>alert" not in alerts
    assert "negative spike" in client.get("/alerts", params={"days": "1"}).text
    assert client.get("/alerts", params={"days": "0"}).status_code == 400
    health = client.get("/health").text
    assert "failing" in health and "sEcReT-hook-value" not in health
    assert re.search(r'id="backlog">\d+<', health)
    settings = client.get("/settings").text
    assert "sEcReT-hook-value" not in settings and "set (hidden)" in settings
    assert "America/New_York" in settings
