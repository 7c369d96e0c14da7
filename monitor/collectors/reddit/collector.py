"""Reddit streams for one brand, each walked newest-first down to its stored high-water mark.

Streams: keyword search sitewide and per subreddit (``sort=new``), new comments per watched
subreddit filtered by the keywords, everything in the brand's own subreddits, and the brand
accounts' comments (their replies). The cursor is ``{"v": 1, "streams": {name: mark}}``;
a stream's new mark rides only on the last page of its completed walk, so a crash mid-walk
re-reads instead of skipping.
"""

from __future__ import annotations

import json
import re
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
from monitor.collectors.reddit.client import ListingPage, MalformedPage, RedditClient
from monitor.collectors.reddit.mapping import post_text, removed_marker, to_post
from monitor.collectors.reddit.settings import RedditBrandSettings, RedditSettings, search_query
from monitor.collectors.retry import RetryPolicy, call_with_retry
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.posts import Post

CURSOR_VERSION = 1
_FIX_APP = (
    "REDDIT_CLIENT_ID / REDDIT_CLIENT_SECRET (sources.reddit.client_id, client_secret; "
    "username and password for a script app): reddit.com/prefs/apps"
)


@dataclass(frozen=True)
class Stream:
    """One listing to follow: where it is, its query, and whether comments must name the brand."""

    name: str
    path: str
    params: dict[str, str | int]
    keywords: tuple[str, ...] = ()  # non-empty: keep only items that mention one


def streams_for(settings: RedditBrandSettings) -> list[Stream]:
    """The streams a brand's settings ask for, in collection order, own space first."""
    query = search_query(settings.keywords)
    search = {"q": query, "sort": "new", "type": "link"}
    keywords = tuple(settings.keywords)
    own = {s.lower(): s for s in settings.own_subreddits}
    out: list[Stream] = []
    for sub in own.values():
        out.append(Stream(f"new:r/{sub}", f"r/{sub}/new", {}))
        out.append(Stream(f"comments:r/{sub}", f"r/{sub}/comments", {}))
    if settings.sitewide:
        out.append(Stream("search:all", "search", dict(search)))
    for sub in settings.subreddits:
        if sub.lower() in own:
            continue  # everything there is collected already
        out.append(Stream(f"search:r/{sub}", f"r/{sub}/search", {**search, "restrict_sr": "1"}))
        out.append(Stream(f"comments:r/{sub}", f"r/{sub}/comments", {}, keywords))
    for name in settings.accounts:
        out.append(Stream(f"user:{name}", f"user/{name}/comments", {"sort": "new"}))
    return out


def keyword_matcher(keywords: tuple[str, ...]) -> Callable[[str], bool]:
    """Case-insensitive whole-word match of any keyword ("acme" is not in "acmetric")."""
    alternatives = "|".join(re.escape(k.replace('"', "")) for k in keywords)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


