"""The Bluesky collector: the brand account's notifications, its own replies and brand searches.

Each stream is read newest first down to its high-water mark (monitor.collectors.watermark).
The cursor is ``{"v": 1, "streams": {NAME: {"mark": MARK, "pending": {"cursor": C, "newest":
MARK}}}}``: ``pending`` is the API cursor of the next page while a walk is under way, so a pass
cut short (crash, ``max_pages``) carries on from there; the mark moves only on the last page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from atproto_client import models
from atproto_client.models.base import ParamsModelBase

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
    SourceError,
    SourceSettings,
    Target,
)
from monitor.collectors.bluesky.client import (
    FIX_CREDENTIALS,
    BlueskyClient,
    RejectedRequest,
    SignInLimited,
)
from monitor.collectors.bluesky.mapping import (
    CONVERSATION_REASONS,
    Item,
    MalformedPage,
    feed_item,
    is_reply,
    is_repost,
    notification_item,
    parse_listing,
    to_post,
)
from monitor.collectors.bluesky.settings import BlueskyBrandSettings, BlueskySettings
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.posts import Post

CURSOR_VERSION = 1
Kind = Literal["notifications", "replies", "search"]
#: The XRPC method and the key of the list in its answer, per kind of stream.
METHODS: dict[Kind, tuple[str, str]] = {
    "notifications": ("app.bsky.notification.listNotifications", "notifications"),
    "replies": ("app.bsky.feed.getAuthorFeed", "feed"),
    "search": ("app.bsky.feed.searchPosts", "posts"),
}


@dataclass(frozen=True)
class Stream:
    """One thing read for a target: its cursor name, kind and the account or search term."""

    name: str
    kind: Kind
    subject: str
    defined_by: str

    @property
    def settings(self) -> dict[str, str]:
        """What decides what this stream reads (its state starts afresh when it changes)."""
        return {self.defined_by: self.subject}


def streams_for(target: Target, signed_in: str | None) -> list[Stream]:
    """Notifications first (the brand account is spoken to), then its replies, then searches."""
    brand = target.settings
    if not isinstance(brand, BlueskyBrandSettings):
        return []
    streams = []
    if brand.notifications and not target.is_competitor and signed_in in brand.accounts:
        streams.append(Stream("notifications", "notifications", signed_in or "", "account"))
    if brand.include_own_replies:
        streams += [Stream(f"replies:{h}", "replies", h, "account") for h in brand.accounts]
    streams += [Stream(f"search:{t}", "search", t, "term") for t in brand.terms]
    return streams


@dataclass
class _Pass:
    """State shared by the streams of one collect() call."""

    states: dict[str, Any]
    since: float | None
    until: float | None
    floor: float
    rejected: list[str] = field(default_factory=list)

    @property
    def backfill(self) -> bool:
        return self.since is not None or self.until is not None

    def cursor(self) -> Cursor:
        return {"v": CURSOR_VERSION, "streams": dict(self.states)}


class BlueskyCollector:
    """Reads Bluesky through the atproto SDK as one signed-in account."""

    name: ClassVar[str] = "bluesky"
    settings_model: ClassVar[type[SourceSettings]] = BlueskySettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = BlueskyBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, BlueskySettings):
            raise TypeError(f"bluesky needs BlueskySettings, got {type(settings).__name__}")
        self.settings, self._clock, self._sleep = settings, clock, sleep

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines each stream of ``target`` (see monitor.collectors.fingerprint)."""
        return {s.name: s.settings for s in streams_for(target, self.settings.handle)}

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Generator[Page, None, None]:
        """Yield pages for ``target``; raise FatalError at the end if a stream was refused."""
        if not isinstance(target.settings, BlueskyBrandSettings):
            raise FatalError(f"bluesky: target {target.brand!r} has no bluesky settings")
        client = BlueskyClient(self.settings, clock=self._clock, sleep=self._sleep)
        floor = (self._clock() - timedelta(days=self.settings.first_pass_days)).timestamp()
        run = _Pass(_stored_states(cursor), epoch(since), epoch(until), floor)
        try:
            for stream in streams_for(target, client.handle):
                yield from self._read_stream(client, stream, run)
        finally:
            # Connections last one pass; the session stays in the store for the next one.
            client.close()
        if run.rejected:
            raise FatalError("; ".join(run.rejected))

    def check(self) -> CheckResult:
        """Sign in (or resume the stored session) and ask ``com.atproto.server.getSession``."""
        client = BlueskyClient(self.settings, clock=self._clock, sleep=self._sleep, max_retries=0)
        try:
            answer = client.query("com.atproto.server.getSession")
        except SignInLimited as exc:
            return CheckResult(
                False,
                str(exc),
                "wait for the sign-in limit to reset; "
                "a stored session (sources.bluesky.session_file) avoids sign-ins",
            )
        except AuthError as exc:
            return CheckResult(False, str(exc), FIX_CREDENTIALS)
        except RetriableError as exc:
            where = f"sources.bluesky.base_url ({self.settings.service}) or the network"
            return CheckResult(False, str(exc), f"check {where}", unreachable=True)
        except SourceError as exc:
            return CheckResult(False, str(exc), "sources.bluesky")
        finally:
            client.close()
        return _session_result(answer.content, answer.headers)

    def _read_stream(
        self, client: BlueskyClient, stream: Stream, run: _Pass
    ) -> Generator[Page, None, None]:
        """Page through one stream down to its mark (or ``since``), at most ``max_pages``."""
        state = {} if run.backfill else _dict(run.states.get(stream.name))
        old = Mark.from_json(state.get("mark"))
        pending = _dict(state.get("pending"))
        api_cursor = pending.get("cursor") if isinstance(pending.get("cursor"), str) else None
        newest = Mark.from_json(pending.get("newest")) if api_cursor else None
        walk = Walk(old, run.since, run.until, floor=run.floor, newest=newest)
        nsid, key = METHODS[stream.kind]
        for number in range(1, self.settings.max_pages + 1):
            where = f"bluesky {stream.name} ({nsid}) page {number}"
            params = self._params(stream, api_cursor, run, old)
            try:
                answer = client.query(nsid, params)
            except RejectedRequest as exc:
                if api_cursor is not None and number == 1 and pending:
                    # A stored page cursor the server no longer takes: walk from the top again.
                    pending, api_cursor = {}, None
                    walk = Walk(old, run.since, run.until, floor=run.floor)
                    note = f"bluesky {stream.name}: stored page cursor refused; reading afresh"
                    yield Page([], run.cursor(), notes=[note], stream=stream.name)
                    continue
                run.rejected.append(f"{where}: {exc}")
                yield Page(
                    [], run.cursor(), [SkippedPage(where, str(exc), exc.body)], stream=stream.name
                )
                return
            try:
                listing = parse_listing(answer.content, key, answer.body)
            except MalformedPage as exc:
                # The mark stays: the next pass reads this page again.
                note = f"{where}: unreadable, the stream stops here and is read again next pass"
                bad = SkippedPage(where, str(exc), exc.raw_body)
                yield Page([], run.cursor(), [bad], [note], stream=stream.name)
                return
            posts, skipped = self._posts(stream, listing.items, walk, where)
            done = walk.reached_end or listing.cursor is None or not listing.items
            notes = []
            if not done and listing.cursor == api_cursor:
                notes.append(f"{where}: the server repeated its page cursor; the walk ends here")
                done = True
            if not done and number == self.settings.max_pages:
                notes.append(
                    f"bluesky {stream.name}: stopped after {number} pages (max_pages); "
                    "the next pass carries on from here"
                )
            if not run.backfill:
                run.states[stream.name] = _state(walk, old, None if done else listing.cursor)
            yield Page(posts, run.cursor(), skipped, notes, stream=stream.name)
            if done:
                return
            api_cursor = listing.cursor

    def _params(
        self, stream: Stream, api_cursor: str | None, run: _Pass, old: Mark | None
    ) -> ParamsModelBase:
        limit = self.settings.page_size
        if stream.kind == "notifications":
            return models.AppBskyNotificationListNotifications.Params(
                limit=limit, cursor=api_cursor, reasons=list(CONVERSATION_REASONS)
            )
        if stream.kind == "replies":
            return models.AppBskyFeedGetAuthorFeed.Params(
                actor=stream.subject, limit=limit, cursor=api_cursor, filter="posts_with_replies"
            )
        # Search can filter by time itself: a backfill or first pass asks only for its window.
        since = run.since if run.backfill else (run.floor if old is None else None)
        return models.AppBskyFeedSearchPosts.Params(
            q=stream.subject,
            sort="latest",
            limit=limit,
            cursor=api_cursor,
            since=_iso(since),
            until=_iso(run.until),
        )

    def _posts(
        self, stream: Stream, entries: list[Any], walk: Walk, where: str
    ) -> tuple[list[Post], list[SkippedPage]]:
        posts: list[Post] = []
        skipped: list[SkippedPage] = []
        for index, entry in enumerate(entries):
            try:
                item = self._item(stream, entry)
                if walk.see(item.sort_ts, item.uri) and self._wanted(stream, entry, item):
                    posts.append(to_post(item, stream.name))
            except ValueError as exc:
                raw = json.dumps(entry, ensure_ascii=False)
                skipped.append(SkippedPage(f"{where} item {index}", str(exc), raw))
        return posts, skipped

    @staticmethod
    def _item(stream: Stream, entry: Any) -> Item:
        if stream.kind == "notifications":
            return notification_item(entry)
        return feed_item(entry, author_feed=stream.kind == "replies")

    @staticmethod
    def _wanted(stream: Stream, entry: Any, item: Item) -> bool:
        if stream.kind == "notifications":
            return item.view.get("reason") in CONVERSATION_REASONS
        if stream.kind == "replies":
            author = item.view.get("author")
            handle = author.get("handle") if isinstance(author, dict) else None
            # Only the account's own replies: not its top-level posts, not its reposts.
            return not is_repost(entry) and is_reply(item.view) and handle == stream.subject
        return True


