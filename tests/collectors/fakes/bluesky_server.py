"""A fake Bluesky PDS/AppView on 127.0.0.1 speaking XRPC as the atproto SDK calls it.

Serves ``com.atproto.server.createSession`` / ``refreshSession`` / ``getSession``,
``app.bsky.feed.searchPosts`` (``q``, ``sort=latest``, ``since``/``until`` on sortAt,
``limit``, ``cursor``), ``app.bsky.feed.getAuthorFeed`` (``actor``, ``filter``, reposts as
``reason``) and ``app.bsky.notification.listNotifications`` (``reasons``, ``cursor``) with the
lexicon's camelCase JSON. Access and refresh tokens are JWTs with ``exp``; a refresh token is
spent when used. Every answer carries ``ratelimit-limit``/``-remaining``/``-reset`` (epoch
seconds) and ``ratelimit-policy``; errors are XRPC ``{"error", "message"}`` bodies.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from monitor.collectors.base import Clock, Target
from monitor.collectors.bluesky.collector import BlueskyCollector
from monitor.collectors.bluesky.session import forget_all_in_memory
from monitor.collectors.bluesky.settings import BlueskyBrandSettings, BlueskySettings
from tests.collectors.fakes.loopback import JsonHandler, LoopbackServer, serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bluesky"
NETWORK: dict[str, Any] = json.loads((FIXTURES / "network.json").read_text("utf-8"))
HANDLE = "acmehelp.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
DID = NETWORK["accounts"][HANDLE]["did"]
TERM = "acme air"
#: What make_bluesky_collector's target collects from NETWORK: mention, reply, quote (from
#: notifications and search), the brand's reply, and the search-only post.
EXPECTED_RKEYS = frozenset({"3kuaaaaaaaa21", "3kuaaaaaaaa22", "3kuaaaaaaaa23", "3kuaaaaaaaa24",
                            "3kuaaaaaaaa25"})  # fmt: skip
FAULT_KINDS = ("429", "500", "502", "503", "401", "400", "404", "expired", "malformed", "html",
               "slow", "reset")  # fmt: skip
_ERRORS = {
    400: ("InvalidRequest", "Input/limit must be <= 100"),
    401: ("AuthenticationRequired", "Invalid identifier or password"),
    404: ("MethodNotImplemented", "Method Not Implemented"),
    429: ("RateLimitExceeded", "Rate Limit Exceeded"),
    500: ("InternalServerError", "Internal Server Error"),
    502: ("UpstreamFailure", "Upstream Failure"),
    503: ("NotEnoughResources", "Service Unavailable"),
}
RATE_LIMIT = 3000


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def make_jwt(did: str, scope: str, lifetime: float) -> str:
    """A token shaped like the PDS's (the SDK reads ``exp``; this fake checks it by lookup)."""
    now = int(time.time())
    header = {"typ": "at+jwt" if scope != "com.atproto.refresh" else "refresh+jwt", "alg": "ES256K"}
    payload = {"scope": scope, "sub": did, "iat": now, "exp": now + int(lifetime),
               "aud": "did:web:bsky.social", "jti": secrets.token_hex(8)}  # fmt: skip
    return f"{_b64(header)}.{_b64(payload)}.{secrets.token_urlsafe(32)}"


def sort_at(view: dict[str, Any]) -> str:
    """The AppView's ordering key: the earlier of createdAt and indexedAt (ISO strings)."""
    return min(view["record"].get("createdAt", view["indexedAt"]), view["indexedAt"])


@dataclass
class Fault:
    """A scripted failure for the next request to ``nsid`` (any listing when None)."""

    kind: str
    seconds: float | None = None
    skip: int = 0
    nsid: str | None = None


@dataclass
class Recorded:
    """One request the fake received (tokens not kept)."""

    nsid: str
    query: dict[str, list[str]]
    authorized: bool


@dataclass
class BlueskyState:
    """The network the fake serves, its live tokens, faults and what was asked."""

    posts: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    reposts: list[dict[str, Any]]
    access: dict[str, str] = field(default_factory=dict)  # token -> did
    refresh: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    sessions_created: int = 0
    sessions_refreshed: int = 0


