"""YouTube comments: threads on the brand's channel and listed videos, newest first, on a budget.

Each stream (``channel``, ``video:ID``, ``search``) is walked newest first down to its
high-water mark (monitor.collectors.watermark), then on through ``reply_lookback_days`` of
older threads for replies written since. Every call is paid for in quota units from a daily
budget kept in the cursor (Pacific-time days, as Google's quota); the pass stops when the
next call would not fit, or when Google says the project's quota is spent. The cursor is
``{"v": 1, "streams": {name: mark}, "budget": {"day": …, "units": N}, "searched_at": ts}``
and a stream's mark moves only on the last page of its walk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    secret_value,
)
from monitor.collectors.budget import DailyBudget
from monitor.collectors.google_api import (
    MalformedBody,
    QuotaExhausted,
    RejectedRequest,
    pacific_day,
    seconds_to_pacific_midnight,
)
from monitor.collectors.retry import RetryPolicy
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.collectors.youtube.client import LIST_COST, StreamRequest, YouTubeClient
from monitor.collectors.youtube.mapping import (
    Brand,
    Item,
    ItemPage,
    MalformedPage,
    comment_post,
    parse_page,
    reply_count,
    thread_posts,
    video_post,
)
from monitor.collectors.youtube.settings import YouTubeBrandSettings, YouTubeSettings
from monitor.posts import Post

CURSOR_VERSION = 1
_DAY = 86_400.0
KEY_FIX = "the YOUTUBE_API_KEY environment variable (sources.youtube.api_key)"


@dataclass(frozen=True)
class Stream:
    """One thing read for a target: its cursor name, request and defining setting."""

    name: str
    request: StreamRequest
    defined_by: str

    @property
    def settings(self) -> dict[str, str]:
        """What decides what this stream reads (its mark starts afresh when it changes)."""
        return {self.defined_by: self.request.subject}


def streams_for(brand: YouTubeBrandSettings) -> list[Stream]:
    """The channel first, then listed videos, then the (costly) search."""
    streams = []
    if brand.channel_id:
        streams.append(Stream("channel", StreamRequest("channel", brand.channel_id), "channel_id"))
    for video in brand.video_ids:
        streams.append(Stream(f"video:{video}", StreamRequest("video", video), "video_id"))
    if brand.search_query:
        streams.append(Stream("search", StreamRequest("search", brand.search_query), "query"))
    return streams


@dataclass
class _Pass:
    """State shared by the streams of one collect() call."""

    marks: dict[str, Any]
    budget: DailyBudget
    searched_at: float | None
    backfill: bool
    notes: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    out_of_budget: bool = False

    def cursor(self) -> Cursor:
        cursor: Cursor = {
            "v": CURSOR_VERSION,
            "streams": dict(self.marks),
            "budget": self.budget.to_json("units"),
        }
        if self.searched_at is not None:
            cursor["searched_at"] = self.searched_at
        return cursor

    def page(self, name: str, posts: list[Post], skipped: list[SkippedPage]) -> Page:
        notes, self.notes = self.notes, []
        return Page(posts, self.cursor(), skipped, notes, name)


class YouTubeCollector:
    """Reads comment threads through google-api-python-client for one brand at a time."""

    name: ClassVar[str] = "youtube"
    settings_model: ClassVar[type[SourceSettings]] = YouTubeSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = YouTubeBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, YouTubeSettings):
            raise TypeError(f"youtube needs YouTubeSettings, got {type(settings).__name__}")
        self.settings, self._clock, self._sleep = settings, clock, sleep
        self._client: YouTubeClient | None = None

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines each stream of ``target`` (see monitor.collectors.fingerprint)."""
        if not isinstance(target.settings, YouTubeBrandSettings):
            return {}
        return {s.name: s.settings for s in streams_for(target.settings)}

    def check(self) -> CheckResult:
        """One 1-unit call with the key: accepted, refused, or the quota already spent."""
        try:
            client = self._get_client()
            try:
                client.probe()
            finally:
                client.close()
        except AuthError as exc:
            return CheckResult(False, f"API key refused: {exc}", fix=KEY_FIX)
        except QuotaExhausted as exc:
            fix = "wait for the reset, or ask for more quota (Google Cloud console > Quotas)"
            return CheckResult(False, str(exc), fix=fix)
        except (RetriableError, MalformedBody) as exc:
            return CheckResult(
                False,
                f"unreachable: {exc}",
                fix="sources.youtube.base_url or the network",
                unreachable=True,
            )
        except FatalError as exc:
            return CheckResult(False, str(exc), fix=KEY_FIX)
        budget = self.settings.daily_unit_budget
        return CheckResult(True, f"API key accepted; budget {budget:,} units a day per brand")

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Generator[Page, None, None]:
        """Yield pages of comments (and searched videos) for ``target``."""
        brand = target.settings
        if not isinstance(brand, YouTubeBrandSettings):
            raise FatalError(f"youtube: target {target.brand!r} has no youtube settings")
        client = self._get_client()
        now = self._clock()
        stored = cursor if cursor and cursor.get("v") == CURSOR_VERSION else {}
        marks = stored.get("streams")
        searched = stored.get("searched_at")
        run = _Pass(
            dict(marks) if isinstance(marks, dict) else {},
            DailyBudget.load(
                stored.get("budget"),
                today=pacific_day(now),
                limit=self.settings.daily_unit_budget,
                key="units",
            ),
            float(searched) if isinstance(searched, int | float) else None,
            since is not None or until is not None,
        )
        who = Brand(brand.channel_id, brand.accounts[0])
        try:
            for stream in streams_for(brand):
                if stream.request.kind == "search" and not self._search_due(run, now):
                    continue
                yield from self._walk(client, stream, who, run, since, until)
                if run.out_of_budget:
                    break
        except QuotaExhausted as exc:
            run.budget.exhaust()
            run.notes.append(f"{exc}; stopping for today")
        finally:
            client.close()  # a pass left early (or killed between pages) leaves no socket open
        if run.out_of_budget:
            hours = seconds_to_pacific_midnight(now) / 3600
            run.notes.append(
                f"youtube: daily unit budget of {run.budget.limit} reached "
                f"({run.budget.used} spent on {run.budget.day}); stopping until midnight "
                f"Pacific time, in {hours:.1f} h"
            )
        if run.notes:
            yield run.page("", [], [])
        if run.rejected:
            raise FatalError("; ".join(run.rejected))

    def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            self._client.close()

    def _get_client(self) -> YouTubeClient:
        if self._client is None:
            key = secret_value(self.settings.api_key)
            if not key:
                raise AuthError(f"youtube: no api_key configured; set {KEY_FIX}")
            self._client = YouTubeClient(
                key,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout_seconds,
                policy=RetryPolicy(max_retries=self.settings.max_retries),
                clock=self._clock,
                sleep=self._sleep,
            )
        return self._client

    def _search_due(self, run: _Pass, now: datetime) -> bool:
        """A search costs 100 units: run it once per ``search_interval_hours`` at most."""
        last = run.searched_at
        return run.backfill or last is None or now.timestamp() - last >= self._search_gap()

    def _search_gap(self) -> float:
        return self.settings.search_interval_hours * 3600

    def _walk(
        self,
        client: YouTubeClient,
        stream: Stream,
        brand: Brand,
        run: _Pass,
        since: datetime | None,
        until: datetime | None,
    ) -> Generator[Page, None, None]:
        """Page through one stream down to its mark (and the reply look-back)."""
        s, now = self.settings, self._clock()
        old = None if run.backfill else Mark.from_json(run.marks.get(stream.name))
        walk = Walk(
            old, epoch(since), epoch(until), floor=now.timestamp() - s.first_pass_days * _DAY
        )
        searching = stream.request.kind == "search"
        lookback = None
        if old is not None and not searching:
            lookback = old.ts - s.reply_lookback_days * _DAY
        after = since if searching and since else None
        if searching and after is None:
            after = datetime.fromtimestamp(old.ts if old else walk.floor or 0, UTC)
        token: str | None = None
        number = 0
        while True:
            if not run.budget.allows(stream.request.cost):
                run.out_of_budget = True
                return
            number += 1
            where = f"youtube {stream.name} page {number}"
            run.budget.spend(stream.request.cost)  # Google charges for refused calls too
            try:
                body = client.page(
                    stream.request, token, page_size=s.page_size, published_after=after
                )
                parsed = parse_page(body, where, search=searching)
            except RejectedRequest as exc:
                run.rejected.append(str(exc))
                yield run.page(stream.name, [], [SkippedPage(where, str(exc), exc.body)])
                return
            except (MalformedBody, MalformedPage) as exc:
                raw = exc.raw_body if isinstance(exc, MalformedBody) else json.dumps(body)
                run.notes.append(f"{where}: unreadable, the walk ends here and is read again")
                yield run.page(stream.name, [], [SkippedPage(where, str(exc), raw)])
                return
            if searching:
                run.searched_at = now.timestamp()
            posts, skipped = self._posts(client, parsed, walk, lookback, brand, run, searching)
            oldest = parsed.items[-1].ts if parsed.items else None
            done = walk.reached_end if lookback is None else oldest is None or oldest < lookback
            token = None if done else parsed.next_token
            if token is not None and number >= s.max_pages:
                run.notes.append(f"youtube {stream.name}: stopped after {number} pages (max_pages)")
                token = None
            if token is None and not run.backfill:
                new = walk.new_mark()
                if new is not None:
                    run.marks[stream.name] = new.to_json()
            yield run.page(stream.name, posts, skipped)
            if token is None:
                return

    def _posts(
        self,
        client: YouTubeClient,
        page: ItemPage,
        walk: Walk,
        lookback: float | None,
        brand: Brand,
        run: _Pass,
        searching: bool,
    ) -> tuple[list[Post], list[SkippedPage]]:
        posts: list[Post] = []
        skipped = list(page.skipped)
        for item in page.items:
            is_new = walk.see(item.ts, item.id)
            try:
                if searching:
                    if is_new:
                        posts.append(video_post(item))
                    continue
                if not is_new and (lookback is None or item.ts < lookback):
                    continue
                top, replies = thread_posts(item, brand)
                if is_new:
                    posts.append(top)
                posts.extend(self._all_replies(client, item, brand, replies, run, skipped))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raw = json.dumps(item.resource, ensure_ascii=False)
                skipped.append(SkippedPage(f"youtube thread {item.id}", str(exc), raw))
        return posts, skipped

    def _all_replies(
        self,
        client: YouTubeClient,
        item: Item,
        brand: Brand,
        carried: list[Post],
        run: _Pass,
        skipped: list[SkippedPage],
    ) -> list[Post]:
        """The thread's replies: ``replies`` carries a few; fetch the rest (1 unit a page)."""
        total, shown = reply_count(item)
        if total <= shown:
            return carried
        video_id = carried[0].raw.get("video_id") if carried else None
        video_id = video_id or item.resource["snippet"].get("videoId")
        replies: list[Post] = []
        token: str | None = None
        while True:
            if not run.budget.allows(LIST_COST):
                run.notes.append(f"youtube thread {item.id}: budget left no units for its replies")
                return carried + replies
            run.budget.spend(LIST_COST)
            try:
                body = client.replies(item.id, token)
                comments, token = body.get("items"), body.get("nextPageToken")
                if not isinstance(comments, list):
                    raise MalformedPage("comments.list: expected an items list")
                for comment in comments:
                    replies.append(
                        comment_post(
                            comment, brand, thread_id=item.id, video_id=video_id, reply_to=item.id
                        )
                    )
            except (RejectedRequest, MalformedBody, MalformedPage, KeyError, TypeError) as exc:
                raw = getattr(exc, "body", None) or getattr(exc, "raw_body", "") or ""
                skipped.append(SkippedPage(f"youtube replies of {item.id}", str(exc), raw))
                return carried
            if not token:
                return replies
