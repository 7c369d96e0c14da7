"""Android Publisher ``reviews.list`` through google-api-python-client, as a service account."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from google.oauth2 import service_account

from monitor.collectors.base import AuthError, Clock, RetriableError, secret_value
from monitor.collectors.google_api import build_service, execute, redact
from monitor.collectors.googleplay.settings import GooglePlaySettings
from monitor.collectors.retry import RetryPolicy, call_with_retry

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
ACCOUNT_FIX = (
    "the GOOGLE_PLAY_SERVICE_ACCOUNT_JSON environment variable "
    "(sources.googleplay.service_account_json or service_account_file)"
)


def load_credentials(settings: GooglePlaySettings) -> service_account.Credentials:
    """The service account's credentials, scoped to the Android Publisher API."""
    if settings.service_account_file:
        path = Path(settings.service_account_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuthError(f"googleplay: cannot read {path}: {exc.strerror}") from None
    else:
        text = secret_value(settings.service_account_json) or ""
    try:
        info = json.loads(text)
        if not isinstance(info, dict) or info.get("type") != "service_account":
            raise ValueError("not a service account key")
        return service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    except (ValueError, KeyError, TypeError):
        # The parser's message may quote the key: say what is wrong, never what it is.
        raise AuthError(
            "googleplay: the service account key is not a Google service-account JSON key "
            "with client_email, private_key and token_uri"
        ) from None


class GooglePlayClient:
    """Fetches raw ``reviews.list`` pages; 429/5xx/timeouts are retried here."""

    def __init__(
        self,
        settings: GooglePlaySettings,
        *,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = load_credentials(settings)
        self._timeout = settings.timeout_seconds
        self._service = build_service(
            "androidpublisher",
            "v3",
            base_url=settings.base_url,
            timeout=settings.timeout_seconds,
            credentials=self.credentials,
        )
        self._policy, self._clock, self._sleep, self._rng = policy, clock, sleep, rng

    def close(self) -> None:
        """Close open connections; the client stays usable."""
        self._service.close()

    def reviews(self, package: str, token: str | None, page_size: int) -> dict[str, Any]:
        """One page of the app's reviews of the last 7 days, in their original language."""
        params: dict[str, Any] = {"packageName": package, "maxResults": page_size}
        if token:
            params["token"] = token
        request = self._service.reviews().list(**params)
        what = f"googleplay reviews.list {package}"
        return call_with_retry(
            lambda: execute(request, what=what, now=self._clock()),
            policy=self._policy,
            sleep=self._sleep,
            what=what,
            rng=self._rng,
        )

    def sign_in(self) -> str:
        """Exchange the service account's signed JWT for an access token; its e-mail."""
        http = httplib2.Http(timeout=self._timeout)
        try:
            self.credentials.refresh(google_auth_httplib2.Request(http))
        except google.auth.exceptions.RefreshError as exc:
            raise AuthError(f"googleplay: token endpoint refused the key: {_line(exc)}") from None
        except (google.auth.exceptions.TransportError, OSError, httplib2.HttpLib2Error) as exc:
            raise RetriableError(f"googleplay: token endpoint unreachable: {_line(exc)}") from None
        finally:
            http.close()
        return str(self.credentials.service_account_email)


def _line(exc: Exception) -> str:
    text = str(exc)
    return redact(text.splitlines()[0] if text else type(exc).__name__)[:200]