class FakeBlueskyServer(LoopbackServer):
    """The server; tests use ``base_url``, ``add_post``, ``fail_next``, ``revoke_tokens``."""

    def __init__(self, network: dict[str, Any]) -> None:
        super().__init__(_Handler)
        self.state = BlueskyState(
            [dict(p) for p in network["posts"]],
            [dict(n) for n in network["notifications"]],
            [dict(r) for r in network["reposts"]],
        )
        self.accounts = {h: a["did"] for h, a in network["accounts"].items()}
        self.passwords = {HANDLE: APP_PASSWORD}
        self.access_lifetime = 7200.0  # the PDS gives access tokens two hours
        self.now: Callable[[], float] = time.time  # epoch seconds for ratelimit-reset

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far."""
        with self.lock:
            return list(self.state.requests)

    def calls(self, nsid: str) -> int:
        """How often ``nsid`` was called."""
        return sum(1 for r in self.requests if r.nsid == nsid)

    def add_post(self, view: dict[str, Any], notification: str | None = None) -> None:
        """Index a post view (and notify the brand account with reason ``notification``)."""
        with self.lock:
            self.state.posts.append(view)
            if notification is not None:
                keys = ("uri", "cid", "author", "record", "indexedAt")
                note = {k: view[k] for k in keys}
                self.state.notifications.append({**note, "reason": notification, "isRead": False})

    def revoke_tokens(self) -> None:
        """Forget every issued token (a password change, or tokens past their lifetime)."""
        with self.lock:
            self.state.access.clear()
            self.state.refresh.clear()

    def fail_next(
        self, kind: str, seconds: float | None = None, skip: int = 0, nsid: str | None = None
    ) -> None:
        """Script a fault for the next listing request (or ``nsid``), after ``skip`` more."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        with self.lock:
            self.state.faults.append(Fault(kind, seconds, skip, nsid))

    def take_fault(self, nsid: str) -> Fault | None:
        """The next scripted fault due for ``nsid``, removed from the script."""
        with self.lock:
            for fault in self.state.faults:
                listing = nsid.startswith("app.bsky.")
                if fault.nsid == nsid or (fault.nsid is None and listing):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    self.state.faults.remove(fault)
                    return fault
            return None

    def issue(self, did: str, handle: str) -> dict[str, Any]:
        """A new token pair for ``did`` as createSession/refreshSession answer it."""
        access = make_jwt(did, "com.atproto.appPass", self.access_lifetime)
        refresh = make_jwt(did, "com.atproto.refresh", 90 * 86400)
        self.state.access[access] = did
        self.state.refresh[refresh] = did
        service = [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": self.base_url}]  # fmt: skip
        did_doc = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": did,
            "alsoKnownAs": [f"at://{handle}"],
            "verificationMethod": [],
            "service": service,
        }
        return {"accessJwt": access, "refreshJwt": refresh, "handle": handle, "did": did,
                "didDoc": did_doc, "email": "help@acme.example", "emailConfirmed": True,
                "active": True}  # fmt: skip


def _views_by(state: BlueskyState, did: str) -> list[dict[str, Any]]:
    return [p for p in state.posts if p["author"].get("did") == did]


