"""Score stored mentions: daily KPI rows and complaint state, the unanswered queue, resolutions.

Loading and storing happen here; the arithmetic is :mod:`monitor.scoring` (pure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
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
    QueueItem,
    analyze_complaints,
    kpis_from_view,
    local_day,
    queue_from_complaints,
)
from monitor.scoring.model import require_aware
from monitor.storage.db import session_scope
from monitor.storage.mentions import mention_by_key
from monitor.storage.scores import (
    ComplaintRecord,
    open_complaint_ids,
    save_complaints,
    save_daily_kpis,
    save_resolution,
)

Clock = Callable[[], datetime]

__all__ = [
    "KpiStatus",
    "ResolveResult",
    "ScoreReport",
    "UnknownMentionError",
    "kpi_report",
    "kpi_rows",
    "mark_resolved",
    "open_complaints",
    "score_days",
    "score_recent",
    "unanswered",
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
) -> ScoreReport:
    """Compute and store the KPI rows of ``days`` (brand-local) and rebuild their complaints.

    Idempotent: the same stored mentions scored at the same ``clock()`` give identical
    rows. Days are loaded in runs of at most a week, each with the whole of its threads.
    """
    now = _now(clock)
    params = scoring_params(settings)
    report = ScoreReport()
    wanted = sorted(set(days))
    for config in brands_of(settings, brand):
        profile = brand_profile(settings, config)
        for run in day_runs(wanted):
            with session_scope(engine) as session:
                analysis = analyse_days(session, profile, params, run[0], run[-1], now)
            rows = {
                day: kpis_from_view(analysis.view, analysis.complaints, params, day, day)
                for day in run
            }
            records = [_record(c, analysis.ids[c.key]) for c in analysis.complaints]
            # a separate, short write transaction: SQLite cannot turn a stale read into a write
            with session_scope(engine) as session:
                for day, day_rows in rows.items():
                    values = {r.source: stored_values(r) for r in day_rows}
                    report.rows += save_daily_kpis(session, profile.name, day, values, now)
                save_complaints(session, profile.name, analysis.start, analysis.end, records, now)
            report.complaints += sum(
                1 for c in analysis.complaints if analysis.start <= c.created_at < analysis.end
            )
    return report


def _record(c: Complaint, mention_id: int) -> ComplaintRecord:
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
    )


def score_recent(engine: Engine, settings: Settings, *, clock: Clock, days: int) -> ScoreReport:
    """Score the last ``days`` local days of every brand, today included (late replies)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    now = _now(clock)
    report = ScoreReport()
    for config in settings.config.brands:
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


def unanswered(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    brand: str | None = None,
    overdue_only: bool = False,
) -> list[QueueItem]:
    """The unanswered queue of one brand or all, most urgent first."""
    now = _now(clock)
    params = scoring_params(settings)
    items: list[QueueItem] = []
    for config in brands_of(settings, brand):
        found = open_complaints(engine, settings, brand=config.name, now=now)
        items.extend(queue_from_complaints(found, params, now, overdue_only))
    items.sort(key=lambda i: (-i.priority, i.created_at, i.key))
    return items


class UnknownMentionError(LookupError):
    """``monitor resolve`` named a post that is not stored."""


@dataclass(frozen=True)
class ResolveResult:
    """A stored manual resolution and the complaint it closes (``None``: not a complaint)."""

    key: str
    brand: str
    resolved_at: datetime
    complaint_key: str | None
    rescored_day: date | None


def parse_key(key: str) -> tuple[str, str]:
    """``SOURCE:EXTERNAL_ID`` split in two, or a clear error."""
    source, sep, external_id = key.strip().partition(":")
    if not sep or not source or not external_id:
        raise ValueError(f"{key!r} is not SOURCE:EXTERNAL_ID (for example x:1790000000000000001)")
    return source, external_id


def mark_resolved(
    engine: Engine,
    key: str,
    at: datetime | None = None,
    note: str | None = None,
    *,
    clock: Clock,
    settings: Settings | None = None,
) -> ResolveResult:
    """Mark the complaint holding post ``key`` resolved at ``at`` (default now).

    With ``settings``, the complaint's day is rescored so stored KPIs show it at once.
    Raises :class:`UnknownMentionError` for a post that is not stored and ``ValueError``
    for a malformed key or a time in the future.
    """
    now = _now(clock)
    source, external_id = parse_key(key)
    resolved_at = now if at is None else require_aware(at, "resolution time")
    if resolved_at > now:
        raise ValueError(f"resolution time {resolved_at.isoformat()} is in the future")
    with session_scope(engine) as session:
        mention = mention_by_key(session, source, external_id)
        if mention is None or mention.id is None:
            raise UnknownMentionError(
                f"no stored post {source}:{external_id} (ids are SOURCE:EXTERNAL_ID as "
                "shown by `monitor unanswered` and `monitor mentions --json`)"
            )
        mention_id, brand = mention.id, mention.brand
        save_resolution(session, mention_id, resolved_at, note, now)
    result = ResolveResult(f"{source}:{external_id}", brand, resolved_at, None, None)
    configured = {b.name for b in settings.config.brands} if settings is not None else set()
    if settings is None or brand not in configured:
        return result
    complaint = _complaint_holding(engine, settings, brand, mention_id, result.key, now)
    if complaint is None:
        return result
    config = settings.brand(brand)
    day = local_day(complaint.created_at, config.zone)
    score_days(engine, settings, clock=lambda: now, days=[day], brand=brand)
    return ResolveResult(result.key, brand, resolved_at, complaint.key, day)


def _complaint_holding(
    engine: Engine, settings: Settings, brand: str, mention_id: int, key: str, now: datetime
) -> Complaint | None:
    """The complaint whose post or follow-up is ``key``, analysed with its thread."""
    profile = brand_profile(settings, settings.brand(brand))
    with session_scope(engine) as session:
        loaded = load_threads_of(session, profile, [mention_id])
    found = analyze_complaints(
        loaded.facts, profile, scoring_params(settings), loaded.resolutions, now
    )
    return next((c for c in found if key in c.member_keys), None)
