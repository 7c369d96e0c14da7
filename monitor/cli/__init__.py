"""The ``monitor`` command line: a thin layer over the pipeline's library API."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from monitor.cli import alerts, data, digest, queries, run, scoring, sentiment, sources, themes
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
) -> None:
    """Social-media mention and sentiment monitor for customer-care teams."""
    # --debug is read by cli.boundary from the parsed options when an error escapes.


data.register(app)
queries.register(app)
sentiment.register(app)
run.register(app)
scoring.register(app)
digest.register(app)
sources.register(app)
alerts.register(app)
themes.register(app)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(
        level=os.environ.get("MONITOR_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_escaping()  # one record, one line: data cannot forge log lines
    app()
