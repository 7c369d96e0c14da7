"""Google Play reviews of the team's own apps, with the developer's replies, as a service account.

The Android Publisher API returns only reviews created or edited in the last 7 days. Each
pass walks them down to the high-water mark and on through ``reply_lookback_days`` for
replies written since; the cursor is ``{"v": 1, "streams": {"reviews": mark}, "read_to": ts}``
(``read_to``: when the last completed walk ran) and moves only on the last page of a walk. A
last completed walk older than the API's window means reviews in between may be lost: the
pass says so (a warning and a note).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
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
from monitor.collectors.google_api import MalformedBody, RejectedRequest
from monitor.collectors.googleplay.client import ACCOUNT_FIX, GooglePlayClient
from monitor.collectors.googleplay.mapping import (
    MalformedPage,
    ReviewPage,
    parse_page,
    reply_post,
    review_post,
)
from monitor.collectors.googleplay.settings import GooglePlayBrandSettings, GooglePlaySettings
from monitor.collectors.retry import RetryPolicy
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.posts import Post

CURSOR_VERSION = 1
STREAM = "reviews"
#: How far back ``reviews.list`` reaches.
API_WINDOW = timedelta(days=7)
_DAY = 86_400.0
log = logging.getLogger(__name__)


class GooglePlayCollector:
    """Collects Play Store reviews (with star ratings) and the developer's replies."""

    name: ClassVar[str] = "googleplay"
    settings_model: ClassVar[type[SourceSettings]] = GooglePlaySettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = GooglePlayBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, GooglePlaySettings):
            raise TypeError(f"googleplay needs GooglePlaySettings, got {type(settings).__name__}")
        self._settings, self._clock, self._sleep = settings, clock, sleep
        self._client: GooglePlayClient | None = None

    def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            self._client.close()

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines the reviews stream: the app (see monitor.collectors.fingerprint)."""
        if not isinstance(target.settings, GooglePlayBrandSettings):
            return {}
        return {STREAM: {"package_name": target.settings.package_name}}

    def check(self) -> CheckResult:
        """Sign in as the service account (the token exchange): the one call needing no app."""
        try:
            email = self._get_client().sign_in()
        except AuthError as exc:
            return CheckResult(False, str(exc), fix=ACCOUNT_FIX)
        except RetriableError as exc:
            fix = "sources.googleplay.base_url, the key's token_uri, or the network"
            return CheckResult(False, str(exc), fix=fix, unreachable=True)
        return CheckResult(
            True,
            f"signed in as {email}; access to each app is checked when it is collected "
            "(invite this account in Play Console > Users and permissions)",
        )

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Yield pages of reviews and replies for ``target``'s app."""
        brand = target.settings
        if not isinstance(brand, GooglePlayBrandSettings):
            raise FatalError(f"googleplay: target {target.brand!r} has no googleplay settings")
        client = self._get_client()
        try:
            yield from self._collect(client, brand, cursor, since, until)
        finally:
            client.close()  # a pass left early (or killed between pages) leaves no socket open

    def _collect(
        self,
        client: GooglePlayClient,
        brand: GooglePlayBrandSettings,
        cursor: Cursor | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Iterator[Page]:
        s, now = self._settings, self._clock()
        marks = _stored_marks(cursor)
        read_to = _read_to(cursor)
        old = Mark.from_json(marks.get(STREAM))
        window_start = (now - API_WINDOW).timestamp()
        walk = Walk(old, epoch(since), epoch(until), floor=window_start)
        notes: list[str] = []
        reached = read_to if read_to is not None else old.ts if old is not None else None
        if reached is not None and not walk.backfill and reached < window_start:
            gap = (
                f"googleplay {brand.package_name}: the last completed pass read up to "
                f"{datetime.fromtimestamp(reached, now.tzinfo):%Y-%m-%d %H:%M} UTC, but the API "
                "returns only the last 7 days: reviews written in between are lost"
            )
            log.warning("%s", gap)
            notes.append(gap)
        lookback = old.ts - s.reply_lookback_days * _DAY if old and not walk.backfill else None
        token: str | None = None
        number = 0
        while True:
            number += 1
            where = f"googleplay {STREAM} page {number}"
            try:
                body = client.reviews(brand.package_name, token, s.page_size)
                page = parse_page(body, where)
            except RejectedRequest as exc:
                bad = SkippedPage(where, str(exc), exc.body)
                yield Page([], _cursor(marks, read_to), [bad], notes, STREAM)
                raise FatalError(str(exc)) from None
            except (MalformedBody, MalformedPage) as exc:
                raw = exc.raw_body if isinstance(exc, MalformedBody) else json.dumps(body)
                notes.append(f"{where}: unreadable, the walk ends here and is read again")
                bad = SkippedPage(where, str(exc), raw)
                yield Page([], _cursor(marks, read_to), [bad], notes, STREAM)
                return
            posts, skipped = self._posts(page, walk, lookback, brand)
            oldest = min((r.ts for r in page.reviews), default=None)
            done = walk.reached_end if lookback is None else oldest is None or oldest < lookback
            token = None if done else page.next_token
            if token is not None and number >= s.max_pages:
                notes.append(f"googleplay {STREAM}: stopped after {number} pages (max_pages)")
                token = None
            if token is None and not walk.backfill:
                new = walk.new_mark()
                if new is not None:
                    marks[STREAM] = new.to_json()
                read_to = now.timestamp()
            yield Page(posts, _cursor(marks, read_to), skipped, notes, STREAM)
            notes = []
            if token is None:
                return

    def _posts(
        self,
        page: ReviewPage,
        walk: Walk,
        lookback: float | None,
        brand: GooglePlayBrandSettings,
    ) -> tuple[list[Post], list[SkippedPage]]:
        posts: list[Post] = []
        skipped = list(page.skipped)
        for review in page.reviews:
            is_new = walk.see(review.ts, review.id)
            try:
                if is_new:
                    posts.append(review_post(review, brand.package_name))
                if is_new or (lookback is not None and review.ts >= lookback):
                    reply = reply_post(review, brand.accounts[0])
                    if reply is not None:
                        posts.append(reply)
            except (KeyError, TypeError, ValueError) as exc:
                raw = json.dumps(review.resource, ensure_ascii=False)
                skipped.append(SkippedPage(f"googleplay review {review.id}", str(exc), raw))
        return posts, skipped

    def _get_client(self) -> GooglePlayClient:
        if self._client is None:
            self._client = GooglePlayClient(
                self._settings,
                policy=RetryPolicy(max_retries=self._settings.max_retries),
                clock=self._clock,
                sleep=self._sleep,
            )
        return self._client


def _stored_marks(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or one of another layout: start afresh
    streams = cursor.get("streams")
    return dict(streams) if isinstance(streams, dict) else {}


def _read_to(cursor: Cursor | None) -> float | None:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return None
    value = cursor.get("read_to")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _cursor(marks: dict[str, Any], read_to: float | None) -> Cursor:
    cursor: Cursor = {"v": CURSOR_VERSION, "streams": dict(marks)}
    if read_to is not None:
        cursor["read_to"] = read_to
    return cursor
