"""Config for the X source: ``sources.x`` (credentials, limits) and ``brands[i].sources.x``."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


class XSettings(SourceSettings):
    """``sources.x``: the bearer token, the endpoint and how much may be read a day."""

    bearer_token: SecretStr | None = None
    #: Posts read per UTC day for each brand or competitor (X bills per post read).
    daily_read_budget: int | None = Field(default=10_000, ge=1, le=100_000_000)
    #: Page size asked of X; 10 to 100 (the search endpoint's limits).
    max_results: int = Field(default=100, ge=10, le=100)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _token_when_enabled(self) -> XSettings:
        # Only a missing key: an unset ${VAR} is already reported by the config loader.
        if self.enabled and self.bearer_token is None:
            raise ValueError(
                "bearer_token is required when the x source is enabled "
                "(write it as ${X_BEARER_TOKEN})"
            )
        return self


class XBrandSettings(BrandSourceSettings):
    """``brands[i].sources.x``: what to search for and which accounts are the brand's."""

    #: X search syntax, e.g. ``(@SkylarkAir OR "skylark air") -is:retweet``.
    query: str = Field(min_length=1)
    #: The brand account's numeric id: enables the mentions timeline.
    user_id: str | None = None
    #: Also read the brand's own replies (``from:`` search over ``accounts``, else its timeline).
    include_own_replies: bool = True

    @field_validator("accounts")
    @classmethod
    def _handles(cls, value: list[str]) -> list[str]:
        handles = []
        for raw in value:
            handle = raw.strip().lstrip("@")
            if not _HANDLE.match(handle):
                raise ValueError(f"{raw!r} is not an X handle (1-15 letters, digits or _)")
            handles.append(handle)
        return handles

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query is blank")
        return value.strip()

    @field_validator("user_id", mode="before")
    @classmethod
    def _numeric_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # YAML reads an unquoted id as a number
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError(f"user_id {value!r} is not a numeric X user id")
        return value.strip() if isinstance(value, str) else value
