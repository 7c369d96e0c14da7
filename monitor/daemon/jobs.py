"""The daemon's jobs: collect one source target, label pages, classify, score, alerts, digests.

Every job returns a :class:`JobOutcome`; :func:`run_job` times it, logs ONE line saying what
it did, feeds the metrics, and turns an unexpected error into a failed run instead of a
dead thread. The classify/score/alerts/digest pipelines are imported inside the jobs so the
daemon starts without torch and matplotlib until a job needs them.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from monitor.collectors.base import Collector, Page, Target
from monitor.collectors.registry import collector_class
from monitor.config import Settings
from monitor.daemon.metrics import JobRun, Metrics
from monitor.pipeline.collect import run_target
from monitor.redact import configured_secrets
from monitor.storage.db import session_scope
from monitor.storage.mentions import UpsertResult

log = logging.getLogger("monitor.daemon")
Clock = Callable[[], datetime]
#: Retry waits look at the stop flags this often (a signal handler cannot wake an Event).
SLEEP_SLICE_SECONDS = 0.5


@dataclass
class JobOutcome:
    """What one job run did: a one-line summary and the counts behind it."""

    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    ok: bool = True


@dataclass
class JobContext:
    """What every job needs: database, config, clock, the stop flag, metrics and the model."""

    engine: Engine
    settings: Settings
    clock: Clock
    metrics: Metrics
    stop: threading.Event = field(default_factory=threading.Event)
    #: Set by a signal handler, which must not take locks (Event.set does); see should_stop.
    signalled: str | None = None
    #: Masks configured secrets in anything logged or shown (see monitor.redact).
    redact: Callable[[str], str] = str
    scored_once: bool = False
    #: Told the keys of each page a collect job stored (the daemon's page labeler); None: off.
    page_stored: Callable[[Sequence[tuple[str, str]]], None] | None = None
    _collectors: dict[tuple[str, str], Collector] = field(default_factory=dict)
    _classifier: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Separate, so collect jobs never wait for a model load of several seconds.
    _model_lock: threading.Lock = field(default_factory=threading.Lock)

    def should_stop(self) -> bool:
        """True once a shutdown was asked for; jobs check it between pages and batches."""
        return self.signalled is not None or self.stop.is_set()

    def sleep(self, seconds: float) -> None:
        """A retry wait that ends early on shutdown (the page then finishes or fails fast)."""
        deadline = time.monotonic() + seconds
        while not self.should_stop():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.stop.wait(min(left, SLEEP_SLICE_SECONDS))

    def collector(self, source: str, target: str) -> Collector:
        """One collector per source target, kept for the process (jobs run in parallel threads)."""
        with self._lock:
            key = (source, target)
            if key not in self._collectors:
                cls = collector_class(source)
                settings = self.settings.source_settings[source]
                self._collectors[key] = cls(settings, self.clock, sleep=self.sleep)  # type: ignore[call-arg]
            return self._collectors[key]

    def classifier(self) -> Any:
        """The sentiment model, loaded on first use and kept for the life of the process."""
        with self._model_lock:
            if self._classifier is None:
                from monitor.pipeline.sentiment_model import get_classifier

                started = time.monotonic()
                self._classifier = get_classifier(self.settings)
                name = getattr(self._classifier, "model_name", "sentiment model")
                log.info("loaded %s in %.1fs", name, time.monotonic() - started)
            return self._classifier

    @property
    def classifier_loaded(self) -> bool:
        """Whether the model is in memory already."""
        return self._classifier is not None


def find_target(settings: Settings, source: str, brand: str) -> Target:
    """The configured target of ``source`` for brand or competitor ``brand``."""
    for target in settings.targets.get(source, []):
        if target.brand == brand:
            return target
    raise KeyError(f"no {source} target for {brand!r}")


def collect_job(ctx: JobContext, source: str, brand: str) -> JobOutcome:
    """One collection pass of one source for one brand or competitor."""
    target = find_target(ctx.settings, source, brand)

    def on_page(src: str, page: Page, result: UpsertResult) -> None:
        ctx.metrics.add_posts(src, brand, result.inserted)  # live, even during a long pass
        if ctx.page_stored is not None and (result.inserted or result.updated):
            # labeled and queued on the labeler's thread: the next page is fetched meanwhile
            ctx.page_stored([(p.source, p.external_id) for p in page.posts])

    report = run_target(
        ctx.engine,
        ctx.collector(source, brand),
        source,
        target,
        clock=ctx.clock,
        on_page=on_page,
        should_stop=ctx.should_stop,
        secrets=configured_secrets(ctx.settings),
    )
    r = report.result
    pages = "1 page" if report.pages == 1 else f"{report.pages} pages"
    summary = f"{pages}, {r.inserted} new, {r.updated} edited"
    if report.skipped_pages:
        summary += f", {report.skipped_pages} skipped pages"
    if report.skipped_posts:
        summary += f", {report.skipped_posts} skipped posts"
    if report.stopped:
        summary += ", stopped between pages for shutdown"
    if report.error:
        ctx.metrics.add_source_failure(source, brand)
        summary += f", failed: {report.error}"
    counts = {"posts_new": r.inserted, "posts_edited": r.updated, "pages": report.pages}
    return JobOutcome(summary, counts, ok=report.ok)


def label_job(ctx: JobContext, keys: Sequence[tuple[str, str]]) -> JobOutcome:
    """Label the new posts of just-stored pages and refresh their threads' queue items."""
    from monitor.pipeline.classify import classify_stored

    report = classify_stored(
        ctx.engine,
        ctx.settings,
        keys,
        classifier=ctx.classifier,
        clock=ctx.clock,
        should_stop=ctx.should_stop,
    )
    summary = (
        f"{len(keys)} posts: labeled {report.labeled}, skipped {report.skipped}; "
        f"{report.items} complaints in their threads"
    )
    counts = {"labeled": report.labeled, "skipped": report.skipped, "items": report.items}
    return JobOutcome(summary, counts)


