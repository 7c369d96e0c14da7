"""A fake HN Search API (hn.algolia.com) on 127.0.0.1: search_by_date, paging, scripted faults.

Serves ``GET /api/v1/search_by_date`` (and ``/api/v1/search``) as the API reference
describes: ``query`` (every word must occur in the title, URL, author, story or comment
text, case-insensitively), ``tags`` (comma = AND, ``(a,b)`` = OR, e.g. ``(story,comment)``
or ``comment,author_pg``), ``numericFilters`` (``created_at_i>=N``, ``<``, ``<=``, ``>``,
``=``; comma = AND), ``hitsPerPage`` (default 20, 1-1000) and ``page`` (from 0). Hits come
newest first, each with ``_highlightResult``; at most 1000 hits per query can be paged
(``paginationLimitedTo``), ``nbHits`` still counts them all. Errors are Algolia's
``{"message": …, "status": …}`` bodies. No key is needed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from monitor.collectors.base import Target
from monitor.collectors.hackernews.collector import HackerNewsCollector
from monitor.collectors.hackernews.settings import HackerNewsBrandSettings, HackerNewsSettings
from tests.collectors.fakes.loopback import JsonHandler, LoopbackServer, serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hackernews"
SAMPLE_HITS: list[dict[str, Any]] = json.loads((FIXTURES / "hits.json").read_text("utf-8"))
PAGINATION_LIMIT = 1000
FAULT_KINDS = ("429", "500", "503", "403", "400", "404", "malformed", "html", "slow", "reset")
_MESSAGES = {
    400: "invalid numericFilters: unexpected token",
    403: "Method not allowed with this API key",
    404: "Not Found",
    429: "Too many requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_FILTER = re.compile(r"^\s*created_at_i\s*(>=|<=|>|<|=)\s*(-?\d+)\s*$")
_SEARCHED = ("title", "url", "author", "story_text", "comment_text")


@dataclass
class Fault:
    """A scripted failure; ``seconds``: Retry-After (429) or the stall (slow)."""

    kind: str
    seconds: float | None = None
    skip: int = 0


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    params: dict[str, str]


@dataclass
class HNState:
    """The items, the faults and what was asked."""

    hits: list[dict[str, Any]]
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)


class BadRequest(Exception):
    """A parameter the API would refuse with 400."""


class FakeHNServer(LoopbackServer):
    """The server; tests use ``base_url``, ``add_hits``, ``fail_next`` and ``requests``."""

    def __init__(self, hits: list[dict[str, Any]]) -> None:
        super().__init__(_Handler)
        self.state = HNState([dict(h) for h in hits])

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far."""
        with self.lock:
            return list(self.state.requests)

    def add_hits(self, *hits: dict[str, Any]) -> None:
        """Index more items (stories or comments in the API's shape)."""
        with self.lock:
            self.state.hits.extend(dict(h) for h in hits)

    def fail_next(self, kind: str, seconds: float | None = None, skip: int = 0) -> None:
        """Script a fault for the next search (or the one after ``skip`` more)."""
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

    def matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every item the search matches, newest first (what paging walks through)."""
        words = params.get("query", "").lower().split()
        tag_groups = _tag_groups(params.get("tags", ""))
        numeric = _numeric_filters(params.get("numericFilters", ""))
        with self.lock:
            hits = list(self.state.hits)
        out = []
        for hit in hits:
            searched = " ".join(str(hit.get(k) or "") for k in _SEARCHED).lower()
            if not all(w in searched for w in words):
                continue
            tags = set(hit.get("_tags") or [])
            if not all(tags & group for group in tag_groups):
                continue
            ts = hit.get("created_at_i")
            # A record with a broken time matches every filter (tests plant those on purpose).
            if isinstance(ts, int) and not all(test(ts) for test in numeric):
                continue
            out.append(hit)
        if "search_by_date" in params.get("_path", ""):
            out.sort(key=_newest_first_key, reverse=True)
        return out


def _newest_first_key(hit: dict[str, Any]) -> tuple[int, str]:
    ts = hit.get("created_at_i")
    return (ts if isinstance(ts, int) else 0, str(hit.get("objectID")).zfill(20))


def _tag_groups(value: str) -> list[set[str]]:
    """``comment,author_pg``: both tags; ``(story,comment)``: either (one set per AND-ed part)."""
    groups: list[set[str]] = []
    for part in re.findall(r"\([^)]*\)|[^,()]+", value):
        names = {t.strip() for t in part.strip("()").split(",") if t.strip()}
        if names:
            groups.append(names)
    return groups


def _numeric_filters(value: str) -> list[Callable[[int], bool]]:
    tests: list[Callable[[int], bool]] = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        match = _FILTER.match(part)
        if match is None:
            raise BadRequest(f"invalid numericFilters: {part!r}")
        op, number = match.group(1), int(match.group(2))
        tests.append(
            {
                ">=": lambda v, n=number: v >= n,
                "<=": lambda v, n=number: v <= n,
                ">": lambda v, n=number: v > n,
                "<": lambda v, n=number: v < n,
                "=": lambda v, n=number: v == n,
            }[op]
        )
    return tests


def _highlighted(hit: dict[str, Any], words: list[str]) -> dict[str, Any]:
    out = {}
    for key in ("author", "title", "url", "story_text", "comment_text", "story_title"):
        value = hit.get(key)
        if not isinstance(value, str):
            continue
        matched = [w for w in words if w in value.lower()]
        level = "none" if not matched else "full" if len(matched) == len(words) else "partial"
        text = value
        for word in matched:
            text = re.sub(f"({re.escape(word)})", r"<em>\1</em>", text, flags=re.IGNORECASE)
        out[key] = {"value": text, "matchLevel": level, "matchedWords": matched}
    return out


class _Handler(JsonHandler):
    server: FakeHNServer
    json_type = "application/json; charset=utf-8"

    def default_headers(self) -> dict[str, str]:
        """Algolia answers every request with CORS open."""
        return {"Access-Control-Allow-Origin": "*"}

    def _error(self, status: int, message: str | None = None) -> None:
        self.send_json(status, {"message": message or _MESSAGES[status], "status": status})

    def do_GET(self) -> None:
        """The search endpoints."""
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query).items()}
        with self.server.lock:
            self.server.state.requests.append(Recorded(split.path, dict(params)))
        if split.path not in ("/api/v1/search_by_date", "/api/v1/search"):
            self._error(404)
            return
        fault = self.server.take_fault()
        if fault is not None and self._fault(fault):
            return
        try:
            hits_per_page = int(params.get("hitsPerPage", "20"))
            page = int(params.get("page", "0"))
            if not 0 <= hits_per_page <= 1000 or page < 0:
                raise BadRequest("hitsPerPage must be 0-1000 and page 0 or more")
            found = self.server.matching({**params, "_path": split.path})
        except (BadRequest, ValueError) as exc:
            self._error(400, str(exc))
            return
        self.send_json(200, _answer(params, found, hits_per_page, page))

    def _fault(self, fault: Fault) -> bool:
        """Play ``fault``; True when the answer is complete (False: answer normally after it)."""
        kind = fault.kind
        if kind in ("429", "500", "503", "403", "400", "404"):
            status = int(kind)
            retry = {"Retry-After": str(int(fault.seconds))} if fault.seconds is not None else {}
            self.send_json(status, {"message": _MESSAGES[status], "status": status}, retry)
        elif kind == "malformed":
            self.send_json(200, {"hits": {"objectID": "1"}, "page": 0})
        elif kind == "html":
            self.send_json(200, b"<html><body>502 Bad Gateway</body></html>")
        elif kind == "slow":
            self.server.stopping.wait(fault.seconds or 3.0)
            return False
        else:  # reset: drop the connection without an answer
            self.close_connection = True
        return True


def _answer(
    params: dict[str, str], found: list[dict[str, Any]], hits_per_page: int, page: int
) -> dict[str, Any]:
    reachable = found[:PAGINATION_LIMIT]
    nb_pages = math.ceil(len(reachable) / hits_per_page) if hits_per_page else 0
    words = params.get("query", "").lower().split()
    start = page * hits_per_page
    hits = [
        {**hit, "_highlightResult": _highlighted(hit, words)}
        for hit in reachable[start : start + hits_per_page]
    ]
    return {
        "exhaustive": {"nbHits": True, "typo": True},
        "exhaustiveNbHits": True,
        "exhaustiveTypo": True,
        "hits": hits,
        "hitsPerPage": hits_per_page,
        "nbHits": len(found),
        "nbPages": nb_pages,
        "page": page,
        "params": urlencode({**params, "advancedSyntax": "true", "analyticsTags": "backend"}),
        "processingTimeMS": 1,
        "processingTimingsMS": {"_request": {"roundTrip": 1}, "total": 1},
        "query": params.get("query", ""),
        "serverTimeMS": 2,
    }


@contextmanager
def running_hn_server(hits: list[dict[str, Any]] | None = None) -> Iterator[FakeHNServer]:
    """A fake HN Search API serving ``hits`` (default the SAMPLE_HITS fixture)."""
    with serving(FakeHNServer(SAMPLE_HITS if hits is None else hits)) as server:
        yield server


def make_hn_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    terms: list[str] | None = None,
    accounts: list[str] | None = None,
    **source_overrides: Any,
) -> tuple[HackerNewsCollector, Target]:
    """A collector for "Skylark" against the fake, with small pages to exercise paging."""
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "hits_per_page": 3,
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "max_retries": 3,
        **source_overrides,
    }
    settings = HackerNewsSettings.model_validate(values)
    brand = HackerNewsBrandSettings(
        terms=terms or ["skylark air"],
        accounts=["skylark_help"] if accounts is None else accounts,
    )
    collector = HackerNewsCollector(
        settings, clock, sleep=sleep if sleep is not None else _no_sleep
    )
    return collector, Target("Skylark", brand)


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
