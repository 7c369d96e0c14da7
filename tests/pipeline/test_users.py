"""Web accounts and sessions over a real database (SQLite and PostgreSQL): argon2 hashes,
sign-in and its limits, session expiry and sign-out, the cookie key kept across restarts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.errors import UsageError
from monitor.pipeline.users import (
    SignedIn,
    SignInLimiter,
    SignInRefused,
    TooManyAttempts,
    add_user,
    cookie_key,
    list_users,
    remove_user,
    role_at_least,
    session_user,
    set_password,
    sign_in,
    sign_out,
)
from monitor.storage.db import session_scope
from monitor.storage.models import WebSession, WebUser

NOW = datetime(2026, 10, 8, 14, 0, tzinfo=UTC)
PASSWORD = "Corr3ct-Horse-Battery"
HOUR = timedelta(hours=1)


def clock() -> datetime:
    return NOW


def _sign_in(
    engine: Engine, name: str, password: str, limiter: SignInLimiter | None = None
) -> tuple[str, SignedIn]:
    return sign_in(
        engine, name, password, address="10.0.0.1", limiter=limiter or SignInLimiter(),
        lifetime=HOUR, clock=clock,
    )  # fmt: skip


def test_a_password_is_kept_only_as_an_argon2_hash(engine: Engine) -> None:
    add_user(engine, "ann", "admin", PASSWORD, clock=clock)
    with session_scope(engine) as s:
        user = s.exec(select(WebUser)).one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert [(a.name, a.role) for a in list_users(engine)] == [("ann", "admin")]


def test_names_roles_and_passwords_are_checked(engine: Engine) -> None:
    with pytest.raises(UsageError, match="role 'root'"):
        add_user(engine, "ann", "root", PASSWORD, clock=clock)
    with pytest.raises(UsageError, match=r"user name '\.\./x'"):
        add_user(engine, "../x", "agent", PASSWORD, clock=clock)
    with pytest.raises(UsageError, match="too short") as short:
        add_user(engine, "ann", "agent", "tiny-pw", clock=clock)
    assert "tiny-pw" not in str(short.value)
    add_user(engine, "ann", "agent", PASSWORD, clock=clock)
    with pytest.raises(UsageError, match="user 'ann' exists"):
        add_user(engine, "ann", "viewer", PASSWORD, clock=clock)
    with pytest.raises(UsageError, match="no user 'bo'"):
        remove_user(engine, "bo")


def test_sign_in_opens_a_session_until_it_expires(engine: Engine) -> None:
    add_user(engine, "bo", "agent", PASSWORD, clock=clock)
    token, who = _sign_in(engine, "bo", PASSWORD)
    assert (who.name, who.role, who.expires_at, who.can_act) == ("bo", "agent", NOW + HOUR, True)
    found = session_user(engine, token, clock=clock)
    assert found is not None and found.csrf_token == who.csrf_token
    assert session_user(engine, token, clock=lambda: NOW + HOUR) is None  # expired, and gone
    assert session_user(engine, token, clock=clock) is None
    with session_scope(engine) as s:
        assert s.exec(select(WebSession)).all() == []


def test_sign_out_password_change_and_removal_end_sessions(engine: Engine) -> None:
    add_user(engine, "bo", "agent", PASSWORD, clock=clock)
    first, _ = _sign_in(engine, "bo", PASSWORD)
    second, _ = _sign_in(engine, "bo", PASSWORD)
    sign_out(engine, first)
    assert session_user(engine, first, clock=clock) is None
    assert session_user(engine, second, clock=clock) is not None
    set_password(engine, "bo", PASSWORD + "!", clock=clock)
    assert session_user(engine, second, clock=clock) is None
    with pytest.raises(SignInRefused):
        _sign_in(engine, "bo", PASSWORD)
    third, _ = _sign_in(engine, "bo", PASSWORD + "!")
    remove_user(engine, "bo")
    assert session_user(engine, third, clock=clock) is None


def test_wrong_passwords_are_limited_per_name(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.web")
    add_user(engine, "bo", "agent", PASSWORD, clock=clock)
    seconds = [0.0]
    limiter = SignInLimiter(per_user=2, per_address=10, monotonic=lambda: seconds[0])
    for _ in range(2):
        with pytest.raises(SignInRefused, match="wrong user name or password"):
            _sign_in(engine, "bo", "not-the-password", limiter)
    with pytest.raises(TooManyAttempts) as waiting:
        _sign_in(engine, "BO", PASSWORD, limiter)  # the name's case does not matter
    assert 0 < waiting.value.retry_after <= limiter.window_seconds + 1
    seconds[0] = limiter.window_seconds
    token, _ = _sign_in(engine, "bo", PASSWORD, limiter)
    assert token
    assert "failed sign-in as 'bo' from 10.0.0.1" in caplog.text
    assert "bo signed in from 10.0.0.1" in caplog.text
    assert PASSWORD not in caplog.text and "not-the-password" not in caplog.text


def test_the_cookie_key_is_generated_once_and_kept(engine: Engine) -> None:
    key = cookie_key(engine, None, clock=clock)
    assert len(key) >= 40
    assert cookie_key(engine, None, clock=clock) == key  # a restart keeps sessions valid
    assert cookie_key(engine, "configured-key", clock=clock) == "configured-key"


def test_roles_are_ordered() -> None:
    assert role_at_least("admin", "agent") and role_at_least("agent", "agent")
    assert not role_at_least("viewer", "agent") and not role_at_least("root", "viewer")
