"""The job set derived from config, checked on the scheduler without running a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Settings, parse_config
from monitor.daemon.jobs import JobContext, alerts_job, classify_job, collect_job, run_job
from monitor.daemon.metrics import Metrics
from monitor.daemon.scheduler import build_scheduler, job_specs
from monitor.storage.db import make_engine
from tests.daemon.fake_source import BEARER_ENV

# 06:30 UTC: 07:30 in Berlin (before the 08:00 digest), 15:30 in Tokyo (after it).
NOW = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)


def settings() -> Settings:
    document = {
        "brands": [
            {
                "name": "Acme",
                "timezone": "Europe/Berlin",
                "sources": {"x": {"query": "acmeair"}},
                "competitors": [{"name": "Rival", "sources": {"x": {"query": "rivalair"}}}],
            },
            {"name": "Bolt", "timezone": "Asia/Tokyo", "sources": {"x": {"query": "boltair"}}},
        ],
        "sources": {
            "x": {"enabled": True, "bearer_token": "${X_BEARER_TOKEN}", "poll_minutes": 7},
            "reddit": {"enabled": False},
        },
        "daemon": {
            "classify_minutes": 2,
            "score_minutes": 15,
            "alert_minutes": 5,
            "misfire_grace_seconds": 120,
        },
        "digest": {"time": "08:00"},
    }
    return parse_config(document, path="config.yaml", env=BEARER_ENV)


def context(tmp_path: Path) -> JobContext:
    s = settings()
    return JobContext(make_engine(f"sqlite:///{tmp_path / 'm.db'}"), s, lambda: NOW, Metrics(NOW))


def test_one_job_per_source_target_plus_classify_score_alerts_and_a_digest_per_brand() -> None:
    specs = job_specs(settings(), now=NOW)
    assert [s.id for s in specs] == [
        "collect:x:Acme",
        "collect:x:Rival",
        "collect:x:Bolt",
        "classify",
        "score",
        "alerts",
        "digest:Acme",
        "digest:Bolt",
    ]
    by_id = {s.id: s for s in specs}
    assert by_id["collect:x:Rival"].func is collect_job
    assert by_id["collect:x:Rival"].args == ("x", "Rival")
    assert by_id["classify"].func is classify_job and by_id["alerts"].func is alerts_job
    expected_minutes = {"collect:x:Acme": 7, "classify": 2, "score": 15, "alerts": 5}
    for job_id, minutes in expected_minutes.items():
        trigger = by_id[job_id].trigger
        assert isinstance(trigger, IntervalTrigger)
        assert trigger.interval == timedelta(minutes=minutes)
    # Collection starts at once; the others wait one interval (nothing to label yet).
    assert by_id["collect:x:Bolt"].first_run == NOW
    assert by_id["classify"].first_run is None and by_id["score"].first_run is None


def test_digest_fires_at_the_configured_time_in_each_brands_zone() -> None:
    by_id = {s.id: s for s in job_specs(settings(), now=NOW)}
    for job_id, zone, day in (
        ("digest:Acme", "Europe/Berlin", 9),
        ("digest:Bolt", "Asia/Tokyo", 10),
    ):
        trigger = by_id[job_id].trigger
        assert isinstance(trigger, CronTrigger)
        assert trigger.timezone == ZoneInfo(zone)
        fire = trigger.get_next_fire_time(None, NOW)
        assert fire == datetime(2026, 3, day, 8, 0, tzinfo=ZoneInfo(zone))
        assert by_id[job_id].args == (job_id.split(":")[1],)


def test_a_digest_missed_while_down_is_caught_up_after_the_first_scoring() -> None:
    specs = {s.id: s for s in job_specs(settings(), now=NOW, catch_up_digests=True)}
    # Tokyo is past 08:00: caught up once classify and score have run; Berlin is not yet due.
    assert specs["digest:Bolt"].first_run == NOW + timedelta(minutes=16)
    assert specs["digest:Acme"].first_run is None
    cold = {s.id: s for s in job_specs(settings(), now=NOW, catch_up_digests=False)}
    assert cold["digest:Bolt"].first_run is None


def test_scheduler_jobs_coalesce_run_alone_and_have_a_grace_time(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    specs = job_specs(ctx.settings, now=NOW)
    scheduler = build_scheduler(specs, ctx)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert list(jobs) == [s.id for s in specs]
    for spec in specs:
        job = jobs[spec.id]
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 120
        assert job.func is run_job
        assert job.args == (ctx, spec.id, spec.kind, spec.func, *spec.args)
        assert job.trigger is spec.trigger
    assert jobs["collect:x:Acme"].next_run_time == NOW
    # A thread per job: a slow source never waits for a free worker.
    executor = scheduler._lookup_executor("default")
    assert isinstance(executor, ThreadPoolExecutor)
    assert executor._pool._max_workers >= len(specs)
    ctx.engine.dispose()


def test_disabled_sources_get_no_job() -> None:
    ids = [s.id for s in job_specs(settings(), now=NOW)]
    assert not any(i.startswith("collect:reddit") for i in ids)
