"""Config for Bluesky: ``sources.bluesky`` (who signs in) and ``brands[i].sources.bluesky``."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

#: The entryway that signs accounts hosted by Bluesky in and proxies to the AppView.
DEFAULT_SERVICE = "https://bsky.social"
#: A handle is a domain name: labels of letters, digits and hyphens, at least two of them.
_HANDLE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?$"
)


def normalize_handle(raw: str) -> str:
    """``@AcmeHelp.bsky.social`` -> ``acmehelp.bsky.social``; ValueError when not a handle."""
    handle = raw.strip().lstrip("@").lower()
    if not _HANDLE.match(handle):
        raise ValueError(f"{raw!r} is not a Bluesky handle (a domain such as acme.bsky.social)")
    return handle


class BlueskySettings(SourceSettings):
    """``sources.bluesky``: the account to sign in as (an app password) and paging limits."""

    #: The signed-in account: ideally the brand's own, so its notifications can be read.
    handle: str | None = None
    #: An app password (Settings > Privacy and security > App passwords), as ${ENV}.
    app_password: SecretStr | None = None
    #: Where the signed-in session (access and refresh tokens) is kept between passes, 0600.
    #: Relative paths are taken from the working directory, like the default database.
    #: null keeps it in memory only: every process then signs in once.
    session_file: str | None = "bluesky-session.json"
    page_size: int = Field(default=50, ge=1, le=100)
    #: Pages read per stream and pass; a longer walk carries on from there next pass.
    max_pages: int = Field(default=20, ge=1, le=1000)
    #: How far back the first pass of a stream reads.
    first_pass_days: float = Field(default=3, gt=0, le=365)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("handle")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        return normalize_handle(value) if value is not None else None

    @model_validator(mode="after")
    def _credentials_when_enabled(self) -> BlueskySettings:
        if self.enabled:
            missing = [k for k in ("handle", "app_password") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"{' and '.join(missing)} required when the bluesky source is enabled "
                    "(write them as ${BLUESKY_HANDLE} and ${BLUESKY_APP_PASSWORD})"
                )
        return self

    @property
    def service(self) -> str:
        """The PDS or entryway to sign in at."""
        return self.base_url or DEFAULT_SERVICE


class BlueskyBrandSettings(BrandSourceSettings):
    """``brands[i].sources.bluesky``: search terms and the brand's own handles."""

    #: Each term is searched on its own (``app.bsky.feed.searchPosts``, newest first).
    terms: list[str] = Field(default_factory=list, max_length=20)
    #: Read the brand's own replies from its accounts' author feeds.
    include_own_replies: bool = True
    #: Read mentions, replies and quotes from the notifications of the signed-in account
    #: when it is one of ``accounts``.
    notifications: bool = True

    @field_validator("accounts")
    @classmethod
    def _handles(cls, value: list[str]) -> list[str]:
        return [normalize_handle(raw) for raw in value]

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        terms = [t.strip() for t in value]
        if any(not t for t in terms):
            raise ValueError("a search term is blank")
        if any(len(t) > 300 for t in terms):
            raise ValueError("a search term is longer than 300 characters")
        return list(dict.fromkeys(terms))

    @model_validator(mode="after")
    def _something_to_read(self) -> BlueskyBrandSettings:
        if not self.terms and not self.accounts:
            raise ValueError("give search terms, accounts or both")
        return self
