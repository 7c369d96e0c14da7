"""What config.yaml says about App Store reviews: the API key and, per brand, the app."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

DEFAULT_BASE_URL = "https://api.appstoreconnect.apple.com"


class AppStoreSettings(SourceSettings):
    """``sources.appstore``: an App Store Connect API key (Users and Access > Integrations)."""

    issuer_id: str | None = None
    key_id: str | None = None
    private_key: SecretStr | None = None  # the .p8 file's PEM text, from the environment
    private_key_file: str | None = None  # or the path of the .p8 file
    page_size: int = Field(default=200, ge=1, le=200)
    max_pages: int = Field(default=50, ge=1, le=1000)
    first_pass_days: float = Field(default=90, gt=0, le=3650)
    # Developers answer reviews days later: answers to reviews this old are still looked for.
    response_lookback_days: float = Field(default=14, ge=0, le=365)

    @model_validator(mode="after")
    def _key_when_enabled(self) -> AppStoreSettings:
        if self.private_key is not None and self.private_key_file is not None:
            raise ValueError("give private_key or private_key_file, not both")
        if self.enabled:
            missing = [k for k in ("issuer_id", "key_id") if not getattr(self, k)]
            if self.private_key is None and self.private_key_file is None:
                missing.append("private_key (or private_key_file)")
            if missing:
                raise ValueError(f"{', '.join(missing)} required when enabled")
        return self

    @property
    def api_root(self) -> str:
        """The API host, without a trailing slash."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")


class AppStoreBrandSettings(BrandSourceSettings):
    """``brands[i].sources.appstore``: the app's Apple ID and the name its responses go under."""

    app_id: str
    accounts: list[str]

    @field_validator("app_id")
    @classmethod
    def _numeric_id(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"\d{5,12}", value):
            raise ValueError(f"expected the app's numeric Apple ID, got {value!r}")
        return value

    @field_validator("accounts")
    @classmethod
    def _responder_named(cls, value: list[str]) -> list[str]:
        names = [v.strip() for v in value if v.strip()]
        if not names:
            raise ValueError("name the developer account that responds to reviews")
        return names
