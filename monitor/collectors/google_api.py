"""Google APIs (YouTube Data, Android Publisher) through google-api-python-client, errors sorted.

The service is built from the discovery document the library ships (no discovery fetch at
run time), over an ``httplib2`` connection with our timeout, authorised by an API key or by
google-auth credentials, and pointed at ``base_url`` when one is set (the fake servers).
Bodies come back raw, so a page that is not JSON can be kept as it came.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from googleapiclient import discovery, discovery_cache
from googleapiclient.errors import HttpError
from googleapiclient.model import RawModel

from monitor.collectors.base import AuthError, FatalError, RetriableError, SourceError
from monitor.collectors.retry import retry_after_seconds

#: Google's daily quotas (YouTube) reset at midnight Pacific time.
PACIFIC = ZoneInfo("America/Los_Angeles")
#: ``reason`` values of a 403 that mean the day's quota is spent.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
#: ``reason`` values of a 403 that mean "slow down" (retriable), not "forbidden".
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
#: ``reason`` values of a 400 that mean the API key itself is wrong.
KEY_REASONS = frozenset({"keyInvalid", "API_KEY_INVALID", "keyExpired", "API_KEY_EXPIRED"})
#: ``reason`` values of a 403 about the thing asked for, not the credentials.
RESOURCE_REASONS = frozenset({"commentsDisabled"})
_TELLING = QUOTA_REASONS | RATE_REASONS | KEY_REASONS | RESOURCE_REASONS

_KEY_PARAM = re.compile(r"([?&]key=)[^&\s'\"]+")
_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+")


class QuotaExhausted(SourceError):
    """The API's own daily quota is spent; ``retry_after`` is the wait until it resets."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedRequest(FatalError):
    """The API refused the request as sent (400/404); ``body`` keeps its answer."""

    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


class MalformedBody(SourceError):
    """A 2xx answer that is not a JSON object; ``raw_body`` keeps it for inspection."""

    def __init__(self, message: str, raw_body: str) -> None:
        super().__init__(message)
        self.raw_body = raw_body


@dataclass(frozen=True)
class ApiError:
    """What a Google error body says: status, the first ``reason`` and the message."""

    status: int
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.reason}: {self.message}".strip()


def build_service(
    name: str,
    version: str,
    *,
    base_url: str | None,
    timeout: float,
    developer_key: str | None = None,
    credentials: Credentials | None = None,
) -> Any:
    """A discovery ``Resource`` for ``name``/``version`` from the bundled document."""
    redact_google_logs()
    document = discovery_cache.get_static_doc(name, version)
    if document is None:  # pragma: no cover - the library ships both documents we use
        raise FatalError(f"google-api-python-client has no bundled {name} {version} document")
    http: Any = httplib2.Http(timeout=timeout)
    if credentials is not None:
        http = google_auth_httplib2.AuthorizedHttp(credentials, http=http)
    options = {"api_endpoint": base_url.rstrip("/") + "/"} if base_url else None
    return discovery.build_from_document(
        document, http=http, developerKey=developer_key, model=RawModel(), client_options=options
    )


def execute(request: Any, *, what: str, now: datetime) -> dict[str, Any]:
    """Run one API request (no retries here) and return its JSON object, errors sorted."""
    try:
        content = request.execute(num_retries=0)
    except HttpError as exc:
        raise sort_http_error(exc, what=what, now=now) from None
    except google.auth.exceptions.RefreshError as exc:
        # The token endpoint refused the service account (bad key, deleted account, clock).
        raise AuthError(f"{what}: access token refused: {_first_line(exc)}") from None
    except google.auth.exceptions.TransportError as exc:
        raise RetriableError(f"{what}: token endpoint unreachable: {_first_line(exc)}") from None
    except TimeoutError:
        raise RetriableError(f"{what}: no answer in time") from None
    except (OSError, httplib2.HttpLib2Error) as exc:
        raise RetriableError(f"{what}: connection failed ({type(exc).__name__})") from None
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    try:
        body = json.loads(text)
    except ValueError:
        raise MalformedBody(f"{what}: body is not JSON", str(text)) from None
    if not isinstance(body, dict):
        raise MalformedBody(f"{what}: body is not a JSON object", str(text))
    return body


def sort_http_error(exc: HttpError, *, what: str, now: datetime) -> SourceError:
    """Our error for an HTTP error answer: retriable, quota, auth or fatal."""
    error = api_error(exc)
    headers: Mapping[str, str] = {str(k): str(v) for k, v in dict(exc.resp).items()}
    status = error.status
    if status == 429 or status >= 500 or (status == 403 and error.reason in RATE_REASONS):
        hint = retry_after_seconds(headers, now)
        return RetriableError(f"{what}: {error}", None if hint is None else max(hint, 1.0))
    if status == 403 and error.reason in QUOTA_REASONS:
        wait = seconds_to_pacific_midnight(now)
        return QuotaExhausted(
            f"{what}: daily quota exceeded ({error.reason}); it resets at midnight Pacific "
            f"time, in {wait / 3600:.1f} h",
            wait,
        )
    if status == 403 and error.reason in RESOURCE_REASONS:
        return RejectedRequest(f"{what}: {error}", _content(exc))
    if status in (401, 403) or (status == 400 and error.reason in KEY_REASONS):
        return AuthError(f"{what}: {error}")
    return RejectedRequest(f"{what}: {error}", _content(exc))


def api_error(exc: HttpError) -> ApiError:
    """The status, telling reason and message of a Google JSON error body (lenient).

    A bad key comes as ``errors[0].reason`` "badRequest" with ``API_KEY_INVALID`` in the
    newer ``details`` (google.rpc.ErrorInfo): a reason we act on wins over a generic one.
    """
    status = int(exc.resp.status)
    reasons: list[str] = []
    message = ""
    try:
        error = json.loads(_content(exc))["error"]
        message = str(error.get("message", ""))
        for entry in [*(error.get("errors") or []), *(error.get("details") or [])]:
            if isinstance(entry, dict) and entry.get("reason"):
                reasons.append(str(entry["reason"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        message = _content(exc)[:200]
    telling = [r for r in reasons if r in _TELLING]
    reason = (telling or reasons or [""])[0]
    return ApiError(status, reason, redact(message)[:300])


def seconds_to_pacific_midnight(now: datetime) -> float:
    """Seconds from ``now`` to the next midnight in Pacific time (when Google quotas reset)."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return max(1.0, (midnight - local).total_seconds())


def pacific_day(now: datetime) -> str:
    """The quota day (Pacific time) that ``now`` falls in, as YYYY-MM-DD."""
    return now.astimezone(PACIFIC).date().isoformat()


def redact(text: str) -> str:
    """``text`` with API keys in URLs and bearer tokens blanked."""
    return _BEARER.sub(r"\1***", _KEY_PARAM.sub(r"\1***", text))


class RedactGoogleSecrets(logging.Filter):
    """Blanks API keys and tokens in log records (the library logs request URLs at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace secrets in the message; never drops the record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_google_logs() -> None:
    """Install :class:`RedactGoogleSecrets` on the client library's loggers once."""
    for name in ("googleapiclient.discovery", "googleapiclient.http", "google_auth_httplib2"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactGoogleSecrets) for f in logger.filters):
            logger.addFilter(RedactGoogleSecrets())


def _content(exc: HttpError) -> str:
    content = exc.content
    return content.decode("utf-8", errors="replace") if isinstance(content, bytes) else str(content)


def _first_line(exc: Exception) -> str:
    return redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:200]
