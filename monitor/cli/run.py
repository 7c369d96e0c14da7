"""``monitor run``: the daemon, or every job once with ``--once``."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from monitor.cli.common import ConfigOpt, DbOpt, console, context, err_console
from monitor.daemon import Daemon, DaemonError


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("run")(run)


def _job_lines_visible() -> None:
    # The daemon's one line per job run is INFO; show it unless the operator chose a level.
    if "MONITOR_LOG_LEVEL" not in os.environ:
        logging.getLogger("monitor").setLevel(logging.INFO)


def run(
    config: ConfigOpt = None,
    db: DbOpt = None,
    once: Annotated[
        bool, typer.Option("--once", help="run every job a single time, print a summary, exit")
    ] = False,
) -> None:
    """Collect, classify, score, alert and send digests on schedule until SIGTERM/SIGINT."""
    ctx = context(config, db)
    _job_lines_visible()
    daemon = Daemon(ctx.settings, ctx.engine, clock=ctx.now)
    if once:
        summary = daemon.run_once()
        for line in summary.lines():
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if summary.interrupted:
            raise typer.Exit(130)
        if summary.failures:
            raise typer.Exit(1)
        return
    try:
        status = daemon.serve()
    except DaemonError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(status)
