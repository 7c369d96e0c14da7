"""Scoring commands: ``score`` and ``kpis`` (the queue's commands are in cli/triage.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    context,
    parse_day,
    print_json,
    say,
)
from monitor.cli.tables import Column, CsvOpt, View, WideOpt, render, view
from monitor.report.formatting import MISSING, format_change, format_value
from monitor.scoring import ALL_SOURCES, KPI_KEYS, local_day

if TYPE_CHECKING:
    from monitor.config import BrandConfig, Settings
    from monitor.pipeline.score import KpiStatus
# the pipeline (storage) is imported in the commands that use it: fast --help

#: The most day columns the KPI table shows (``--json`` has every day).
TABLE_DAYS = 7

BrandOpt = Annotated[str | None, typer.Option("--brand", "-b", help="only this brand")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("score")(score)
    app.command("kpis")(kpis)


def _brands(settings: Settings, brand: str | None) -> list[BrandConfig]:
    return [settings.brand(brand)] if brand else list(settings.config.brands)


def _last_days(today: date, count: int) -> list[date]:
    return [today - timedelta(days=i) for i in range(count - 1, -1, -1)]


def score(
    config: ConfigOpt = None,
    db: DbOpt = None,
    date: Annotated[str | None, typer.Option("--date", help="score this day (YYYY-MM-DD)")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="score every day from this one to today")
    ] = None,
    brand: BrandOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compute and store daily KPIs and complaints (default: the last daemon.rescore_days)."""
    from monitor.pipeline.score import ScoreReport, score_days

    if date and since:
        raise UsageError("give --date or --since, not both")
    ctx = context(config, db)
    settings, now = ctx.settings, ctx.now()
    given = since or date
    first = parse_day(given, now) if given else None
    report, done = ScoreReport(), []
    for b in _brands(settings, brand):
        today = local_day(now, b.zone)
        if first is not None and first > today:
            option = "--since" if since else "--date"
            raise UsageError(f"{option} {first} is after today ({today} in {b.timezone})")
        if date and first is not None:
            days = [first]
        elif first is not None:
            days = _last_days(today, (today - first).days + 1)
        else:
            days = _last_days(today, settings.config.daemon.rescore_days)
        report += score_days(ctx.engine, settings, clock=lambda: now, days=days, brand=b.name)
        done.append({"brand": b.name, "first": days[0], "last": days[-1]})
    if as_json:
        print_json({"rows": report.rows, "complaints": report.complaints, "brands": done})
        return
    for d in done:
        span = str(d["first"]) if d["first"] == d["last"] else f"{d['first']} .. {d['last']}"
        say(f"scored {d['brand']} {span}")
    say(f"{report.rows} KPI rows, {report.complaints} complaints stored")


def kpis(
    config: ConfigOpt = None,
    db: DbOpt = None,
    brand: BrandOpt = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=366, help="the last N days (default 7)")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="one day (YYYY-MM-DD)")] = None,
    source: Annotated[
        str, typer.Option("--source", "-s", help="a source name, or all")
    ] = ALL_SOURCES,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Daily KPIs with their targets, met or missed, and the change against the previous period.

    The default view shows the last day; --wide adds a column per day and the 7-day mean;
    --csv gives one line per brand, source, day and KPI.
    """
    from monitor.pipeline.score import kpi_report, kpi_rows

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    if days is not None and date is not None:
        raise UsageError("give --days or --date, not both")
    ctx = context(config, db)
    settings, now = ctx.settings, ctx.now()
    documents: list[dict[str, Any]] = []
    tables = []
    for b in _brands(settings, brand):
        wanted = [parse_day(date, now)] if date else _last_days(local_day(now, b.zone), days or 7)
        rows = kpi_rows(
            ctx.engine, settings, brand=b.name, days=wanted, source=source, clock=lambda: now
        )
        documents.extend(rows)
        if chosen in (View.COMPACT, View.WIDE):
            report = kpi_report(
                ctx.engine, settings, brand=b.name, day=wanted[-1], source=source,
                clock=lambda: now,
            )  # fmt: skip
            tables.append((f"{b.name} · {source} · {b.timezone}", rows[-TABLE_DAYS:], report))
    if chosen is View.JSON:
        print_json(documents)
        return
    if chosen is View.CSV:
        long = [(doc, key) for doc in documents for key in KPI_KEYS]
        render(KPI_CSV_COLUMNS, long, chosen)
        return
    for title, rows, report in tables:
        render(_kpi_columns(rows), report, chosen, title=title)


def _target_text(status: KpiStatus) -> str:
    if status.bound is None or status.target_value is None:
        return MISSING
    sign = "≥" if status.bound == "min" else "≤"
    return f"{sign} {format_value(status.target_value, status.unit)} /{status.period}"


def _status_word(status: KpiStatus) -> str:
    if status.met is None:
        return MISSING if status.bound is None else "no data"
    return "met" if status.met else "MISSED"


def _status_style(status: KpiStatus) -> str:
    if status.met is None:
        return "dim"
    return "green" if status.met else "bold red"


def _change_text(status: KpiStatus) -> str:
    change = format_change(status.change, status.unit)
    if status.period == "week":
        # a weekly target is judged on the week: say so next to its figures
        change = f"{change} (week {format_value(status.value, status.unit)})"
    return change


def _day_column(row: dict[str, Any], name: str, compact: bool) -> Column[KpiStatus]:
    return Column(
        name,
        lambda s: row.get(s.key),
        text=lambda s: format_value(row.get(s.key), s.unit),
        compact=compact,
        right=True,
    )


def _kpi_columns(rows: list[dict[str, Any]]) -> list[Column[KpiStatus]]:
    """KPIs as rows: the last day (a column per day with --wide), target, status, change."""
    last = rows[-1]["date"]
    days = [_day_column(row, row["date"], compact=False) for row in rows[:-1]]
    return [
        Column("kpi", lambda s: s.key, text=lambda s: s.label),
        *days,
        _day_column(rows[-1], last, compact=True),
        Column("target", lambda s: s.target_value, text=_target_text),
        Column("status", lambda s: s.met, text=_status_word, style=_status_style),
        Column("change", lambda s: s.change, text=_change_text, flex=True),
        Column(
            "7-day mean",
            lambda s: s.mean_7d,
            text=lambda s: format_value(s.mean_7d, s.unit),
            compact=False,
            right=True,
        ),
    ]


#: ``kpis --csv``: one line per brand, source, day and KPI (long format, for pivot tables).
KPI_CSV_COLUMNS: list[Column[tuple[dict[str, Any], str]]] = [
    Column("brand", lambda r: r[0]["brand"]),
    Column("source", lambda r: r[0]["source"]),
    Column("date", lambda r: r[0]["date"]),
    Column("kpi", lambda r: r[1]),
    Column("value", lambda r: r[0].get(r[1])),
]
