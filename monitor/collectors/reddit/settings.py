"""What config.yaml says about Reddit: the app credentials and, per brand, what to watch."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

_SUBREDDIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}")
_USERNAME = re.compile(r"[A-Za-z0-9_-]{3,20}")
#: Reddit rejects longer search queries.
MAX_QUERY_CHARS = 512


class RedditSettings(SourceSettings):
    """``sources.reddit``: a script or web app's credentials and how hard to pull."""

    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    # Reddit throttles generic agents; it asks for "<platform>:<app id>:<version> (by u/<name>)".
    user_agent: str = Field(default="python:social-monitor:0.1.0 (self-hosted)", min_length=7)
    username: SecretStr | None = None
    password: SecretStr | None = None
    limit: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _credentials_when_enabled(self) -> RedditSettings:
        if self.enabled:
            missing = [k for k in ("client_id", "client_secret") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"{' and '.join(missing)} required when enabled")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password (script app) or neither")
        return self


def _strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    value = value.strip()
    for prefix in prefixes:
        if value.lower().startswith(prefix):
            return value[len(prefix) :]
    return value


def quote_keyword(keyword: str) -> str:
    """A keyword as a Reddit search term: phrases in double quotes."""
    keyword = keyword.replace('"', "").strip()
    return f'"{keyword}"' if re.search(r"\s", keyword) else keyword


def search_query(keywords: list[str]) -> str:
    """The search query matching any of ``keywords``."""
    return " OR ".join(quote_keyword(k) for k in keywords)


class RedditBrandSettings(BrandSourceSettings):
    """``brands[i].sources.reddit``: keywords, subreddits to watch and the brand's usernames."""

    keywords: list[str] = Field(min_length=1)
    subreddits: list[str] = Field(default_factory=list)
    own_subreddits: list[str] = Field(default_factory=list)
    sitewide: bool = True

    @field_validator("accounts")
    @classmethod
    def _usernames(cls, value: list[str]) -> list[str]:
        names = [_strip_prefix(v, ("/u/", "u/")) for v in value]
        bad = [n for n in names if not _USERNAME.fullmatch(n)]
        if bad:
            raise ValueError(f"not a Reddit username: {', '.join(map(repr, bad))}")
        return names

    @field_validator("subreddits", "own_subreddits")
    @classmethod
    def _subreddit_names(cls, value: list[str]) -> list[str]:
        names = [_strip_prefix(v, ("/r/", "r/")) for v in value]
        bad = [n for n in names if not _SUBREDDIT.fullmatch(n)]
        if bad:
            raise ValueError(f"not a subreddit name: {', '.join(map(repr, bad))}")
        return names

    @field_validator("keywords")
    @classmethod
    def _usable_keywords(cls, value: list[str]) -> list[str]:
        keywords = [k.strip() for k in value]
        if any(not k.replace('"', "") for k in keywords):
            raise ValueError("a keyword is empty")
        length = len(search_query(keywords))
        if length > MAX_QUERY_CHARS:
            raise ValueError(
                f"the keywords make a {length}-character search query; "
                f"Reddit takes {MAX_QUERY_CHARS}"
            )
        return keywords
