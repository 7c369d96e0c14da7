"""The HN Search API (hn.algolia.com) over ``requests``: one page a call, failures sorted.

There is no official Python library for it, and no key: a plain GET of
``/api/v1/search_by_date`` returns hits newest first. Algolia answers 429 past about
10,000 requests an hour per IP without saying when to retry, so the retry policy's
back-off decides unless a ``Retry-After`` header turns up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from monitor.collectors.base import (
    AuthError,
    Clock,
    FatalError,
    RetriableError,
    SkippedPage,
    SourceError,
)
from monitor.collectors.hackernews.settings import HackerNewsSettings
from monitor.collectors.retry import retry_after_seconds

SEARCH_PATH = "/api/v1/search_by_date"
USER_AGENT = "monitor (social mention monitor; +https://hn.algolia.com/api)"


class MalformedPage(SourceError):
    """A body that is not a search result as documented; keeps the body for inspection."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


class RateLimited(RetriableError):
    """HTTP 429: about 10,000 requests an hour per IP were spent."""


class RequestRefused(FatalError):
    """The API will never answer this request as sent (400/404); keeps its answer."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


@dataclass(frozen=True)
class Query:
    """One search: the text, the tag filter and a ``created_at_i`` window (both inclusive)."""

    text: str
    tags: str
    since: int | None = None
    until: int | None = None
    page: int = 0

    def params(self, hits_per_page: int) -> dict[str, str | int]:
        """The query string as the HN Search API spells it."""
        filters = []
        if self.since is not None:
            filters.append(f"created_at_i>={self.since}")
        if self.until is not None:
            filters.append(f"created_at_i<={self.until}")
        params: dict[str, str | int] = {"query": self.text, "tags": self.tags}
        if filters:
            params["numericFilters"] = ",".join(filters)
        params.update(hitsPerPage=hits_per_page, page=self.page)
        return params


@dataclass(frozen=True)
class Hit:
    """One search hit: its id, time in epoch seconds and the JSON object."""

    id: str
    ts: int
    data: dict[str, Any]


@dataclass
class SearchPage:
    """Hits of one page (newest first), the paging numbers and hits that were unreadable."""

    hits: list[Hit]
    page: int
    nb_pages: int
    nb_hits: int
    hits_per_page: int
    skipped: list[SkippedPage] = field(default_factory=list)

    @property
    def last(self) -> bool:
        """True when no further page exists for this query."""
        return self.page + 1 >= self.nb_pages or not self.hits

    @property
    def truncated(self) -> bool:
        """True when Algolia's pagination cap hides hits beyond the last page."""
        return self.nb_hits > self.nb_pages * self.hits_per_page


class HackerNewsClient:
    """GETs search pages from the configured host with the configured timeout."""

    def __init__(self, settings: HackerNewsSettings, clock: Clock) -> None:
        self._settings, self._clock = settings, clock
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        """Close the HTTP session."""
        self._http.close()

    def search(self, query: Query, hits_per_page: int) -> SearchPage:
        """One page of ``query``, parsed; failures are sorted into our errors."""
        text = self._get(query.params(hits_per_page))
        return parse_page(text, f"{SEARCH_PATH} {query.tags} page {query.page}")

    def _get(self, params: dict[str, str | int]) -> str:
        url = self._settings.api_root + SEARCH_PATH
        where = f"hackernews {SEARCH_PATH}"
        try:
            response = self._http.get(url, params=params, timeout=self._settings.timeout_seconds)
        except requests.Timeout as exc:
            limit = self._settings.timeout_seconds
            raise RetriableError(f"{where}: no answer within {limit}s") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetriableError(f"{where}: connection failed ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise FatalError(f"{where}: request failed: {exc}") from exc
        status = response.status_code
        body = response.content.decode("utf-8", errors="replace")
        if status == 429 or status >= 500:
            hint = retry_after_seconds(response.headers, self._clock())
            kind = RateLimited if status == 429 else RetriableError
            raise kind(f"{where}: HTTP {status} {_message(body)}", hint)
        if status in (401, 403):
            raise AuthError(
                f"{where}: HTTP {status} {_message(body)} (the API needs no credentials: "
                "check sources.hackernews.base_url and any proxy in between)"
            )
        if status >= 400:
            raise RequestRefused(f"{where}: HTTP {status} {_message(body)}", body)
        return body


def _message(body: str) -> str:
    """Algolia's ``message`` from an error body, or the start of the body."""
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message)[:300] if message else body[:200]


def parse_page(text: str, where: str) -> SearchPage:
    """Parse a search answer: ``hits`` plus ``page``/``nbPages``/``nbHits``/``hitsPerPage``."""
    try:
        body = json.loads(text)
    except ValueError:
        raise MalformedPage(f"{where}: body is not JSON", text) from None
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise MalformedPage(f"{where}: expected an object with a hits list", text)
    numbers: dict[str, int] = {}
    for key in ("page", "nbPages", "nbHits", "hitsPerPage"):
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MalformedPage(f"{where}: {key} is {value!r}, not a count", text)
        numbers[key] = value
    page = SearchPage(
        [], numbers["page"], numbers["nbPages"], numbers["nbHits"], numbers["hitsPerPage"]
    )
    for index, hit in enumerate(body["hits"]):
        try:
            page.hits.append(_hit(hit))
        except (KeyError, TypeError, ValueError) as exc:
            raw = json.dumps(hit, ensure_ascii=False)
            page.skipped.append(SkippedPage(f"{where} hit {index}", f"unreadable hit: {exc}", raw))
    return page


def _hit(data: Any) -> Hit:
    if not isinstance(data, dict):
        raise ValueError("not an object")
    object_id, ts = data["objectID"], data["created_at_i"]
    if not isinstance(object_id, str) or not object_id.isascii() or not object_id.isdigit():
        raise ValueError(f"objectID is {object_id!r}")
    if isinstance(ts, bool) or not isinstance(ts, int) or ts <= 0:
        raise ValueError(f"created_at_i is {ts!r}")
    if not isinstance(data.get("author"), str) or not data["author"]:
        raise ValueError(f"author is {data.get('author')!r}")
    return Hit(object_id, ts, data)
