"""The collector contract: settings, a JSON cursor in, pages of plain posts out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from monitor.posts import Post

Clock = Callable[[], datetime]
Cursor = dict[str, Any]


class SourceSettings(BaseModel):
    """Settings shared by every source under ``sources.<name>`` in config.yaml."""

    # Bounded like the rest of the config: inf, nan or 1e308 minutes would pass gt=0 and
    # then overflow the scheduler's timers.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    enabled: bool = False
    poll_minutes: float = Field(default=15, gt=0, le=7 * 24 * 60)
    base_url: str | None = None
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    max_retries: int = Field(default=5, ge=0, le=100)


class BrandSourceSettings(BaseModel):
    """What a brand (or competitor) asks of one source under ``brands[i].sources.<name>``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    accounts: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """Whom a collector pass is for: a brand or one of its competitors, on one source."""

    brand: str
    settings: BrandSourceSettings
    is_competitor: bool = False
    owner: str | None = None  # the brand a competitor belongs to

    @property
    def accounts(self) -> list[str]:
        """Handles whose posts are this brand's own (brand replies)."""
        return list(self.settings.accounts)


@dataclass
class SkippedPage:
    """A page that could not be parsed: kept with its raw body for inspection."""

    where: str
    reason: str
    raw_body: str


@dataclass
class Page:
    """One page of posts plus the cursor to store together with them."""

    posts: list[Post]
    cursor: Cursor
    skipped: list[SkippedPage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stream: str = ""


class SourceError(Exception):
    """Base of the errors a collector raises after sorting an API failure."""


class RetriableError(SourceError):
    """Temporary failure (429, 5xx, timeout, reset): try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(SourceError):
    """Credentials rejected or missing: stop this source and tell the operator."""


class FatalError(SourceError):
    """A request that will never succeed as sent (bad query, 400/404)."""


@dataclass(frozen=True)
class CheckResult:
    """What one cheap authenticated call said about a source's set-up (``sources check``)."""

    ok: bool
    #: "signed in as @AcmeHelp, 9,412 reads left today", or what is wrong.
    detail: str
    #: Where to fix it: the config key or environment variable to look at.
    fix: str | None = None
    #: True when the source could not be reached at all (network, DNS, 5xx): the
    #: environment is at fault, not the set-up.
    unreachable: bool = False


@runtime_checkable
class Collector(Protocol):
    """A source: validates its settings and yields pages for one target."""

    name: ClassVar[str]
    settings_model: ClassVar[type[SourceSettings]]
    brand_settings_model: ClassVar[type[BrandSourceSettings]]

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Yield pages newer than ``cursor`` (or within ``since``/``until`` for a backfill)."""
        ...


@runtime_checkable
class CheckableCollector(Protocol):
    """A collector that can test its credentials with one cheap call."""

    def check(self) -> CheckResult:
        """One cheap authenticated call: ok, or what is wrong and where to fix it."""
        ...


def secret_value(secret: SecretStr | None) -> str | None:
    """Unwrap a secret at the last moment, right where a client needs it."""
    return secret.get_secret_value() if secret is not None else None
