"""Run collectors: a page and its cursor commit together; one failing source never stops others."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.collectors.base import AuthError, Collector, Page, SourceError, Target
from monitor.collectors.fingerprint import check_streams, stream_settings_of
from monitor.collectors.registry import collector_class
from monitor.config import Settings
from monitor.errors import UsageError
from monitor.pipeline.brands import BrandMatcher
from monitor.pipeline.importing import no_accounts_warning
from monitor.pipeline.store import SkippedPost, StoreResult, store_page
from monitor.posts import Post
from monitor.redact import configured_secrets
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.mentions import UpsertResult
from monitor.storage.sources import (
    keep_skipped_page,
    load_cursor,
    record_failure,
    record_success,
    save_cursor,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PageCallback = Callable[[str, Page, UpsertResult], None]
StopCheck = Callable[[], bool]


@dataclass
class CollectReport:
    """What one pass of one source for one target did."""

    source: str
    target: str
    pages: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)
    skipped_pages: int = 0
    skipped_posts: int = 0  # posts left out (sanitizer or database refused them), kept
    changed_posts: int = 0  # posts stored after cleaning or cutting a field
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    auth_failed: bool = False
    stopped: bool = False  # asked to stop between pages; the rest is read next time

    @property
    def ok(self) -> bool:
        """True when the pass ended without an error."""
        return self.error is None


def brand_post_checker(target: Target) -> Callable[[Post], bool]:
    """A post is the brand's own when its author is one of the target's accounts."""
    accounts = {a.lower().lstrip("@") for a in target.accounts}
    return lambda post: post.author.lower().lstrip("@") in accounts


def _make_collector(
    settings: Settings, source: str, clock: Clock, sleep: Callable[[float], None]
) -> Collector:
    cls = collector_class(source)
    return cls(settings.source_settings[source], clock, sleep=sleep)  # type: ignore[call-arg]


def run_target(
    engine: Engine,
    collector: Collector,
    source: str,
    target: Target,
    *,
    clock: Clock,
    since: datetime | None = None,
    until: datetime | None = None,
    on_page: PageCallback | None = None,
    should_stop: StopCheck | None = None,
    secrets: Sequence[str] = (),
    named: Callable[[Post], Mapping[str, str]] | None = None,
) -> CollectReport:
    """One pass for one target; a backfill (since/until) never moves the live cursor.

    A stream whose settings changed since its cursor was saved starts afresh (see
    monitor.collectors.fingerprint); the others keep their place.
    ``secrets`` (the configured secret values) are masked in skipped pages before storing.
    ``named`` finds the other brands a post names (stored with it; see
    :class:`monitor.pipeline.brands.BrandMatcher`).

    ``should_stop`` is asked after each committed page: True ends the pass there, which is
    safe because every page is stored together with its cursor.
    """
    report = CollectReport(source=source, target=target.brand)
    backfill = since is not None or until is not None
    with session_scope(engine) as session:
        # A backfill reads the cursor too (the X read budget lives there) but never saves it.
        cursor = load_cursor(session, source, target.brand)
    streams = check_streams(cursor, {} if backfill else stream_settings_of(collector, target))
    cursor = streams.cursor
    for changed in streams.changed:
        log.info("%s/%s: %s", source, target.brand, changed.message())
        report.notes.append(changed.message())
    is_brand_post = brand_post_checker(target)
    pages: Iterator[Page] | None = None
    try:
        pages = collector.collect(target, cursor, since=since, until=until)
        for page in pages:
            # A page that loses a deadlock to a concurrent writer is stored again, not lost.
            store = partial(
                _store_page,
                source=source,
                target=target,
                page=page,
                now=clock(),
                is_brand_post=is_brand_post,
                secrets=secrets,
                cursor=None if backfill else streams.stamp(page.cursor),
                named=named,
            )
            stored = run_transaction(engine, store)
            result = stored.result
            report.pages += 1
            report.result += result
            report.skipped_pages += len(page.skipped)
            report.skipped_posts += len(stored.skipped)
            report.changed_posts += stored.changed
            for post in stored.skipped:
                log.warning("%s/%s: skipped post %s", source, target.brand, post)
            report.notes.extend(page.notes)
            for note in page.notes:
                log.info("%s/%s: %s", source, target.brand, note)
            for skipped in page.skipped:
                log.warning(
                    "%s/%s: skipped %s: %s", source, target.brand, skipped.where, skipped.reason
                )
            if on_page is not None:
                on_page(source, page, result)
            if should_stop is not None and should_stop():
                report.stopped = True
                break
    except AuthError as exc:
        report.error, report.auth_failed = f"authentication failed: {exc}", True
    except SourceError as exc:
        report.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug in one source must not stop the others; it is recorded
        log.exception("%s/%s: unexpected error", source, target.brand)
        report.error = f"unexpected {type(exc).__name__}: {exc}"
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()  # a generator left between pages releases its connection now
    _record_health(engine, report, clock())
    return report


def _store_page(
    session: Session,
    *,
    source: str,
    target: Target,
    page: Page,
    now: datetime,
    is_brand_post: Callable[[Post], bool],
    cursor: dict[str, Any] | None,
    secrets: Sequence[str] = (),
    named: Callable[[Post], Mapping[str, str]] | None = None,
) -> StoreResult:
    """One page's posts, skipped parts and cursor (None: a backfill), in one transaction."""
    stored = store_page(
        session,
        page.posts,
        brand_of=lambda p: p.brand or target.brand,
        is_brand_post=is_brand_post,
        now=now,
        named=named,
    )
    for post in stored.skipped:
        _keep_skipped_post(session, source, target.brand, post, now, secrets)
    for skipped in page.skipped:
        keep_skipped_page(
            session,
            source,
            target.brand,
            skipped.where,
            skipped.reason,
            skipped.raw_body,
            now,
            secrets=secrets,
        )
    if cursor is not None:
        save_cursor(session, source, target.brand, cursor, now)
    return stored


