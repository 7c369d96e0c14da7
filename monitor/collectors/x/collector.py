"""The X collector: mentions, the brand's own replies and the brand search, newest first."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

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
    secret_value,
)
from monitor.collectors.retry import RetryPolicy
from monitor.collectors.x.client import (
    MIN_RESULTS,
    Endpoint,
    PageRequest,
    RejectedRequest,
    XClient,
)
from monitor.collectors.x.cursor import StreamState, XCursor
from monitor.collectors.x.parse import MalformedPage, TweetPage, parse_page, tweet_to_post
from monitor.collectors.x.settings import XBrandSettings, XSettings
from monitor.posts import Post

#: Recent search reaches back this far; X rejects an older start_time.
SEARCH_WINDOW = timedelta(days=7) - timedelta(minutes=1)
#: X rejects an end_time less than 10 seconds before the request.
END_TIME_MARGIN = timedelta(seconds=10)
#: ``sources check`` searches one quiet account over one minute: X bills per post read, so
#: the check reads next to nothing while still proving the token.
CHECK_QUERY = "from:XDevelopers -is:retweet"
_FIX_TOKEN = "X_BEARER_TOKEN (sources.x.bearer_token): the app's bearer token, developer portal"
PATHS: dict[Endpoint, str] = {
    "search": "/2/tweets/search/recent",
    "mentions": "/2/users/:id/mentions",
    "timeline": "/2/users/:id/tweets",
}


@dataclass(frozen=True)
class Stream:
    """One thing read for a target: its cursor name, endpoint and query or user id."""

    name: str
    endpoint: Endpoint
    subject: str
    defined_by: str  # the setting the subject comes from (named when it changes)

    @property
    def settings(self) -> dict[str, str]:
        """What decides what this stream reads (its cursor starts afresh when it changes)."""
        return {self.defined_by: self.subject}


def streams_for(settings: XBrandSettings) -> list[Stream]:
    """Mentions first, then brand replies, then the broad (costliest) search."""
    streams = []
    if settings.user_id:
        streams.append(Stream("mentions", "mentions", settings.user_id, "user_id"))
    if settings.include_own_replies and settings.accounts:
        authors = " OR ".join(f"from:{handle}" for handle in settings.accounts)
        streams.append(Stream("brand_replies", "search", f"({authors}) is:reply", "accounts"))
    elif settings.include_own_replies and settings.user_id:
        streams.append(Stream("brand_replies", "timeline", settings.user_id, "user_id"))
    streams.append(Stream("search", "search", settings.query, "query"))
    return streams


@dataclass
class _Pass:
    """State shared by the streams of one collect() call."""

    state: XCursor
    start: datetime | None
    end: datetime | None
    notes: list[str]
    rejected: list[str]

    @property
    def backfill(self) -> bool:
        return self.start is not None or self.end is not None

    def page(self, stream: Stream, posts: list[Post], skipped: list[SkippedPage]) -> Page:
        notes, self.notes = self.notes, []
        return Page(posts, self.state.to_json(), skipped, notes, stream.name)


class XCollector:
    """Reads X API v2 through tweepy for one brand or competitor at a time."""

    name: ClassVar[str] = "x"
    settings_model: ClassVar[type[SourceSettings]] = XSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = XBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, XSettings):
            raise TypeError(f"XCollector needs XSettings, got {type(settings).__name__}")
        self.settings, self._clock, self._sleep = settings, clock, sleep
        self._client: XClient | None = None

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Generator[Page, None, None]:
        """Yield pages for ``target``; raise FatalError at the end if X rejected a stream."""
        if not isinstance(target.settings, XBrandSettings):
            raise FatalError(f"x: target {target.brand!r} has no x settings")
        client = self._get_client()
        now = self._clock()
        state = XCursor.load(
            cursor,
            today=now.astimezone(UTC).date().isoformat(),
            limit=self.settings.daily_read_budget,
        )
        end = min(until, now - END_TIME_MARGIN) if until is not None else None
        run = _Pass(state, since, end, list(state.problems), [])
        for stream in streams_for(target.settings):
            if state.budget.exhausted:
                break
            finished = yield from self._read_stream(client, stream, run)
            if not finished and state.budget.exhausted:
                break
        if state.budget.exhausted:
            run.notes.append(state.budget.note())
        if run.notes:
            yield Page([], state.to_json(), notes=run.notes, stream="")
        if run.rejected:
            raise FatalError("; ".join(run.rejected))

    def check(self) -> CheckResult:
        """One tiny recent search with the bearer token, no retries: is the token good?"""
        try:
            client = self._get_client()
        except AuthError as exc:
            return CheckResult(False, str(exc), _FIX_TOKEN)
        now = self._clock()
        request = PageRequest(
            "search",
            CHECK_QUERY,
            MIN_RESULTS["search"],
            start_time=now - END_TIME_MARGIN - timedelta(minutes=1),
            end_time=now - END_TIME_MARGIN,
        )
        try:
            body = client.probe(request)
        except AuthError as exc:
            return CheckResult(False, f"bearer token refused: {exc}", _FIX_TOKEN)
        except RetriableError as exc:
            if "429" in str(exc):
                detail = f"rate limited now ({exc}); the token was accepted"
                return CheckResult(False, detail, "wait for the window to reset", True)
            detail = f"X API unreachable: {exc}"
            return CheckResult(False, detail, "network, proxy or sources.x.base_url", True)
        except FatalError as exc:
            return CheckResult(False, str(exc), "X developer portal: the app's plan and usage")
        try:
            reads = parse_page(body).reads
        except MalformedPage as exc:
            detail = f"X answered something else than the API: {exc}"
            return CheckResult(False, detail, "sources.x.base_url")
        budget = self.settings.daily_read_budget
        left = f"daily read budget {budget:,} posts a brand" if budget else "no daily read budget"
        return CheckResult(True, f"bearer token accepted ({reads} posts read); {left}")

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines each stream of ``target`` (see monitor.collectors.fingerprint)."""
        if not isinstance(target.settings, XBrandSettings):
            return {}
        return {s.name: s.settings for s in streams_for(target.settings)}

    def _get_client(self) -> XClient:
        if self._client is None:
            token = secret_value(self.settings.bearer_token)
            if not token:
                raise AuthError("x: no bearer_token configured under sources.x")
            self._client = XClient(
                token,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout_seconds,
                policy=RetryPolicy(max_retries=self.settings.max_retries),
                clock=self._clock,
                sleep=self._sleep,
            )
        return self._client

    def _read_stream(
        self, client: XClient, stream: Stream, run: _Pass
    ) -> Generator[Page, None, bool]:
        """Page through one stream; True when it was read to the end."""
        start = run.start
        if start is not None and stream.endpoint == "search":
            start = max(start, self._clock() - SEARCH_WINDOW)
            if start != run.start:
                run.notes.append(
                    f"x {stream.name}: recent search reaches back 7 days only; "
                    f"reading from {start:%Y-%m-%d %H:%M} UTC"
                )
        if start is not None and run.end is not None and start >= run.end:
            run.notes.append(f"x {stream.name}: nothing to read between {start} and {run.end}")
            return True
        stored = StreamState() if run.backfill else run.state.stream(stream.name)
        since_id, until_id = stored.since_id, stored.until_id
        newest, oldest = _int(stored.pending_newest), _int(stored.until_id)
        token: str | None = None
        page_no, widened = 0, False
        while not run.state.budget.exhausted:
            page_no += 1
            where = f"x {stream.name} ({PATHS[stream.endpoint]}) page {page_no}"
            request = PageRequest(
                stream.endpoint,
                stream.subject,
                self._page_size(stream, run),
                since_id,
                until_id,
                start,
                run.end,
                token,
            )
            try:
                body = client.fetch(request)
            except RejectedRequest as exc:
                if (since_id or until_id) and not widened and _names_id_window(exc.body):
                    # A since_id past the 7-day search window is refused: read the whole window.
                    run.notes.append(f"x {stream.name}: stored ids refused ({exc}); reading afresh")
                    since_id = until_id = token = None
                    newest = oldest = None
                    page_no, widened = 0, True
                    continue
                run.rejected.append(f"{where}: {exc}")
                yield run.page(stream, [], [SkippedPage(where, str(exc), exc.body)])
                return False
            try:
                parsed = parse_page(body)
            except MalformedPage as exc:
                run.notes.append(f"{where}: unreadable, pass ends here and is read again next time")
                yield run.page(stream, [], [SkippedPage(where, str(exc), body)])
                return False
            run.state.budget.reads += parsed.reads
            posts, skipped = self._posts(parsed, where, run)
            ids = [int(p.external_id) for p in posts]
            if ids:
                newest = max(ids) if newest is None else max(newest, *ids)
                oldest = min(ids) if oldest is None else min(oldest, *ids)
            more = parsed.next_token is not None
            if more and parsed.next_token == token:
                run.notes.append(f"{where}: X repeated its page token; pass ends here")
                yield run.page(stream, posts, skipped)
                return False
            if not run.backfill:
                run.state.streams[stream.name] = (
                    StreamState(since_id, _str(oldest), _str(newest))
                    if more
                    else StreamState(_str(newest) or since_id)
                )
            yield run.page(stream, posts, skipped)
            if not more:
                return True
            token = parsed.next_token
        return False

    def _page_size(self, stream: Stream, run: _Pass) -> int:
        size = self.settings.max_results
        remaining = run.state.budget.remaining
        if remaining is not None:
            # Ask only for what the budget allows, within X's smallest page size.
            size = max(MIN_RESULTS[stream.endpoint], min(size, remaining))
        return size

    def _posts(
        self, parsed: TweetPage, where: str, run: _Pass
    ) -> tuple[list[Post], list[SkippedPage]]:
        posts, skipped = [], []
        now = self._clock()
        for index, tweet in enumerate(parsed.tweets):
            try:
                posts.append(tweet_to_post(tweet, parsed.users, now))
            except ValueError as exc:
                skipped.append(SkippedPage(f"{where} item {index}", str(exc), json.dumps(tweet)))
        unavailable = parsed.unavailable_note()
        if unavailable:
            run.notes.append(f"{where}: {unavailable}")
        return posts, skipped


def _names_id_window(body: str) -> bool:
    return "since_id" in body or "until_id" in body


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _str(value: int | None) -> str | None:
    return str(value) if value is not None else None
