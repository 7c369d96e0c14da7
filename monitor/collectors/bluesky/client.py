"""XRPC calls through the atproto SDK's ``Client``: one kept, refreshed session; sorted failures."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from atproto_client import Client
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    ModelError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.base import ParamsModelBase
from atproto_client.models.common import XrpcError
from atproto_client.request import Request

from monitor.collectors.base import (
    AuthError,
    Clock,
    FatalError,
    RetriableError,
    SourceError,
    secret_value,
)
from monitor.collectors.bluesky.session import SessionStore, account_lock, usable
from monitor.collectors.bluesky.settings import BlueskySettings
from monitor.collectors.retry import RetryPolicy, call_with_retry, retry_after_seconds

T = TypeVar("T")
log = logging.getLogger(__name__)

FIX_CREDENTIALS = (
    "sources.bluesky.handle and sources.bluesky.app_password (${BLUESKY_HANDLE}, "
    "${BLUESKY_APP_PASSWORD}): make an app password under Settings > Privacy and security > "
    "App passwords"
)
#: XRPC error names meaning the session (not the request) is no good.
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})


class RejectedRequest(FatalError):
    """The server refused the request as sent (400/404); ``body`` keeps its answer."""

    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


class SessionRejected(AuthError):
    """The server no longer accepts the session's tokens (expired, revoked)."""


