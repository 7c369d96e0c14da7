"""Every hostile string of tests/hostile/strings.py, as a post's text and author, on every
page that shows posts (SQLite and PostgreSQL): shown as inert text, never as markup, a raw
control character, a bidi override or a broken response."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from monitor.config import Settings
from monitor.pipeline.score import score_days
from monitor.pipeline.users import SignInLimiter, add_user
from monitor.posts import clean_text
from monitor.web.app import create_app
from tests.hostile.checks import RAW_CONTROL
from tests.hostile.strings import HOSTILE
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import build, post
from tests.web.conftest import DAYS, PASSWORDS, clock, sign_in

#: One complaint per hostile string: the string is its text and (cut to fit) its author,
#: cleaned as every collector and import stores them (NUL, lone surrogates → U+FFFD).
POSTS = [
    post("x", f"66{i:02d}", clean_text(value[:200]), "10-08 12:00",
         clean_text(f"@AcmeHelp {value}"), thread=f"66{i:02d}", label="negative", conf=0.9,
         neg=0.9)
    for i, (_, value) in enumerate(HOSTILE)
]  # fmt: skip
KEYS = [f"x:66{i:02d}" for i in range(len(HOSTILE))]


@pytest.fixture
def agent(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """An agent signed in to the web inbox over the scenario plus the hostile complaints."""
    scenario = build()
    seed(engine, scenario, [*scenario.mentions, *POSTS])
    score_days(engine, settings, clock=clock, days=DAYS)
    add_user(engine, "bo", "agent", PASSWORDS["bo"], clock=clock)
    app = create_app(settings, engine, clock=clock, limiter=SignInLimiter())
    with TestClient(app) as client:
        sign_in(client, "bo")
        yield client


def assert_inert(path: str, body: str) -> None:
    """No markup, raw control, line-forging or bidi character from data in a page."""
    assert "<script>alert" not in body and "<img src=x" not in body, path
    assert "[link=http://evil.example]" not in body or "<a " not in body.split("[link=")[0][-3:]
    found = RAW_CONTROL.search(body.replace("\t", "").replace("\r", ""))
    assert found is None, (path, repr(body[max(0, found.start() - 80) : found.end() + 80]))


def test_hostile_posts_show_inert_on_every_page(agent: TestClient) -> None:
    queue = agent.get("/?limit=100")
    assert queue.status_code == 200
    shown = [k for k in KEYS if f'data-key="{k}"' in queue.text]
    assert len(shown) == len(KEYS), set(KEYS) - set(shown)
    pages = ["/?limit=100", "/queue/rows", "/mentions?since=30d", "/mentions?q=evil&since=30d"]
    pages += [f"/items/{key}" for key in KEYS]
    for path in pages:
        response = agent.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert_inert(path, response.text)
    item = agent.get("/items/x:6618").text  # html_script: shown, escaped
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in item
    bidi = agent.get("/items/x:6613").text  # rtl_override: shown as an escape
    assert "invoice \\u202egpj.exe\\u202c" in bidi


def test_hostile_posts_in_the_api_and_csv_keep_their_text(agent: TestClient) -> None:
    api = agent.get("/api/queue")
    assert api.status_code == 200
    texts = {row["text"] for row in api.json()}
    # JSON keeps the stored text verbatim (the queue cuts a 100,000-character one short)
    assert {p.text for p in POSTS if len(p.text) < 1000} <= texts
    exported = agent.get("/mentions.csv?since=30d")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert len(rows) == len(exported.text.splitlines())  # one record a line
    cells = {cell for row in rows for cell in row}
    assert "@AcmeHelp invoice \\u202egpj.exe\\u202c and \\u2066isolate\\u2069" in cells
    assert not any(RAW_CONTROL.search(cell) or cell.startswith(("=", "+")) for cell in cells)
