"""The Mastodon collector: hashtags, search, the brand account's mentions and own posts.

Streams per brand and instance (``<instance>/tag/<hashtag>``, ``<instance>/search/<term>``,
``<instance>/mentions``, ``<instance>/own``). Mentions and own posts are read only where the
instance's token signs in as one of the brand's ``accounts``.

Cursor: ``{"v": 1, "streams": {NAME: {"min_id": ID}}}``. A live pass walks each stream
forward from its ``min_id`` (Mastodon answers ``min_id`` with the items just above it, the
Link header's ``rel="prev"``), so every page holds everything between the stored mark and
its own newest item: the mark moves with each stored page and a pass cut short (kill -9,
``max_pages``) resumes exactly there, with nothing skipped or read twice. A stream's first
pass reads only its newest page. A backfill (``since``/``until``) walks newest-first by
``max_id`` (Link ``rel="next"``) and never moves the marks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
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
    SourceError,
    SourceSettings,
    Target,
)
from monitor.collectors.mastodon.client import (
    Kind,
    MalformedPage,
    MastodonClient,
    PageRequest,
    RawPage,
    RejectedRequest,
)
from monitor.collectors.mastodon.mapping import BadStatus, full_handle, status_to_post
from monitor.collectors.mastodon.settings import MastodonBrandSettings, MastodonSettings
from monitor.collectors.retry import RetryPolicy
from monitor.posts import Post

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Stream:
    """One timeline read on one instance."""

    name: str
    instance: str
    kind: Kind
    subject: str  # hashtag or search term; the account id is learnt when signing in


def instance_names(settings: MastodonBrandSettings, source: MastodonSettings) -> list[str]:
    """The instances a brand reads: those it lists, else every configured one."""
    return list(settings.instances) or list(source.instances)


def streams_for(settings: MastodonBrandSettings, source: MastodonSettings) -> list[Stream]:
    """Mentions and own posts first (the brand's inbox), then hashtags, then search."""
    out: list[Stream] = []
    for name in instance_names(settings, source):
        instance = source.instances.get(name)
        if instance is None:
            continue
        domain = instance.account_domain
        home = any(a.endswith(f"@{domain}") for a in settings.accounts)
        if instance.access_token is not None and home:
            out.append(Stream(f"{name}/mentions", name, "mentions", ""))
            out.append(Stream(f"{name}/own", name, "own", ""))
        out += [Stream(f"{name}/tag/{t}", name, "tag", t) for t in settings.hashtags]
        out += [Stream(f"{name}/search/{t}", name, "search", t) for t in settings.search]
    return out


@dataclass
class _Pass:
    """State shared by the streams of one collect() call."""

    marks: dict[str, str]
    since: datetime | None
    until: datetime | None
    rejected: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # auth failures, per instance

    def cursor(self) -> Cursor:
        return {"v": CURSOR_VERSION, "streams": {n: {"min_id": i} for n, i in self.marks.items()}}


class MastodonCollector:
    """Reads Mastodon servers through Mastodon.py for one brand or competitor at a time."""

    name: ClassVar[str] = "mastodon"
    settings_model: ClassVar[type[SourceSettings]] = MastodonSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = MastodonBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, MastodonSettings):
            raise TypeError(f"MastodonCollector needs MastodonSettings, got {type(settings)}")
        self.settings, self._clock, self._sleep = settings, clock, sleep
        self._clients: dict[str, MastodonClient] = {}
        self._me: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """Close every server's HTTP session."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def stream_settings(self, target: Target) -> dict[str, dict[str, Any]]:
        """What defines each stream (see monitor.collectors.fingerprint): the server's address,
        and for mentions and own posts the brand's accounts."""
        if not isinstance(target.settings, MastodonBrandSettings):
            return {}
        out: dict[str, dict[str, Any]] = {}
        for s in streams_for(target.settings, self.settings):
            defined: dict[str, Any] = {"base_url": self.settings.instances[s.instance].base_url}
            if s.kind in ("mentions", "own"):
                defined["accounts"] = sorted(target.settings.accounts)
            out[s.name] = defined
        return out

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Generator[Page, None, None]:
        """Yield pages for ``target``; raise AuthError/FatalError at the end for refused streams."""
        settings = target.settings
        if not isinstance(settings, MastodonBrandSettings):
            raise FatalError(f"mastodon: target {target.brand!r} has no mastodon settings")
        unknown = [n for n in settings.instances if n not in self.settings.instances]
        if unknown:
            known = ", ".join(sorted(self.settings.instances)) or "none"
            raise FatalError(
                f"mastodon: {target.brand} names instance(s) {', '.join(unknown)} that are not "
                f"under sources.mastodon.instances (known: {known})"
            )
        run = _Pass(_stored_marks(cursor), since, until)
        streams = streams_for(settings, self.settings)
        run.marks = {s.name: run.marks[s.name] for s in streams if s.name in run.marks}
        for stream in streams:
            if stream.instance in run.refused:
                continue
            try:
                yield from self._stream(stream, target, run)
            except AuthError as exc:
                run.refused.append(stream.instance)
                run.rejected.append(str(exc))
                yield Page([], run.cursor(), notes=[str(exc)], stream=stream.name)
        if run.refused:
            raise AuthError("; ".join(run.rejected))
        if run.rejected:
            raise FatalError("; ".join(run.rejected))

    def _stream(self, stream: Stream, target: Target, run: _Pass) -> Iterator[Page]:
        client = self._client(stream.instance)
        subject = stream.subject
        if stream.kind in ("mentions", "own"):
            me = self._signed_in(client)
            handle = full_handle(str(me.get("acct", "")), client.instance.account_domain)
            if handle.lower() not in {a.lower() for a in target.accounts}:
                note = (
                    f"mastodon {stream.name}: the token of {client.token_setting} signs in as "
                    f"@{handle}, not one of {target.brand}'s accounts; not read"
                )
                yield Page([], run.cursor(), notes=[note], stream=stream.name)
                return
            subject = str(me.get("id", ""))
        if run.since is not None or run.until is not None:
            yield from self._backfill(client, stream, subject, run)
            return
        mark = run.marks.get(stream.name)
        limit = self.settings.limit
        for number in range(1, self.settings.max_pages + 1):
            where = f"mastodon {stream.name} page {number}"
            request = PageRequest(stream.kind, subject, limit, min_id=mark)
            page = yield from self._fetch(client, stream, request, where, run)
            if page is None:
                return
            posts, skipped, notes = self._posts(page, client, stream, where)
            newest = page.prev_min_id or _newest(page.items)
            if newest is not None:
                run.marks[stream.name] = newest
            first_pass = mark is None
            done = first_pass or len(page.items) < limit or newest is None
            if not done and number == self.settings.max_pages:
                notes.append(f"{where}: more to read; the next pass continues from here")
            yield Page(posts, run.cursor(), skipped, notes, stream.name)
            if done:
                return
            mark = newest

    def _backfill(
        self, client: MastodonClient, stream: Stream, subject: str, run: _Pass
    ) -> Iterator[Page]:
        """Newest-first by ``max_id`` within ``since``/``until``; the marks stay as they are."""
        max_id = None
        if run.until is not None and stream.kind != "mentions":
            # Status ids are Snowflake-like: milliseconds since the epoch shifted left 16 bits.
            max_id = str(int(run.until.timestamp() * 1000) << 16)
        for number in range(1, self.settings.max_pages + 1):
            where = f"mastodon {stream.name} backfill page {number}"
            request = PageRequest(stream.kind, subject, self.settings.limit, max_id=max_id)
            page = yield from self._fetch(client, stream, request, where, run)
            if page is None:
                return
            posts, skipped, notes = self._posts(page, client, stream, where)
            times = [p.created_at for p in posts]
            posts = [
                p
                for p in posts
                if (run.since is None or p.created_at >= run.since)
                and (run.until is None or p.created_at < run.until)
            ]
            yield Page(posts, run.cursor(), skipped, notes, stream.name)
            max_id = page.next_max_id or _oldest(page.items)
            reached = run.since is not None and bool(times) and min(times) < run.since
            if reached or max_id is None or len(page.items) < self.settings.limit:
                return

    def _fetch(
        self, client: MastodonClient, stream: Stream, request: PageRequest, where: str, run: _Pass
    ) -> Generator[Page, None, RawPage | None]:
        """The page, or None after yielding what went wrong (the mark stays put)."""
        try:
            return client.fetch(request)
        except MalformedPage as exc:
            note = f"{where}: unreadable; the pass ends here and reads it again next time"
            bad = SkippedPage(where, str(exc), exc.raw_body)
            yield Page([], run.cursor(), [bad], [note], stream.name)
        except RejectedRequest as exc:
            run.rejected.append(f"{where}: {exc}")
            bad = SkippedPage(where, str(exc), exc.raw_body)
            yield Page([], run.cursor(), [bad], [], stream.name)
        return None

    def _posts(
        self, page: RawPage, client: MastodonClient, stream: Stream, where: str
    ) -> tuple[list[Post], list[SkippedPage], list[str]]:
        posts: list[Post] = []
        skipped: list[SkippedPage] = []
        reblogs = 0
        domain = client.instance.account_domain
        for index, item in enumerate(page.items):
            status = (
                item.get("status") if stream.kind == "mentions" and isinstance(item, dict) else item
            )
            if isinstance(status, dict) and status.get("reblog"):
                reblogs += 1  # a boost repeats someone's post; the post itself is what counts
                continue
            try:
                posts.append(status_to_post(status, domain, via=stream.name))
            except (BadStatus, ValueError) as exc:
                raw = json.dumps(item, ensure_ascii=False, default=str)
                skipped.append(SkippedPage(f"{where} item {index}", str(exc), raw))
        notes = [f"{where}: left out {reblogs} boost(s)"] if reblogs else []
        return posts, skipped, notes

    def _client(self, name: str) -> MastodonClient:
        if name not in self._clients:
            self._clients[name] = MastodonClient(
                name,
                self.settings.instances[name],
                timeout=self.settings.timeout_seconds,
                policy=RetryPolicy(max_retries=self.settings.max_retries),
                reserve=self.settings.reserve_requests,
                clock=self._clock,
                sleep=self._sleep,
            )
        return self._clients[name]

    def _signed_in(self, client: MastodonClient) -> dict[str, Any]:
        if client.name not in self._me:
            self._me[client.name] = client.me()
        return self._me[client.name]

    def check(self) -> CheckResult:
        """Per instance: who the token signs in as and whether it may read notifications."""
        results = [self._check_one(name) for name in self.settings.instances]
        if not results:
            return CheckResult(False, "no instance configured", "sources.mastodon.instances")
        failed = [r for r in results if not r.ok]
        detail = "; ".join(r.detail for r in results)
        if not failed:
            return CheckResult(True, detail)
        fix = "; ".join(r.fix for r in failed if r.fix) or None
        return CheckResult(False, detail, fix, all(r.unreachable for r in failed))

    def _check_one(self, name: str) -> CheckResult:
        client = self._client(name)
        try:
            if not client.has_token:
                info = client.server_info()
                version = info.get("version", "?")
                detail = f"{name}: reachable (Mastodon {version}), no token: hashtags only"
                return CheckResult(True, detail)
            me = client.me()
            client.probe_mentions()
        except AuthError as exc:
            return CheckResult(False, str(exc), client.token_setting)
        except RetriableError as exc:
            fix = f"sources.mastodon.instances.{name}.base_url"
            return CheckResult(False, f"{exc}", fix, unreachable=True)
        except SourceError as exc:
            return CheckResult(False, str(exc), f"sources.mastodon.instances.{name}")
        handle = full_handle(str(me.get("acct", "?")), client.instance.account_domain)
        left = (
            f", {client.remaining} of {client.limit} requests left in this 5-minute window"
            if client.remaining is not None and client.limit is not None
            else ""
        )
        return CheckResult(True, f"{name}: signed in as @{handle}, mentions readable{left}")


def _stored_marks(cursor: Cursor | None) -> dict[str, str]:
    if not isinstance(cursor, dict) or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or another layout: start afresh
    streams = cursor.get("streams")
    marks: dict[str, str] = {}
    for name, state in (streams if isinstance(streams, dict) else {}).items():
        value = state.get("min_id") if isinstance(state, dict) else None
        if isinstance(value, str) and value.isascii() and value.isalnum():
            marks[str(name)] = value
    return marks


def _ids(items: list[Any]) -> list[str]:
    return [i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)]


def _order(ident: str) -> tuple[int, str]:
    # Numeric ids compare by length first; ULIDs share one length and compare as text.
    return (len(ident), ident)


def _newest(items: list[Any]) -> str | None:
    ids = _ids(items)
    return max(ids, key=_order) if ids else None


def _oldest(items: list[Any]) -> str | None:
    ids = _ids(items)
    return min(ids, key=_order) if ids else None
