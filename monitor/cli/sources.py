"""``monitor sources check``: is each enabled source set up right, before relying on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import ConfigOpt, JsonOpt, UsageError, context, say
from monitor.cli.tables import Column, CsvOpt, View, WideOpt, render, view

if TYPE_CHECKING:
    from monitor.pipeline.sources import SourceStatus

sources_app = typer.Typer(help="Check the configured sources.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``monitor sources …`` to ``app``."""
    app.add_typer(sources_app, name="sources")
    sources_app.command("check")(check)


def check(
    config: ConfigOpt = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only this source")
    ] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """One cheap authenticated call per enabled source: ok, or what is wrong and where to fix it.

    Exit 0 when every source is ok, 2 when a set-up is wrong, 3 when a source is unreachable.
    """
    from monitor.pipeline.sources import check_sources, exit_code  # loads the client libraries

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    ctx = context(config, None)
    settings = ctx.settings
    if not source and not settings.enabled_sources:
        raise UsageError("no source is enabled under sources in the config")
    try:
        statuses = check_sources(settings, clock=ctx.now, sources=source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    docs = [
        {
            "source": s.source,
            "ok": s.result.ok,
            "detail": s.result.detail,
            "fix": s.result.fix,
            "unreachable": s.result.unreachable,
        }
        for s in statuses
    ]
    render(SOURCE_COLUMNS, statuses, chosen, documents=docs)
    if chosen is View.COMPACT:  # the fix in full, under the table: it is what to do next
        for s in statuses:
            if not s.result.ok and s.result.fix:
                say(f"fix {s.source}: {s.result.fix}")
    raise typer.Exit(exit_code(statuses))


SOURCE_COLUMNS: list[Column[SourceStatus]] = [
    Column("source", lambda s: s.source),
    Column(
        "status",
        lambda s: "ok" if s.result.ok else "FAILED",
        style=lambda s: "green" if s.result.ok else "red",
    ),
    Column("detail", lambda s: s.result.detail, flex=True),
    Column("fix", lambda s: s.result.fix or "", compact=False),
]
