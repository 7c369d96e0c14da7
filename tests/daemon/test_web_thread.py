"""``monitor run`` with ``web.enabled``: the inbox served from the daemon's own thread."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.daemon import Daemon
from monitor.errors import EnvironmentUnavailable
from monitor.storage.db import make_engine
from tests.daemon.fake_source import BEARER_ENV, daemon_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _daemon(tmp_path: Path, port: int) -> Daemon:
    document = daemon_config(tmp_path, "http://127.0.0.1:9", metrics_port=None)
    document["web"] = {"enabled": True, "port": port}
    settings = parse_config(document, path=tmp_path / "config.yaml", env=BEARER_ENV)
    return Daemon(settings, make_engine(settings.config.database_url))


def test_the_daemon_serves_the_inbox_until_it_stops(tmp_path: Path) -> None:
    port = _free_port()
    daemon = _daemon(tmp_path, port)
    try:
        daemon.start()
        assert daemon.web is not None and daemon.web.thread.name == "monitor-web"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as page:
            assert page.status == 200 and 'name="password"' in page.read().decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/queue", timeout=30)
        with refused.value:
            assert refused.value.code == 401
    finally:
        daemon.shutdown()
        daemon.ctx.engine.dispose()
    assert daemon.web is None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)


def test_a_taken_web_port_is_a_clear_startup_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        daemon = _daemon(tmp_path, taken.getsockname()[1])
        try:
            with pytest.raises(EnvironmentUnavailable, match="cannot serve the web inbox on"):
                daemon.start()
        finally:
            daemon.shutdown()
            daemon.ctx.engine.dispose()