class _Handler(JsonHandler):
    server: FakeBlueskyServer
    json_type = "application/json; charset=utf-8"

    def default_headers(self) -> dict[str, str]:
        """The PDS reports its rate limit window on every answer."""
        return {"ratelimit-limit": str(RATE_LIMIT), "ratelimit-remaining": str(RATE_LIMIT - 1),
                "ratelimit-reset": str(int(time.time()) + 300),
                "ratelimit-policy": f"{RATE_LIMIT};w=300"}  # fmt: skip

    def _error(self, status: int, headers: dict[str, str] | None = None) -> None:
        error, message = _ERRORS[status]
        self.send_json(status, {"error": error, "message": message}, headers)

    def _token(self) -> str:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return token if scheme == "Bearer" else ""

    def _route(self, method: str) -> None:
        split = urlsplit(self.path)
        nsid = split.path.removeprefix("/xrpc/")
        query = parse_qs(split.query)
        token = self._token()
        with self.server.lock:
            authorized = token in self.server.state.access
            self.server.state.requests.append(Recorded(nsid, query, authorized))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.server.take_fault(nsid)
        if fault is not None and self._fault(fault):
            return
        handlers = {
            ("POST", "com.atproto.server.createSession"): self._create_session,
            ("POST", "com.atproto.server.refreshSession"): self._refresh_session,
            ("GET", "com.atproto.server.getSession"): self._get_session,
            ("GET", "app.bsky.feed.searchPosts"): self._search,
            ("GET", "app.bsky.feed.getAuthorFeed"): self._author_feed,
            ("GET", "app.bsky.notification.listNotifications"): self._notifications,
        }
        handler = handlers.get((method, nsid))
        if handler is None:
            self._error(404)
            return
        if nsid not in ("com.atproto.server.createSession", "com.atproto.server.refreshSession"):
            if not token:
                self.send_json(401, {"error": "AuthMissing", "message": "Authentication Required"})
                return
            if not authorized:
                self.send_json(400, {"error": "ExpiredToken", "message": "Token has expired"})
                return
        handler(query, body, token)

    def do_GET(self) -> None:
        """XRPC queries."""
        self._route("GET")

    def do_POST(self) -> None:
        """XRPC procedures."""
        self._route("POST")

    def _create_session(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        data = json.loads(body or b"{}")
        handle = str(data.get("identifier", "")).lower()
        with self.server.lock:
            ok = self.server.passwords.get(handle) == data.get("password")
            if ok:
                self.server.state.sessions_created += 1
                answer = self.server.issue(self.server.accounts[handle], handle)
        if not ok:
            self._error(401)
            return
        self.send_json(200, answer)

    def _refresh_session(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        with self.server.lock:
            did = self.server.state.refresh.pop(token, None)  # a refresh token is spent once
            if did is not None:
                self.server.state.sessions_refreshed += 1
                handle = next(h for h, d in self.server.accounts.items() if d == did)
                answer = self.server.issue(did, handle)
        if did is None:
            self.send_json(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
            return
        self.send_json(200, answer)

    def _get_session(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        with self.server.lock:
            did = self.server.state.access[token]
        handle = next(h for h, d in self.server.accounts.items() if d == did)
        self.send_json(200, {"handle": handle, "did": did, "email": "help@acme.example",
                         "emailConfirmed": True, "active": True})  # fmt: skip

    def _limit(self, query: dict[str, list[str]], default: int) -> int | None:
        limit = int(query.get("limit", [str(default)])[-1])
        if not 1 <= limit <= 100:
            self._error(400)
            return None
        return limit

    def _page(self, items: list[Any], query: dict[str, list[str]], key: str, limit: int) -> None:
        start = int(query.get("cursor", ["0"])[-1])
        page = items[start : start + limit]
        answer: dict[str, Any] = {key: page}
        if start + limit < len(items):
            answer["cursor"] = str(start + limit)
        self.send_json(200, answer)

    def _search(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        limit = self._limit(query, 25)
        if limit is None:
            return
        words = query["q"][-1].lower().split()
        since, until = query.get("since", [""])[-1], query.get("until", [""])[-1]
        with self.server.lock:
            posts = list(self.server.state.posts)
        hits = [
            p
            for p in posts
            if all(w in p["record"].get("text", "").lower() for w in words)
            and (not since or _ts(sort_at(p)) >= _ts(since))
            and (not until or _ts(sort_at(p)) < _ts(until))
        ]
        hits.sort(key=lambda p: _ts(sort_at(p)), reverse=True)
        self._page(hits, query, "posts", limit)

    def _author_feed(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        limit = self._limit(query, 50)
        if limit is None:
            return
        actor = query["actor"][-1]
        did = self.server.accounts.get(actor, actor)
        with self.server.lock:
            own = [({"post": p}, sort_at(p)) for p in _views_by(self.server.state, did)]
            views = {p["uri"]: p for p in self.server.state.posts}
            reposts = [r for r in self.server.state.reposts if r["by"] == actor]
        if query.get("filter", ["posts_with_replies"])[-1] == "posts_no_replies":
            own = [(e, t) for e, t in own if "reply" not in e["post"]["record"]]
        by = next(p["author"] for p in views.values() if p["author"].get("did") == did)
        for repost in reposts:
            reason = {"$type": "app.bsky.feed.defs#reasonRepost", "by": by,
                      "indexedAt": repost["indexedAt"]}  # fmt: skip
            own.append(({"post": views[repost["uri"]], "reason": reason}, repost["indexedAt"]))
        own.sort(key=lambda e: _ts(e[1]), reverse=True)
        self._page([e for e, _ in own], query, "feed", limit)

    def _notifications(self, query: dict[str, list[str]], body: bytes, token: str) -> None:
        limit = self._limit(query, 50)
        if limit is None:
            return
        reasons = set(query.get("reasons", []))
        with self.server.lock:
            items = [
                n for n in self.server.state.notifications if not reasons or n["reason"] in reasons
            ]
        items.sort(key=lambda n: _ts(n["indexedAt"]), reverse=True)
        self._page(items, query, "notifications", limit)

    def _fault(self, fault: Fault) -> bool:
        """Play ``fault``; True when the answer is complete (False: answer normally after it)."""
        kind = fault.kind
        if kind == "429":
            reset = int(self.server.now() + (fault.seconds if fault.seconds is not None else 30))
            self._error(429, {"ratelimit-remaining": "0", "ratelimit-reset": str(reset)})
        elif kind in ("500", "502", "503", "401", "400", "404"):
            retry = {"Retry-After": str(int(fault.seconds))} if fault.seconds is not None else {}
            self._error(int(kind), retry)
        elif kind == "expired":
            self.send_json(400, {"error": "ExpiredToken", "message": "Token has expired"})
        elif kind == "malformed":
            self.send_json(200, {"posts": {"uri": "not a list"}, "feed": None, "cursor": 7})
        elif kind == "html":
            self.send_json(200, b"<html><body>502 Bad Gateway</body></html>")
        elif kind == "slow":
            self.server.stopping.wait(fault.seconds or 3.0)
            return False
        else:  # reset: drop the connection without an answer
            self.close_connection = True
        return True


def _ts(value: str) -> float:
    try:
        return datetime.fromisoformat(value).astimezone(UTC).timestamp()
    except (TypeError, ValueError):
        return 0.0  # a broken date (planted by a test) sorts last


@contextmanager
def running_bluesky_server(network: dict[str, Any] | None = None) -> Iterator[FakeBlueskyServer]:
    """A fake Bluesky serving ``network`` (default NETWORK); sessions held in memory are
    forgotten before and after, as in a fresh process."""
    forget_all_in_memory()
    try:
        with serving(FakeBlueskyServer(NETWORK if network is None else network)) as server:
            yield server
    finally:
        forget_all_in_memory()


def make_bluesky_collector(
    base_url: str,
    clock: Clock,
    *,
    sleep: Any = None,
    brand: dict[str, Any] | None = None,
    **source_overrides: Any,
) -> tuple[BlueskyCollector, Target]:
    """A collector signed in as the brand account, small pages to exercise paging."""
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "handle": HANDLE,
        "app_password": SecretStr(APP_PASSWORD),
        "session_file": None,
        "page_size": 2,
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "max_retries": 3,
        "first_pass_days": 3,
        **source_overrides,
    }
    settings = BlueskySettings.model_validate(values)
    brand_values = {"terms": [TERM], "accounts": [HANDLE], **(brand or {})}
    target = Target("Acme Air", BlueskyBrandSettings.model_validate(brand_values))
    collector = BlueskyCollector(settings, clock, sleep=sleep if sleep is not None else _no_sleep)
    return collector, target


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