def classify_job(ctx: JobContext) -> JobOutcome:
    """Label the backlog and refresh its threads' items; the model loads only when needed."""
    from monitor.pipeline.classify import classify_backlog

    if not ctx.classifier_loaded:
        from monitor.storage.labels import count_backlog

        with session_scope(ctx.engine) as session:
            if count_backlog(session) == 0:
                return JobOutcome("nothing to label", {"labeled": 0, "remaining": 0})
    report = classify_backlog(
        ctx.engine,
        ctx.classifier(),
        clock=ctx.clock,
        should_stop=ctx.should_stop,
        settings=ctx.settings,
    )
    summary = f"labeled {report.labeled}, skipped {report.skipped}, {report.remaining} waiting"
    counts = {"labeled": report.labeled, "skipped": report.skipped, "remaining": report.remaining}
    return JobOutcome(summary, counts)


def score_job(ctx: JobContext) -> JobOutcome:
    """Recompute complaints and daily KPIs over the last ``daemon.rescore_days`` days.

    The first run of a process covers the digest's whole history window instead: after a
    cold start or days of downtime, the charts would otherwise miss the days in between.
    """
    from monitor.pipeline.score import score_recent

    cfg = ctx.settings.config
    days = cfg.daemon.rescore_days
    if not ctx.scored_once:
        days = max(days, cfg.digest.history_days)
    report = score_recent(ctx.engine, ctx.settings, clock=ctx.clock, days=days)
    ctx.scored_once = True
    summary = f"rescored {days} days: {report.rows} KPI rows, {report.complaints} complaints"
    return JobOutcome(summary, {"kpi_rows": report.rows, "complaints": report.complaints})


def alerts_job(ctx: JobContext) -> JobOutcome:
    """Check spike and overdue-complaint alerts and send the new ones."""
    from monitor.pipeline.alerts import check_and_send_alerts

    sent = check_and_send_alerts(ctx.engine, ctx.settings, clock=ctx.clock)
    return JobOutcome(f"{len(sent)} fired", {"alerts": len(sent)})


def digest_job(ctx: JobContext, brand: str | None = None) -> JobOutcome:
    """Build and deliver the daily digest of ``brand`` (all brands: None), once per channel."""
    from monitor.pipeline.delivery import ChannelSetupError
    from monitor.pipeline.digest import send_due_digests

    try:
        outcomes = send_due_digests(ctx.engine, ctx.settings, clock=ctx.clock, brand=brand)
    except ChannelSetupError as exc:
        return JobOutcome(f"not sent: {exc}", {"digests": 0, "sent": 0}, ok=False)
    parts, failed = [], False
    for o in outcomes:
        states = ", ".join(f"{c} {s}" for c, s in o.states.items())
        if o.already_sent:
            parts.append(f"{o.brand} {o.day}: already sent")
        elif o.already_written:
            parts.append(f"{o.brand} {o.day}: already written (no delivery channel)")
        elif o.errors:
            failed = True
            parts.append(
                f"{o.brand} {o.day}: kept at {o.html_path}, delivery failed: " + "; ".join(o.errors)
            )
        elif o.states and not o.sent_via:
            parts.append(f"{o.brand} {o.day}: nothing sent ({states})")
        elif o.states:
            parts.append(f"{o.brand} {o.day}: sent via {', '.join(o.sent_via)} ({states})")
        else:
            parts.append(f"{o.brand} {o.day}: written to {o.html_path} (no delivery channel)")
    sent = sum(1 for o in outcomes if o.sent_via)
    return JobOutcome(
        "; ".join(parts) or "no brand", {"digests": len(outcomes), "sent": sent}, ok=not failed
    )


def run_job(
    ctx: JobContext, job_id: str, kind: str, func: Callable[..., JobOutcome], *args: Any
) -> JobOutcome | None:
    """Run one job: time it, log one line, record it; None when skipped for shutdown."""
    if ctx.should_stop():
        return None  # queued before the stop; the thread pool would otherwise still run it
    started_at, started = ctx.clock(), time.monotonic()
    try:
        outcome = func(ctx, *args)
    except Exception as exc:  # one broken job must never take the scheduler down
        seconds = time.monotonic() - started
        outcome = JobOutcome(ctx.redact(f"failed: {type(exc).__name__}: {exc}"), ok=False)
        trace = ""
        if not isinstance(exc, ImportError):  # a bug: the traceback, with secrets masked
            trace = "\n" + ctx.redact("".join(traceback.format_exception(exc)).rstrip())
        log.error("%s: %s (%.1fs)%s", job_id, outcome.summary, seconds, trace)
    else:
        seconds = time.monotonic() - started
        outcome.summary = ctx.redact(outcome.summary)
        # A failing source is logged as a warning by the pipeline when its state changes only.
        level = logging.INFO if outcome.ok or kind == "collect" else logging.WARNING
        log.log(level, "%s: %s (%.1fs)", job_id, outcome.summary, seconds)
    ctx.metrics.record_run(JobRun(job_id, kind, started_at, seconds, outcome.ok, outcome.summary))
    return outcome
