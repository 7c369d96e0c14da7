"""The job set derived from config, and the APScheduler 3 scheduler that runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Settings
from monitor.daemon.jobs import (
    JobContext,
    JobOutcome,
    alerts_job,
    classify_job,
    collect_job,
    digest_job,
    run_job,
    score_job,
)

UTC = ZoneInfo("UTC")
MAX_WORKERS = 32


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: an id derived from config, its kind, what it runs and when."""

    id: str
    kind: str
    func: Callable[..., JobOutcome]
    args: tuple[Any, ...]
    trigger: BaseTrigger
    first_run: datetime | None = None  # None: the trigger's own first fire time


def _every(minutes: float) -> IntervalTrigger:
    return IntervalTrigger(seconds=minutes * 60, timezone=UTC)


def collect_specs(settings: Settings, now: datetime) -> list[JobSpec]:
    """One job per enabled source and brand or competitor, starting at once."""
    specs = []
    for source in settings.enabled_sources:
        every = settings.source_settings[source].poll_minutes
        for target in settings.targets.get(source, []):
            specs.append(
                JobSpec(
                    f"collect:{source}:{target.brand}",
                    "collect",
                    collect_job,
                    (source, target.brand),
                    _every(every),
                    first_run=now,
                )
            )
    return specs


def digest_is_past(settings: Settings, brand_zone: ZoneInfo, now: datetime) -> bool:
    """Whether today's digest time has already passed in the brand's time zone."""
    hour, minute = (int(x) for x in settings.config.digest.time.split(":"))
    local = now.astimezone(brand_zone)
    return (local.hour, local.minute) >= (hour, minute)


def job_specs(
    settings: Settings, *, now: datetime, catch_up_digests: bool = False
) -> list[JobSpec]:
    """Every job of ``monitor run`` for this config.

    Collection starts at once; classify, score and alerts first run one interval later.
    The digest fires at ``digest.time`` in each brand's zone. With ``catch_up_digests`` (the
    database already held data at start), a brand whose digest time passed today while the
    daemon was down gets its digest after the first classify and score runs instead of never;
    the digest pipeline sends each brand's digest once per day, so this never sends twice.
    """
    d = settings.config.daemon
    specs = collect_specs(settings, now)
    specs.append(JobSpec("classify", "classify", classify_job, (), _every(d.classify_minutes)))
    specs.append(JobSpec("score", "score", score_job, (), _every(d.score_minutes)))
    specs.append(JobSpec("alerts", "alerts", alerts_job, (), _every(d.alert_minutes)))
    hour, minute = (int(x) for x in settings.config.digest.time.split(":"))
    catch_up_at = now + timedelta(minutes=max(d.classify_minutes, d.score_minutes) + 1)
    for brand in settings.config.brands:
        trigger = CronTrigger(hour=hour, minute=minute, timezone=brand.zone)
        late = catch_up_digests and digest_is_past(settings, brand.zone, now)
        specs.append(
            JobSpec(
                f"digest:{brand.name}",
                "digest",
                digest_job,
                (brand.name,),
                trigger,
                first_run=catch_up_at if late else None,
            )
        )
    return specs


def build_scheduler(specs: list[JobSpec], ctx: JobContext) -> BackgroundScheduler:
    """A background scheduler with one thread per job, so a slow source never blocks others."""
    grace = ctx.settings.config.daemon.misfire_grace_seconds
    workers = max(4, min(MAX_WORKERS, len(specs)))
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone=UTC,
    )
    for spec in specs:
        extra: dict[str, Any] = {}
        if spec.first_run is not None:
            extra["next_run_time"] = spec.first_run
        scheduler.add_job(
            run_job,
            spec.trigger,
            args=(ctx, spec.id, spec.kind, spec.func, *spec.args),
            id=spec.id,
            name=spec.id,
            coalesce=True,  # a backlog of missed runs becomes one run
            max_instances=1,  # a pass still running when the next is due is not doubled
            misfire_grace_time=grace,
            **extra,
        )
    return scheduler
