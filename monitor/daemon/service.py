"""The daemon's life: migrate, schedule, serve /healthz and /metrics, stop cleanly; or run once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.clock import utc_now
from monitor.config import Settings
from monitor.daemon.health import HealthServer, start_health_server
from monitor.daemon.jobs import JobContext, JobOutcome, run_job
from monitor.daemon.labeler import PageLabeler
from monitor.daemon.metrics import Metrics
from monitor.daemon.scheduler import JobSpec, build_scheduler, job_specs
from monitor.daemon.signals import install_stop_handlers
from monitor.errors import MonitorError
from monitor.escape import install_log_escaping
from monitor.redact import Redactor, configured_secrets
from monitor.storage.db import session_scope
from monitor.storage.locks import LockHeld, database_lock
from monitor.storage.migrate import ensure_schema
from monitor.storage.models import Mention

if TYPE_CHECKING:
    from monitor.web.server import WebThread

log = logging.getLogger("monitor.daemon")
#: How often the main thread looks at the stop flag a signal handler set.
MAIN_LOOP_SECONDS = 0.2
ONCE_ORDER = ("collect", "classify", "score", "alerts", "digest")
#: Held by ``monitor run`` (and ``run --once``) for its whole life.
DAEMON_LOCK = "daemon"


class DaemonError(MonitorError):
    """The daemon cannot start (for example, the metrics port is taken): exit 2."""


class AlreadyRunning(DaemonError):
    """Another ``monitor run`` holds this database: one daemon per database."""


@dataclass
class OnceSummary:
    """Totals of ``monitor run --once``."""

    passes: int = 0
    posts_new: int = 0
    posts_edited: int = 0
    labeled: int = 0
    waiting: int = 0
    kpi_rows: int = 0
    complaints: int = 0
    alerts: int = 0
    #: True when alerts.channels is empty: fired alerts went to the log only.
    alerts_log_only: bool = False
    digests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    interrupted: bool = False

    def add(self, spec: JobSpec, outcome: JobOutcome) -> None:
        """Fold one job's outcome into the totals."""
        c = outcome.counts
        if spec.kind == "collect":
            self.passes += 1
            self.posts_new += c.get("posts_new", 0)
            self.posts_edited += c.get("posts_edited", 0)
        self.labeled += c.get("labeled", 0)
        self.waiting = c.get("remaining", self.waiting)
        self.kpi_rows += c.get("kpi_rows", 0)
        self.complaints += c.get("complaints", 0)
        self.alerts += c.get("alerts", 0)
        if spec.kind == "digest" and outcome.ok:
            self.digests.append(outcome.summary)
        if not outcome.ok:
            self.failures.append(f"{spec.id}: {outcome.summary}")

    @property
    def _log_only(self) -> str:
        """Where fired alerts went when no channel is set: a count alone reads as "sent"."""
        if not self.alerts_log_only:
            return ""
        return " (no alert channel configured: written to the log only; see monitor alerts)"

    def lines(self) -> list[str]:
        """The printed summary, one fact a line."""
        out = [
            f"collected {self.posts_new} new posts ({self.posts_edited} edited) "
            f"in {self.passes} source passes",
            f"labeled {self.labeled} mentions ({self.waiting} waiting)",
            f"scored: {self.kpi_rows} KPI rows, {self.complaints} complaints",
            f"alerts: {self.alerts} fired" + (self._log_only if self.alerts else ""),
        ]
        out += [f"digest {d}" for d in self.digests]
        out += [f"FAILED {f}" for f in self.failures]
        if self.interrupted:
            out.append("interrupted: the remaining jobs were not run")
        return out


