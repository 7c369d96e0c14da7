"""App Store reviews of one app, newest first down to the stored mark, with developer responses.

Reviews are read newest-first (``sort=-createdDate``) down to the high-water mark; the walk
then goes on through ``response_lookback_days`` of older reviews to pick up responses the
developer wrote since (a response changes nothing about its review's date). The cursor is
``{"v": 1, "streams": {"reviews": mark}}`` and moves only on the last page of a walk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from monitor.collectors.appstore.client import AppStoreClient, MalformedPage, ReviewPage
from monitor.collectors.appstore.mapping import response_post, review_post
from monitor.collectors.appstore.settings import AppStoreBrandSettings, AppStoreSettings
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
from monitor.collectors.retry import RetryPolicy, call_with_retry
from monitor.collectors.watermark import Mark, Walk, epoch
from monitor.posts import Post

CURSOR_VERSION = 1
_FIX_KEY = (
    "ASC_ISSUER_ID / ASC_KEY_ID / ASC_PRIVATE_KEY (sources.appstore.issuer_id, key_id, "
    "private_key or private_key_file): App Store Connect > Users and Access > Integrations"
)
STREAM = "reviews"
_DAY = 86_400.0


class AppStoreCollector:
    """Collects customer reviews (with star ratings) and the developer's responses."""

    name: ClassVar[str] = "appstore"
    settings_model: ClassVar[type[SourceSettings]] = AppStoreSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = AppStoreBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, AppStoreSettings):
            raise TypeError(f"appstore needs AppStoreSettings, got {type(settings).__name__}")
        self._settings, self._clock, self._sleep = settings, clock, sleep
        self._client = AppStoreClient(settings, clock)
        self._policy = RetryPolicy(max_retries=settings.max_retries)

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.close()

    def check(self) -> CheckResult:
        """Sign a token and list one app, no retries: are the key id, issuer and key good?"""
        try:
            app = self._client.first_app()
        except AuthError as exc:
            return CheckResult(False, f"API key refused: {exc}", _FIX_KEY)
        except RetriableError as exc:
            detail = f"App Store Connect unreachable or busy: {exc}"
            return CheckResult(False, detail, "network, proxy or sources.appstore.base_url", True)
        except (MalformedPage, FatalError) as exc:
            detail = f"App Store Connect answered unexpectedly: {exc}"
            return CheckResult(False, detail, "sources.appstore.base_url")
        if app is None:
            return CheckResult(False, "the key works but sees no app", "the key's role and apps")
        return CheckResult(True, f"API key accepted; sees apps (first: {app})")

    def stream_settings(self, target: Target) -> dict[str, dict[str, str]]:
        """What defines the reviews stream: the app (see monitor.collectors.fingerprint)."""
        if not isinstance(target.settings, AppStoreBrandSettings):
            return {}
        return {STREAM: {"app_id": target.settings.app_id}}

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Yield pages of reviews and responses for ``target``'s app."""
        brand = target.settings
        if not isinstance(brand, AppStoreBrandSettings):
            raise TypeError(f"appstore target {target.brand!r} has no App Store settings")
        s = self._settings
        marks = _stored_marks(cursor)
        old = Mark.from_json(marks.get(STREAM))
        first_pass_floor = self._clock().timestamp() - s.first_pass_days * _DAY
        walk = Walk(old, epoch(since), epoch(until), floor=first_pass_floor)
        # Below the mark, keep reading (responses only) down to this time.
        lookback = old.ts - s.response_lookback_days * _DAY if old and not walk.backfill else None
        url: str | None = self._client.first_url(brand.app_id)
        number = 0
        while url is not None and number < s.max_pages:
            number += 1
            try:
                page: ReviewPage = call_with_retry(
                    partial(self._client.page, url),
                    policy=self._policy,
                    sleep=self._sleep,
                    what=f"appstore {brand.app_id}",
                )
            except MalformedPage as exc:
                # The walk ends without moving the mark: the next pass reads these pages again.
                bad = SkippedPage(f"{STREAM} page {number}", str(exc), exc.raw_body)
                yield Page([], _cursor(marks), skipped=[bad], stream=STREAM)
                return
            posts, skipped = self._posts(page, walk, lookback, brand)
            oldest = page.reviews[-1].ts if page.reviews else None
            done = walk.reached_end if lookback is None else oldest is None or oldest < lookback
            url = None if done else page.next_url
            notes = []
            if url is not None and number == s.max_pages:
                notes.append(f"{STREAM}: stopped after {number} pages (max_pages)")
                url = None
            if url is None and not walk.backfill:
                new = walk.new_mark()
                if new is not None:
                    marks[STREAM] = new.to_json()
            yield Page(posts, _cursor(marks), skipped=skipped, notes=notes, stream=STREAM)

    def _posts(
        self, page: ReviewPage, walk: Walk, lookback: float | None, brand: AppStoreBrandSettings
    ) -> tuple[list[Post], list[SkippedPage]]:
        posts: list[Post] = []
        skipped = list(page.skipped)
        for review in page.reviews:
            is_new = walk.see(review.ts, review.id)
            try:
                if is_new:
                    posts.append(review_post(review, brand.app_id))
                if is_new or (lookback is not None and review.ts >= lookback):
                    reply = response_post(review, brand.accounts[0])
                    if reply is not None:
                        posts.append(reply)
            except (KeyError, TypeError, ValueError) as exc:
                raw = json.dumps(review.resource, ensure_ascii=False)
                skipped.append(SkippedPage(f"{STREAM} review {review.id}", str(exc), raw))
        return posts, skipped


def _stored_marks(cursor: Cursor | None) -> dict[str, Any]:
    if not cursor or cursor.get("v") != CURSOR_VERSION:
        return {}  # no cursor yet, or one of another layout: start afresh
    streams = cursor.get("streams")
    return dict(streams) if isinstance(streams, dict) else {}


def _cursor(marks: dict[str, Any]) -> Cursor:
    return {"v": CURSOR_VERSION, "streams": dict(marks)}
