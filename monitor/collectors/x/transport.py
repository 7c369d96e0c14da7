"""Point tweepy's built-in API host elsewhere and give its requests a timeout.

tweepy's ``Client`` always requests ``https://api.twitter.com/...`` with no timeout. A
``requests`` transport adapter mounted on the client's own session rewrites the URL to the
configured base URL just before sending, so every request still goes through tweepy's code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

#: The host tweepy's Client has built in.
TWEEPY_HOST = "https://api.twitter.com"

_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+")


class BaseUrlAdapter(HTTPAdapter):
    """Sends requests meant for :data:`TWEEPY_HOST` to ``base_url``, with a default timeout."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Rewrite the host when an override is set, then send as requests would."""
        url = request.url or ""
        if self.base_url and url.startswith(TWEEPY_HOST + "/"):
            request = request.copy()
            request.url = self.base_url + url[len(TWEEPY_HOST) :]
            # Proxies were chosen for api.twitter.com; choose again for the real destination.
            proxies = get_environ_proxies(request.url)
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def mount_base_url(session: requests.Session, base_url: str | None, timeout: float) -> None:
    """Route ``session``'s requests for the X API host through :class:`BaseUrlAdapter`."""
    session.mount(TWEEPY_HOST + "/", BaseUrlAdapter(base_url, timeout))


class RedactBearer(logging.Filter):
    """Blanks bearer tokens in log records: tweepy logs request headers at DEBUG level."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the token in the message; never drops the record."""
        message = record.getMessage()
        if "Bearer" in message:
            record.msg, record.args = _BEARER.sub(r"\1***", message), None
        return True


def redact_tweepy_logs() -> None:
    """Install :class:`RedactBearer` on tweepy's client logger once."""
    logger = logging.getLogger("tweepy.client")
    if not any(isinstance(f, RedactBearer) for f in logger.filters):
        logger.addFilter(RedactBearer())
