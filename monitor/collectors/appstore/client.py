"""App Store Connect over ``requests``: ES256 JWT auth, one reviews page a call, sorted errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from cryptography.exceptions import UnsupportedAlgorithm

from monitor.collectors.appstore.settings import AppStoreSettings
from monitor.collectors.base import (
    AuthError,
    Clock,
    FatalError,
    RetriableError,
    SkippedPage,
    SourceError,
    secret_value,
)
from monitor.collectors.retry import retry_after_seconds

AUDIENCE = "appstoreconnect-v1"
#: Apple refuses tokens that live longer than 20 minutes.
TOKEN_LIFETIME = timedelta(minutes=15)
_RENEW_BEFORE = timedelta(minutes=1)


class MalformedPage(SourceError):
    """A page that is not JSON:API shaped as documented; keeps the body for inspection."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


@dataclass(frozen=True)
class Review:
    """One ``customerReviews`` resource and the ``customerReviewResponses`` one answering it."""

    id: str
    created_at: datetime
    resource: dict[str, Any]
    response: dict[str, Any] | None

    @property
    def ts(self) -> float:
        """Creation time in epoch seconds."""
        return self.created_at.timestamp()


@dataclass
class ReviewPage:
    """Reviews of one page, newest first, the next page's URL, and reviews that were unreadable."""

    reviews: list[Review]
    next_url: str | None
    skipped: list[SkippedPage] = field(default_factory=list)


