"""The ``monitor`` command line: a thin layer over the pipeline's library API."""

from __future__ import annotations

import logging
import os

import typer

from monitor.cli import alerts, data, digest, queries, run, scoring, sentiment, sources
from monitor.escape import install_log_escaping

app = typer.Typer(
    name="monitor",
    help="Social-media mention and sentiment monitor for customer-care teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data.register(app)
queries.register(app)
sentiment.register(app)
run.register(app)
scoring.register(app)
digest.register(app)
sources.register(app)
alerts.register(app)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(
        level=os.environ.get("MONITOR_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_escaping()  # one record, one line: data cannot forge log lines
    app()
