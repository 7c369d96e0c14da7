"""One Mastodon server through Mastodon.py, with failures sorted and the rate limit kept.

Mastodon.py builds and sends the requests (``ratelimit_method="throw"``: it never sleeps
itself). A response hook on its ``requests`` session keeps the last response, so the
collector reads the raw body (a malformed page is kept verbatim) and the rate-limit
headers: ``X-RateLimit-Limit`` (300 per 5 minutes by default), ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset`` (an ISO 8601 time). On 429 the retry waits for that reset; when
fewer than ``reserve`` requests are left, requests are spread over the rest of the window.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from monitor.collectors.base import AuthError, Clock, FatalError, RetriableError, SourceError
from monitor.collectors.mastodon.settings import InstanceSettings
from monitor.collectors.retry import RetryPolicy, call_with_retry, iso_time, retry_after_seconds

Kind = Literal["tag", "search", "mentions", "own"]
T = TypeVar("T")
USER_AGENT = "social-monitor (self-hosted; Mastodon.py)"


@dataclass(frozen=True)
class PageRequest:
    """One page: the stream kind, its subject (hashtag, search term or account id), the window."""

    kind: Kind
    subject: str
    limit: int
    min_id: str | None = None
    max_id: str | None = None


@dataclass
class RawPage:
    """One answer: its items (statuses, or notifications for mentions) and the Link ids."""

    items: list[Any]
    body: str
    prev_min_id: str | None  # Link rel="prev": newer items start above this id
    next_max_id: str | None  # Link rel="next": older items lie below this id


class MalformedPage(SourceError):
    """A 2xx answer that is not the expected JSON; keeps the body for inspection."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