def _keep_skipped_post(
    session: Session,
    source: str,
    brand: str,
    skipped: SkippedPost,
    now: datetime,
    secrets: Sequence[str] = (),
) -> None:
    """Keep a post left out as a skipped page whose ``where`` is ``post SOURCE:ID``."""
    where = f"post {skipped.key}"
    keep_skipped_page(
        session, source, brand, where, skipped.reason, skipped.body(), now, secrets=secrets
    )


def _record_health(engine: Engine, report: CollectReport, now: datetime) -> None:
    with session_scope(engine) as session:
        if report.ok:
            before = record_success(
                session, report.source, report.target, report.result.inserted, now
            )
            if before != "ok":
                log.info("%s/%s: recovered (was %s)", report.source, report.target, before)
        else:
            before = record_failure(
                session,
                report.source,
                report.target,
                report.error or "",
                now,
                auth=report.auth_failed,
            )
            state = "auth_error" if report.auth_failed else "failing"
            if before != state:  # log on state change only, like a coordinator would
                log.warning("%s/%s: %s", report.source, report.target, report.error)


def collect(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    sources: Sequence[str] | None = None,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_page: PageCallback | None = None,
    should_stop: StopCheck | None = None,
) -> list[CollectReport]:
    """One pass over the enabled sources (or ``sources``), for every brand (or ``brand``)."""
    if since is not None and until is not None and since >= until:
        raise UsageError(f"--since {since.isoformat()} is not before --until {until.isoformat()}")
    names = _sources_to_run(settings, sources)
    settings.require_env(*names)  # the credentials of the sources about to run, and only those
    reports: list[CollectReport] = []
    matcher = BrandMatcher(settings)
    for source in names:
        targets = [t for t in settings.targets.get(source, []) if _wanted(t, brand)]
        if not targets:
            continue
        collector = _make_collector(settings, source, clock, sleep)
        secrets = configured_secrets(settings)
        for target in targets:
            if should_stop is not None and should_stop():
                return reports
            report = run_target(
                engine,
                collector,
                source,
                target,
                clock=clock,
                since=since,
                until=until,
                on_page=on_page,
                should_stop=should_stop,
                secrets=secrets,
                named=matcher.named_by,
            )
            if not target.is_competitor and not target.accounts:
                report.notes.append(no_accounts_warning(source, target.brand))
            reports.append(report)
            if report.auth_failed:
                break  # the same credentials serve every target of this source
    return reports


def _sources_to_run(settings: Settings, sources: Sequence[str] | None) -> list[str]:
    """The sources a pass runs: those asked for (each configured and enabled), else all enabled."""
    if not sources:
        if not settings.enabled_sources:
            raise UsageError("no source is enabled: set sources.NAME.enabled: true in the config")
        return settings.enabled_sources
    for source in sources:
        if source not in settings.source_settings:
            known = ", ".join(settings.source_settings) or "none"
            raise UsageError(
                f"source {source!r} is not configured under sources (configured: {known})"
            )
        if not settings.source_settings[source].enabled:
            raise UsageError(f"source {source!r} is disabled (sources.{source}.enabled: false)")
    return list(sources)


def _wanted(target: Target, brand: str | None) -> bool:
    if brand is None:
        return True
    wanted = brand.lower()
    return target.brand.lower() == wanted or (target.owner or "").lower() == wanted
