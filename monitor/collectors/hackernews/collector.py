"""Hacker News streams for one brand, each walked newest first down to its stored mark.

Streams: one search per term (stories and comments, ``search:TERM``) and the comments of
each brand account (``replies:NAME``, its brand replies). Each request carries a
``created_at_i`` window: from the stored mark (or ``first_pass_days`` back) and, while a
walk resumes, up to the oldest hit already read. Algolia serves 1000 hits per query at
most; past that the walk narrows the window to the oldest hit read and starts at page 0.

The cursor is ``{"v": 1, "streams": {NAME: {"mark": M, "pending": M, "until": TS}}}``:
``mark`` is the high-water mark of the last completed walk (see watermark.py); while a walk
is unfinished (a crash, ``max_pages``), ``pending`` holds the newest hit it read and
``until`` the oldest, so the next pass reads on below ``until`` and only a completed walk
moves ``mark``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from monitor.collectors.base import (
    AuthError,
    BrandSourceSettings,
    CheckResult,
    Clock,
    Cursor,
    FatalError,
    Page,
    RetriableError,
    SkippedPage,
    SourceSettings,
    Target,
)
from monitor.collectors.hackernews.client import (
    HackerNewsClient,
    MalformedPage,
    Query,
    RateLimited,
    RequestRefused,
    SearchPage,
)
from monitor.collectors.hackernews.mapping import to_post
from monitor.collectors.hackernews.settings import HackerNewsBrandSettings, HackerNewsSettings
from monitor.collectors.retry import RetryPolicy, call_with_retry
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.posts import Post

CURSOR_VERSION = 1
_DAY = 86_400.0
_FIX_HOST = "sources.hackernews.base_url (default https://hn.algolia.com), network and proxy"


@dataclass(frozen=True)
class Stream:
    """One search to follow: its cursor name, query text and tag filter."""

    name: str
    text: str
    tags: str


def streams_for(settings: HackerNewsBrandSettings) -> list[Stream]:
    """Brand replies first (cheap, and they answer what the searches find), then the terms."""
    out = [Stream(f"replies:{n}", "", f"comment,author_{n}") for n in settings.accounts]
    out += [Stream(f"search:{t}", t, "(story,comment)") for t in settings.terms]
    return out


@dataclass
class _Walk:
    """One stream's walk: the watermark walk plus the window and page being read."""

    walk: Walk
    lower: int | None
    upper: int | None
    oldest: int | None = None
    page: int = 0


