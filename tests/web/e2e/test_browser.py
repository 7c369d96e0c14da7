"""The web inbox in a real Chromium, driven by Playwright, against the real server.

The server is ``monitor.web.server.WebThread`` (uvicorn in a thread, as ``monitor run`` runs
it) on a free port over a seeded SQLite database; the browser is the system Chromium,
started by its executable path (Playwright's own browser downloads are not used).

With ``MONITOR_WEB_SCREENSHOTS=DIR`` set, the queue, an item and the KPI page are saved as
``DIR/web-queue.png``, ``DIR/web-item.png`` and ``DIR/web-kpis.png`` (the README's images:
``MONITOR_WEB_SCREENSHOTS=docs pytest tests/web/e2e``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.pipeline.score import score_days
from monitor.pipeline.users import add_user
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, build, post

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
    ),
]
PASSWORD = "correct horse battery staple"
HOSTILE = (
    "@AcmeHelp <script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2> refund!"
)
SHOTS = os.environ.get("MONITOR_WEB_SCREENSHOTS")
NEG = {"label": "negative", "conf": 0.9, "neg": 0.9}
#: Complaints of the last two hours before NOW: the queue's waiting items.
FRESH = [
    post("x", "811", "vera", "10-08 12:10", "@AcmeHelp card charged but no order", thread="811",
         followers=120, **NEG),
    post("x", "812", "walt", "10-08 12:40", "@AcmeHelp the app logs me out every minute",
         thread="812", followers=40, **NEG),
    post("x", "813", "xin", "10-08 13:05", "@AcmeHelp where is my refund?", thread="813",
         followers=3000, **NEG),
    post("x", "666", "mallory", "10-08 13:45", HOSTILE, thread="666", **NEG),
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server over the seeded scenario (clock at the scenario's NOW); its base URL."""
    from monitor.web.server import WebThread

    tmp = tmp_path_factory.mktemp("e2e")
    engine = make_engine(f"sqlite:///{tmp / 'monitor.db'}")
    upgrade(engine)
    sc = build()
    seed(engine, sc, [*sc.mentions, *FRESH])
    settings = scenario_settings(
        {"response_rate": {"min": 0.9}},
        themes={"enabled": False},
        web={"port": _free_port()},
    )
    days = [NOW.date() - timedelta(days=i) for i in range(8)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    for role in ("agent", "viewer"):
        add_user(engine, role, role, PASSWORD, clock=lambda: NOW)
    web = WebThread(settings, engine, lambda: NOW)
    web.start()
    try:
        yield web.url
    finally:
        web.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _sign_in(browser: Any, base: str, name: str) -> Any:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/")
    assert "/login" in page.url  # not signed in: sent to the form
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


def _negative_on(page: Any, base: str, day: date) -> int:
    page.goto(f"{base}/kpis?brand=Acme&first={day}&last={day}")
    cell = page.locator("table.days tbody tr").first.locator("td").nth(2)
    return int(cell.inner_text().strip())


def test_an_agent_works_the_queue_in_a_browser(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = _sign_in(browser, server, "agent")
    rows = page.locator("#queue-rows tr[data-key]")
    expect(rows.first).to_be_visible()
    keys = [rows.nth(i).get_attribute("data-key") for i in range(rows.count())]
    assert "x:666" in keys and len(keys) >= 3

    # the hostile post is shown as text and never runs
    hostile = page.locator('tr[data-key="x:666"] td.text')
    expect(hostile).to_contain_text("<script>window.__pwned = 1</script>")
    assert page.evaluate("() => window.__pwned === undefined")
    _shot(page, "web-queue.png")

    # open an item: the post and its thread
    first = next(k for k in keys if k != "x:666")
    page.locator(f'tr[data-key="{first}"] a.open').click()
    page.wait_for_url(re.compile(r".*/items/.*"))
    expect(page.locator("main")).to_contain_text(first)
    _shot(page, "web-item.png")

    # resolve one from the queue and watch it leave
    page.goto(f"{server}/")
    page.locator(f'tr[data-key="{first}"] form.act-resolve button').click()
    expect(page.locator(f'tr[data-key="{first}"]')).to_have_count(0)

    # snooze another: it leaves the waiting list and shows under "snoozed"
    second = next(k for k in keys if k not in (first, "x:666"))
    page.locator(f'tr[data-key="{second}"] form.act-snooze button').click()
    expect(page.locator(f'tr[data-key="{second}"]')).to_have_count(0)
    page.goto(f"{server}/?state=snoozed")
    expect(page.locator(f'tr[data-key="{second}"]')).to_have_count(1)

    # correct a label: the day's KPIs change
    third = next(k for k in keys if k not in (first, second, "x:666"))
    day = NOW.date()
    before = _negative_on(page, server, day)
    page.goto(f"{server}/items/{third}")
    page.select_option("form.act-label select[name=sentiment]", "positive")
    with page.expect_response(lambda r: r.url.endswith("/label")) as answer:
        page.click("form.act-label button")  # htmx-boosted form: no full navigation
    assert answer.value.status < 400, answer.value.status  # 303 back to the item
    assert _negative_on(page, server, day) == before - 1
    page.goto(f"{server}/kpis?brand=Acme")
    expect(page.locator("#kpi-table")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the chart images
    _shot(page, "web-kpis.png")
    page.context.close()


def test_a_viewer_looks_but_cannot_act(server: str, browser: Any) -> None:
    page = _sign_in(browser, server, "viewer")
    rows = page.locator("#queue-rows tr[data-key]")
    assert rows.count() > 0
    assert page.locator("form.act-resolve").count() == 0  # no action offered
    key = rows.first.get_attribute("data-key")
    status = page.evaluate(
        """async (key) => {
            const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
            const r = await fetch('/items/' + encodeURIComponent(key) + '/resolve', {
                method: 'POST', headers: {'X-CSRF-Token': token}});
            return r.status;
        }""",
        key,
    )
    assert status == 403
    page.reload()
    assert page.locator(f'tr[data-key="{key}"]').count() == 1  # still there
    page.context.close()
