"""What config.yaml says about Hacker News: the search host and, per brand, terms and accounts."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from monitor.collectors.base import BrandSourceSettings, SourceSettings

DEFAULT_BASE_URL = "https://hn.algolia.com"
#: HN usernames: 2-15 letters, digits, ``-`` or ``_``.
_USERNAME = re.compile(r"^[A-Za-z0-9_-]{2,15}$")


class HackerNewsSettings(SourceSettings):
    """``sources.hackernews``: no credentials (the API is public), only paging limits."""

    #: Hits asked per page; Algolia allows up to 1000, and serves 1000 hits per query at most.
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    #: Pages read per stream and pass; a longer walk resumes where it stopped next pass.
    max_pages: int = Field(default=50, ge=1, le=1000)
    #: How far back the first pass of a stream reads.
    first_pass_days: float = Field(default=7, gt=0, le=3650)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url {value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @property
    def api_root(self) -> str:
        """The API host, without a trailing slash."""
        return self.base_url or DEFAULT_BASE_URL


class HackerNewsBrandSettings(BrandSourceSettings):
    """``brands[i].sources.hackernews``: search terms and the brand's HN usernames."""

    #: Each term is one Algolia query (its words must all match), e.g. ``skylark air``.
    terms: list[str] = Field(min_length=1, max_length=20)

    @field_validator("terms")
    @classmethod
    def _clean_terms(cls, value: list[str]) -> list[str]:
        terms: list[str] = []
        for raw in value:
            term = " ".join(raw.split())
            if not term:
                raise ValueError("a term is blank")
            if len(term) > 200:
                raise ValueError(f"term {term[:20]!r}… is longer than 200 characters")
            if term.lower() not in {t.lower() for t in terms}:
                terms.append(term)
        return terms

    @field_validator("accounts")
    @classmethod
    def _usernames(cls, value: list[str]) -> list[str]:
        names = []
        for raw in value:
            name = raw.strip()
            if not _USERNAME.match(name):
                raise ValueError(
                    f"{raw!r} is not a Hacker News username (2-15 letters, digits, -_)"
                )
            names.append(name)
        return names
