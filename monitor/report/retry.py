"""Retry with exponential backoff for deliveries, and the one error callers have to catch."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class DeliveryError(RuntimeError):
    """A digest or alert could not be delivered; says over which channel and why."""

    def __init__(self, channel: str, reason: str, attempts: int) -> None:
        super().__init__(f"{channel} delivery failed after {attempts} attempt(s): {reason}")
        self.channel = channel
        self.reason = reason
        self.attempts = attempts


class TransientFailure(Exception):
    """One attempt failed in a way worth retrying (timeout, 5xx, 4xx SMTP reply, 429)."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class PermanentFailure(Exception):
    """One attempt failed in a way a retry cannot fix (bad credentials, 4xx webhook reply)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Retry:
    """How often and how patiently to retry: delays grow by ``factor`` up to ``max_delay_s``.

    ``sleep`` is injectable so tests run without waiting.
    """

    attempts: int = 4
    first_delay_s: float = 2.0
    factor: float = 3.0
    max_delay_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"Retry.attempts must be at least 1, got {self.attempts}")
        if self.first_delay_s < 0 or self.max_delay_s < 0 or self.factor < 1:
            raise ValueError("Retry delays must be >= 0 and factor >= 1")

    def delay(self, failed_attempt: int, hint_s: float | None = None) -> float:
        """Seconds to wait after the given failed attempt (1-based), honouring a server hint."""
        backoff = self.first_delay_s * self.factor ** (failed_attempt - 1)
        if hint_s is not None:
            backoff = max(backoff, hint_s)
        return min(backoff, self.max_delay_s)


def with_retry(attempt: Callable[[], T], *, channel: str, retry: Retry) -> T:
    """Run ``attempt`` until it succeeds, retrying ``TransientFailure`` with backoff.

    Raises ``DeliveryError`` at once on ``PermanentFailure`` and after the last try otherwise.
    """
    for number in range(1, retry.attempts + 1):
        try:
            return attempt()
        except PermanentFailure as exc:
            log.error("%s delivery failed permanently: %s", channel, exc.reason)
            raise DeliveryError(channel, exc.reason, number) from None
        except TransientFailure as exc:
            if number == retry.attempts:
                log.error(
                    "%s delivery failed (attempt %d/%d): %s",
                    channel,
                    number,
                    retry.attempts,
                    exc.reason,
                )
                raise DeliveryError(channel, exc.reason, number) from None
            wait = retry.delay(number, exc.retry_after_s)
            log.warning(
                "%s delivery failed (attempt %d/%d): %s; retrying in %.1f s",
                channel,
                number,
                retry.attempts,
                exc.reason,
                wait,
            )
            retry.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")
