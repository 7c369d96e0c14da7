"""``monitor run``: the daemon, or every job once with ``--once``."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import ConfigOpt, DbOpt, context, say

if TYPE_CHECKING:
    from monitor.daemon import Daemon

#: Exit status when another ``monitor run`` holds the database: the environment, not the input.
EXIT_ALREADY_RUNNING = 3


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
    from monitor.daemon import AlreadyRunning, Daemon, DaemonError  # heavy: only when run

    ctx = context(config, db, creates=True)
    _job_lines_visible()
    daemon = Daemon(ctx.settings, ctx.engine, clock=ctx.now)
    try:
        status = _run(daemon, once)
    except AlreadyRunning as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ALREADY_RUNNING) from None
    except DaemonError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(status)


def _run(daemon: Daemon, once: bool) -> int:
    """The exit status of the daemon, or of one pass with its summary printed."""
    if once:
        summary = daemon.run_once()
        for line in summary.lines():
            say(line)  # job ids such as "collect:x:Acme" are data, not emoji codes
        if summary.interrupted:
            return 130
        return 1 if summary.failures else 0
    return daemon.serve()
