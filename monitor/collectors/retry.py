"""Retry with exponential back-off and jitter, honouring the server's own wait hints."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from monitor.collectors.base import RetriableError

T = TypeVar("T")
log = logging.getLogger(__name__)
#: ``ratelimit-reset`` values from here up are epoch seconds, below it seconds from now.
_EPOCH_FLOOR = 1e9


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before giving up on a retriable failure."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 900.0
    jitter: float = 0.25


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Exponential delay for ``attempt`` (0-based) with +/- jitter, capped."""
    delay = min(policy.max_delay, policy.base_delay * (2**attempt))
    return max(0.0, delay * (1 + rng.uniform(-policy.jitter, policy.jitter)))


def call_with_retry(
    func: Callable[[], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    what: str,
    rng: random.Random | None = None,
) -> T:
    """Call ``func``; on :class:`RetriableError` wait (server hint first) and try again."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        try:
            return func()
        except RetriableError as exc:
            if attempt >= policy.max_retries:
                raise
            hinted = exc.retry_after
            delay = (
                min(policy.max_delay, hinted)
                if hinted is not None
                else backoff_delay(attempt, policy, rng)
            )
            log.info("%s: %s; retry %d in %.1fs", what, exc, attempt + 1, delay)
            sleep(delay)
            attempt += 1


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait as the response headers say, from any of the usual conventions.

    ``Retry-After`` (seconds or an HTTP date), X's ``x-rate-limit-reset`` (epoch seconds),
    Reddit's ``x-ratelimit-reset`` (seconds from now) and the IETF ``ratelimit-reset``
    (seconds from now in the draft, epoch seconds at Bluesky: told apart by size), and
    Mastodon's ``X-RateLimit-Reset`` (an ISO 8601 time).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    value = lower.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - now).total_seconds())
    value = lower.get("x-rate-limit-reset")
    if value:
        try:
            return max(0.0, float(value) - now.timestamp())
        except ValueError:
            pass
    value = lower.get("x-ratelimit-reset")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        when = iso_time(value)
        if when is not None:
            return max(0.0, (when - now).total_seconds())
    value = lower.get("ratelimit-reset")
    if value:
        try:
            reset = float(value)
        except ValueError:
            return None
        # A delta is at most a day or so; an epoch time is past 2001 (1e9 seconds).
        return max(0.0, reset - now.timestamp() if reset >= _EPOCH_FLOOR else reset)
    return None


def iso_time(value: str) -> datetime | None:
    """An ISO 8601 time (``2024-06-01T12:05:00.000Z``) as aware UTC; None when unreadable."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
