"""Serving the app with uvicorn: in the foreground (``monitor web``) or in a thread (``run``)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

import uvicorn
from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.errors import EnvironmentUnavailable
from monitor.web.app import create_app

log = logging.getLogger("monitor.web")


def _server(
    settings: Settings, engine: Engine, host: str | None, port: int | None,
    clock: Callable[[], datetime],
) -> uvicorn.Server:  # fmt: skip
    cfg = settings.config.web
    config = uvicorn.Config(
        create_app(settings, engine, clock=clock),
        host=host or cfg.host,
        port=cfg.port if port is None else port,
        # X-Forwarded-* are read by the app itself, only from web.trusted_proxies
        proxy_headers=False,
        server_header=False,
        access_log=False,  # URLs hold item ids and searches; the app logs what matters
        log_config=None,  # keep the product's logging (one line per record, escaped)
        lifespan="off",
    )
    return uvicorn.Server(config)


def serve(
    settings: Settings, engine: Engine, *, host: str | None = None, port: int | None = None,
    clock: Callable[[], datetime],
) -> int:  # fmt: skip
    """Serve until SIGTERM/SIGINT; the exit status (3 when the address cannot be bound)."""
    server = _server(settings, engine, host, port, clock)
    with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind: reported below
        server.run()
    if not server.started:
        raise EnvironmentUnavailable(
            f"cannot serve the web inbox on {server.config.host}:{server.config.port} "
            "(in use, or not an address of this machine): choose another --host/--port"
        )
    return 0


class WebThread:
    """The web inbox in its own thread beside the daemon's jobs (``web.enabled: true``)."""

    def __init__(self, settings: Settings, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.server = _server(settings, engine, None, None, clock)
        self.thread = threading.Thread(target=self.server.run, name="monitor-web", daemon=True)

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://{self.server.config.host}:{self.server.config.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; raise :class:`EnvironmentUnavailable` when it does not come up."""
        self.thread.start()
        waited = 0.0
        while not self.server.started and self.thread.is_alive() and waited < timeout:
            threading.Event().wait(0.05)
            waited += 0.05
        if not self.server.started:
            self.stop()
            raise EnvironmentUnavailable(
                f"cannot serve the web inbox on {self.url}: choose another web.host/web.port"
            )
        log.info("web inbox at %s", self.url)

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
