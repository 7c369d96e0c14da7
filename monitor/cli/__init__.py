"""The ``monitor`` command line: a thin layer over the pipeline's library API."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from monitor.cli import (
    alerts,
    data,
    digest,
    queries,
    run,
    scoring,
    sentiment,
    sources,
    themes,
    triage,
    web,
)
from monitor.cli.boundary import BoundaryGroup
from monitor.escape import install_log_escaping

app = typer.Typer(
    name="monitor",
    help="Social-media mention and sentiment monitor for customer-care teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=BoundaryGroup,  # every command runs inside the one error boundary
)


def _show_version(value: bool) -> None:
    """``--version``: the installed version, then exit."""
    if value:
        from monitor import __version__

        typer.echo(f"monitor {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="MONITOR_DEBUG",
            help="on an unexpected error, print the traceback instead of logging it",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Social-media mention and sentiment monitor for customer-care teams."""
    # --debug is read by cli.boundary from the parsed options when an error escapes.


data.register(app)
queries.register(app)
sentiment.register(app)
run.register(app)
scoring.register(app)
triage.register(app)
digest.register(app)
sources.register(app)
alerts.register(app)
themes.register(app)
web.register(app)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(
        level=os.environ.get("MONITOR_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_escaping()  # one record, one line: data cannot forge log lines
    app()
