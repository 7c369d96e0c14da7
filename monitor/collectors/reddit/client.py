"""Reddit's API through praw: a requestor that paces and sorts failures, one listing page a call.

prawcore retries 5xx, timeouts and 401s itself and sleeps with ``time.sleep`` (between tries
and to spread requests over the rate-limit window). That would hide failures from our retry
policy and make tests wait, so the requestor handed to praw sorts those responses into
``RetriableError``/``AuthError`` before prawcore sees them, and does the rate-limit wait
itself with the injected clock and sleep.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import praw
import prawcore
import requests
from praw.models import Comment, Submission

from monitor.collectors.base import (
    AuthError,
    Clock,
    FatalError,
    RetriableError,
    SkippedPage,
    SourceError,
    secret_value,
)
from monitor.collectors.reddit.settings import RedditSettings
from monitor.collectors.retry import retry_after_seconds

_RATE_HEADERS = ("x-ratelimit-used", "x-ratelimit-remaining", "x-ratelimit-reset")
#: Subreddits that refuse everyone answer 403 with one of these reasons; that is not our auth.
_CLOSED_SUBREDDIT = {"private", "quarantined", "banned", "gold_only", "gated"}
_MODELS: dict[str, Any] = {"t1": Comment, "t3": Submission}


class MalformedPage(SourceError):
    """A listing that is not JSON or not shaped like one; keeps the body for inspection."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


class RequestRefused(FatalError):
    """Reddit will never answer this request as sent (closed subreddit, 404, bad query)."""

    def __init__(self, reason: str, raw_body: str = "") -> None:
        super().__init__(reason)
        self.raw_body = raw_body