class SignInLimited(SourceError):
    """``createSession`` answered 429: not retried within the pass, to spare the daily limit."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    """One successful XRPC answer: the parsed JSON (or bytes), the raw body and the headers."""

    content: Any
    body: str
    headers: dict[str, str]


class BlueskyClient:
    """One signed-in SDK client for the configured account, shared by every stream of a pass."""

    def __init__(
        self,
        settings: BlueskySettings,
        *,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
        max_retries: int | None = None,
    ) -> None:
        if settings.handle is None:
            raise AuthError(f"bluesky: no handle configured; set {FIX_CREDENTIALS}")
        self._settings, self._clock, self._sleep, self._rng = settings, clock, sleep, rng
        self.handle = settings.handle
        path = Path(settings.session_file) if settings.session_file else None
        self._store = SessionStore(settings.service, settings.handle, path)
        self._lock = account_lock(settings.service, settings.handle)
        retries = settings.max_retries if max_retries is None else max_retries
        self._policy = RetryPolicy(max_retries=retries)
        self._client: Client | None = None
        self._session: str | None = None  # the session string self._client started with
        self._fresh = False  # True when this client signed in itself (not resumed)
        self._last_body = b""
        self.did: str | None = None

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._client is not None:
            self._client.request.close()
            self._client = None

    def query(self, nsid: str, params: ParamsModelBase | None = None) -> Answer:
        """GET ``nsid`` signed in, retrying 429/5xx/timeouts; a rejected session is renewed once."""
        client = self.signed_in()
        try:
            return self._retrying(lambda: self._invoke(client, nsid, params), nsid)
        except SessionRejected:
            if self._fresh:
                raise
            log.info("bluesky: stored session no longer accepted; renewing it")
            client = self._renew()
            return self._retrying(lambda: self._invoke(client, nsid, params), nsid)

    def signed_in(self) -> Client:
        """The SDK client with a session: the stored one when still usable, else a new sign-in."""
        with self._lock:
            if self._client is None:
                self._client = self._start(exclude=None)
            return self._client

    def _renew(self) -> Client:
        with self._lock:
            rejected = self._session
            self.close()
            if rejected is not None:
                self._store.forget(rejected)
            self._client = self._start(exclude=rejected)
            return self._client

    def _start(self, exclude: str | None) -> Client:
        request = Request(
            timeout=self._settings.timeout_seconds,
            event_hooks={"response": [self._keep_body]},
        )
        client = Client(base_url=self._settings.service, request=request)
        stored = self._store.load()
        if stored is not None and stored != exclude and usable(stored, self._clock()):
            client.login(session_string=stored, fetch_bsky_profile=False)  # no request
            self._session, self._fresh = stored, False
        else:
            try:
                self._retrying(lambda: self._sign_in(client), "com.atproto.server.createSession")
            except BaseException:
                request.close()  # no client to hand back: close its connections here
                raise
            self._fresh = True
        client.on_session_change(self._remember)
        if self._session is not None:
            self.did = Session.decode(self._session).did
        return client

    def _sign_in(self, client: Client) -> None:
        password = secret_value(self._settings.app_password)
        if not password:
            raise AuthError(f"bluesky: no app password configured; set {FIX_CREDENTIALS}")
        log.info("bluesky: signing in as @%s", self.handle)
        try:
            client.login(self.handle, password, fetch_bsky_profile=False)
        except RateLimitExceededError as exc:
            wait = self._wait(exc)
            raise SignInLimited(
                f"bluesky: sign-in as @{self.handle} rate-limited (Bluesky allows about 30 "
                f"sign-ins per 5 minutes and 300 a day); next try in {wait or 0:.0f}s",
                wait,
            ) from None
        except (UnauthorizedError, BadRequestError) as exc:
            raise AuthError(
                f"bluesky: sign-in as @{self.handle} refused ({_describe(exc)}); "
                f"check {FIX_CREDENTIALS}"
            ) from None
        except ModelError as exc:
            raise FatalError(f"bluesky: unreadable createSession answer: {exc}") from None
        except Exception as exc:
            raise self._sorted(exc, "com.atproto.server.createSession") from None
        self._session = client.export_session_string()
        self._store.save(self._session)

    def _remember(self, event: SessionEvent, session: Session) -> None:
        # The SDK refreshed the tokens (the old refresh token is now spent): keep the new ones.
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self._session = session.export()
            self._store.save(self._session)

    def _invoke(self, client: Client, nsid: str, params: ParamsModelBase | None) -> Answer:
        self._last_body = b""
        try:
            response = client.invoke_query(nsid, params=params)
        except ValueError as exc:  # the SDK could not parse a body it was told is JSON
            return Answer(None, self._body(), {"x-parse-error": str(exc)})
        except Exception as exc:
            raise self._sorted(exc, nsid) from None
        return Answer(response.content, self._body(), dict(response.headers))

    def _sorted(self, exc: Exception, nsid: str) -> SourceError:
        where = f"bluesky {nsid}"
        if isinstance(exc, RateLimitExceededError):
            return RetriableError(f"{where}: rate limited (429)", self._wait(exc))
        if isinstance(exc, InvokeTimeoutError):
            return RetriableError(f"{where}: no answer within {self._settings.timeout_seconds}s")
        if isinstance(exc, UnauthorizedError) or (
            isinstance(exc, BadRequestError) and _error_name(exc) in TOKEN_ERRORS
        ):
            return SessionRejected(
                f"{where}: credentials rejected ({_describe(exc)}); check {FIX_CREDENTIALS}"
            )
        if isinstance(exc, RequestErrorBase):
            status = exc.response.status_code if exc.response is not None else None
            if status is None or status >= 500:
                # Only Retry-After: the ratelimit-* headers come with every answer and say
                # nothing about how long an outage lasts.
                return RetriableError(
                    f"{where}: {_describe(exc)}", self._wait(exc, only_retry_after=True)
                )
            return RejectedRequest(f"{where}: request rejected ({_describe(exc)})", self._body())
        if isinstance(exc, httpx.HTTPError):
            return RetriableError(f"{where}: connection failed ({type(exc).__name__})")
        if isinstance(exc, SourceError):
            return exc
        return FatalError(f"{where}: {type(exc).__name__}: {exc}")

    def _wait(self, exc: RequestErrorBase, *, only_retry_after: bool = False) -> float | None:
        if exc.response is None:
            return None
        headers = {str(k): str(v) for k, v in exc.response.headers.items()}
        if only_retry_after:
            headers = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
        hint = retry_after_seconds(headers, self._clock())
        # A reset already past (clock skew) would retry at once; wait a moment instead.
        return None if hint is None else max(hint, 1.0)

    def _retrying(self, func: Callable[[], T], nsid: str) -> T:
        return call_with_retry(
            func, policy=self._policy, sleep=self._sleep, what=f"bluesky {nsid}", rng=self._rng
        )

    def _keep_body(self, response: httpx.Response) -> None:
        # Keep the raw body, so a page that does not parse is stored as it came.
        response.read()
        self._last_body = response.content

    def _body(self) -> str:
        return self._last_body.decode("utf-8", errors="replace")


def _error_name(exc: RequestErrorBase) -> str | None:
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else None


def _describe(exc: RequestErrorBase) -> str:
    if exc.response is None:
        return type(exc).__name__
    content = exc.response.content
    if isinstance(content, XrpcError):
        detail = f"{content.error}: {content.message}" if content.message else content.error
        return f"{exc.response.status_code} {detail}"
    return f"HTTP {exc.response.status_code}"
