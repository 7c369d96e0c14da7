"""The KPI view of a brand or competitor over a date range: what ``monitor kpis`` shows.

The one composition of :func:`kpi_rows`, :func:`kpi_report` and :func:`range_row` that the
CLI's ``kpis`` and the web KPI page both show; adds share of voice and the digest's charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.errors import UsageError
from monitor.pipeline.kpis import KpiStatus, kpi_report, kpi_rows, range_row, status_json
from monitor.scoring import ALL_SOURCES, day_bounds, local_day
from monitor.storage.db import session_scope
from monitor.storage.digests import inbound_volumes

Clock = Callable[[], datetime]
#: The default range, as ``monitor kpis``: the last 7 local days, today included.
DEFAULT_DAYS = 7
#: The longest range a page computes (``monitor kpis --days`` allows as much).
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class KpiView:
    """One brand's KPIs over ``first``..``last``.

    ``documents`` are exactly ``monitor kpis --json``'s rows for this brand (days, then the
    range row, today marked partial, the judged day carrying ``targets``); ``statuses`` the
    judged day's KPIs against their targets (empty when no day of the range is complete);
    ``share_of_voice`` the inbound mentions of the brand and its rivals over the range.
    """

    brand: str
    timezone: str
    source: str
    first: date
    last: date
    judged: date | None
    documents: list[dict[str, Any]]
    statuses: list[KpiStatus]
    share_of_voice: dict[str, int]

    @property
    def day_rows(self) -> list[dict[str, Any]]:
        """The per-day documents (the range row left out)."""
        return [d for d in self.documents if "end_date" not in d]

    @property
    def range_document(self) -> dict[str, Any] | None:
        """The row recomputed over the whole range (only when it spans several days)."""
        return next((d for d in self.documents if "end_date" in d), None)


def default_range(settings: Settings, brand: str, now: datetime) -> tuple[date, date]:
    """The last :data:`DEFAULT_DAYS` local days of ``brand``, today included."""
    today = local_day(now, settings.view(brand).zone)
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _rivals(settings: Settings, config: BrandConfig) -> list[str]:
    """The brand and competitors whose share of voice ``config`` belongs to."""
    for b in settings.config.brands:
        names = [b.name, *(c.name for c in b.competitors)]
        if config.name in names:
            return names if len(names) > 1 else []
    return []


def kpi_view(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    first: date | None = None,
    last: date | None = None,
    source: str = ALL_SOURCES,
    clock: Clock,
    share_of_voice: bool = True,
) -> KpiView:
    """The KPIs of ``brand`` (or a competitor) over local days ``first``..``last``.

    ``share_of_voice``: also count the inbound mentions of the brand and its rivals (the
    web page shows them; ``monitor kpis`` has the share in its rows and skips the query).
    """
    config = settings.view(brand)
    now = clock()
    today = local_day(now, config.zone)
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise UsageError(f"the date range ends ({last}) before it starts ({first})")
    if (last - first).days + 1 > MAX_DAYS:
        raise UsageError(f"the date range is longer than {MAX_DAYS} days")
    if last > today:
        raise UsageError(f"the date range ends after today ({today} in {config.timezone})")
    wanted = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    rows = kpi_rows(engine, settings, brand=config.name, days=wanted, source=source, clock=clock)
    complete = [d for d in wanted if d < today]  # today is half a day: never judged
    judged = complete[-1] if complete else None
    report = (
        kpi_report(engine, settings, brand=config.name, day=judged, source=source, clock=clock)
        if judged is not None
        else []
    )
    span = (
        range_row(
            engine, settings, brand=config.name, first=first, last=last, source=source,
            clock=clock,
        )
        if len(wanted) > 1
        else None
    )  # fmt: skip
    documents = [*rows, *([span] if span else [])]
    for row in documents:
        if (row.get("end_date") or row["date"]) >= today.isoformat():
            row["partial"] = True
        if judged is not None and row["date"] == judged.isoformat() and "end_date" not in row:
            row["targets"] = status_json(report)
    rivals = _rivals(settings, config) if share_of_voice else []
    volumes: dict[str, int] = {}
    if rivals:
        start, end = day_bounds(first, last, config.zone)
        with session_scope(engine) as session:
            volumes = inbound_volumes(session, rivals, start, end)
    return KpiView(
        brand=config.name,
        timezone=config.timezone,
        source=source,
        first=first,
        last=last,
        judged=judged,
        documents=documents,
        statuses=report,
        share_of_voice=volumes,
    )


def kpi_chart(
    engine: Engine, settings: Settings, *, brand: str, first: date, last: date, name: str
) -> bytes:
    """One of the digest's charts (by its name in ``CHART_TITLES``) of ``brand`` as PNG bytes."""
    # imported here: the digest pipeline and matplotlib are heavy, and only charts need them
    from monitor.pipeline.digest import history_from_rows
    from monitor.report import charts
    from monitor.storage.digests import kpi_rows as stored_rows

    draw = {
        charts.SENTIMENT_MIX: charts.sentiment_mix_chart,
        charts.VOLUME_BY_SOURCE: charts.volume_by_source_chart,
        charts.FRT_TREND: charts.frt_trend_chart,
    }
    if name not in draw:
        raise UsageError(f"no chart called {name!r} (charts: {', '.join(draw)})")
    config = settings.view(brand)
    if last < first:
        raise UsageError(f"the date range ends ({last}) before it starts ({first})")
    with session_scope(engine) as session:
        rows = stored_rows(session, config.name, first, last)
    return draw[name](history_from_rows(rows, first, last, settings.config.sla_minutes))