class HackerNewsCollector:
    """Collects HN stories and comments naming the brand, and the brand accounts' comments."""

    name: ClassVar[str] = "hackernews"
    settings_model: ClassVar[type[SourceSettings]] = HackerNewsSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = HackerNewsBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, HackerNewsSettings):
            raise TypeError(f"hackernews needs HackerNewsSettings, got {type(settings).__name__}")
        self._settings, self._clock, self._sleep = settings, clock, sleep
        self._client = HackerNewsClient(settings, clock)
        self._policy = RetryPolicy(max_retries=settings.max_retries)

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines each stream of ``target`` (see monitor.collectors.fingerprint)."""
        if not isinstance(target.settings, HackerNewsBrandSettings):
            return {}
        return {s.name: {"query": s.text, "tags": s.tags} for s in streams_for(target.settings)}

    def check(self) -> CheckResult:
        """One search for the newest story, without retries: is the API reachable from here?"""
        root = self._settings.api_root
        try:
            page = self._client.search(Query("", "story"), 1)
        except RateLimited as exc:
            detail = f"rate limited (about 10,000 requests an hour per IP): {exc}"
            return CheckResult(False, detail, "wait, or poll less often (poll_minutes)", True)
        except RetriableError as exc:
            return CheckResult(False, f"{root} unreachable: {exc}", _FIX_HOST, unreachable=True)
        except AuthError as exc:
            return CheckResult(False, f"refused: {exc}", _FIX_HOST)
        except (FatalError, MalformedPage) as exc:
            return CheckResult(
                False, f"{root} does not answer like the HN Search API: {exc}", _FIX_HOST
            )
        if not page.hits:
            return CheckResult(True, f"{root} answers (no stories found)")
        age = (self._clock().timestamp() - page.hits[0].ts) / 60
        return CheckResult(
            True, f"{root} answers, no key needed; newest story {max(0, round(age))} min old"
        )

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Yield pages of every stream of ``target``; see the module docstring for the cursor."""
        settings = target.settings
        if not isinstance(settings, HackerNewsBrandSettings):
            raise TypeError(f"hackernews target {target.brand!r} has no Hacker News settings")
        stored = _stored_streams(cursor)
        streams = streams_for(settings)
        # Only streams still configured are carried on.
        states = {s.name: stored[s.name] for s in streams if isinstance(stored.get(s.name), dict)}
        for stream in streams:
            yield from self._walk(stream, states, epoch(since), epoch(until))

    def _start(self, state: dict[str, Any], since: float | None, until: float | None) -> _Walk:
        if since is not None or until is not None:
            upper = math.ceil(until) - 1 if until is not None else None
            lower = math.floor(since) if since is not None else None
            return _Walk(Walk(None, since, until), lower, upper)
        old = Mark.from_json(state.get("mark"))
        floor = self._clock().timestamp() - self._settings.first_pass_days * _DAY
        pending = Mark.from_json(state.get("pending"))
        resume = state.get("until")
        upper = resume if isinstance(resume, int) and not isinstance(resume, bool) else None
        if pending is None:
            upper = None  # a half-written pass: read the whole window again
        lower = math.floor(old.ts) if old is not None else math.floor(floor)
        walk = Walk(old, floor=floor, newest=pending)
        return _Walk(walk, lower, upper, oldest=upper)

    def _walk(
        self, stream: Stream, states: dict[str, Any], since: float | None, until: float | None
    ) -> Iterator[Page]:
        w = self._start(states.get(stream.name, {}), since, until)
        backfill = w.walk.backfill
        for number in range(1, self._settings.max_pages + 1):
            query = Query(stream.text, stream.tags, w.lower, w.upper, w.page)
            try:
                page: SearchPage = call_with_retry(
                    partial(self._client.search, query, self._settings.hits_per_page),
                    policy=self._policy,
                    sleep=self._sleep,
                    what=f"hackernews {stream.name}",
                )
            except (MalformedPage, RequestRefused) as exc:
                # The walk ends here, its state as stored: the next pass reads this page again.
                bad = SkippedPage(f"{stream.name} page {number}", str(exc), exc.raw_body)
                yield Page([], _cursor(states), skipped=[bad], stream=stream.name)
                return
            posts, skipped = self._posts(page, w.walk)
            notes: list[str] = []
            if page.hits:
                oldest = min(h.ts for h in page.hits)
                w.oldest = oldest if w.oldest is None else min(w.oldest, oldest)
            done = w.walk.reached_end or (page.last and not (page.truncated and page.hits))
            if not done and page.last:
                # Past Algolia's 1000-hit cap: narrow the window to what is left and start over.
                narrowed = w.oldest
                if narrowed is not None and narrowed == w.upper and w.page > 0:
                    notes.append(
                        f"{stream.name}: over 1000 hits at {narrowed}; some of them are missed"
                    )
                    narrowed -= 1
                w.upper, w.page = narrowed, 0
            else:
                w.page += 1
            if not done and number == self._settings.max_pages:
                notes.append(
                    f"{stream.name}: stopped after {number} pages (max_pages); "
                    "the next pass reads on from here"
                )
            if not backfill:
                states[stream.name] = _state(w, done)
            yield Page(posts, _cursor(states), skipped=skipped, notes=notes, stream=stream.name)
            if done:
                return

    def _posts(self, page: SearchPage, walk: Walk) -> tuple[list[Post], list[SkippedPage]]:
        posts: list[Post] = []
        skipped = list(page.skipped)
        for hit in page.hits:
            if not walk.see(hit.ts, hit.id):
                continue
            try:
                posts.append(to_post(hit))
            except (KeyError, TypeError, ValueError) as exc:
                raw = json.dumps(hit.data, ensure_ascii=False)
                skipped.append(SkippedPage(f"item {hit.id}", f"unusable hit: {exc}", raw))
        return posts, skipped


def _state(w: _Walk, done: bool) -> dict[str, Any]:
    mark = w.walk.new_mark() if done else w.walk.old
    state: dict[str, Any] = {"mark": mark.to_json()} if mark is not None else {}
    if not done and w.walk.newest is not None and w.oldest is not None:
        state["pending"] = w.walk.newest.to_json()
        state["until"] = w.oldest
    return state


def _stored_streams(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or one of another layout: start afresh
    streams = cursor.get("streams")
    return streams if isinstance(streams, dict) else {}


def _cursor(states: dict[str, Any]) -> Cursor:
    return {"v": CURSOR_VERSION, "streams": {k: dict(v) for k, v in states.items()}}
