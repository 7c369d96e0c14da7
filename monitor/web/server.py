"""Serving the app with uvicorn in its own thread (``monitor web``, and ``monitor run``)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
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


class WebThread:
    """The web inbox in its own thread and event loop: a slow page never delays a job."""

    def __init__(
        self, settings: Settings, engine: Engine, clock: Callable[[], datetime], *,
        host: str | None = None, port: int | None = None,
    ) -> None:  # fmt: skip
        self.server = _server(settings, engine, host, port, clock)
        # in a thread uvicorn installs no signal handlers: the caller decides when to stop
        self.thread = threading.Thread(target=self._run, name="monitor-web", daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind: see start()
            self.server.run()

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://{self.server.config.host}:{self.server.config.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; raise :class:`EnvironmentUnavailable` when it does not come up."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            self.stop()
            raise EnvironmentUnavailable(
                f"cannot serve the web inbox on {self.server.config.host}:"
                f"{self.server.config.port} (in use, or not an address of this machine): "
                "choose another --host/--port or web.host/web.port"
            )
        log.info("web inbox at %s", self.url)

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
