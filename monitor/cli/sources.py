"""``monitor sources check``: is each enabled source set up right, before relying on it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from monitor.cli.common import (
    ConfigOpt,
    JsonOpt,
    UsageError,
    console,
    context,
    data_text,
    print_json,
)

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
    as_json: JsonOpt = False,
) -> None:
    """One cheap authenticated call per enabled source: ok, or what is wrong and where to fix it.

    Exit 0 when every source is ok, 2 when a set-up is wrong, 3 when a source is unreachable.
    """
    from monitor.pipeline.sources import check_sources, exit_code  # loads the client libraries

    ctx = context(config, None)
    settings = ctx.settings
    if not source and not settings.enabled_sources:
        raise UsageError("no source is enabled under sources in the config")
    try:
        statuses = check_sources(settings, clock=ctx.now, sources=source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        print_json(
            [
                {
                    "source": s.source,
                    "ok": s.result.ok,
                    "detail": s.result.detail,
                    "fix": s.result.fix,
                    "unreachable": s.result.unreachable,
                }
                for s in statuses
            ]
        )
    else:
        table = Table("source", "status", "detail", "fix")
        for s in statuses:
            status = Text("ok", style="green") if s.result.ok else Text("FAILED", style="red")
            table.add_row(
                data_text(s.source),
                status,
                data_text(s.result.detail),
                data_text(s.result.fix or ""),
            )
        console.print(table)
    raise typer.Exit(exit_code(statuses))
