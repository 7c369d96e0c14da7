"""Commands that change data: init, collect, import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    console,
    context,
    db_url,
    parse_time,
    print_json,
    say,
)
from monitor.cli.tables import Column, CsvOpt, View, WideOpt, render, view

if TYPE_CHECKING:
    from monitor.collectors.base import Page
    from monitor.pipeline.collect import CollectReport
    from monitor.storage.mentions import UpsertResult
# the pipeline and storage are imported in the commands that use them: fast --help


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("init")(init)
    app.command("collect")(collect)
    app.command("import")(import_)


def init(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Create the database schema, or upgrade it to this version."""
    from monitor.storage.db import open_engine
    from monitor.storage.migrate import upgrade

    ctx = context(config, db, creates=True)
    url = ctx.db_override or ctx.settings.config.database_url
    engine = open_engine(db_url(url))
    before, after = upgrade(engine)
    if before == after:
        console.print(f"schema is up to date (revision {after})")
    else:
        console.print(f"schema upgraded from {before or 'empty'} to {after}")


def collect(
    config: ConfigOpt = None,
    db: DbOpt = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source")
    ] = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b", help="only this brand")] = None,
    since: Annotated[
        str | None, typer.Option(help="backfill from this time (cursor untouched)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="backfill up to this time (cursor untouched)")
    ] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Run one collection pass over the enabled sources."""
    from monitor.pipeline.collect import collect as run_collect

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    ctx = context(config, db, creates=True)
    settings, engine = ctx.settings, ctx.engine
    if brand is not None:
        settings.brand(brand)
    start = parse_time(since, ctx.now()) if since else None
    end = parse_time(until, ctx.now()) if until else None
    show_progress = console.is_terminal and chosen in (View.COMPACT, View.WIDE)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[pages]} pages, {task.fields[posts]} posts"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("collecting", total=None, pages=0, posts=0)
        totals = {"pages": 0, "posts": 0}

        def on_page(src: str, page: Page, result: UpsertResult) -> None:
            totals["pages"] += 1
            totals["posts"] += len(page.posts)
            progress.update(
                task, description=f"collecting {src}", pages=totals["pages"], posts=totals["posts"]
            )

        reports = run_collect(
            engine,
            settings,
            clock=ctx.now,
            sources=source,
            brand=brand,
            since=start,
            until=end,
            on_page=on_page,
        )
    rows = [
        {
            "source": r.source,
            "target": r.target,
            "pages": r.pages,
            "inserted": r.result.inserted,
            "updated": r.result.updated,
            "unchanged": r.result.unchanged,
            "skipped_pages": r.skipped_pages,
            "skipped_posts": r.skipped_posts,
            "notes": r.notes,
            "error": r.error,
        }
        for r in reports
    ]
    render(COLLECT_COLUMNS, reports, chosen, title="collection pass", documents=rows)
    if any(r.error for r in reports):
        raise typer.Exit(1)


def _skipped_cell(pages: int, posts: int) -> str:
    """Pages left unread and posts left out of one pass (``N`` when only pages)."""
    return f"{pages} pages, {posts} posts" if posts else str(pages)


def _status(r: CollectReport) -> str:
    return r.error or ("; ".join(r.notes) if r.notes else "ok")


COLLECT_COLUMNS: list[Column[CollectReport]] = [
    Column("source", lambda r: r.source),
    Column("target", lambda r: r.target),
    Column("pages", lambda r: r.pages, right=True),
    Column("new", lambda r: r.result.inserted, right=True),
    Column("edited", lambda r: r.result.updated, right=True),
    Column("same", lambda r: r.result.unchanged, right=True),
    Column(
        "skipped",
        lambda r: r.skipped_pages,
        text=lambda r: _skipped_cell(r.skipped_pages, r.skipped_posts),
        right=True,
    ),
    Column("skipped_posts", lambda r: r.skipped_posts, compact=False, right=True),
    Column("status", _status, flex=True),
]


def import_(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV of posts (docs/import-format.md)")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import posts from a file; bad rows are reported as FILE:LINE: reason and skipped.

    Exits 0 when the file was read (bad rows listed on stderr), 2 when it cannot be read,
    stops part way, or none of its rows could be imported.
    """
    from monitor.pipeline.importing import import_file

    ctx = context(config, db, creates=True)
    settings, engine = ctx.settings, ctx.engine

    def show(problem: str) -> None:
        if not as_json:
            say(problem, err=True)

    report = import_file(engine, settings, file, clock=ctx.now, on_problem=show)
    doc = {
        "file": str(file),
        "lines": report.lines,
        "rows": report.rows,
        "inserted": report.result.inserted,
        "updated": report.result.updated,
        "unchanged": report.result.unchanged,
        "changed": len(report.changes),
        "bad": len(report.problems),
        "problems": report.problems,
        "changes": report.changes,
        "error": report.error,
    }
    doc["warnings"] = report.warnings
    if not as_json:
        for warning in report.warnings:
            say(f"warning: {warning}", err=True)
    if as_json:
        print_json(doc)
    elif report.rows or report.error is None:
        say(f"{file}: {report.summary()}")
    if report.error is not None:
        if not as_json:
            say(f"error: {report.error}", err=True)
        raise typer.Exit(2)
