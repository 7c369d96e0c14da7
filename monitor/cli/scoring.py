"""Scoring commands: ``score``, ``kpis``, ``unanswered`` and ``resolve``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    console,
    context,
    data_text,
    parse_day,
    parse_time,
    print_json,
    say,
)
from monitor.config import BrandConfig, Settings
from monitor.pipeline.kpis import KPI_INFO, range_row, status_json
from monitor.pipeline.score import (
    KpiStatus,
    ScoreReport,
    UnknownMentionError,
    kpi_report,
    kpi_rows,
    mark_resolved,
    score_days,
)
from monitor.pipeline.score import unanswered as unanswered_queue
from monitor.report.formatting import MISSING, format_change, format_minutes, format_value
from monitor.scoring import ALL_SOURCES, KPI_KEYS, local_day

#: The most day columns the KPI table shows (``--json`` has every day).
TABLE_DAYS = 7

BrandOpt = Annotated[str | None, typer.Option("--brand", "-b", help="only this brand")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("score")(score)
    app.command("kpis")(kpis)
    app.command("unanswered")(unanswered)
    app.command("resolve")(resolve)


def _brands(settings: Settings, brand: str | None) -> list[BrandConfig]:
    return [settings.brand(brand)] if brand else list(settings.config.brands)


def _views(settings: Settings, brand: str | None) -> list[BrandConfig]:
    """The brand or competitor asked for (``kpis --brand Rival``), else every brand."""
    return [settings.view(brand)] if brand else list(settings.config.brands)


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
    brand: Annotated[
        str | None, typer.Option("--brand", "-b", help="only this brand or competitor")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=366, help="the last N days (default 7)")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="one day (YYYY-MM-DD)")] = None,
    source: Annotated[
        str, typer.Option("--source", "-s", help="a source name, or all")
    ] = ALL_SOURCES,
    as_json: JsonOpt = False,
) -> None:
    """Daily KPIs with their targets, met or missed, and the change against the previous period.

    Today is shown marked partial and judged only once it is over; the last complete day
    is judged. Over several days, a row recomputed over the whole range follows the days.
    """
    if days is not None and date is not None:
        raise UsageError("give --days or --date, not both")
    ctx = context(config, db)
    settings, now = ctx.settings, ctx.now()
    documents: list[dict[str, Any]] = []
    tables = []
    for b in _views(settings, brand):
        today = local_day(now, b.zone)
        wanted = [parse_day(date, now)] if date else _last_days(today, days or 7)
        rows = kpi_rows(
            ctx.engine, settings, brand=b.name, days=wanted, source=source, clock=lambda: now
        )
        complete = [d for d in wanted if d < today]  # today is half a day: never judged
        judged = complete[-1] if complete else None
        report = (
            kpi_report(
                ctx.engine, settings, brand=b.name, day=judged, source=source, clock=lambda: now
            )
            if judged is not None
            else []
        )
        span = (
            range_row(
                ctx.engine, settings, brand=b.name, first=wanted[0], last=wanted[-1],
                source=source, clock=lambda: now,
            )
            if len(wanted) > 1
            else None
        )  # fmt: skip
        shown = [*rows, *([span] if span else [])]
        for row in shown:
            if (row.get("end_date") or row["date"]) >= today.isoformat():
                row["partial"] = True
            if judged is not None and row["date"] == judged.isoformat() and "end_date" not in row:
                row["targets"] = status_json(report)
        documents.extend(shown)
        if not as_json:
            tables.append(_kpi_table(b, source, rows[-TABLE_DAYS:], report, judged, span))
    if as_json:
        print_json(documents)
        return
    for table in tables:
        console.print(table)


def _target_text(status: KpiStatus) -> str:
    return status.target or MISSING  # the digest's text: one formatter for both


def _status_text(status: KpiStatus) -> Text:
    if status.met is None:
        return Text(MISSING if status.bound is None else "no data", style="dim")
    return Text("met", style="green") if status.met else Text("MISSED", style="bold red")


def _kpi_table(
    brand: BrandConfig,
    source: str,
    rows: list[dict[str, Any]],
    report: list[KpiStatus],
    judged: date | None,
    span: dict[str, Any] | None,
) -> Table:
    """KPIs as rows; a column per day (today marked partial), the range, then the judged day."""
    title = data_text(f"{brand.name} · {source} · {brand.timezone}")
    table = Table(title=title, title_justify="left")
    table.add_column("KPI", no_wrap=True)
    for row in rows:
        head = row["date"][5:] if len(rows) > 1 else row["date"]
        table.add_column(f"{head} partial" if row.get("partial") else head, justify="right")
    if span is not None:
        table.add_column(f"{span['date'][5:]}..{span['end_date'][5:]}", justify="right")
    table.add_column("target")
    table.add_column(f"{judged.isoformat()[5:]} status" if judged else "status")
    table.add_column("change", justify="right")
    by_key = {s.key: s for s in report}
    for key in KPI_KEYS:
        label, unit, _ = KPI_INFO[key]
        cells = [format_value(row.get(key), unit) for row in rows]
        if span is not None:
            cells.append(format_value(span.get(key), unit))
        status = by_key.get(key)
        if status is None:  # only today shown: nothing complete to judge yet
            table.add_row(label, *cells, MISSING, Text("partial day", style="dim"), MISSING)
            continue
        change = format_change(status.change, status.unit)
        if status.period == "week":
            # a weekly target is judged on the week: say so next to its figures
            change = f"{change} (week {format_value(status.value, status.unit)})"
        table.add_row(label, *cells, _target_text(status), _status_text(status), change)
    return table


def unanswered(
    config: ConfigOpt = None,
    db: DbOpt = None,
    brand: BrandOpt = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only those past the SLA")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="show at most N")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The unanswered complaints, most urgent first."""
    ctx = context(config, db)
    now = ctx.now()
    items = unanswered_queue(
        ctx.engine, ctx.settings, clock=lambda: now, brand=brand, overdue_only=overdue
    )
    shown = items[:limit] if limit else items
    if as_json:
        print_json([i.to_dict() for i in shown])
        return
    table = Table(title=f"{len(items)} unanswered complaints", title_justify="left")
    for name in ("priority", "age", "id", "author", "text", "reason", "link"):
        table.add_column(name, overflow="fold", justify="right" if name == "priority" else "left")
    for item in shown:
        age = Text(format_minutes(item.age_minutes), style="bold red" if item.overdue else "")
        table.add_row(
            f"{item.priority:.2f}",
            age,
            data_text(item.key),
            data_text(item.author),
            data_text(item.text[:280]),  # post text is data: never markup, controls escaped
            data_text(item.reason),
            data_text(item.url or MISSING),
        )
    console.print(table)


def resolve(
    key: Annotated[str, typer.Argument(help="the complaint's id, SOURCE:EXTERNAL_ID")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help="when it was resolved (default now)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="a note kept with the mark")] = None,
) -> None:
    """Mark a complaint resolved by hand (it leaves the queue; its day is rescored)."""
    ctx = context(config, db)
    when: datetime | None = parse_time(at, ctx.now()) if at else None
    try:
        result = mark_resolved(ctx.engine, key, when, note, clock=ctx.now, settings=ctx.settings)
    except (UnknownMentionError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    stamp = result.resolved_at.strftime("%Y-%m-%d %H:%M UTC")
    if result.complaint_key is None:
        say(
            f"{result.key} marked resolved at {stamp}, but it is not a complaint of a configured "
            "brand (nor a follow-up of one): nothing changes until it becomes one"
        )
        return
    which = "" if result.complaint_key == result.key else f" (complaint {result.complaint_key})"
    say(
        f"{result.key}{which} marked resolved at {stamp}; "
        f"{result.brand} {result.rescored_day} rescored"
    )