def _session_result(content: Any, headers: dict[str, str]) -> CheckResult:
    if not isinstance(content, dict) or not isinstance(content.get("handle"), str):
        return CheckResult(
            False, "getSession answered without a handle", "sources.bluesky.base_url"
        )
    handle, did = content["handle"], content.get("did", "?")
    if content.get("active") is False:
        status = content.get("status", "inactive")
        return CheckResult(False, f"@{handle} is {status}", "the account's status on Bluesky")
    detail = f"signed in as @{handle} ({did})"
    lower = {k.lower(): v for k, v in headers.items()}
    if "ratelimit-remaining" in lower and "ratelimit-limit" in lower:
        detail += f", {lower['ratelimit-remaining']} of {lower['ratelimit-limit']} requests left"
    return CheckResult(True, detail)


def _state(walk: Walk, old: Mark | None, next_cursor: str | None) -> dict[str, Any]:
    if next_cursor is None:
        mark = walk.new_mark()
        return {"mark": mark.to_json()} if mark is not None else {}
    state: dict[str, Any] = {"pending": {"cursor": next_cursor}}
    if walk.newest is not None:
        state["pending"]["newest"] = walk.newest.to_json()
    if old is not None:
        state["mark"] = old.to_json()
    return state


def _stored_states(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or another layout: start afresh
    return dict(_dict(cursor.get("streams")))


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
