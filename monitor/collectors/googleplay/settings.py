"""Config for Google Play: ``sources.googleplay`` (the service account) and per-brand apps."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


class GooglePlaySettings(SourceSettings):
    """``sources.googleplay``: a service account invited to the Play Console, and paging."""

    #: The service account's JSON key, whole, from the environment
    #: (``${GOOGLE_PLAY_SERVICE_ACCOUNT_JSON}``).
    service_account_json: SecretStr | None = None
    #: Or the path of that JSON key file.
    service_account_file: str | None = None
    #: Reviews asked per page.
    page_size: int = Field(default=100, ge=1, le=100)
    #: Pages read per app and pass, at most.
    max_pages: int = Field(default=50, ge=1, le=1000)
    #: Reviews this much older than the last pass are read again for new developer replies
    #: (the API reaches back 7 days, so 7 reads its whole window).
    reply_lookback_days: float = Field(default=7, ge=0, le=7)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _account_when_enabled(self) -> GooglePlaySettings:
        if self.service_account_json is not None and self.service_account_file is not None:
            raise ValueError("give service_account_json or service_account_file, not both")
        if self.enabled and self.service_account_json is None and not self.service_account_file:
            raise ValueError(
                "service_account_json (as ${GOOGLE_PLAY_SERVICE_ACCOUNT_JSON}) or "
                "service_account_file is required when the googleplay source is enabled"
            )
        return self


class GooglePlayBrandSettings(BrandSourceSettings):
    """``brands[i].sources.googleplay``: the app's package name and who signs the replies."""

    package_name: str
    #: The name the developer's replies are stored under (first entry), e.g. ``Acme Mobile``.
    accounts: list[str]

    @field_validator("package_name")
    @classmethod
    def _package(cls, value: str) -> str:
        value = value.strip()
        if not _PACKAGE.match(value):
            raise ValueError(f"{value!r} is not an Android package name (e.g. com.acme.app)")
        return value

    @field_validator("accounts")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        names = [v.strip() for v in value if v.strip()]
        if not names:
            raise ValueError("name the developer account that replies to reviews")
        return names
