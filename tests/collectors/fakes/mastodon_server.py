"""A fake Mastodon server on 127.0.0.1: the REST paths Mastodon.py calls, Link paging, rate limits.

Serves ``GET /api/v1/timelines/tag/:hashtag`` (public), ``/api/v1/notifications``
(``types[]``; token with ``read``), ``/api/v1/accounts/:id/statuses`` (``exclude_reblogs``),
``/api/v2/search`` (``type=statuses``, token), ``/api/v1/accounts/verify_credentials``,
``/api/v1/instance`` and ``/api/v2/instance``. Lists are newest first and page by
``max_id``/``since_id``/``min_id``/``limit`` as Mastodon's ``paginate_by_id`` does, with a
``Link`` header (``rel="next"``: ``max_id``; ``rel="prev"``: ``min_id``). Every answer
carries ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (ISO 8601); errors are ``{"error"}``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from pydantic import SecretStr

from monitor.collectors.base import Target
from monitor.collectors.mastodon.collector import MastodonCollector
from monitor.collectors.mastodon.settings import MastodonBrandSettings, MastodonSettings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon"
SAMPLE: dict[str, Any] = json.loads((FIXTURES / "statuses.json").read_text("utf-8"))
TOKEN, NO_SCOPE_TOKEN, DOMAIN = "fake-mastodon-token", "fake-token-without-read", "mastodon.social"
#: What the collector made by :func:`make_mastodon_collector` collects from SAMPLE.
EXPECTED_IDS = frozenset(f"{DOMAIN}:{s['id']}" for s in SAMPLE["statuses"])
_ERRORS = {
    401: "The access token is invalid",
    403: "This action is outside the authorized scopes",
    404: "Record not found",
    422: "Validation failed",
    429: "Too many requests",
    500: "We're sorry, but something went wrong on our end.",
    503: "Service Unavailable",
}


@dataclass
class Fault:
    """A scripted failure for the next request whose path contains ``path``."""

    kind: str  # an HTTP status ("429", "500", ...), "malformed" or "slow"
    path: str = "/api/"
    seconds: float = 2.0  # slow: how long to stall


@dataclass
class MastodonState:
    """What the fake serves; tests add statuses and faults while it runs."""

    account: dict[str, Any]
    statuses: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    limit: int = 300
    remaining: int = 300
    reset_at: datetime = field(default_factory=lambda: datetime.now(UTC) + timedelta(minutes=5))
    search_enabled: bool = True


def _newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: int(i["id"]), reverse=True)


def paginate(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    """Mastodon's ``paginate_by_id``: ``min_id`` gives the oldest above it, newest first."""
    limit = min(int(query.get("limit", 20)), 40)
    rows = _newest_first(items)
    if "max_id" in query:
        rows = [r for r in rows if int(r["id"]) < int(query["max_id"])]
    if "since_id" in query:
        rows = [r for r in rows if int(r["id"]) > int(query["since_id"])]
    if "min_id" in query:
        above = [r for r in reversed(rows) if int(r["id"]) > int(query["min_id"])]
        return list(reversed(above[:limit]))
    return rows[:limit]


