"""Config for YouTube: ``sources.youtube`` (the API key, the unit budget) and per-brand channels."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


class YouTubeSettings(SourceSettings):
    """``sources.youtube``: an API key and how many quota units a day the monitor may spend."""

    api_key: SecretStr | None = None
    #: Quota units per Pacific-time day for each brand or competitor (a project gets 10,000
    #: a day by default, shared by everything using its key). A list call costs 1, search 100.
    daily_unit_budget: int = Field(default=5_000, ge=1, le=1_000_000)
    #: Comment threads asked per page (the API allows 1-100).
    page_size: int = Field(default=100, ge=1, le=100)
    #: Pages read per stream and pass, at most (each costs a unit).
    max_pages: int = Field(default=20, ge=1, le=1000)
    #: A first pass reads back this far.
    first_pass_days: float = Field(default=7, gt=0, le=365)
    #: Threads this much older than the last pass are read again for new replies.
    reply_lookback_days: float = Field(default=2, ge=0, le=30)
    #: A brand's ``search_query`` runs at most this often (each search costs 100 units).
    search_interval_hours: float = Field(default=6, ge=0.25, le=24 * 7)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _key_when_enabled(self) -> YouTubeSettings:
        if self.enabled and self.api_key is None:
            raise ValueError(
                "api_key is required when the youtube source is enabled "
                "(write it as ${YOUTUBE_API_KEY})"
            )
        return self


class YouTubeBrandSettings(BrandSourceSettings):
    """``brands[i].sources.youtube``: the brand's channel, watched videos, an optional search."""

    #: The brand's channel id (``UC`` + 22 characters): comments on all its videos are read,
    #: and comments written from it are the brand's replies.
    channel_id: str | None = None
    #: Other videos to read the comments of (11-character ids), e.g. reviews of the product.
    video_ids: list[str] = Field(default_factory=list, max_length=50)
    #: Videos matching this search are collected as mentions; each search costs 100 units,
    #: so it runs only when set.
    search_query: str | None = None
    #: The name the brand's own comments are stored under (first entry); it must match
    #: nothing else on YouTube, e.g. ``AcmeHelp``.
    accounts: list[str]

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL_ID.match(value.strip()):
            raise ValueError(f"{value!r} is not a YouTube channel id (UC + 22 characters)")
        return value.strip() if value else value

    @field_validator("video_ids")
    @classmethod
    def _videos(cls, value: list[str]) -> list[str]:
        for video in value:
            if not _VIDEO_ID.match(video):
                raise ValueError(f"{video!r} is not a YouTube video id (11 characters)")
        return list(dict.fromkeys(value))

    @field_validator("search_query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("search_query is blank")
        return value.strip() if value else None

    @field_validator("accounts")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        names = [v.strip().lstrip("@") for v in value if v.strip()]
        if not names:
            raise ValueError("name the brand's YouTube account (its comments are brand replies)")
        return names

    @model_validator(mode="after")
    def _something_to_read(self) -> YouTubeBrandSettings:
        if not (self.channel_id or self.video_ids or self.search_query):
            raise ValueError("give channel_id, video_ids or search_query")
        return self