class RejectedRequest(FatalError):
    """The server refused the request as sent (400/404/422); keeps its answer."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


class MastodonClient:
    """Reads one server; retriable failures are retried here with the injected sleep."""

    def __init__(
        self,
        name: str,
        instance: InstanceSettings,
        *,
        timeout: float,
        policy: RetryPolicy,
        reserve: int,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self.name, self.instance = name, instance
        self._policy, self._reserve, self._clock, self._sleep, self._rng = (
            policy,
            reserve,
            clock,
            sleep,
            rng,
        )
        self._last: requests.Response | None = None
        self.remaining: int | None = None
        self.limit: int | None = None
        self._reset_in: float | None = None
        self._session = requests.Session()
        self._session.hooks["response"].append(self._keep)
        token = instance.access_token.get_secret_value() if instance.access_token else None
        self._api = Mastodon(
            access_token=token or None,
            api_base_url=instance.base_url,
            ratelimit_method="throw",
            version_check_mode="none",
            request_timeout=timeout,
            session=self._session,
            user_agent=USER_AGENT,
        )
        # Without version checks Mastodon.py assumes 1.0.0 and refuses search's min_id/max_id
        # (2.8.0+); every server this reads runs a current API (notification types: 3.5+).
        self._api.mastodon_major, self._api.mastodon_minor, self._api.mastodon_patch = 4, 0, 0

    @property
    def has_token(self) -> bool:
        """True when a token is configured for this server."""
        return self.instance.access_token is not None

    @property
    def token_setting(self) -> str:
        """The config key of this server's token (named in errors; never the token itself)."""
        return f"sources.mastodon.instances.{self.name}.access_token"

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def fetch(self, request: PageRequest) -> RawPage:
        """One page of a stream (retrying 429/5xx/timeouts), parsed as JSON but not mapped."""
        return call_with_retry(
            lambda: self._page(request),
            policy=self._policy,
            sleep=self._sleep,
            what=f"mastodon {self.name} {request.kind}",
            rng=self._rng,
        )

    def me(self) -> dict[str, Any]:
        """The signed-in account (``verify_credentials``), with retries."""
        return call_with_retry(
            lambda: self._json("verify_credentials", self._api.account_verify_credentials, dict),
            policy=self._policy,
            sleep=self._sleep,
            what=f"mastodon {self.name} verify_credentials",
            rng=self._rng,
        )

    def probe_mentions(self) -> None:
        """One notification read (needs ``read:notifications``): raises what is wrong."""
        self._json(
            "notifications",
            lambda: self._api.notifications(types=["mention"], limit=1),
            list,
        )

    def server_info(self) -> dict[str, Any]:
        """The public instance description (``/api/v1/instance``), no retries."""
        return self._json("instance", self._api.instance_v1, dict)

    def _page(self, request: PageRequest) -> RawPage:
        ids = {"min_id": request.min_id, "max_id": request.max_id, "limit": request.limit}
        call: Callable[[], Any]
        if request.kind == "tag":
            call = lambda: self._api.timeline_hashtag(request.subject, **ids)  # noqa: E731
        elif request.kind == "search":
            call = lambda: self._api.search_v2(  # noqa: E731
                request.subject, resolve=False, result_type="statuses", **ids
            )
        elif request.kind == "mentions":
            call = lambda: self._api.notifications(types=["mention"], **ids)  # noqa: E731
        else:
            call = lambda: self._api.account_statuses(  # noqa: E731
                request.subject, exclude_reblogs=True, **ids
            )
        doc: Any = self._json(request.kind, call, dict if request.kind == "search" else list)
        body = self._body()
        items = doc.get("statuses") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise MalformedPage("search answer has no 'statuses' list", body)
        links = self._last.links if self._last is not None else {}
        return RawPage(
            items, body, _link_id(links, "prev", "min_id"), _link_id(links, "next", "max_id")
        )

    def _json(self, what: str, call: Callable[[], Any], shape: type[T]) -> T:
        """Send through Mastodon.py, sort its failures, and parse the kept body ourselves."""
        self._pace()
        self._last = None
        where = f"mastodon {self.name} {what}"
        try:
            call()
        except MastodonRatelimitError:
            raise RetriableError(f"{where}: rate limited (429)", self._wait_hint()) from None
        except MastodonNetworkError as exc:
            timed_out = "timed out" in str(exc).lower() or "timeout" in str(exc).lower()
            reason = "no answer in time" if timed_out else "connection failed"
            raise RetriableError(f"{where}: {reason}") from None
        except MastodonServerError as exc:
            status = _status(exc)
            headers: Mapping[str, str] = self._last.headers if self._last is not None else {}
            # Only Retry-After: the rate-limit reset is minutes away and says nothing of a 5xx.
            hint = retry_after_seconds(
                {k: v for k, v in headers.items() if k.lower() == "retry-after"}, self._clock()
            )
            raise RetriableError(f"{where}: server error {status}", hint) from None
        except MastodonUnauthorizedError:
            raise AuthError(
                f"{where}: access token rejected (401); check {self.token_setting} "
                "and the environment variable it names"
            ) from None
        except MastodonAPIError as exc:
            status = _status(exc)
            if status == 403:
                raise AuthError(
                    f"{where}: forbidden (403): the token lacks the 'read' scope or the "
                    f"server refuses this; check {self.token_setting}"
                ) from None
            if status is None or status < 300:
                raise MalformedPage(f"{where}: body is not JSON", self._body()) from None
            raise RejectedRequest(f"{where}: refused ({status})", self._body()) from None
        except MastodonError as exc:
            raise RejectedRequest(f"{where}: {type(exc).__name__}: {exc}", self._body()) from None
        except (TypeError, ValueError, KeyError, AttributeError):
            # Mastodon.py's typed casting tripped over an odd shape: judge the body ourselves.
            if self._last is None:
                raise
        self._note_quota()
        body = self._body()
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise MalformedPage(f"{where}: body is not JSON: {exc}", body) from None
        if not isinstance(doc, shape):
            raise MalformedPage(f"{where}: expected a JSON {shape.__name__}", body)
        return doc

    def _keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self._last = response
        return response

    def _body(self) -> str:
        if self._last is None:
            return ""
        return self._last.content.decode("utf-8", errors="replace")

    def _wait_hint(self) -> float | None:
        headers = self._last.headers if self._last is not None else {}
        hint = retry_after_seconds(headers, self._clock())
        # A reset already past (clock skew) would retry at once; wait a moment instead.
        return None if hint is None else max(hint, 1.0)

    def _note_quota(self) -> None:
        headers = self._last.headers if self._last is not None else {}
        self.remaining = _int(headers.get("X-RateLimit-Remaining"))
        self.limit = _int(headers.get("X-RateLimit-Limit"))
        reset = iso_time(headers.get("X-RateLimit-Reset", ""))
        self._reset_in = (
            max(0.0, (reset - self._clock()).total_seconds()) if reset is not None else None
        )

    def _pace(self) -> None:
        """Spread the requests left over the rest of the window once few remain."""
        remaining, reset_in = self.remaining, self._reset_in
        if remaining is None or reset_in is None or remaining > self._reserve:
            return
        wait = reset_in if remaining <= 0 else reset_in / (remaining + 1)
        self._reset_in = max(0.0, reset_in - wait)
        if wait > 0:
            self._sleep(wait)


def _status(exc: MastodonAPIError) -> int | None:
    status = exc.args[1] if len(exc.args) > 1 else None
    return status if isinstance(status, int) else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _link_id(links: dict[str, Any], rel: str, key: str) -> str | None:
    url = links.get(rel, {}).get("url")
    if not isinstance(url, str):
        return None
    values = parse_qs(urlsplit(url).query).get(key, [])
    value = values[0] if values else ""
    return value if value.isascii() and value.isalnum() else None
