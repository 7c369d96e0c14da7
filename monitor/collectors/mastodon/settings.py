"""Config for Mastodon: ``sources.mastodon`` (the instances and their tokens) and per brand.

Instances are named once under ``sources.mastodon.instances`` with their address and the
access token of the brand account signed in there (``read`` scope). A brand lists which of
those instances to read and what to follow on them::

    sources:
      mastodon:
        enabled: true
        instances:
          social:
            base_url: https://mastodon.social
            access_token: ${MASTODON_SOCIAL_TOKEN}
          fosstodon:
            base_url: https://fosstodon.org        # no token: public hashtag timelines only
    brands:
      - name: Acme
        sources:
          mastodon:
            accounts: ["AcmeHelp@mastodon.social"]
            hashtags: [acme, acmeair]
            instances: [social, fosstodon]
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d+)?$")
_USER = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
_HASHTAG = re.compile(r"^\w{1,100}$")


class InstanceSettings(BaseModel):
    """One Mastodon server: where it is and, optionally, the brand account's token there."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    #: The brand account's token (``read`` scope): its mentions and its own replies.
    access_token: SecretStr | None = None
    #: The server's account domain (the ``@domain`` of its local handles); default: base_url's host.
    domain: str | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value.rstrip("/")

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.match(value.lower()):
            raise ValueError(f"domain {value!r} is not a host name")
        return value.lower() if value else value

    @property
    def account_domain(self) -> str:
        """The domain local handles on this server belong to."""
        return self.domain or (urlsplit(self.base_url).hostname or "").lower()


class MastodonSettings(SourceSettings):
    """``sources.mastodon``: the instances to read and how hard to pull each."""

    instances: dict[str, InstanceSettings] = Field(default_factory=dict)
    #: Statuses asked for per page (Mastodon's maximum is 40; notifications allow 80).
    limit: int = Field(default=40, ge=1, le=40)
    #: Pages read per stream and pass; the rest follows next pass (nothing is skipped).
    max_pages: int = Field(default=10, ge=1, le=100)
    #: Slow down when fewer requests than this are left in the 5-minute window.
    reserve_requests: int = Field(default=30, ge=0, le=300)

    @field_validator("instances")
    @classmethod
    def _names(cls, value: dict[str, InstanceSettings]) -> dict[str, InstanceSettings]:
        bad = [n for n in value if not _NAME.match(n)]
        if bad:
            raise ValueError(f"instance names must be letters, digits, . _ -: {bad}")
        return value

    @model_validator(mode="after")
    def _instances_when_enabled(self) -> MastodonSettings:
        if self.base_url is not None:
            raise ValueError("set base_url per instance under sources.mastodon.instances")
        if self.enabled and not self.instances:
            raise ValueError("name at least one instance under instances when enabled")
        return self


class MastodonBrandSettings(BrandSourceSettings):
    """``brands[i].sources.mastodon``: hashtags and search terms, on which instances."""

    #: Hashtags to follow (without ``#``), read from each instance's public tag timeline.
    hashtags: list[str] = Field(default_factory=list)
    #: Full-text search terms; only instances with search enabled find others' posts.
    search: list[str] = Field(default_factory=list)
    #: Names under ``sources.mastodon.instances`` to read; empty: all of them.
    instances: list[str] = Field(default_factory=list)

    @field_validator("accounts")
    @classmethod
    def _handles(cls, value: list[str]) -> list[str]:
        handles = []
        for raw in value:
            user, _, domain = raw.strip().lstrip("@").partition("@")
            if not _USER.match(user) or not _DOMAIN.match(domain.lower()):
                raise ValueError(
                    f"{raw!r} is not a full Mastodon handle like AcmeHelp@mastodon.social"
                )
            handles.append(f"{user}@{domain.lower()}")
        return handles

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = [t.strip().lstrip("#") for t in value]
        bad = [t for t in tags if not _HASHTAG.match(t)]
        if bad:
            raise ValueError(f"not a hashtag: {bad}")
        return list(dict.fromkeys(t.lower() for t in tags))

    @field_validator("search")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        terms = [t.strip() for t in value]
        if any(not t or len(t) > 200 for t in terms):
            raise ValueError("a search term is empty or longer than 200 characters")
        return list(dict.fromkeys(terms))

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonBrandSettings:
        if not (self.hashtags or self.search or self.accounts):
            raise ValueError("give hashtags, search terms or the brand's accounts")
        return self