class PacedRequestor(prawcore.Requestor):
    """prawcore's requestor with the rate-limit wait, the timeout and failure sorting done here."""

    def __init__(
        self,
        user_agent: str,
        oauth_url: str,
        reddit_url: str,
        *,
        session: requests.Session,
        timeout: float,
        clock: Clock,
        sleep: Callable[[float], None],
    ) -> None:
        super().__init__(user_agent, oauth_url, reddit_url, session=session, timeout=timeout)
        self._clock, self._sleep = clock, sleep
        self._not_before: datetime | None = None

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Send one request; 429/5xx/timeouts/resets and 401 are raised as our errors."""
        # prawcore always passes its own default timeout; the configured one wins.
        self._wait_for_quota()
        where = urlsplit(str(args[1]) if len(args) > 1 else "").path or "?"
        try:
            response = self._http.request(*args, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise RetriableError(f"reddit {where}: no answer within {self.timeout}s") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            failure = type(exc).__name__
            raise RetriableError(f"reddit {where}: connection failed ({failure})") from exc
        except requests.RequestException as exc:
            raise RequestRefused(f"reddit {where}: request failed: {exc}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            hint = retry_after_seconds(response.headers, self._clock())
            raise RetriableError(f"reddit {where}: HTTP {status}", hint)
        if status == 401:
            raise AuthError(
                f"reddit {where}: HTTP 401, credentials rejected "
                "(check client_id, client_secret, username, password)"
            )
        self._note_quota(response.headers)  # after the errors: a retry waits for those itself
        for header in _RATE_HEADERS:  # else prawcore's own limiter sleeps on them
            response.headers.pop(header, None)
        return response

    def _wait_for_quota(self) -> None:
        if self._not_before is None:
            return
        wait = (self._not_before - self._clock()).total_seconds()
        self._not_before = None
        if wait > 0:
            self._sleep(wait)

    def _note_quota(self, headers: Any) -> None:
        # Reddit: remaining requests (float) in the window that resets in N seconds.
        try:
            remaining = float(headers["x-ratelimit-remaining"])
            reset = float(headers["x-ratelimit-reset"])
        except (KeyError, TypeError, ValueError):
            return
        if remaining < 1:
            self._not_before = self._clock() + timedelta(seconds=reset)


@dataclass(frozen=True)
class Thing:
    """One submission (t3) or comment (t1) of a listing: its JSON and the praw model."""

    kind: str
    data: dict[str, Any]
    model: Submission | Comment
    fullname: str
    created_utc: float


@dataclass
class ListingPage:
    """One page of a listing: usable things, the token of the next page, what was left out."""

    things: list[Thing]
    after: str | None
    skipped: list[SkippedPage] = field(default_factory=list)
    more_stubs: int = 0
    other_kinds: int = 0


class RedditClient:
    """A praw ``Reddit`` pointed at ``settings.base_url`` (or Reddit) that reads listings."""

    def __init__(
        self, settings: RedditSettings, clock: Clock, sleep: Callable[[float], None]
    ) -> None:
        self._settings, self._clock, self._sleep = settings, clock, sleep
        self._reddit: praw.Reddit | None = None
        self._http: requests.Session | None = None

    def _connect(self) -> praw.Reddit:
        if self._reddit is not None:
            return self._reddit
        s = self._settings
        client_id, client_secret = secret_value(s.client_id), secret_value(s.client_secret)
        if not client_id or not client_secret:
            raise AuthError("reddit: sources.reddit.client_id and client_secret are not set")
        urls = {"oauth_url": s.base_url, "reddit_url": s.base_url} if s.base_url else {}
        login = {}
        if s.username is not None and s.password is not None:
            login = {"username": secret_value(s.username), "password": secret_value(s.password)}
        self._http = requests.Session()
        self._reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            user_agent=s.user_agent,
            check_for_updates=False,
            check_for_async=False,
            requestor_class=PacedRequestor,
            requestor_kwargs={
                "session": self._http,
                "timeout": s.timeout_seconds,
                "clock": self._clock,
                "sleep": self._sleep,
            },
            **urls,
            **login,
        )
        return self._reddit

    def close(self) -> None:
        """Close the HTTP session; the next call connects (and asks for a token) afresh."""
        if self._http is not None:
            self._http.close()
        self._reddit, self._http = None, None

    def listing(self, path: str, params: dict[str, str | int]) -> ListingPage:
        """GET one listing page at ``path`` (relative to the API root) and parse its children."""
        reddit = self._connect()
        try:
            data = reddit.request(method="GET", path=path, params=params)
        except AuthError:
            self.close()  # the next pass asks for a fresh token
            raise
        except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as exc:
            raise sort_error(exc, path, self._clock()) from exc
        return self._parse(reddit, path, data)

    def _parse(self, reddit: praw.Reddit, path: str, data: Any) -> ListingPage:
        is_listing = isinstance(data, dict) and data.get("kind") == "Listing"
        inner = data.get("data") if is_listing else None
        if not isinstance(inner, dict):
            raise MalformedPage(f"{path}: not a Listing", _dump(data))
        children, after = inner.get("children"), inner.get("after")
        if not isinstance(children, list) or not (after is None or isinstance(after, str)):
            reason = f"{path}: Listing without a children list or after token"
            raise MalformedPage(reason, _dump(data))
        page = ListingPage(things=[], after=after or None)
        for index, child in enumerate(children):
            kind = child.get("kind") if isinstance(child, dict) else None
            if kind == "more":
                # A MoreComments stub stands for comments of a tree; the flat newest-first
                # listings read here carry every comment itself, so there is nothing to expand.
                page.more_stubs += 1
                continue
            if kind not in _MODELS:
                page.other_kinds += 1
                continue
            try:
                page.things.append(_thing(reddit, kind, child.get("data")))
            except (KeyError, TypeError, ValueError) as exc:
                where = f"{path} child {index}"
                page.skipped.append(SkippedPage(where, f"unreadable {kind}: {exc}", _dump(child)))
        return page


def _thing(reddit: praw.Reddit, kind: str, data: Any) -> Thing:
    if not isinstance(data, dict):
        raise TypeError("data is not an object")
    created = data["created_utc"]
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise ValueError(f"created_utc is {created!r}")
    fullname = data.get("name") or f"{kind}_{data['id']}"
    if not isinstance(fullname, str) or not fullname.startswith(f"{kind}_"):
        raise ValueError(f"name {fullname!r} is not a {kind} fullname")
    model = _MODELS[kind].parse(data, reddit)
    return Thing(kind=kind, data=data, model=model, fullname=fullname, created_utc=float(created))


def _dump(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def sort_error(exc: Exception, path: str, now: datetime) -> SourceError:
    """Our error for a prawcore/praw exception that reached us past the requestor."""
    where = f"reddit {path}"
    if isinstance(exc, prawcore.BadJSON):
        return MalformedPage(f"{path}: body is not JSON", exc.response.text)
    if isinstance(exc, prawcore.OAuthException):
        return AuthError(f"{where}: token request refused ({exc.error})")
    if isinstance(exc, prawcore.RequestException):
        return RetriableError(f"{where}: {exc.original_exception!r}")
    if isinstance(exc, prawcore.TooManyRequests | prawcore.ServerError):
        return RetriableError(f"{where}: {exc}", retry_after_seconds(exc.response.headers, now))
    if isinstance(exc, prawcore.Redirect):
        return RequestRefused(f"{where}: redirected to {exc.path} (no such subreddit or user?)")
    if isinstance(exc, prawcore.ResponseException):
        status, body = exc.response.status_code, exc.response.text
        if status == 403 and _reason(body) in _CLOSED_SUBREDDIT:
            return RequestRefused(f"{where}: HTTP 403, {_reason(body)}", body)
        token_refused = isinstance(exc, prawcore.InvalidToken | prawcore.InsufficientScope)
        if status in (401, 403) or token_refused:
            return AuthError(f"{where}: HTTP {status}, access refused")
        return RequestRefused(f"{where}: HTTP {status}", body)
    return RequestRefused(f"{where}: {exc}")


def _reason(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    reason = data.get("reason") if isinstance(data, dict) else None
    return reason if isinstance(reason, str) else ""