class RedditCollector:
    """Collects brand mentions and brand replies from Reddit through praw."""

    name: ClassVar[str] = "reddit"
    settings_model: ClassVar[type[SourceSettings]] = RedditSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = RedditBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, RedditSettings):
            raise TypeError(f"reddit needs RedditSettings, got {type(settings).__name__}")
        self._settings, self._clock, self._sleep = settings, clock, sleep
        self._client = RedditClient(settings, clock, sleep)
        self._policy = RetryPolicy(max_retries=settings.max_retries)

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    def check(self) -> CheckResult:
        """Get a token and read one search result: are the app's credentials good?"""
        params: dict[str, str | int] = {"q": "reddit", "sort": "new", "limit": 1}
        try:
            # One retry: the token request and the search share a connection that a server
            # may drop in between; that is no reason to call Reddit unreachable.
            call_with_retry(
                partial(self._client.listing, "search", params),
                policy=RetryPolicy(max_retries=1),
                sleep=self._sleep,
                what="reddit check",
            )
        except AuthError as exc:
            return CheckResult(False, f"credentials refused: {exc}", _FIX_APP)
        except RetriableError as exc:
            detail = f"Reddit unreachable or busy: {exc}"
            return CheckResult(False, detail, "network, proxy or sources.reddit.base_url", True)
        except (MalformedPage, FatalError) as exc:
            detail = f"Reddit answered unexpectedly: {exc}"
            return CheckResult(False, detail, "sources.reddit.base_url")
        s = self._settings
        who = "a script app (password grant)" if s.username is not None else "app-only"
        return CheckResult(True, f"signed in as {who}; search answered")

    def stream_settings(self, target: Target) -> dict[str, dict[str, Any]]:
        """What defines each stream of ``target`` (see monitor.collectors.fingerprint).

        The subreddit or user is part of a stream's name already; the keywords decide what
        a search finds and which comments a watched subreddit yields.
        """
        settings = target.settings
        if not isinstance(settings, RedditBrandSettings):
            return {}
        return {
            s.name: {"keywords": list(settings.keywords)} if "q" in s.params or s.keywords else {}
            for s in streams_for(settings)
        }

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
        if not isinstance(settings, RedditBrandSettings):
            raise TypeError(f"reddit target {target.brand!r} has no Reddit settings")
        stored = _stored_marks(cursor)
        streams = streams_for(settings)
        # Only streams still configured are carried on; each keeps its mark until it is re-walked.
        marks = {s.name: stored[s.name] for s in streams if Mark.from_json(stored.get(s.name))}
        for stream in streams:
            walk = Walk(Mark.from_json(marks.get(stream.name)), epoch(since), epoch(until))
            yield from self._walk(stream, walk, marks)

    def _walk(self, stream: Stream, walk: Walk, marks: dict[str, Any]) -> Iterator[Page]:
        matches = keyword_matcher(stream.keywords) if stream.keywords else None
        after: str | None = None
        for number in range(1, self._settings.max_pages + 1):
            params = {**stream.params, "limit": self._settings.limit}
            if after:
                params["after"] = after
            try:
                listing = call_with_retry(
                    partial(self._client.listing, stream.path, params),
                    policy=self._policy,
                    sleep=self._sleep,
                    what=f"reddit {stream.name}",
                )
            except (MalformedPage, FatalError) as exc:
                # The walk ends without moving the mark: the next pass reads these pages again.
                bad = SkippedPage(f"{stream.name} page {number}", str(exc), _raw_body(exc))
                yield Page([], _cursor(marks), skipped=[bad], stream=stream.name)
                return
            posts, skipped, notes = self._posts(listing, walk, matches)
            after = listing.after
            last = walk.reached_end or after is None or number == self._settings.max_pages
            if last and not walk.reached_end and after is not None and walk.old is not None:
                notes.append(
                    f"{stream.name}: stopped after {number} pages before reaching the last "
                    "collected post; posts in between may be missing"
                )
            if last and not walk.backfill:
                new = walk.new_mark()
                if new is not None:
                    marks[stream.name] = new.to_json()
            yield Page(posts, _cursor(marks), skipped=skipped, notes=notes, stream=stream.name)
            if last:
                return

    def _posts(
        self, listing: ListingPage, walk: Walk, matches: Callable[[str], bool] | None
    ) -> tuple[list[Post], list[SkippedPage], list[str]]:
        posts: list[Post] = []
        skipped = list(listing.skipped)
        removed = 0
        for thing in listing.things:
            if not walk.see(thing.created_utc, thing.fullname):
                continue
            if matches is not None and not matches(post_text(thing)):
                continue
            if thing.kind == "t1" and removed_marker(thing):
                removed += 1  # no text left to read; a copy taken earlier is left as it was
                continue
            try:
                posts.append(to_post(thing))
            except (TypeError, ValueError) as exc:
                raw = json.dumps(thing.data, ensure_ascii=False, default=str)
                skipped.append(SkippedPage(thing.fullname, f"unusable: {exc}", raw))
        notes = []
        if removed:
            notes.append(f"skipped {removed} removed or deleted comments")
        if listing.more_stubs:
            notes.append(f"ignored {listing.more_stubs} 'more comments' stubs")
        if listing.other_kinds:
            notes.append(f"ignored {listing.other_kinds} listing entries of other kinds")
        return posts, skipped, notes


def _stored_marks(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or one of another layout: start afresh
    streams = cursor.get("streams")
    return streams if isinstance(streams, dict) else {}


def _cursor(marks: dict[str, Any]) -> Cursor:
    return {"v": CURSOR_VERSION, "streams": dict(marks)}


def _raw_body(exc: Exception) -> str:
    return str(getattr(exc, "raw_body", "") or "")
