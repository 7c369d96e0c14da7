"""Replays a posts file in pages: file order, a line offset as cursor, times shifted to now.

The file is in the import format (docs/import-format.md), oldest first like a log. The
cursor is ``{"v": 1, "file": PATH-SETTING, "line": N, "shift_seconds": S}``: a pass reads on
after line N, so an unchanged file adds nothing and a grown one continues. The shift is
computed on the first pass (the file's newest post lands ``shift_margin_minutes`` before
now, in whole minutes) and kept, so re-runs give every post the same time. A changed
``path`` starts afresh. A backfill (since/until) reads the whole file and keeps the cursor.

A row with a ``brand`` belongs to the target that name (or ``brand_names``) means,
case-insensitively; a row without one belongs to a target when its author is one of the
target's accounts or its text names one (``@account``). Posts come out as source
``replay`` (the row's own source kept in ``raw["original_source"]``) under the target's name.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from monitor.collectors.base import (
    BrandSourceSettings,
    CheckResult,
    Clock,
    Cursor,
    FatalError,
    Page,
    SkippedPage,
    SourceSettings,
    Target,
)
from monitor.collectors.replay.settings import ReplayBrandSettings, ReplaySettings
from monitor.importer import ImportFileError, iter_post_batches
from monitor.posts import Post

CURSOR_VERSION = 1
STREAM = "file"
_HANDLE = re.compile(r"@(\w+)")


class ReplayCollector:
    """Feeds a posts file through the pipeline like a live source (the offline default)."""

    name: ClassVar[str] = "replay"
    settings_model: ClassVar[type[SourceSettings]] = ReplaySettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = ReplayBrandSettings

    def __init__(
        self, settings: SourceSettings, clock: Clock, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not isinstance(settings, ReplaySettings):
            raise TypeError(f"replay needs ReplaySettings, got {type(settings).__name__}")
        self._settings, self._clock = settings, clock

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Yield the target's posts after the cursor's line (or within since/until)."""
        if not isinstance(target.settings, ReplayBrandSettings):
            raise TypeError(f"replay target {target.brand!r} has no replay settings")
        path = self._settings.file
        if not path.is_file():
            raise FatalError(f"replay file {path} not found")
        file_key = self._settings.path or "bundled"
        state = _load_cursor(cursor, file_key)
        backfill = since is not None or until is not None
        try:
            if state is None:
                state = {"v": CURSOR_VERSION, "file": file_key, "line": 0}
                state["shift_seconds"] = self._shift(path)
            shift = timedelta(seconds=state["shift_seconds"])
            belongs = _belongs_to(target, target.settings)
            start = 0 if backfill else state["line"]
            batches = iter_post_batches(
                path, self._settings.batch_size, start_line=start, follow=True
            )
            for batch in batches:
                posts = [_replayed(p, target, shift) for p in batch.posts if belongs(p)]
                if backfill:
                    posts = [p for p in posts if _within(p.created_at, since, until)]
                else:
                    state = {**state, "line": batch.last_line}
                skipped = [
                    SkippedPage(f"{bad.path}:{bad.line}", bad.reason, bad.text)
                    for bad in batch.bad_rows
                ]
                notes = []
                if batch.unfinished_line is not None:
                    notes.append(f"{path}:{batch.unfinished_line}: no line end yet, read later")
                yield Page(posts, dict(state), skipped=skipped, notes=notes, stream=STREAM)
        except ImportFileError as exc:
            raise FatalError(str(exc)) from None

    def check(self) -> CheckResult:
        """The file exists and parses: how many posts it holds and how many rows are bad."""
        path = self._settings.file
        fix = "sources.replay.path (a JSON Lines or CSV file in the import format)"
        if not path.is_file():
            return CheckResult(False, f"replay file {path} not found", fix)
        posts = bad = 0
        try:
            for batch in iter_post_batches(path, 10_000, follow=True):
                posts += len(batch.posts)
                bad += len(batch.bad_rows)
        except ImportFileError as exc:
            return CheckResult(False, f"replay file {path} unreadable: {exc}", fix)
        if posts == 0:
            return CheckResult(False, f"replay file {path} holds no usable post ({bad} bad)", fix)
        detail = f"{path.name}: {posts:,} posts" + (f", {bad} bad rows skipped" if bad else "")
        return CheckResult(True, detail)

    def _shift(self, path: Path) -> int:
        """Seconds to add to every time so the newest post lands just before now."""
        if not self._settings.shift_to_now:
            return 0
        newest: datetime | None = None
        for batch in iter_post_batches(path, 10_000, follow=True):
            for post in batch.posts:
                newest = post.created_at if newest is None else max(newest, post.created_at)
        if newest is None:
            return 0
        landing = self._clock() - timedelta(minutes=self._settings.shift_margin_minutes)
        return math.floor((landing - newest).total_seconds() / 60) * 60


def _load_cursor(cursor: Cursor | None, file_key: str) -> dict[str, Any] | None:
    """The stored position for this file; None to start afresh (none, old layout, other file)."""
    if not cursor or cursor.get("v") != CURSOR_VERSION or cursor.get("file") != file_key:
        return None
    line, shift = cursor.get("line"), cursor.get("shift_seconds")
    if not isinstance(line, int) or not _is_int(line) or not _is_int(shift) or line < 0:
        return None
    return {"v": CURSOR_VERSION, "file": file_key, "line": line, "shift_seconds": shift}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _belongs_to(target: Target, brand: ReplayBrandSettings) -> Callable[[Post], bool]:
    names = {n.casefold() for n in (brand.brand_names or [target.brand])}
    accounts = {a.casefold().lstrip("@") for a in target.accounts}

    def belongs(post: Post) -> bool:
        if post.brand is not None:
            return post.brand.casefold() in names
        if post.author.casefold().lstrip("@") in accounts:
            return True
        return any(h.casefold() in accounts for h in _HANDLE.findall(post.text))

    return belongs


def _replayed(post: Post, target: Target, shift: timedelta) -> Post:
    return dataclasses.replace(
        post,
        source=ReplayCollector.name,
        brand=target.brand,
        created_at=post.created_at + shift,
        raw={**post.raw, "original_source": post.source},
    )


def _within(when: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or when >= since) and (until is None or when < until)
