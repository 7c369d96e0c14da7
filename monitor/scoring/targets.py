"""SMART targets: a min or max per KPI over a day or a week, met or missed, and the change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from monitor.scoring.complaints import analyze_view
from monitor.scoring.kpis import ALL_SOURCES, KPI_KEYS, KpiRow, kpis_from_view
from monitor.scoring.model import BrandProfile, ManualResolution, MentionFacts, ScoringParams
from monitor.scoring.threads import BrandView

Bound = Literal["min", "max"]
Period = Literal["day", "week"]
PERIOD_DAYS: dict[str, int] = {"day": 1, "week": 7}


@dataclass(frozen=True, slots=True)
class Target:
    """``value`` is the least (``min``) or most (``max``) acceptable KPI value over ``period``."""

    kpi: str
    bound: Bound
    value: float
    period: Period = "day"

    def met_by(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the target; ``None`` when there is no value."""
        if value is None:
            return None
        return value >= self.value if self.bound == "min" else value <= self.value

    def describe(self) -> str:
        """Short display text, e.g. ``"≤ 60 /day"``."""
        sign = "≥" if self.bound == "min" else "≤"
        return f"{sign} {self.value:g} /{self.period}"


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """One KPI with its target (if any): value, met, previous value and change."""

    kpi: str
    period: Period
    value: float | None
    target: Target | None
    met: bool | None
    previous: float | None
    change: float | None


def parse_targets(raw: Mapping[str, Any] | None, where: str = "targets") -> dict[str, Target]:
    """Targets from config: ``{kpi: {min|max: number, period: day|week}}``; clear errors."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected a mapping of KPI name to target")
    targets: dict[str, Target] = {}
    for kpi, spec in raw.items():
        at = f"{where}.{kpi}"
        if kpi not in KPI_KEYS:
            raise ValueError(f"{at}: unknown KPI; expected one of {', '.join(KPI_KEYS)}")
        if not isinstance(spec, Mapping):
            raise ValueError(f"{at}: expected {{min: N}} or {{max: N}}, got {spec!r}")
        unknown = set(spec) - {"min", "max", "period"}
        if unknown:
            raise ValueError(f"{at}: unknown keys {sorted(unknown)}; use min, max, period")
        bounds = [b for b in ("min", "max") if b in spec]
        if len(bounds) != 1:
            raise ValueError(f"{at}: give exactly one of min or max")
        bound: Bound = "min" if bounds[0] == "min" else "max"
        value = spec[bound]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{at}.{bound}: expected a number, got {value!r}")
        period = spec.get("period", "day")
        if period not in PERIOD_DAYS:
            raise ValueError(f"{at}.period: expected day or week, got {period!r}")
        targets[kpi] = Target(kpi=kpi, bound=bound, value=float(value), period=period)
    return targets


def period_range(day: date, period: Period) -> tuple[date, date]:
    """The local days of the period ending with ``day`` (a week is the 7 days up to it)."""
    return day - timedelta(days=PERIOD_DAYS[period] - 1), day


def previous_range(day: date, period: Period) -> tuple[date, date]:
    """The period just before the one ending with ``day``."""
    return period_range(day - timedelta(days=PERIOD_DAYS[period]), period)


def check_targets(
    current: KpiRow | None,
    previous: KpiRow | None,
    targets: Mapping[str, Target],
    period: Period = "day",
) -> list[TargetCheck]:
    """Every KPI of ``current`` against its target, with the change from ``previous``.

    The rows must cover the period the targets are set for. ``change`` is the value minus
    the previous period's value (``None`` when either is missing).
    """
    checks = []
    for kpi in KPI_KEYS:
        target = targets.get(kpi)
        value = _as_float(current.value(kpi)) if current is not None else None
        before = _as_float(previous.value(kpi)) if previous is not None else None
        checks.append(
            TargetCheck(
                kpi=kpi,
                period=target.period if target is not None else period,
                value=value,
                target=target,
                met=target.met_by(value) if target is not None else None,
                previous=before,
                change=None if value is None or before is None else value - before,
            )
        )
    return checks


def target_checks(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    targets: Mapping[str, Target],
    day: date,
    now: datetime,
    source: str = ALL_SOURCES,
) -> list[TargetCheck]:
    """Every KPI over its target's period ending with ``day`` (a day when it has no target).

    Pass what :func:`monitor.scoring.kpis.daily_kpis` needs for the 14 local days ending
    with ``day`` when any target is weekly, else for ``day`` and the day before.
    """
    view = BrandView.build(mentions, brand, now)
    complaints = analyze_view(view, params, resolutions)
    periods: set[Period] = {"day", *(t.period for t in targets.values())}
    by_period: dict[Period, dict[str, TargetCheck]] = {}
    for period in periods:
        current = kpis_from_view(view, complaints, params, *period_range(day, period), (source,))
        before = kpis_from_view(view, complaints, params, *previous_range(day, period), (source,))
        checks = check_targets(_pick(current, source), _pick(before, source), targets, period)
        by_period[period] = {c.kpi: c for c in checks}
    return [by_period[targets[kpi].period if kpi in targets else "day"][kpi] for kpi in KPI_KEYS]


def _pick(rows: list[KpiRow], source: str) -> KpiRow | None:
    return next((r for r in rows if r.source == source), None)


def _as_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)
