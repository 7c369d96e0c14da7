"""One daemon per database: a second `monitor run` exits 3 until the first one stops."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.config import load_config
from monitor.daemon import AlreadyRunning, Daemon
from monitor.daemon.service import DAEMON_LOCK
from monitor.storage.locks import database_lock
from tests.conftest import REPO_ROOT
from tests.daemon.fake_source import (
    BEARER_ENV,
    daemon_config,
    make_tweets,
    running_gated_x,
    write_config,
)
from tests.daemon.process import DEADLINE_SECONDS, MAIN, DaemonProcess

STARTED = r"started \d+ jobs"
REFUSAL = "another monitor run is already running on this database"


@pytest.fixture
def processes() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for p in started:
        p.ensure_dead()


def run_cli(config: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_LOG_LEVEL"}
    env.update(BEARER_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args, "--config", str(config)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )


def test_a_second_daemon_on_the_same_database_refuses_to_start(
    engine: Engine, db_url: str, tmp_path: Path, processes: list[DaemonProcess]
) -> None:
    with running_gated_x(make_tweets(5)) as fake:
        document = daemon_config(tmp_path, fake.base_url, poll_minutes=1000)
        config = write_config(tmp_path, {**document, "database_url": db_url})
        first = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(first)
        first.wait_for_line(STARTED)

        second = run_cli(config, tmp_path, "run")
        assert second.returncode == 3, second.stdout + second.stderr
        assert REFUSAL in second.stderr
        assert "Traceback" not in second.stdout + second.stderr
        assert first.proc.poll() is None  # the first one is untouched

        # kill -9 runs no cleanup: the OS (SQLite lock file) or the server (PostgreSQL
        # session) drops the lock with the process, so a new daemon starts at once.
        first.kill_hard()
        third = DaemonProcess(config, tmp_path, BEARER_ENV)
        processes.append(third)
        third.wait_for_line(STARTED)
        assert third.stop() == 0, third.output


def test_run_once_refuses_while_a_daemon_runs(engine: Engine, tmp_path: Path) -> None:
    document = daemon_config(tmp_path, "http://127.0.0.1:9")
    settings = load_config(write_config(tmp_path, document), env=BEARER_ENV)
    # The lock held here stands for a running daemon.
    with database_lock(engine, DAEMON_LOCK), pytest.raises(AlreadyRunning, match=REFUSAL):
        Daemon(settings, engine).run_once()
    # Released: the pass runs (its X source is unreachable, which is a job failure only).
    summary = Daemon(settings, engine).run_once()
    assert summary.passes == 1 and not summary.interrupted
