"""Web inbox fixtures: the scoring scenario in a real database (SQLite and PostgreSQL), one
user per role, and ASGI test clients signed in through the real ``/login`` form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from monitor.config import Settings
from monitor.pipeline.score import score_days
from monitor.pipeline.users import SignInLimiter, add_user
from monitor.web.app import create_app
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import DAY, NOW, build, post

D = date.fromisoformat(DAY)
DAYS = [D - timedelta(days=1), D, D + timedelta(days=1), D + timedelta(days=2)]
#: One user per role; every password is long enough for check_password.
PASSWORDS = {"ann": "ann-password-1", "bo": "bo-password-22", "cy": "cy-password-333"}
ROLES = {"ann": "admin", "bo": "agent", "cy": "viewer"}
USER_OF_ROLE = {role: name for name, role in ROLES.items()}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: A post that would run script or a template expression if it were not escaped.
HOSTILE = "<script>alert(1)</script> {{7*7}} @AcmeHelp"
#: Besides the scenario: an earlier item of uma (x:801's author) and a hostile complaint.
EXTRA = [
    post("x", "800", "uma", "10-07 09:00", "@AcmeHelp login broken", thread="800",
         label="negative", conf=0.9, neg=0.9),
    post("x", "900", "mallory", "10-08 13:40", HOSTILE, thread="900", label="negative",
         conf=0.95, neg=0.95, followers=5),
]  # fmt: skip


def clock() -> datetime:
    """The scenario's now."""
    return NOW


@pytest.fixture
def settings() -> Settings:
    """Brand Acme of the scoring scenario."""
    return scenario_settings()


@pytest.fixture
def seeded(engine: Engine, settings: Settings) -> Engine:
    """The scenario scored, and a user for each role."""
    scenario = build()
    seed(engine, scenario, [*scenario.mentions, *EXTRA])
    score_days(engine, settings, clock=clock, days=DAYS)
    for name, role in ROLES.items():
        add_user(engine, name, role, PASSWORDS[name], clock=clock)
    return engine


@pytest.fixture
def app(seeded: Engine, settings: Settings) -> Starlette:
    """The web inbox over the seeded database."""
    return create_app(settings, seeded, clock=clock, limiter=SignInLimiter())


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its forms."""
    found = _CSRF.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str | None = None) -> str:
    """Sign in through the form; the session's CSRF token (from the queue page)."""
    form = client.get("/login")
    assert form.status_code == 200
    response = client.post(
        "/login",
        data={
            "username": name,
            "password": PASSWORDS[name] if password is None else password,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/")
    assert page.status_code == 200
    return csrf_of(page.text)


@pytest.fixture
def client_as(app: Starlette) -> Iterator[Callable[[str], tuple[TestClient, str]]]:
    """``client_as(role)``: a client signed in as that role's user, and its CSRF token."""
    clients: list[TestClient] = []

    def make(role: str) -> tuple[TestClient, str]:
        client = TestClient(app)
        clients.append(client)
        return client, sign_in(client, USER_OF_ROLE[role])

    yield make
    for c in clients:
        c.close()
