"""A fake Reddit API on 127.0.0.1: OAuth tokens, Listing JSON, rate-limit headers, scripted faults.

Speaks what praw/prawcore send and expect: ``POST /api/v1/access_token`` (HTTP Basic with the
app's id and secret; ``client_credentials`` or ``password`` grant), bearer-authenticated
``GET /search``, ``/r/<sub>/search`` (``restrict_sr``), ``/r/<sub>/new``, ``/r/<sub>/comments``
and ``/user/<name>/comments``, each a ``Listing`` of ``{"kind", "data"}`` things paged by
``limit`` and ``after`` (a fullname), newest first when ``sort=new`` (search otherwise orders
by score, as relevance would). Every API answer carries ``x-ratelimit-used/remaining/reset``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from monitor.collectors.base import Target
from monitor.collectors.reddit.collector import RedditCollector
from monitor.collectors.reddit.settings import RedditBrandSettings, RedditSettings
from tests.collectors.fakes.loopback import JsonHandler, LoopbackServer, serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reddit"
SAMPLE_THINGS: list[dict[str, Any]] = json.loads((FIXTURES / "things.json").read_text("utf-8"))
CLIENT_ID, CLIENT_SECRET = "fake-client-id", "fake-client-secret"
USERNAME, PASSWORD = "acme_bot", "hunter2-but-longer"
#: What the collector made by :func:`make_reddit_collector` must collect from SAMPLE_THINGS.
EXPECTED_IDS = frozenset(
    {
        "t3_1d5a001",  # search (sitewide and r/techsupport)
        "t3_1d5a002",  # sitewide search
        "t3_1d5a004",  # own subreddit, no keyword
        "t3_1d5a005",  # removed body: title kept
        "t3_1d5a006",  # deleted author
        "t3_1d5a007",  # sitewide search
        "t1_l6a0001",  # r/techsupport comment naming Acme
        "t1_l6a0003",  # brand reply, found through the brand account's comments
        "t1_l6a0004",  # reply to the brand's reply
        "t1_l6a0005",  # brand reply outside the watched subreddits
        "t1_l6a0008",  # brand reply in the own subreddit
        "t1_l6a0009",  # deleted author, text kept
    }
)
FAULT_KINDS = (
    "429", "500", "503", "401", "403_private", "404", "malformed", "html", "slow", "reset",
    "exhausted",
)  # fmt: skip


@dataclass
class Fault:
    """A scripted failure for the next request whose path starts with ``path``."""

    kind: str
    path: str = ""
    seconds: float = 7.0  # 429/exhausted: x-ratelimit-reset; slow: how long to stall
    skip: int = 0  # let this many matching requests through first


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class RedditState:
    """What the fake holds: things, issued tokens, scripted faults, and what it was asked."""

    things: list[dict[str, Any]]
    tokens: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    quota: int = 1000
    used: int = 0
    reset_seconds: int = 420


class FakeRedditServer(LoopbackServer):
    """The server; tests use ``base_url``, ``add``, ``fail_next`` and ``requests``."""

    def __init__(self, things: list[dict[str, Any]]) -> None:
        super().__init__(_Handler)
        self.state = RedditState(things=[dict(t) for t in things])

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far, token requests included."""
        with self.lock:
            return list(self.state.requests)

    def api_requests(self, path: str = "") -> list[Recorded]:
        """Listing requests (not token requests) whose path starts with ``path``."""
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(path)]

    def add(self, *things: dict[str, Any]) -> None:
        """Add things (``{"kind", "data"}``) to the listings."""
        with self.lock:
            self.state.things.extend(things)

    def fail_next(self, kind: str, path: str = "", seconds: float = 7.0, skip: int = 0) -> None:
        """Script one fault (see FAULT_KINDS) for a request whose path starts with ``path``.

        The fault hits the next such request, or the one after ``skip`` more have passed.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        with self.lock:
            self.state.faults.append(Fault(kind, path, seconds, skip))

    def revoke_tokens(self) -> None:
        """Forget every issued token: the next API call gets a 401."""
        with self.lock:
            self.state.tokens.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The first scripted fault for ``path``, removed from the script."""
        with self.lock:
            for fault in self.state.faults:
                if not path.startswith(fault.path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                self.state.faults.remove(fault)
                return fault
        return None


def _sort_key(thing: dict[str, Any]) -> tuple[float, str]:
    data = thing["data"]
    return (float(thing.get("_sort_ts", data.get("created_utc", 0))), str(data.get("name", "")))


def _subreddit(thing: dict[str, Any]) -> str:
    return str(thing.get("_subreddit") or thing["data"].get("subreddit", "")).lower()


def _query_terms(q: str) -> list[str]:
    return [t.strip().strip('"').lower() for t in q.split(" OR ") if t.strip().strip('"')]


def _select(things: list[dict[str, Any]], path: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """The things a listing path shows, in the order Reddit would list them."""
    parts = path.strip("/").split("/")
    newest_first = sorted(things, key=_sort_key, reverse=True)
    if parts == ["search"] or (len(parts) == 3 and parts[0] == "r" and parts[2] == "search"):
        terms = _query_terms(query.get("q", ""))
        restrict = len(parts) == 3 and query.get("restrict_sr", "").lower() in ("1", "on", "true")
        found = [
            t
            for t in newest_first
            if t["kind"] == "t3"
            and any(
                term in f"{t['data'].get('title', '')} {t['data'].get('selftext', '')}".lower()
                for term in terms
            )
            and (not restrict or _subreddit(t) == parts[1].lower())
        ]
        if query.get("sort", "relevance") != "new":
            found.sort(key=lambda t: -int(t["data"].get("score", 0)))
        return found
    if len(parts) == 3 and parts[0] == "r" and parts[2] in ("new", "comments"):
        kinds = ("t3",) if parts[2] == "new" else ("t1", "more")
        return [t for t in newest_first if t["kind"] in kinds and _subreddit(t) == parts[1].lower()]
    if len(parts) == 3 and parts[0] == "user" and parts[2] == "comments":
        name = parts[1].lower()
        return [
            t
            for t in newest_first
            if t["kind"] == "t1" and str(t["data"].get("author", "")).lower() == name
        ]
    raise LookupError(path)


def listing_page(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """One page of ``items`` as a Reddit Listing, honouring ``limit`` and ``after``."""
    limit = max(1, min(100, int(query.get("limit") or 25)))
    start = 0
    if query.get("after"):
        names = [t["data"].get("name") for t in items]
        start = names.index(query["after"]) + 1 if query["after"] in names else len(items)
    page = items[start : start + limit]
    more = start + limit < len(items)
    children = [{"kind": t["kind"], "data": t["data"]} for t in page]
    return {
        "kind": "Listing",
        "data": {
            "after": page[-1]["data"].get("name") if page and more else None,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


class _Handler(JsonHandler):
    server: FakeRedditServer
    json_type = "application/json; charset=UTF-8"

    def _record(self) -> tuple[str, dict[str, str]]:
        split = urlsplit(self.path)
        path = split.path[:-5] if split.path.endswith(".json") else split.path
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        with self.server.lock:
            self.server.state.requests.append(
                Recorded(self.command, path, query, {k.lower(): v for k, v in self.headers.items()})
            )
        return path, query

    def _rate_headers(
        self, remaining: float | None = None, reset: float | None = None
    ) -> dict[str, str]:
        state = self.server.state
        with self.server.lock:
            state.used += 1
            left = max(0, state.quota - state.used) if remaining is None else remaining
            return {
                "x-ratelimit-used": str(state.used),
                "x-ratelimit-remaining": f"{left:.1f}",
                "x-ratelimit-reset": str(int(reset if reset is not None else state.reset_seconds)),
            }

    def do_POST(self) -> None:
        """The token endpoint."""
        path, _ = self._record()
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if path != "/api/v1/access_token":
            self.send_json(404, {"message": "Not Found", "error": 404})
            return
        fault = self.server.take_fault(path)
        if fault is not None and self._fault(fault):
            return
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self.send_json(401, {"message": "Unauthorized", "error": 401})
            return
        grant = form.get("grant_type")
        if grant == "password" and (form.get("username"), form.get("password")) != (
            USERNAME,
            PASSWORD,
        ):
            self.send_json(200, {"error": "invalid_grant"})
            return
        if grant not in ("client_credentials", "password"):
            self.send_json(200, {"error": "unsupported_grant_type"})
            return
        with self.server.lock:
            token = f"fake-token-{len(self.server.state.tokens) + 1}-{grant}"
            self.server.state.tokens.add(token)
        self.send_json(
            200, {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def do_GET(self) -> None:
        """Listings."""
        path, query = self._record()
        fault = self.server.take_fault(path)
        if fault is not None and self._fault(fault):
            return
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        with self.server.lock:
            valid = scheme.lower() == "bearer" and token in self.server.state.tokens
        if not valid:
            self._unauthorized()
            return
        try:
            with self.server.lock:
                items = _select(self.server.state.things, path, query)
        except LookupError:
            self.send_json(404, {"message": "Not Found", "error": 404}, self._rate_headers())
            return
        remaining = 0.0 if fault is not None and fault.kind == "exhausted" else None
        reset = fault.seconds if fault is not None and fault.kind == "exhausted" else None
        self.send_json(200, listing_page(items, query), self._rate_headers(remaining, reset))

    def _unauthorized(self) -> None:
        self.send_json(
            401,
            {"message": "Unauthorized", "error": 401},
            {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
        )

    def _fault(self, fault: Fault) -> bool:
        """Play ``fault``; True when the answer is complete (False: answer normally after it)."""
        kind = fault.kind
        if kind == "429":
            headers = self._rate_headers(remaining=0, reset=fault.seconds)
            self.send_json(429, {"message": "Too Many Requests", "error": 429}, headers)
        elif kind in ("500", "503"):
            self.send_json(int(kind), {"message": "Internal Server Error", "error": int(kind)})
        elif kind == "401":
            self._unauthorized()
        elif kind == "403_private":
            body = {"reason": "private", "message": "Forbidden", "error": 403}
            self.send_json(403, body, self._rate_headers())
        elif kind == "404":
            self.send_json(404, {"message": "Not Found", "error": 404}, self._rate_headers())
        elif kind == "malformed":
            body = {"kind": "Listing", "data": {"after": None, "children": {"oops": "not a list"}}}
            self.send_json(200, body, self._rate_headers())
        elif kind == "html":
            page = b"<!doctype html><html><body>upstream connect error</body></html>"
            self.send_json(200, page, self._rate_headers())
        elif kind == "slow":
            self.server.stopping.wait(fault.seconds)
            return False
        elif kind == "reset":
            self.close_connection = True  # drop the connection without an answer
        else:  # exhausted: a normal answer with no requests left in the window
            return False
        return True


@contextmanager
def running_reddit_server(
    things: list[dict[str, Any]] | None = None,
) -> Iterator[FakeRedditServer]:
    """A fake Reddit serving ``things`` (default SAMPLE_THINGS) on an ephemeral port."""
    with serving(FakeRedditServer(SAMPLE_THINGS if things is None else things)) as server:
        yield server


def make_reddit_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    script_app: bool = False,
    **source_overrides: Any,
) -> tuple[RedditCollector, Target]:
    """A collector for the brand "Acme" against the fake, with small pages to exercise paging."""
    login = {"username": SecretStr(USERNAME), "password": SecretStr(PASSWORD)} if script_app else {}
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "client_id": SecretStr(CLIENT_ID),
        "client_secret": SecretStr(CLIENT_SECRET),
        "user_agent": "python:social-monitor-tests:0.1 (by u/acme_bot)",
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "limit": 2,
        "max_retries": 3,
        **login,
        **source_overrides,
    }
    settings = RedditSettings.model_validate(values)
    brand = RedditBrandSettings(
        keywords=["acme"],
        subreddits=["techsupport"],
        own_subreddits=["AcmeMobile"],
        accounts=["AcmeSupport"],
    )
    collector = RedditCollector(settings, clock, sleep=sleep if sleep is not None else _no_sleep)
    return collector, Target("Acme", brand)


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
