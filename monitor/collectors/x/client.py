"""Calls to the X API v2 through tweepy's ``Client``, with failures sorted for the pipeline."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import requests
import tweepy

from monitor.collectors.base import AuthError, Clock, FatalError, RetriableError
from monitor.collectors.retry import RetryPolicy, call_with_retry, retry_after_seconds
from monitor.collectors.x.transport import mount_base_url, redact_tweepy_logs

Endpoint = Literal["search", "mentions", "timeline"]

EXPANSIONS = ["author_id", "referenced_tweets.id"]
TWEET_FIELDS = [
    "author_id",
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "public_metrics",
]
USER_FIELDS = ["username", "public_metrics"]
#: Smallest page X accepts: 10 for search, 5 for the timelines.
MIN_RESULTS: dict[Endpoint, int] = {"search": 10, "mentions": 5, "timeline": 5}


@dataclass(frozen=True)
class PageRequest:
    """One page to fetch: the endpoint, its subject, the id window and the page token."""

    endpoint: Endpoint
    subject: str  # the search query, or the user id for the timelines
    max_results: int
    since_id: str | None = None
    until_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    token: str | None = None


class RejectedRequest(FatalError):
    """X refused the request as sent (400/404); ``body`` keeps its answer for inspection."""

    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


class XClient:
    """Fetches raw pages; retriable failures are retried here, the rest are raised sorted."""

    def __init__(
        self,
        bearer_token: str,
        *,
        base_url: str | None,
        timeout: float,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        redact_tweepy_logs()
        # wait_on_rate_limit=False: tweepy must raise on 429 so our retry policy decides;
        # return_type=Response: we parse the body ourselves and keep it when it is malformed.
        self._tweepy = tweepy.Client(
            bearer_token=bearer_token, return_type=requests.Response, wait_on_rate_limit=False
        )
        mount_base_url(self._tweepy.session, base_url, timeout)
        self._policy, self._clock, self._sleep, self._rng = policy, clock, sleep, rng

    def fetch(self, request: PageRequest) -> str:
        """The body of one page (retrying 429/5xx/timeouts/resets), decoded as UTF-8."""
        return call_with_retry(
            lambda: self._fetch_once(request),
            policy=self._policy,
            sleep=self._sleep,
            what=f"x {request.endpoint}",
            rng=self._rng,
        )

    def probe(self, request: PageRequest) -> str:
        """One page without retries (``sources check``): failures come back sorted at once."""
        return self._fetch_once(request)

    def _fetch_once(self, request: PageRequest) -> str:
        try:
            response = self._call(request)
        except tweepy.TooManyRequests as exc:
            if "usage-capped" in _body(exc.response):
                # The app's monthly post cap: no wait within this pass will lift it.
                raise FatalError(f"x: usage cap reached: {_summary(exc)}") from None
            raise RetriableError(
                "x: rate limited (429)", self._wait_hint(exc.response.headers)
            ) from None
        except tweepy.TwitterServerError as exc:
            status = exc.response.status_code
            # Only Retry-After: X sends x-rate-limit-reset on every answer, and a 5xx should
            # not wait out a rate-limit window of up to 15 minutes.
            retry_after = {
                k: v for k, v in exc.response.headers.items() if k.lower() == "retry-after"
            }
            raise RetriableError(
                f"x: server error {status}", self._wait_hint(retry_after)
            ) from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise AuthError(f"x: credentials rejected: {_summary(exc)}") from None
        except tweepy.HTTPException as exc:
            raise RejectedRequest(
                f"x: request rejected: {_summary(exc)}", _body(exc.response)
            ) from None
        except requests.Timeout:
            raise RetriableError(f"x {request.endpoint}: timed out") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetriableError(f"x {request.endpoint}: connection failed: {exc}") from None
        return _body(response)

    def _call(self, request: PageRequest) -> requests.Response:
        params: dict[str, Any] = {
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "max_results": request.max_results,
            "since_id": request.since_id,
            "until_id": request.until_id,
            "start_time": request.start_time,
            "end_time": request.end_time,
        }
        params = {k: v for k, v in params.items() if v is not None}
        if request.endpoint == "search":
            if request.token:
                params["next_token"] = request.token
            return self._tweepy.search_recent_tweets(request.subject, **params)
        if request.token:
            params["pagination_token"] = request.token
        if request.endpoint == "mentions":
            return self._tweepy.get_users_mentions(request.subject, **params)
        return self._tweepy.get_users_tweets(request.subject, exclude=["retweets"], **params)

    def _wait_hint(self, headers: Any) -> float | None:
        hint = retry_after_seconds(headers, self._clock())
        # A reset already past (clock skew) would retry at once; wait a moment instead.
        return None if hint is None else max(hint, 1.0)


def _body(response: requests.Response) -> str:
    # JSON is UTF-8 by definition; requests' charset guessing is slow and can guess wrong.
    return response.content.decode("utf-8", errors="replace")


def _summary(exc: tweepy.HTTPException) -> str:
    status = exc.response.status_code
    messages = "; ".join(str(m) for m in exc.api_messages) or exc.response.reason
    return f"{status} {messages}"
