"""Read KPI rows back for display: stored values (computed when missing), targets, changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.facts import (
    analyse_days,
    brand_profile,
    brand_targets,
    day_runs,
    scoring_params,
)
from monitor.report.formatting import format_target
from monitor.report.model import Unit
from monitor.scoring import (
    ALL_SOURCES,
    KPI_BY_KEY,
    KPI_KEYS,
    BrandView,
    KpiRow,
    kpis_from_view,
    period_range,
    previous_range,
)
from monitor.scoring.kpis import row_from_parts
from monitor.scoring.model import require_aware
from monitor.scoring.parts import PARTS_KEY, KpiParts
from monitor.storage.db import session_scope
from monitor.storage.scores import stored_kpis

Clock = Callable[[], datetime]
Values = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KpiStatus:
    """One KPI of a brand's day, with its target, the change and the 7-day figure.

    ``period`` is the target's period (``"day"`` without a target). ``value`` is the KPI
    over that period ending with the day (the day's value for ``"day"``; a week target is
    recomputed over the 7 days, never averaged), ``previous`` the period before it and
    ``change`` = value − previous. ``day_value`` is always the day's own value and
    ``mean_7d`` the KPI over the 7 days ending with the day, recomputed over those days
    (docs/kpis.md: a median of all their times, never a mean of daily medians); a count
    is given per day (the 7 days' total / 7), to compare with the day's own. ``target`` is
    display text (``"≤ 60 /day"``), with ``bound`` (``"min"``/``"max"``) and
    ``target_value`` in the KPI's unit for renderers; ``met`` is ``None`` without a target
    or a value.
    """

    key: str
    label: str
    unit: Unit
    higher_is_better: bool | None
    period: str
    value: float | None
    day_value: float | None
    previous: float | None
    change: float | None
    mean_7d: float | None
    target: str | None
    met: bool | None
    bound: str | None = None
    target_value: float | None = None


def stored_values(row: KpiRow) -> Values:
    """What a day's row stores: its KPI values and, beside them, its mergeable parts."""
    values: Values = dict(row.values())
    if row.parts is not None:
        values[PARTS_KEY] = row.parts.to_json()
    return values


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _empty_values(settings: Settings, brand: str, source: str, now: datetime) -> Values:
    """The row of a day that was scored but had no mention on ``source``."""
    profile = brand_profile(settings, settings.view(brand))
    view = BrandView.build([], profile, now)
    day = now.date()
    rows = kpis_from_view(view, [], scoring_params(settings), day, day, (source,))
    return stored_values(next(r for r in rows if r.source == source))


def daily_values(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    days: Iterable[date],
    source: str = ALL_SOURCES,
    clock: Clock,
) -> dict[date, Values]:
    """``{day: {kpi: value}}`` for ``source``: stored rows, computed for days never scored.

    A day scored without a row for ``source`` had no mention there: its row is the empty one.
    """
    config = settings.view(brand)
    now = require_aware(clock(), "clock()")
    wanted = sorted(set(days))
    if not wanted:
        return {}
    with session_scope(engine) as session:
        stored = stored_kpis(session, config.name, wanted[0], wanted[-1], {source, ALL_SOURCES})
    values: dict[date, Values] = {}
    missing = []
    for day in wanted:
        if (day, source) in stored:
            values[day] = stored[(day, source)]
        elif (day, ALL_SOURCES) in stored:
            values[day] = _empty_values(settings, config.name, source, now)
        else:
            missing.append(day)
    for day, row in _computed(settings, config.name, missing, source, now, engine).items():
        values[day] = stored_values(row)
    return values


def _computed(
    settings: Settings, brand: str, days: list[date], source: str, now: datetime, engine: Engine
) -> dict[date, KpiRow]:
    """Compute (without storing) the ``source`` rows of ``days``."""
    profile = brand_profile(settings, settings.view(brand))
    params = scoring_params(settings)
    out: dict[date, KpiRow] = {}
    for run in day_runs(days):
        with session_scope(engine) as session:
            analysis = analyse_days(session, profile, params, run[0], run[-1], now)
        for day in run:
            rows = kpis_from_view(analysis.view, analysis.complaints, params, day, day, (source,))
            out[day] = next(r for r in rows if r.source == source)
    return out


def kpi_rows(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    days: Iterable[date],
    source: str = ALL_SOURCES,
    clock: Clock,
) -> list[dict[str, Any]]:
    """The JSON rows of docs/kpis.md (brand, source, date, every key), oldest day first."""
    name = settings.view(brand).name
    by_day = daily_values(engine, settings, brand=name, days=days, source=source, clock=clock)
    return [
        {
            "brand": name,
            "source": source,
            "date": day.isoformat(),
            **{k: v.get(k) for k in KPI_KEYS},
        }
        for day, v in sorted(by_day.items())
    ]


def range_row(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    first: date,
    last: date,
    source: str = ALL_SOURCES,
    clock: Clock,
) -> dict[str, Any]:
    """One row over ``first``..``last`` with ``end_date`` (docs/kpis.md).

    A figure of the whole range, never a mean of daily figures: merged from the days'
    stored parts (each day keeps its response and resolution minutes, so medians are
    exact), recomputed from the mentions only when a stored day has no parts.
    """
    name = settings.view(brand).name
    values = _merged_values(engine, settings, name, [(first, last)], source, clock)
    if values is None:
        return range_row_recomputed(
            engine, settings, brand=name, first=first, last=last, source=source, clock=clock
        )
    return _range_document(name, source, first, last, values[0])


def range_row_recomputed(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    first: date,
    last: date,
    source: str = ALL_SOURCES,
    clock: Clock,
) -> dict[str, Any]:
    """:func:`range_row` recomputed over every mention and complaint of those days."""
    config = settings.view(brand)
    params = scoring_params(settings)
    now = require_aware(clock(), "clock()")
    with session_scope(engine) as session:
        analysis = analyse_days(session, brand_profile(settings, config), params, first, last, now)
    rows = kpis_from_view(analysis.view, analysis.complaints, params, first, last, (source,))
    values = next(r for r in rows if r.source == source).values()
    return _range_document(config.name, source, first, last, values)


def _range_document(
    brand: str, source: str, first: date, last: date, values: Values
) -> dict[str, Any]:
    return {
        "brand": brand,
        "source": source,
        "date": first.isoformat(),
        "end_date": last.isoformat(),
        **{k: values.get(k) for k in KPI_KEYS},
    }


def _merged_values(
    engine: Engine,
    settings: Settings,
    brand: str,
    spans: list[tuple[date, date]],
    source: str,
    clock: Clock,
) -> list[Values] | None:
    """The KPIs over each ``(first, last)`` span merged from the days' stored parts.

    A day never scored is computed; ``None`` when a stored day has no parts (scored by an
    older version): the caller recomputes from the mentions. One arithmetic either way:
    ``row_from_parts``.
    """
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    daily = daily_values(engine, settings, brand=brand, days=days, source=source, clock=clock)
    parts = {d: KpiParts.from_json(v.get(PARTS_KEY, {})) for d, v in daily.items()}
    if any(p is None for p in parts.values()):
        return None
    has_competitors = bool(settings.view(brand).competitors)
    out = []
    for start, end in spans:
        merged = KpiParts.merge(p for d, p in parts.items() if start <= d <= end and p is not None)
        out.append(row_from_parts(brand, source, start, end, merged, has_competitors).values())
    return out


def status_json(statuses: Iterable[KpiStatus]) -> dict[str, dict[str, Any]]:
    """A judged day's KPIs for ``kpis --json``: target, met and change, by KPI key."""
    return {
        s.key: {
            "period": s.period,
            "value": s.value,
            "previous": s.previous,
            "change": s.change,
            "target": s.target,
            "bound": s.bound,
            "target_value": s.target_value,
            "met": s.met,
        }
        for s in statuses
    }


def kpi_report(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    day: date,
    source: str = ALL_SOURCES,
    clock: Clock,
) -> list[KpiStatus]:
    """Every KPI of ``brand`` on ``day`` in display order, judged against its target."""
    config = settings.view(brand)
    targets = brand_targets(config)
    # the 7 days ending with ``day`` (the mean) and the day before them (the day's change)
    days = [day - timedelta(days=i) for i in range(7, -1, -1)]
    daily = daily_values(engine, settings, brand=config.name, days=days, source=source, clock=clock)
    before = daily[days[-2]]
    seven = _span_values(engine, settings, config.name, days[1:], daily, source, clock)
    weekly = None
    if any(t.period == "week" for t in targets.values()):
        weekly = _week_values(engine, settings, config.name, day, source, clock)
    statuses = []
    for key in KPI_KEYS:
        kpi = KPI_BY_KEY[key]  # the one catalogue: label, unit, which way is better
        label, unit, higher = kpi.label, kpi.unit, kpi.higher_is_better
        target = targets.get(key)
        day_value = _float(daily[day].get(key))
        if target is not None and target.period == "week" and weekly is not None:
            value, previous = _float(weekly[0].get(key)), _float(weekly[1].get(key))
        else:
            value, previous = day_value, _float(before.get(key))
        of_week = _float(seven.get(key))
        if of_week is not None and kpi.whole:
            of_week /= len(days) - 1  # a count per day over the 7 days
        statuses.append(
            KpiStatus(
                key=key,
                label=label,
                unit=unit,
                higher_is_better=higher,
                period=target.period if target is not None else "day",
                value=value,
                day_value=day_value,
                previous=previous,
                change=None if value is None or previous is None else value - previous,
                mean_7d=of_week,
                target=(
                    format_target(target.bound, target.value, unit, target.period)
                    if target is not None
                    else None
                ),
                met=target.met_by(value) if target is not None else None,
                bound=target.bound if target is not None else None,
                target_value=target.value if target is not None else None,
            )
        )
    return statuses


def _span_values(
    engine: Engine,
    settings: Settings,
    brand: str,
    days: list[date],
    daily: dict[date, Values],
    source: str,
    clock: Clock,
) -> Values:
    """The KPIs over the consecutive ``days``, merged from their parts in ``daily``.

    Recomputed from the mentions when a day has no parts (scored by an older version).
    """
    parts = [KpiParts.from_json(daily[d].get(PARTS_KEY, {})) for d in days]
    if any(p is None for p in parts):
        return range_row(
            engine, settings, brand=brand, first=days[0], last=days[-1], source=source,
            clock=clock,
        )  # fmt: skip
    merged = KpiParts.merge(p for p in parts if p is not None)
    has_competitors = bool(settings.view(brand).competitors)
    return row_from_parts(brand, source, days[0], days[-1], merged, has_competitors).values()


def _week_values(
    engine: Engine, settings: Settings, brand: str, day: date, source: str, clock: Clock
) -> tuple[Values, Values]:
    """The KPIs over the week ending with ``day`` and over the week before.

    Merged from the 14 days' stored parts (a day never scored is computed); only when a
    stored day has no parts (scored by an older version) are the weeks recomputed from
    their mentions. Both give the same figures: one arithmetic, ``row_from_parts``.
    """
    spans = [period_range(day, "week"), previous_range(day, "week")]
    merged = _merged_values(engine, settings, brand, spans, source, clock)
    if merged is None:
        return _week_values_recomputed(engine, settings, brand, day, source, clock)
    return merged[0], merged[1]


def _week_values_recomputed(
    engine: Engine, settings: Settings, brand: str, day: date, source: str, clock: Clock
) -> tuple[Values, Values]:
    """The KPIs recomputed over the week ending with ``day`` and over the week before."""
    profile = brand_profile(settings, settings.view(brand))
    params = scoring_params(settings)
    now = require_aware(clock(), "clock()")
    first, _ = previous_range(day, "week")
    with session_scope(engine) as session:
        analysis = analyse_days(session, profile, params, first, day, now)
    out = []
    for start, end in (period_range(day, "week"), previous_range(day, "week")):
        rows = kpis_from_view(analysis.view, analysis.complaints, params, start, end, (source,))
        out.append(next(r for r in rows if r.source == source).values())
    return out[0], out[1]
