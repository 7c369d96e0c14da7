"""Score stored mentions: daily KPI rows and the stored items (complaints, questions).

Loading and storing happen here; the arithmetic is :mod:`monitor.scoring` (pure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.pipeline.brands import rematch_brands
from monitor.pipeline.facts import (
    analyse_days,
    brand_profile,
    day_runs,
    load_threads_of,
    scoring_params,
)
from monitor.pipeline.kpis import KpiStatus, kpi_report, kpi_rows, stored_values
from monitor.scoring import (
    Complaint,
    analyze_complaints,
    day_bounds,
    kpis_from_view,
    local_day,
)
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.scores import (
    ComplaintRecord,
    open_complaint_ids,
    save_complaints,
    save_daily_kpis,
)

Clock = Callable[[], datetime]

__all__ = [
    "KpiStatus",
    "ScoreReport",
    "item_record",
    "kpi_report",
    "kpi_rows",
    "open_complaints",
    "score_days",
    "score_recent",
]


@dataclass
class ScoreReport:
    """What a scoring run stored: KPI rows and complaints created in the scored days."""

    rows: int = 0
    complaints: int = 0

    def __iadd__(self, other: ScoreReport) -> ScoreReport:
        self.rows += other.rows
        self.complaints += other.complaints
        return self


def _now(clock: Clock) -> datetime:
    return require_aware(clock(), "clock()")


def brands_of(settings: Settings, brand: str | None) -> list[BrandConfig]:
    """One named brand (clear error when unknown), or every configured brand."""
    return [settings.brand(brand)] if brand else list(settings.config.brands)


def score_days(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    days: Iterable[date],
    brand: str | None = None,
    rematch: bool = False,
) -> ScoreReport:
    """Compute and store the KPI rows of ``days`` (brand-local) and rebuild their complaints.

    Idempotent: the same stored mentions scored at the same ``clock()`` give identical
    rows. Days are loaded in runs of at most a week, each with the whole of its threads.
    ``rematch``: first match the days' mentions against the brands and keywords configured
    now (:func:`monitor.pipeline.brands.rematch_brands`), as ``monitor score`` does.
    """
    now = _now(clock)
    params = scoring_params(settings)
    report = ScoreReport()
    wanted = sorted(set(days))
    configs = brands_of(settings, brand)
    if rematch:
        for run in day_runs(wanted):
            rematch_brands(engine, settings, *_utc_span(configs, run[0], run[-1]))
    for config in configs:
        profile = brand_profile(settings, config)
        for run in day_runs(wanted):
            with session_scope(engine) as session:
                analysis = analyse_days(session, profile, params, run[0], run[-1], now)
            rows = {
                day: kpis_from_view(analysis.view, analysis.complaints, params, day, day)
                for day in run
            }
            records = [item_record(c, analysis.ids[c.key]) for c in analysis.complaints]
            # a separate, short write transaction: SQLite cannot turn a stale read into a write
            with session_scope(engine) as session:
                for day, day_rows in rows.items():
                    values = {r.source: stored_values(r) for r in day_rows}
                    report.rows += save_daily_kpis(session, profile.name, day, values, now)
                save_complaints(session, profile.name, analysis.start, analysis.end, records, now)
            report.complaints += sum(
                1
                for c in analysis.complaints
                if c.is_complaint and analysis.start <= c.created_at < analysis.end
            )
    return report


def _utc_span(configs: Iterable[BrandConfig], first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants covering the local days ``first``..``last`` in every brand's zone."""
    bounds = [day_bounds(first, last, config.zone) for config in configs]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def item_record(c: Complaint, mention_id: int) -> ComplaintRecord:
    """The stored row of an analysed item (complaint, question or unknown)."""
    return ComplaintRecord(
        mention_id=mention_id,
        brand=c.brand,
        source=c.source,
        created_at=c.created_at,
        reason=c.reason,
        answered=c.answered,
        first_response_at=c.first_response_at,
        brand_replies=c.brand_replies,
        resolved_at=c.resolved_at,
        resolution_kind=c.resolution,
        kind=c.kind,
    )


def score_recent(engine: Engine, settings: Settings, *, clock: Clock, days: int) -> ScoreReport:
    """Score the last ``days`` local days of every brand, today included (late replies).

    The days' mentions are first matched against the brands configured now.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    now = _now(clock)
    report = ScoreReport()
    configs = list(settings.config.brands)
    # one re-match for every brand's days (each brand's today differs by its time zone)
    first = min(local_day(now, c.zone) for c in configs) - timedelta(days=days - 1)
    last = max(local_day(now, c.zone) for c in configs)
    rematch_brands(engine, settings, *_utc_span(configs, first, last))
    for config in configs:
        today = local_day(now, config.zone)
        recent = [today - timedelta(days=i) for i in range(days)]
        report += score_days(engine, settings, clock=lambda: now, days=recent, brand=config.name)
    return report


def open_complaints(
    engine: Engine, settings: Settings, *, brand: str, now: datetime
) -> list[Complaint]:
    """The brand's stored open complaints re-analysed with their threads as of ``now``.

    Late replies and manual marks since the last scoring run count at once; complaints
    found in those threads are returned whatever their state.
    """
    config = settings.brand(brand)
    profile = brand_profile(settings, config)
    with session_scope(engine) as session:
        loaded = load_threads_of(session, profile, open_complaint_ids(session, config.name))
    params = scoring_params(settings)
    return analyze_complaints(loaded.facts, profile, params, loaded.resolutions, now)
