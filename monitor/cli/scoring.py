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
from monitor.scoring.kpis import CATALOGUE

if TYPE_CHECKING:
    from monitor.config import BrandConfig, Settings
    from monitor.pipeline.score import KpiStatus
    from monitor.scoring.kpis import KpiDef
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
        report += score_days(
            ctx.engine, settings, clock=lambda: now, days=days, brand=b.name, rematch=True
        )
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
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Daily KPIs with their targets, met or missed, and the change against the previous period.

    Today is shown marked partial and judged only once it is over; the last complete day
    is judged. Over several days, a row recomputed over the whole range follows the days.
    The default view shows the judged day (and today, partial); --wide adds a column per
    day and the range; --csv gives one line per brand, source, day and KPI.
    """
    from monitor.pipeline.kpi_page import kpi_view

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    if days is not None and date is not None:
        raise UsageError("give --days or --date, not both")
    ctx = context(config, db)
    settings, now = ctx.settings, ctx.now()
    documents: list[dict[str, Any]] = []
    tables = []
    for b in _views(settings, brand):
        today = local_day(now, b.zone)
        first, last = (
            (parse_day(date, now),) * 2
            if date
            else (today - timedelta(days=(days or 7) - 1), today)
        )
        page = kpi_view(
            ctx.engine, settings, brand=b.name, first=first, last=last, source=source,
            clock=lambda: now, share_of_voice=False,
        )  # fmt: skip
        documents.extend(page.documents)
        by_key = {s.key: s for s in page.statuses}
        lines = [(d, by_key.get(d.key)) for d in CATALOGUE]
        title = f"{b.name} · {source} · {b.timezone}"
        tables.append((title, page.day_rows[-TABLE_DAYS:], lines, page.judged, page.range_document))
    if chosen is View.JSON:
        print_json(documents)
        return
    if chosen is View.CSV:
        long = [(doc, key) for doc in documents for key in KPI_KEYS]
        render(KPI_CSV_COLUMNS, long, chosen)
        return
    for title, day_rows, lines, judged, span in tables:
        render(_kpi_columns(day_rows, judged, span), lines, chosen, title=title)


#: One table line: a KPI of the catalogue and, on a judged day, its status.
KpiLine = tuple["KpiDef", "KpiStatus | None"]


def _target_text(line: KpiLine) -> str:
    return line[1].target or MISSING if line[1] is not None else MISSING  # the digest's text


def _status_word(line: KpiLine) -> str:
    status = line[1]
    if status is None:
        return "partial day"  # only today shown: nothing complete to judge yet
    if status.met is None:
        return MISSING if status.bound is None else "no data"
    return "met" if status.met else "MISSED"


def _status_style(line: KpiLine) -> str:
    status = line[1]
    if status is None or status.met is None:
        return "dim"
    return "green" if status.met else "bold red"


def _change_text(line: KpiLine) -> str:
    status = line[1]
    if status is None:
        return MISSING
    change = format_change(status.change, status.unit)
    if status.period == "week":
        # a weekly target is judged on the week: say so next to its figures
        change = f"{change} (week {format_value(status.value, status.unit)})"
    return change


def _value_column(row: dict[str, Any], name: str, compact: bool) -> Column[KpiLine]:
    return Column(
        name,
        lambda line: row.get(line[0].key),
        text=lambda line: format_value(row.get(line[0].key), line[0].unit),
        compact=compact,
        right=True,
    )


def _kpi_columns(
    rows: list[dict[str, Any]], judged: date | None, span: dict[str, Any] | None
) -> list[Column[KpiLine]]:
    """KPIs as lines: the judged day and today (a column per day with --wide), the range
    (--wide), then target, status and change of the judged day."""
    many = len(rows) > 1
    columns = []
    for row in rows:
        head = row["date"][5:] if many else row["date"]
        head = f"{head} partial" if row.get("partial") else head
        key = date.fromisoformat(row["date"])
        compact = key == judged or bool(row.get("partial")) or (judged is None and row is rows[-1])
        columns.append(_value_column(row, head, compact))
    if span is not None:
        name = f"{span['date'][5:]}..{span['end_date'][5:]}"
        columns.append(_value_column(span, name, compact=False))
    return [
        Column("kpi", lambda line: line[0].key, text=lambda line: line[0].label),
        *columns,
        Column("target", lambda line: line[1].target_value if line[1] else None, text=_target_text),
        Column(
            f"{judged.isoformat()[5:]} status" if judged else "status",
            lambda line: line[1].met if line[1] else None,
            text=_status_word,
            style=_status_style,
        ),
        Column("change", lambda line: line[1].change if line[1] else None, text=_change_text,
               flex=True),
    ]  # fmt: skip


#: ``kpis --csv``: one line per brand, source, day and KPI (long format, for pivot tables).
KPI_CSV_COLUMNS: list[Column[tuple[dict[str, Any], str]]] = [
    Column("brand", lambda r: r[0]["brand"]),
    Column("source", lambda r: r[0]["source"]),
    Column("date", lambda r: r[0]["date"]),
    Column("kpi", lambda r: r[1]),
    Column("value", lambda r: r[0].get(r[1])),
]
