"""A fake App Store Connect API on 127.0.0.1: ES256 JWT checks, reviews paging, scripted faults.

Serves ``GET /v1/apps`` (the apps the key sees) and ``GET /v1/apps/{id}/customerReviews``
with ``sort`` (``-createdDate`` newest first, ``createdDate``, or the API's unspecified
order when absent: oldest first here), ``include=response`` (the developer responses in
``included``), ``limit`` (1-200) and an opaque ``cursor`` carried in ``links.next``.
Every request must carry ``Authorization: Bearer <JWT>`` signed ES256 with the test key,
``kid`` and ``iss`` as configured and ``aud`` = ``appstoreconnect-v1``, living 20 minutes
at most. Errors are JSON:API ``errors`` bodies.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from monitor.collectors.appstore.collector import AppStoreCollector
from monitor.collectors.appstore.settings import AppStoreBrandSettings, AppStoreSettings
from monitor.collectors.base import Target
from tests.collectors.fakes.loopback import JsonHandler, LoopbackServer, serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "appstore"
SAMPLE_PAGE: dict[str, Any] = json.loads((FIXTURES / "customer_reviews.json").read_text("utf-8"))
APP_ID, ISSUER_ID, KEY_ID = "1234567890", "57246542-96fe-1a63-e053-0824d011072a", "2X9R4HXF34"
AUDIENCE = "appstoreconnect-v1"
# A throwaway P-256 key made for this test run (App Store .p8 keys are PKCS#8 PEM like this).
_KEY = ec.generate_private_key(ec.SECP256R1())
PRIVATE_KEY_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_KEY = _KEY.public_key()
#: What the collector made by :func:`make_appstore_collector` collects from SAMPLE_PAGE.
EXPECTED_IDS = frozenset(
    [r["id"] for r in SAMPLE_PAGE["data"]] + [r["id"] for r in SAMPLE_PAGE["included"]]
)
FAULT_KINDS = ("429", "500", "503", "401", "403", "404", "malformed", "html", "slow", "reset")
_ERRORS = {
    401: ("NOT_AUTHORIZED", "Authentication credentials are missing or invalid.",
          "Provide a properly configured and signed bearer token, and make sure that it has not "
          "expired. Learn more about Generating Tokens for API Requests "
          "https://developer.apple.com/go/?id=api-generating-tokens"),
    403: ("FORBIDDEN_ERROR", "This request is forbidden for security reasons",
          "The API key in use does not allow this request"),
    404: ("NOT_FOUND", "The specified resource does not exist",
          "There is no resource of type 'apps' with this id"),
    400: ("PARAMETER_ERROR.INVALID", "A parameter has an invalid value",
          "'limit' must be between 1 and 200"),
    429: ("RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.",
          "We've received too many requests for this API. Please wait and try again or slow "
          "down your request rate."),
    500: ("UNEXPECTED_ERROR", "An unexpected error occurred.",
          "An unexpected error occurred on the server side. If this issue continues, contact us "
          "at https://developer.apple.com/contact/."),
    503: ("UNEXPECTED_ERROR", "An unexpected error occurred.", "Service temporarily unavailable."),
}  # fmt: skip


def error_body(status: int) -> dict[str, Any]:
    """An App Store Connect JSON:API error body."""
    code, title, detail = _ERRORS[status]
    error = {"id": str(uuid.uuid4()), "status": str(status), "code": code, "title": title}
    return {"errors": [{**error, "detail": detail}]}


@dataclass
class Fault:
    """A scripted failure for a request; ``seconds``: Retry-After (429) or the stall (slow)."""

    kind: str
    seconds: float | None = None
    skip: int = 0


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    claims: dict[str, Any] | None = None


@dataclass
class AppStoreState:
    """Reviews by app, responses by id, faults, and what was asked."""

    reviews: dict[str, list[dict[str, Any]]]
    responses: dict[str, dict[str, Any]]
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)


class FakeAppStoreServer(LoopbackServer):
    """The server; tests use ``base_url``, ``add_review``, ``fail_next`` and ``requests``."""

    def __init__(self, page: dict[str, Any], clock: Callable[[], datetime] | None) -> None:
        super().__init__(_Handler)
        responses = {r["id"]: r for r in page.get("included", [])}
        self.state = AppStoreState({APP_ID: [dict(r) for r in page["data"]]}, responses)
        self.clock = clock  # when given, tokens must be valid at this time
        self.next_link_base: str | None = None  # e.g. Apple's host, to test link rebasing

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far."""
        with self.lock:
            return list(self.state.requests)

    def add_review(self, review: dict[str, Any], response: dict[str, Any] | None = None) -> None:
        """Add a ``customerReviews`` resource (and its ``customerReviewResponses``)."""
        with self.lock:
            self.state.reviews[APP_ID].append(review)
            if response is not None:
                self.state.responses[response["id"]] = response

    def respond(self, review_id: str, response: dict[str, Any]) -> None:
        """The developer answers an existing review."""
        with self.lock:
            review = next(r for r in self.state.reviews[APP_ID] if r["id"] == review_id)
            link = {"type": "customerReviewResponses", "id": response["id"]}
            review.setdefault("relationships", {}).setdefault("response", {})["data"] = link
            self.state.responses[response["id"]] = response

    def fail_next(self, kind: str, seconds: float | None = None, skip: int = 0) -> None:
        """Script a fault for the next reviews request (or the one after ``skip`` more)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        with self.lock:
            self.state.faults.append(Fault(kind, seconds, skip))

    def take_fault(self) -> Fault | None:
        """The next scripted fault due now, removed from the script."""
        with self.lock:
            if not self.state.faults:
                return None
            fault = self.state.faults[0]
            if fault.skip > 0:
                fault.skip -= 1
                return None
            return self.state.faults.pop(0)


def _created(review: dict[str, Any]) -> datetime:
    """A review's creation time; a broken one sorts last (tests plant those on purpose)."""
    try:
        return datetime.fromisoformat(review["attributes"]["createdDate"])
    except (KeyError, TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def _cursor_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"AMg.{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    return int(raw.removeprefix("AMg."))


class _Handler(JsonHandler):
    server: FakeAppStoreServer
    json_type = "application/json"

    def default_headers(self) -> dict[str, str]:
        """App Store Connect reports the hourly quota on every answer."""
        return {"X-Rate-Limit": "user-hour-lim:3600;user-hour-rem:3599;"}

    def _claims(self) -> dict[str, Any] | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme != "Bearer":
            return None
        try:
            header = jwt.get_unverified_header(token)
            expected = {"alg": "ES256", "kid": KEY_ID, "typ": "JWT"}
            if {k: header.get(k) for k in expected} != expected:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                PUBLIC_KEY,
                algorithms=["ES256"],
                audience=AUDIENCE,
                issuer=ISSUER_ID,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "iat"]},
            )
        except jwt.PyJWTError:
            return None
        if claims["exp"] - claims["iat"] > 20 * 60:
            return None
        if self.server.clock is not None:
            now = self.server.clock().timestamp()
            if not claims["iat"] - 60 <= now < claims["exp"]:
                return None
        return claims

    def do_GET(self) -> None:
        """The reviews endpoint."""
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        claims = self._claims()
        with self.server.lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.server.state.requests.append(Recorded(split.path, query, headers, claims))
        fault = self.server.take_fault()
        if fault is not None and self._fault(fault):
            return
        if claims is None:
            self.send_json(401, error_body(401))
            return
        parts = split.path.strip("/").split("/")
        if parts == ["v1", "apps"]:
            self.send_json(200, self._apps(query))
            return
        if len(parts) != 4 or parts[:2] != ["v1", "apps"] or parts[3] != "customerReviews":
            self.send_json(404, error_body(404))
            return
        with self.server.lock:
            known = parts[2] in self.server.state.reviews
            reviews = list(self.server.state.reviews.get(parts[2], []))
            responses = dict(self.server.state.responses)
        if not known:
            self.send_json(404, error_body(404))
            return
        limit = int(query.get("limit", "50"))
        if not 1 <= limit <= 200:
            self.send_json(400, error_body(400))
            return
        self.send_json(200, self._page(parts[2], reviews, responses, query, limit))

    def _apps(self, query: dict[str, str]) -> dict[str, Any]:
        """``GET /v1/apps``: the apps the key can see (``sources check`` lists one)."""
        with self.server.lock:
            app_ids = sorted(self.server.state.reviews)
        limit = int(query.get("limit", "50"))
        base = self.server.base_url
        data = [
            {
                "type": "apps",
                "id": app_id,
                "attributes": {
                    "name": "Acme Mobile",
                    "bundleId": "com.acme.mobile",
                    "sku": "ACME-MOBILE",
                    "primaryLocale": "en-US",
                },
                "links": {"self": f"{base}/v1/apps/{app_id}"},
            }
            for app_id in app_ids[:limit]
        ]
        paging = {"total": len(app_ids), "limit": limit}
        return {"data": data, "links": {"self": f"{base}/v1/apps"}, "meta": {"paging": paging}}

    def _page(
        self,
        app_id: str,
        reviews: list[dict[str, Any]],
        responses: dict[str, dict[str, Any]],
        query: dict[str, str],
        limit: int,
    ) -> dict[str, Any]:
        sort = query.get("sort", "")
        reviews.sort(key=_created)
        if sort == "-createdDate":
            reviews.reverse()
        start = _offset(query["cursor"]) if "cursor" in query else 0
        page = reviews[start : start + limit]
        included = []
        if "response" in query.get("include", "").split(","):
            for review in page:
                link = ((review.get("relationships") or {}).get("response") or {}).get("data")
                if link and link["id"] in responses:
                    included.append(responses[link["id"]])
        base = self.server.next_link_base or self.server.base_url
        path = f"/v1/apps/{app_id}/customerReviews"
        links = {"self": f"{base}{path}?{urlencode(query)}"}
        if start + limit < len(reviews):
            next_query = {**query, "cursor": _cursor_token(start + limit)}
            links["next"] = f"{base}{path}?{urlencode(next_query)}"
        body: dict[str, Any] = {"data": page, "links": links}
        if included:
            body["included"] = included
        body["meta"] = {"paging": {"total": len(reviews), "limit": limit}}
        return body

    def _fault(self, fault: Fault) -> bool:
        """Play ``fault``; True when the answer is complete (False: answer normally after it)."""
        kind = fault.kind
        if kind in ("429", "500", "503", "401", "403", "404"):
            status = int(kind)
            retry = {"Retry-After": str(int(fault.seconds))} if fault.seconds is not None else {}
            if status == 429:
                retry["X-Rate-Limit"] = "user-hour-lim:3600;user-hour-rem:0;"
            self.send_json(status, error_body(status), retry)
        elif kind == "malformed":
            self.send_json(200, {"data": {"type": "customerReviews"}, "links": []})
        elif kind == "html":
            self.send_json(200, b"<html><body>502 Bad Gateway</body></html>")
        elif kind == "slow":
            self.server.stopping.wait(fault.seconds or 3.0)
            return False
        else:  # reset: drop the connection without an answer
            self.close_connection = True
        return True


@contextmanager
def running_appstore_server(
    page: dict[str, Any] | None = None, clock: Callable[[], datetime] | None = None
) -> Iterator[FakeAppStoreServer]:
    """A fake App Store Connect serving ``page``'s reviews (default SAMPLE_PAGE)."""
    with serving(FakeAppStoreServer(SAMPLE_PAGE if page is None else page, clock)) as server:
        yield server


def make_appstore_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    **source_overrides: Any,
) -> tuple[AppStoreCollector, Target]:
    """A collector for "Acme Mobile" against the fake, with small pages to exercise paging."""
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "issuer_id": ISSUER_ID,
        "key_id": KEY_ID,
        "private_key": SecretStr(PRIVATE_KEY_PEM),
        "page_size": 3,
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "max_retries": 3,
        **source_overrides,
    }
    settings = AppStoreSettings.model_validate(values)
    brand = AppStoreBrandSettings(app_id=APP_ID, accounts=["Acme Mobile Ltd"])
    collector = AppStoreCollector(settings, clock, sleep=sleep if sleep is not None else _no_sleep)
    return collector, Target("Acme", brand)


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