class AppStoreClient:
    """Signs requests with the API key and reads ``/v1/apps/{id}/customerReviews`` pages."""

    def __init__(self, settings: AppStoreSettings, clock: Clock) -> None:
        self._settings, self._clock = settings, clock
        self._http = requests.Session()
        self._token: tuple[str, datetime] | None = None

    def close(self) -> None:
        """Close the HTTP session."""
        self._http.close()

    def first_url(self, app_id: str) -> str:
        """The newest-first reviews page of ``app_id``, developer responses included."""
        query = urlencode(
            {"sort": "-createdDate", "include": "response", "limit": self._settings.page_size}
        )
        return f"{self._settings.api_root}/v1/apps/{app_id}/customerReviews?{query}"

    def page(self, url: str) -> ReviewPage:
        """GET one page and parse it; failures are sorted into our errors."""
        response = self._get(url)
        page = parse_page(response.text, url)
        if page.next_url:
            page.next_url = self._on_our_host(page.next_url)
        return page

    def first_app(self) -> str | None:
        """The name of the first app the key can see (``GET /v1/apps?limit=1``), None if none."""
        response = self._get(f"{self._settings.api_root}/v1/apps?limit=1")
        try:
            data = response.json()["data"]
            return str(data[0]["attributes"]["name"]) if data else None
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise MalformedPage(f"/v1/apps: not an apps list ({exc})", response.text) from None

    def _on_our_host(self, next_url: str) -> str:
        # Follow Apple's link, but never send the token anywhere but the configured host.
        parts = urlsplit(next_url)
        return f"{self._settings.api_root}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def _get(self, url: str) -> requests.Response:
        where = f"appstore {urlsplit(url).path}"
        headers = {"Authorization": f"Bearer {self._bearer()}", "Accept": "application/json"}
        try:
            response = self._http.get(url, headers=headers, timeout=self._settings.timeout_seconds)
        except requests.Timeout as exc:
            limit = self._settings.timeout_seconds
            raise RetriableError(f"{where}: no answer within {limit}s") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetriableError(f"{where}: connection failed ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise FatalError(f"{where}: request failed: {exc}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            hint = retry_after_seconds(response.headers, self._clock())
            raise RetriableError(f"{where}: HTTP {status} {_apple_error(response)}", hint)
        if status in (401, 403):
            self._token = None
            raise AuthError(f"{where}: HTTP {status} {_apple_error(response)}")
        if status >= 400:
            raise FatalError(f"{where}: HTTP {status} {_apple_error(response)}")
        return response

    def _bearer(self) -> str:
        now = self._clock()
        if self._token is not None and now < self._token[1] - _RENEW_BEFORE:
            return self._token[0]
        s = self._settings
        if not s.issuer_id or not s.key_id:
            raise AuthError("appstore: sources.appstore.issuer_id and key_id are not set")
        expires = now + TOKEN_LIFETIME
        claims = {
            "iss": s.issuer_id,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "aud": AUDIENCE,
        }
        try:
            token = jwt.encode(
                claims, self._private_key(), algorithm="ES256", headers={"kid": s.key_id}
            )
        except (ValueError, TypeError, UnsupportedAlgorithm, jwt.PyJWTError):
            # The message of a key parser may quote the key: say what is wrong, not what it is.
            raise AuthError("appstore: private_key is not an ES256 (P-256) key in PEM") from None
        self._token = (token, expires)
        return token

    def _private_key(self) -> str:
        s = self._settings
        if s.private_key_file:
            try:
                return Path(s.private_key_file).expanduser().read_text(encoding="utf-8")
            except OSError as exc:
                raise AuthError(
                    f"appstore: cannot read private_key_file {s.private_key_file}: {exc.strerror}"
                ) from None
        key = secret_value(s.private_key)
        if not key:
            raise AuthError("appstore: sources.appstore.private_key is not set")
        # A PEM pasted into one environment variable often arrives with literal "\n".
        return key.replace("\\n", "\n") if "\n" not in key else key


def _apple_error(response: requests.Response) -> str:
    """Apple's error ``code: title`` from a JSON:API error body, or the start of the body."""
    try:
        first = response.json()["errors"][0]
        return f"{first.get('code', '')}: {first.get('title') or first.get('detail', '')}"[:300]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return response.text[:200]


def parse_page(text: str, url: str) -> ReviewPage:
    """Parse a ``customerReviews`` page (JSON:API ``data``/``included``/``links``)."""
    where = urlsplit(url).path
    try:
        body = json.loads(text)
    except ValueError:
        raise MalformedPage(f"{where}: body is not JSON", text) from None
    data = body.get("data") if isinstance(body, dict) else None
    included = body.get("included", []) if isinstance(body, dict) else None
    links = body.get("links", {}) if isinstance(body, dict) else None
    if not isinstance(data, list) or not isinstance(included, list) or not isinstance(links, dict):
        raise MalformedPage(f"{where}: expected data and included lists and links", text)
    next_url = links.get("next")
    if next_url is not None and not isinstance(next_url, str):
        raise MalformedPage(f"{where}: links.next is not a URL", text)
    responses = {
        r["id"]: r
        for r in included
        if isinstance(r, dict) and r.get("type") == "customerReviewResponses" and "id" in r
    }
    page = ReviewPage(reviews=[], next_url=next_url or None)
    for index, resource in enumerate(data):
        try:
            page.reviews.append(_review(resource, responses))
        except (KeyError, TypeError, ValueError) as exc:
            raw = json.dumps(resource, ensure_ascii=False)
            page.skipped.append(
                SkippedPage(f"{where} data[{index}]", f"unreadable review: {exc}", raw)
            )
    return page


def _review(resource: Any, responses: dict[str, dict[str, Any]]) -> Review:
    if not isinstance(resource, dict) or resource.get("type") != "customerReviews":
        raise ValueError("not a customerReviews resource")
    review_id = resource["id"]
    if not isinstance(review_id, str) or not review_id:
        raise ValueError(f"id is {review_id!r}")
    linked = (((resource.get("relationships") or {}).get("response") or {}).get("data")) or {}
    response = responses.get(linked.get("id", "")) if isinstance(linked, dict) else None
    return Review(review_id, parse_time(resource["attributes"]["createdDate"]), resource, response)


def parse_time(value: Any) -> datetime:
    """An ISO 8601 timestamp with an offset (as Apple sends them) in UTC."""
    if not isinstance(value, str):
        raise ValueError(f"time is {value!r}")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset")
    return when.astimezone(UTC)