class Daemon:
    """``monitor run``: the scheduler, the health endpoint and a clean stop on SIGTERM/SIGINT."""

    def __init__(
        self, settings: Settings, engine: Engine, *, clock: Callable[[], datetime] = utc_now
    ):
        cfg = settings.config
        channels = sorted(set(cfg.alerts.channels) | set(cfg.digest.channels))
        # The daemon runs every enabled source and channel: their credentials, up front.
        settings.require_env(*settings.enabled_sources, *channels)
        self.settings = settings
        self.ctx = JobContext(engine, settings, clock, Metrics(clock()))
        self.ctx.redact = Redactor(configured_secrets(settings))
        for source in settings.enabled_sources:
            for target in settings.targets.get(source, []):
                self.ctx.metrics.declare_target(source, target.brand)
        self.scheduler: BackgroundScheduler | None = None
        self.health: HealthServer | None = None
        self.labeler: PageLabeler | None = None
        self.web: WebThread | None = None

    def prepare(self) -> bool:
        """Create or upgrade the schema; True when the database already held mentions."""
        install_log_escaping()  # one record one line, also when embedded without the CLI
        ensure_schema(self.ctx.engine)
        with session_scope(self.ctx.engine) as session:
            first = select(Mention.id).limit(1)  # type: ignore[call-overload]
            return session.execute(first).first() is not None

    def specs(self, *, catch_up_digests: bool = False) -> list[JobSpec]:
        """The job set for this config, as of now."""
        return job_specs(self.settings, now=self.ctx.clock(), catch_up_digests=catch_up_digests)

    def start(self) -> None:
        """Migrate, open /healthz and /metrics, and start the scheduler (returns at once)."""
        had_data = self.prepare()
        d = self.settings.config.daemon
        if d.metrics_port is not None:
            try:
                self.health = start_health_server(self.ctx, d.metrics_host, d.metrics_port)
            except OSError as exc:
                raise DaemonError(
                    f"cannot serve /healthz and /metrics on {d.metrics_host}:{d.metrics_port}: "
                    f"{exc.strerror or exc} (change daemon.metrics_port, or null to switch it off)"
                ) from None
            log.info("health and metrics at %s (/healthz, /metrics)", self.health.url)
        if self.settings.config.web.enabled:
            # its own thread and event loop: a slow page never delays a collector
            from monitor.web.server import WebThread  # starlette, uvicorn: only when enabled

            self.web = WebThread(self.settings, self.ctx.engine, self.ctx.clock)
            self.web.start()
        specs = self.specs(catch_up_digests=had_data)
        # before the first collect job, so its first page is labeled the moment it is stored
        self.labeler = PageLabeler(self.ctx)
        self.labeler.start()
        self.scheduler = build_scheduler(specs, self.ctx)
        self.scheduler.start()
        log.info("started %d jobs: %s", len(specs), ", ".join(s.id for s in specs))

    def request_stop(self, reason: str) -> None:
        """Stop scheduling; running jobs end after the page or batch they are on."""
        if not self.ctx.stop.is_set():
            log.info("%s: stopping after the current pages", reason)
        self.ctx.stop.set()

    def shutdown(self) -> None:
        """Wait for running jobs (they stop between pages), then close the endpoint."""
        self.ctx.stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.labeler is not None:
            self.labeler.stop()
            self.labeler = None
        if self.health is not None:
            self.health.stop()
            self.health = None
        if self.web is not None:
            self.web.stop()
            self.web = None
        log.info("stopped")

    def _signalled(self, name: str) -> None:
        self.ctx.signalled = name  # only a plain store: a signal handler must not take locks

    @contextmanager
    def only_daemon(self) -> Iterator[None]:
        """Hold the database's daemon lock for the block; AlreadyRunning when another has it."""
        try:
            with database_lock(self.ctx.engine, DAEMON_LOCK):
                yield
        except LockHeld as exc:
            by = f" ({exc.holder})" if exc.holder else ""
            raise AlreadyRunning(
                f"another monitor run is already running on this database{by}; "
                "only one may run per database: stop it first"
            ) from None

    def serve(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit status (0 after a clean stop)."""
        with self.only_daemon():  # released only after every job has stopped
            restore = install_stop_handlers(self._signalled)
            try:
                self.start()
                while self.ctx.signalled is None and not self.ctx.stop.is_set():
                    time.sleep(MAIN_LOOP_SECONDS)
                self.request_stop(self.ctx.signalled or "stop requested")
            finally:
                self.shutdown()
                restore()
        return 0

    def run_once(self) -> OnceSummary:
        """Every job a single time, in order: collect, classify, score, alerts, digest."""
        with self.only_daemon():  # a pass beside a running daemon would do its jobs twice
            self.prepare()
            restore = install_stop_handlers(self._signalled)
            summary = OnceSummary(alerts_log_only=not self.settings.config.alerts.channels)
            try:
                specs = sorted(self.specs(), key=lambda s: ONCE_ORDER.index(s.kind))
                for spec in specs:
                    outcome = run_job(self.ctx, spec.id, spec.kind, spec.func, *spec.args)
                    if outcome is None or self.ctx.should_stop():
                        summary.interrupted = True
                    if outcome is not None:
                        summary.add(spec, outcome)
                    if summary.interrupted:
                        break
            finally:
                restore()
        return summary