class _Handler(BaseHTTPRequestHandler):
    server: FakeMastodonServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        path = unquote(url.path).rstrip("/")
        multi = parse_qs(url.query)
        query = {k.removesuffix("[]"): v[0] for k, v in multi.items()}
        with self.server.lock:
            state.requests.append(self.path)
            fault = next((f for f in state.faults if f.path in path), None)
            if fault is not None:
                state.faults.remove(fault)
            exhausted = state.remaining <= 0
            state.remaining = max(0, state.remaining - 1)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        elif fault is not None and fault.kind == "malformed":
            return self._send(200, b'[{"id": "1", "content": "<p>cut off', "application/json")
        elif fault is not None:
            return self._error(int(fault.kind))
        if exhausted and fault is None:
            with self.server.lock:  # tests never really wait: the window is over once refused
                state.remaining = state.limit
            return self._error(429)
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        signed_in = token in (TOKEN, NO_SCOPE_TOKEN)
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return self._json(self._instance())
        if path.startswith("/api/v1/timelines/tag/"):
            tag = path.rsplit("/", 1)[1].lower()
            rows = [s for s in state.statuses if tag in {t["name"] for t in s.get("tags", [])}]
            return self._list(path, paginate(rows, query), query)
        if not signed_in:
            return self._error(401)
        if path == "/api/v1/accounts/verify_credentials":
            return self._json(state.account)
        if token == NO_SCOPE_TOKEN:
            return self._error(403)
        if path == "/api/v1/notifications":
            types = multi.get("types[]") or multi.get("types") or []
            rows = [n for n in state.notifications if not types or n["type"] in types]
            return self._list(path, paginate(rows, query), query)
        if path == f"/api/v1/accounts/{state.account['id']}/statuses":
            rows = [s for s in state.statuses if s["account"]["id"] == state.account["id"]]
            return self._list(path, paginate(rows, query), query)
        if path == "/api/v2/search" and query.get("type") == "statuses":
            words = query.get("q", "").lower().split()
            found = [
                s for s in state.statuses if all(w in s["content"].lower() for w in words)
            ] if state.search_enabled else []  # fmt: skip
            return self._json({"accounts": [], "statuses": paginate(found, query), "hashtags": []})
        return self._error(404)

    def _instance(self) -> dict[str, Any]:
        feeds = {"local": "public", "remote": "public"}
        access = {"live_feeds": feeds, "hashtag_feeds": feeds, "trending_link_feeds": feeds}
        return {
            "uri": DOMAIN,
            "domain": DOMAIN,
            "title": "Mastodon (fake)",
            "version": "4.3.0",
            "api_versions": {"mastodon": 2},
            "configuration": {"timelines_access": access},
        }

    def _list(self, path: str, rows: list[dict[str, Any]], query: dict[str, str]) -> None:
        links = []
        if rows:
            base = f"{self.server.base_url}{path}"
            keep = {k: v for k, v in query.items() if k not in ("max_id", "min_id", "since_id")}
            older = urlencode({**keep, "max_id": rows[-1]["id"]})
            newer = urlencode({**keep, "min_id": rows[0]["id"]})
            links = [f'<{base}?{older}>; rel="next"', f'<{base}?{newer}>; rel="prev"']
        self._json(rows, {"Link": ", ".join(links)} if links else {})

    def _json(self, doc: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc).encode()
        self._send(200, body, "application/json; charset=utf-8", headers)

    def _error(self, status: int) -> None:
        body = json.dumps({"error": _ERRORS.get(status, "error")}).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        state = self.server.state
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-RateLimit-Limit", str(state.limit))
        self.send_header("X-RateLimit-Remaining", str(state.remaining))
        reset = state.reset_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self.send_header("X-RateLimit-Reset", reset)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class FakeMastodonServer(ThreadingHTTPServer):
    """The fake, bound to an ephemeral port on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, state: MastodonState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state, self.lock = state, threading.Lock()

    @property
    def base_url(self) -> str:
        """Where the fake listens."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, status: dict[str, Any], *, mention: bool = False) -> None:
        """Serve one more status (and a mention notification for it)."""
        with self.lock:
            self.state.statuses.append(status)
            if mention:
                note_id = str(6000 + len(self.state.notifications))
                self.state.notifications.append(
                    {
                        "id": note_id,
                        "type": "mention",
                        "created_at": status["created_at"],
                        "account": status["account"],
                        "status": status,
                    }
                )


def sample_state() -> MastodonState:
    """A fresh copy of the recorded sample."""
    doc = json.loads(json.dumps(SAMPLE))
    return MastodonState(doc["account"], doc["statuses"], doc["notifications"])


@contextmanager
def running_mastodon_server(state: MastodonState | None = None) -> Iterator[FakeMastodonServer]:
    """A fake Mastodon serving ``state`` (default: the sample) on an ephemeral port."""
    server = FakeMastodonServer(state or sample_state())
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_mastodon_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    token: str | None = TOKEN,
    brand: dict[str, Any] | None = None,
    **source_overrides: Any,
) -> tuple[MastodonCollector, Target]:
    """A collector for the brand "Acme" against the fake, with small pages to exercise paging."""
    instance: dict[str, Any] = {"base_url": base_url, "domain": DOMAIN}
    if token is not None:
        instance["access_token"] = SecretStr(token)
    values: dict[str, Any] = {
        "enabled": True,
        "instances": {"social": instance},
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "limit": 2,
        "max_retries": 3,
        **source_overrides,
    }
    settings = MastodonSettings.model_validate(values)
    brand_values = brand or {
        "accounts": ["AcmeHelp@mastodon.social"],
        "hashtags": ["acme", "acmeair"],
    }
    target = Target("Acme", MastodonBrandSettings.model_validate(brand_values))
    collector = MastodonCollector(settings, clock, sleep=sleep or (lambda _s: None))
    return collector, target
