"""Web inbox accounts and sessions: add, list, remove, change password, sign in, sign out.

Passwords are argon2 hashes (argon2-cffi); a password is never stored, logged or echoed.
Sessions live in the database (a random id; the cookie holds it signed), so sign-out,
a password change and a removed user end them at once, and restarts keep them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from monitor.errors import UsageError
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.users import (
    all_users,
    delete_expired_sessions,
    delete_session,
    delete_user,
    insert_session,
    insert_user,
    session_with_user,
    set_password_hash,
    stored_secret,
    user_by_name,
)

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger("monitor.web")
Clock = Callable[[], datetime]
#: Least to most trusted: a viewer looks, an agent acts on items, an admin also manages.
ROLES = ("viewer", "agent", "admin")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: The stored secret that signs session cookies when ``web.secret`` is not configured.
COOKIE_KEY_NAME = "web_cookie_key"


class SignInRefused(Exception):
    """Wrong name or password (the message never says which)."""


class TooManyAttempts(SignInRefused):
    """Too many failed sign-ins for this name or address: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    """A user as listed: no hash."""

    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """The user behind a valid session, with the session's CSRF token."""

    name: str
    role: str
    csrf_token: str
    expires_at: datetime

    @property
    def can_act(self) -> bool:
        """Agents and admins act on items; viewers only look."""
        return role_at_least(self.role, "agent")


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` has every right of ``needed``."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # only the commands that hash load the C binding

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so both cases take the same time."""
    return _hasher().hash(secrets.token_urlsafe(16))


def check_name(name: str) -> str:
    """A valid user name, or a usage error saying what is allowed."""
    if not _NAME.match(name):
        raise UsageError(
            f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    """A known role, or a usage error naming them."""
    if role not in ROLES:
        raise UsageError(f"role {role!r}: use one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """A password long enough to keep, or a usage error (the password itself never shown)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(f"the password is too short: use at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UsageError(f"the password is too long: at most {MAX_PASSWORD_CHARS} characters")
    return password


def add_user(engine: Engine, name: str, role: str, password: str, *, clock: Clock) -> Account:
    """Create a user; a taken name is a usage error."""
    check_name(name)
    check_role(role)
    digest = _hasher().hash(check_password(password))
    now = require_aware(clock(), "clock()")
    try:
        with session_scope(engine) as session:
            if user_by_name(session, name) is not None:
                raise UsageError(f"user {name!r} exists (use `monitor user passwd` to change it)")
            user = insert_user(session, name, role, digest, now)
            return Account(user.name, user.role, user.created_at)
    except IntegrityError:  # added by someone else between the check and the insert
        raise UsageError(f"user {name!r} exists") from None


def list_users(engine: Engine) -> list[Account]:
    """Every user by name (no hashes)."""
    with session_scope(engine) as session:
        return [Account(u.name, u.role, u.created_at) for u in all_users(session)]


def remove_user(engine: Engine, name: str) -> None:
    """Delete a user and end their sessions; an unknown name is a usage error."""
    with session_scope(engine) as session:
        if not delete_user(session, name):
            raise UsageError(f"no user {name!r} (see `monitor user list`)")


def set_password(engine: Engine, name: str, password: str, *, clock: Clock) -> None:
    """Replace a user's password and sign out every session of theirs."""
    digest = _hasher().hash(check_password(password))
    now = require_aware(clock(), "clock()")
    with session_scope(engine) as session:
        user = user_by_name(session, name)
        if user is None:
            raise UsageError(f"no user {name!r} (see `monitor user list`)")
        set_password_hash(session, user, digest, now)


@dataclass
class SignInLimiter:
    """Failed sign-ins per user name and per client address, over a sliding window.

    In memory: a restart forgets (an attacker gains one window per restart, no more).
    """

    per_user: int = 5
    per_address: int = 20
    window_seconds: float = 900.0
    monotonic: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def check(self, name: str, address: str) -> None:
        """Raise :class:`TooManyAttempts` when either limit is reached."""
        now = self.monotonic()
        with self._lock:
            for key, limit in (
                (f"u:{name.casefold()}", self.per_user),
                (f"a:{address}", self.per_address),
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    raise TooManyAttempts(max(1, int(times[0] + self.window_seconds - now) + 1))

    def failed(self, name: str, address: str) -> None:
        """Count one failed sign-in."""
        now = self.monotonic()
        with self._lock:
            for key in (f"u:{name.casefold()}", f"a:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        """A good password clears the name's failures (not the address's)."""
        with self._lock:
            self._failures.pop(f"u:{name.casefold()}", None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    engine: Engine,
    name: str,
    password: str,
    *,
    address: str,
    limiter: SignInLimiter,
    lifetime: timedelta,
    clock: Clock,
) -> tuple[str, SignedIn]:
    """Check the password and open a session: ``(session token, who)``.

    Raises :class:`TooManyAttempts` before checking when a limit is reached, and
    :class:`SignInRefused` for a wrong name or password.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        limiter.check(name, address)
    except TooManyAttempts:
        log.warning("sign-in as %r from %s refused: too many failures", name, address)
        raise
    now = require_aware(clock(), "clock()")
    with session_scope(engine) as session:
        user = user_by_name(session, name)
        stored = user.password_hash if user is not None else _dummy_hash()
        try:
            _hasher().verify(stored, password)
            ok = user is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or user.id is None:
            limiter.failed(name, address)
            log.warning("failed sign-in as %r from %s", name, address)
            raise SignInRefused("wrong user name or password")
        limiter.succeeded(name)
        log.info("%s signed in from %s", user.name, address)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + lifetime
        delete_expired_sessions(session, now)
        insert_session(session, _token_hash(token), user.id, csrf, now, expires)
        return token, SignedIn(user.name, user.role, csrf, expires)


def session_user(engine: Engine, token: str, *, clock: Clock) -> SignedIn | None:
    """Who holds the session ``token``; None when unknown or expired."""
    now = require_aware(clock(), "clock()")
    with session_scope(engine) as session:
        found = session_with_user(session, _token_hash(token))
        if found is None:
            return None
        row, user = found
        if row.expires_at <= now:
            delete_session(session, row.token_hash)
            return None
        return SignedIn(user.name, user.role, row.csrf_token, row.expires_at)


def sign_out(engine: Engine, token: str) -> None:
    """End the session ``token`` (unknown tokens are ignored)."""
    with session_scope(engine) as session:
        delete_session(session, _token_hash(token))


def cookie_key(engine: Engine, configured: str | None, *, clock: Clock) -> str:
    """The key signing session cookies: ``web.secret`` when set, else one kept in the DB."""
    if configured:
        return configured
    now = require_aware(clock(), "clock()")
    try:
        with session_scope(engine) as session:
            return stored_secret(session, COOKIE_KEY_NAME, now)
    except IntegrityError:  # another process stored it first: use theirs
        with session_scope(engine) as session:
            return stored_secret(session, COOKIE_KEY_NAME, now)
