"""Signing in and out through the ASGI app (SQLite and PostgreSQL): redirects and 401s,
cookie flags, CSRF on the login form, expiry, sign-in limits, open redirects."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from monitor.pipeline.users import SignInLimiter, set_password
from monitor.web.app import create_app
from tests.pipeline.scenario_db import scenario_settings
from tests.scoring.scenario import NOW
from tests.web.conftest import PASSWORDS, clock, csrf_of, sign_in

PAGES = ["/", "/queue/rows", "/items/x:801", "/?brand=Acme&kind=complaint"]


def test_a_page_without_a_session_redirects_to_login(app: Starlette) -> None:
    with TestClient(app) as client:
        for path in PAGES:
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2F"), path


def test_an_api_route_without_a_session_is_401(app: Starlette) -> None:
    with TestClient(app) as client:
        response = client.get("/api/queue")
        assert response.status_code == 401
        assert response.json() == {"error": "sign in first"}
        polled = client.get("/queue/rows", headers={"HX-Request": "true"})
        assert polled.status_code == 401
        assert polled.headers["hx-redirect"].startswith("/login?next=")


def test_a_post_without_a_session_never_acts(app: Starlette) -> None:
    with TestClient(app) as client:
        for path in ("/items/x:801/resolve", "/items/close", "/logout"):
            response = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login"), path


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_goes_next(app: Starlette) -> None:
    with TestClient(app) as client:
        form = client.get("/login?next=/items/x:801")
        assert 'name="username"' in form.text and 'name="password"' in form.text
        response = client.post(
            "/login",
            data={
                "username": "bo",
                "password": PASSWORDS["bo"],
                "csrf_token": csrf_of(form.text),
                "next": "/items/x:801",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/items/x:801"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("monitor_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        assert client.get("/items/x:801").status_code == 200


def test_wrong_password_or_unknown_user_says_the_same(app: Starlette) -> None:
    with TestClient(app) as client:
        for name, password in (("bo", "wrong-password"), ("nobody", "whatever-pass")):
            form = client.get("/login")
            response = client.post(
                "/login",
                data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
                follow_redirects=False,
            )
            assert response.status_code == 401
            assert "wrong user name or password" in response.text
            assert "monitor_session" not in response.headers.get("set-cookie", "")
            assert password not in response.text


def test_the_login_form_needs_its_csrf_token(app: Starlette) -> None:
    with TestClient(app) as client:
        client.get("/login")
        response = client.post(
            "/login", data={"username": "bo", "password": PASSWORDS["bo"]}, follow_redirects=False
        )
    assert response.status_code == 403
    assert "monitor_session" not in response.headers.get("set-cookie", "")


def test_next_never_leaves_the_app(app: Starlette) -> None:
    with TestClient(app) as client:
        for target in ("//evil.example/x", "https://evil.example/", "\\\\evil", "/\\evil", "x"):
            form = client.get("/login")
            response = client.post(
                "/login",
                data={
                    "username": "bo",
                    "password": PASSWORDS["bo"],
                    "csrf_token": csrf_of(form.text),
                    "next": target,
                },
                follow_redirects=False,
            )
            assert response.headers["location"] == "/", target


def test_sign_out_ends_the_session_for_that_cookie(app: Starlette) -> None:
    with TestClient(app) as client:
        csrf = sign_in(client, "bo")
        stolen = client.cookies["monitor_session"]
        out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
    with TestClient(app, cookies={"monitor_session": stolen}) as replay:
        assert replay.get("/", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_no_session(app: Starlette) -> None:
    with TestClient(app, cookies={"monitor_session": "made-up.value"}) as client:
        assert client.get("/", follow_redirects=False).status_code == 303


def test_sessions_expire(seeded: Engine) -> None:
    now = [NOW]
    settings = scenario_settings(web={"session_hours": 1})
    app = create_app(settings, seeded, clock=lambda: now[0])
    with TestClient(app) as client:
        sign_in(client, "bo")
        now[0] = NOW + timedelta(minutes=59)
        assert client.get("/", follow_redirects=False).status_code == 200
        now[0] = NOW + timedelta(hours=1)
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_new_password_ends_every_session(app: Starlette, seeded: Engine) -> None:
    with TestClient(app) as client:
        sign_in(client, "bo")
        set_password(seeded, "bo", "a-new-password-9", clock=clock)
        assert client.get("/", follow_redirects=False).status_code == 303


def _attempt(client: TestClient, name: str, password: str) -> int:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_failed_sign_ins_are_limited_per_user(seeded: Engine) -> None:
    seconds = [0.0]
    limiter = SignInLimiter(per_user=3, per_address=100, monotonic=lambda: seconds[0])
    app = create_app(scenario_settings(), seeded, clock=clock, limiter=limiter)
    with TestClient(app) as client:
        assert [_attempt(client, "bo", "wrong-password") for _ in range(3)] == [401] * 3
        assert _attempt(client, "bo", PASSWORDS["bo"]) == 429  # even the right password waits
        assert _attempt(client, "ann", PASSWORDS["ann"]) == 303  # another user is not locked
        seconds[0] = limiter.window_seconds + 1
        assert _attempt(client, "bo", PASSWORDS["bo"]) == 303


def test_failed_sign_ins_are_limited_per_address(seeded: Engine) -> None:
    limiter = SignInLimiter(per_user=100, per_address=4)
    app = create_app(scenario_settings(), seeded, clock=clock, limiter=limiter)
    with TestClient(app) as client:
        codes = [_attempt(client, f"guess{i}", "wrong-password") for i in range(4)]
        assert codes == [401] * 4
        response_code = _attempt(client, "cy", PASSWORDS["cy"])
    assert response_code == 429


def test_secure_cookie_behind_a_trusted_https_proxy(seeded: Engine) -> None:
    settings = scenario_settings(web={"trusted_proxies": ["testclient"]})
    app = create_app(settings, seeded, clock=clock)
    with TestClient(app) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"username": "bo", "password": PASSWORDS["bo"], "csrf_token": csrf_of(form.text)},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
    assert "Secure" in response.headers["set-cookie"]


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(app: Starlette) -> None:
    with TestClient(app) as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"username": "bo", "password": PASSWORDS["bo"], "csrf_token": csrf_of(form.text)},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
    assert "Secure" not in response.headers["set-cookie"]


def test_served_over_https_the_cookie_is_secure(app: Starlette) -> None:
    with TestClient(app, base_url="https://inbox.example") as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={"username": "bo", "password": PASSWORDS["bo"], "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
    assert "Secure" in response.headers["set-cookie"]


def test_under_a_base_path_every_url_carries_it(seeded: Engine) -> None:
    app = create_app(scenario_settings(web={"base_path": "/monitor/"}), seeded, clock=clock)
    with TestClient(app) as client:
        first = client.get("/monitor/", follow_redirects=False)
        assert first.headers["location"].startswith("/monitor/login?next=%2Fmonitor%2F")
        form = client.get("/monitor/login")
        assert 'action="/monitor/login"' in form.text
        response = client.post(
            "/monitor/login",
            data={"username": "bo", "password": PASSWORDS["bo"], "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/monitor/"
        assert "Path=/monitor" in response.headers["set-cookie"]
        page = client.get("/monitor/")
        assert 'href="/monitor/items/x%3A801"' in page.text
        assert "/monitor/static/htmx-2.0.11.min.js" in page.text
        assert client.get("/monitor/static/htmx-2.0.11.min.js").status_code == 200
