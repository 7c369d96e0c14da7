"""A fake Android Publisher API and Google OAuth token endpoint on 127.0.0.1.

``POST /token`` takes the service account's signed JWT (``grant_type=urn:ietf:params:oauth:
grant-type:jwt-bearer``, ``assertion``), checks its RS256 signature against the test key,
``iss`` (the account's e-mail), ``aud`` (Google's token endpoint, which google-auth always
names there whatever ``token_uri`` the request goes to), the androidpublisher ``scope`` and
a lifetime of an hour at most, and answers an access token (``invalid_grant`` otherwise).
``GET /androidpublisher/v3/applications/{package}/reviews`` needs ``Authorization: Bearer``
with an issued token and returns the reviews last modified in the 7 days before the
server's clock, newest first, ``maxResults`` a page, paged by ``tokenPagination``.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from monitor.collectors.base import Target
from monitor.collectors.googleplay.collector import GooglePlayCollector
from monitor.collectors.googleplay.settings import GooglePlayBrandSettings, GooglePlaySettings
from tests.collectors.fakes.google_fake import GoogleFakeServer, GoogleHandler
from tests.collectors.fakes.loopback import serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "googleplay"
REVIEWS: dict[str, Any] = json.loads((FIXTURES / "reviews.json").read_text("utf-8"))
PACKAGE = "com.acme.mobile"
CLIENT_EMAIL = "monitor-reader@acme-play.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"
AUDIENCE = "https://oauth2.googleapis.com/token"
# A throwaway RSA key made for this test run (service-account keys are PKCS#8 PEM like this).
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_KEY_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_KEY = _KEY.public_key()
WINDOW = timedelta(days=7)


def service_account_json(token_uri: str, private_key: str = PRIVATE_KEY_PEM) -> str:
    """A service-account key file's JSON, as the Cloud console downloads it."""
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-play",
            "private_key_id": "3f1c0ffee0ddba11c0ffee0ddba11c0ffee0ddba",
            "private_key": private_key,
            "client_email": CLIENT_EMAIL,
            "client_id": "104857600000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }
    )


def _modified(review: dict[str, Any]) -> float:
    try:
        return float(review["comments"][0]["userComment"]["lastModified"]["seconds"])
    except (KeyError, TypeError, ValueError, IndexError):
        return 0.0  # a broken review (planted by a test) sorts last


class FakePlayServer(GoogleFakeServer):
    """The server; tests use ``base_url``, ``token_uri``, ``add_review``, ``reply``."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__(_Handler)
        self.clock = clock
        self.reviews: dict[str, list[dict[str, Any]]] = {PACKAGE: copy.deepcopy(REVIEWS["reviews"])}
        self.tokens: set[str] = set()
        self.grants: list[dict[str, Any]] = []  # the JWT claims of every accepted grant
        self.malformed_body = {"reviews": {"reviewId": "x"}}

    @property
    def token_uri(self) -> str:
        """Where the service account exchanges its JWT."""
        return f"{self.base_url}/token"

    def add_review(self, review: dict[str, Any]) -> None:
        """A new review of the app."""
        with self.lock:
            self.reviews[PACKAGE].append(review)

    def reply(self, review_id: str, text: str, when: datetime) -> None:
        """The developer answers a review."""
        comment = {"text": text, "lastModified": {"seconds": str(int(when.timestamp()))}}
        with self.lock:
            review = next(r for r in self.reviews[PACKAGE] if r["reviewId"] == review_id)
            review["comments"].append({"developerComment": comment})


class _Handler(GoogleHandler):
    server: FakePlayServer

    def do_POST(self) -> None:
        """The OAuth 2.0 token endpoint (JWT bearer grant)."""
        path, _, fault = self.begin()
        if fault is not None and self.play(fault):
            return
        if path != "/token":
            self.send_error_kind("404")
            return
        form = {k: v[-1] for k, v in parse_qs(self.body).items()}
        claims = self._grant(form)
        if claims is None:
            error = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            self.send_json(400, error)
            return
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.server.lock:
            self.server.tokens.add(token)
            self.server.grants.append(claims)
        self.send_json(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _grant(self, form: dict[str, str]) -> dict[str, Any] | None:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                form.get("assertion", ""),
                PUBLIC_KEY,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=CLIENT_EMAIL,
                options={"require": ["exp", "iat", "scope"]},
            )
        except jwt.PyJWTError:
            return None
        if SCOPE not in str(claims["scope"]).split() or claims["exp"] - claims["iat"] > 3600:
            return None
        return claims

    def do_GET(self) -> None:
        """``reviews.list``."""
        path, query, fault = self.begin()
        if fault is not None and self.play(fault):
            return
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        with self.server.lock:
            known_token = scheme == "Bearer" and token in self.server.tokens
        if not known_token:
            self.send_error_kind(
                "401", {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
            )
            return
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:3] != ["androidpublisher", "v3", "applications"]:
            self.send_error_kind("404")
            return
        if parts[4] != "reviews":
            self.send_error_kind("404")
            return
        with self.server.lock:
            reviews = copy.deepcopy(self.server.reviews.get(parts[3]))
        if reviews is None:
            self.send_error_kind("404")
            return
        since = (self.server.clock() - WINDOW).timestamp()
        reviews = [r for r in reviews if _modified(r) == 0.0 or _modified(r) >= since]
        reviews.sort(key=_modified, reverse=True)
        size = int(query.get("maxResults", "10"))
        start = _offset(query["token"]) if "token" in query else 0
        body: dict[str, Any] = {"reviews": reviews[start : start + size]}
        if start + size < len(reviews):
            body["tokenPagination"] = {"nextPageToken": _token(start + size)}
        body["pageInfo"] = {"totalResults": len(reviews), "resultPerPage": size}
        if not body["reviews"]:
            body = {}  # the API leaves empty lists out
        self.send_json(200, body)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"CgwI{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()[4:])


@contextmanager
def running_play_server(
    clock: Callable[[], datetime] | None = None,
) -> Iterator[FakePlayServer]:
    """A fake Android Publisher API (and token endpoint) serving the fixture reviews."""
    with serving(FakePlayServer(clock or (lambda: datetime.now(UTC)))) as server:
        yield server


def make_play_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    **source_overrides: Any,
) -> tuple[GooglePlayCollector, Target]:
    """A collector for "Acme" against the fake, with small pages to exercise paging."""
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "service_account_json": SecretStr(service_account_json(f"{base_url}/token")),
        "page_size": 2,
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "max_retries": 3,
        **source_overrides,
    }
    settings = GooglePlaySettings.model_validate(values)
    brand = GooglePlayBrandSettings(package_name=PACKAGE, accounts=["Acme Mobile Ltd"])
    collector = GooglePlayCollector(
        settings, clock, sleep=sleep if sleep is not None else _no_sleep
    )
    return collector, Target("Acme", brand)


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
