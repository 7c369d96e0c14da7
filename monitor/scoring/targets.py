"""SMART targets: a min or max per KPI over a day or a week, and the periods they cover.

Judging a KPI against its target is done in one place, monitor.pipeline.kpis.kpi_report
(with ``Target.met_by``), on the stored or merged figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from monitor.scoring.kpis import KPI_KEYS

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
