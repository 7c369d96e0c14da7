"""Run ``monitor run`` as a real subprocess and read its log as it goes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO_ROOT

#: A safety net against a hung test, never a speed assertion.
DEADLINE_SECONDS = 120.0
MAIN = "from monitor.cli import main; main()"


class DaemonProcess:
    """``monitor run --config CONFIG`` in ``cwd``, stdout and stderr collected line by line."""

    def __init__(self, config: Path, cwd: Path, env: dict[str, str], *args: str) -> None:
        # No MONITOR_LOG_LEVEL: the test sees the log an operator sees by default.
        full_env = {k: v for k, v in os.environ.items() if k != "MONITOR_LOG_LEVEL"}
        full_env.update(env, PYTHONUNBUFFERED="1")
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
        )
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", MAIN, "run", "--config", str(config), *args],
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Everything printed so far."""
        with self._lock:
            return "\n".join(self.lines)

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        """Poll ``condition`` until true; fail with the log when the process dies or hangs."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"monitor run exited ({self.proc.returncode}) before {what}:\n{self.output}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}:\n{self.output}")
            time.sleep(0.05)

    def wait_for_line(self, pattern: str) -> re.Match[str]:
        """The first log line matching ``pattern`` (waiting for it)."""
        regex = re.compile(pattern)
        found: list[re.Match[str]] = []

        def seen() -> bool:
            with self._lock:
                found.extend(m for line in self.lines if (m := regex.search(line)))
            return bool(found)

        self.wait_for(f"a line matching {pattern!r}", seen)
        return found[0]

    def kill_hard(self) -> None:
        """SIGKILL: no handler, no cleanup, no flush."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(DEADLINE_SECONDS)
        self._close()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and return the exit status."""
        self.proc.send_signal(sig)
        return self.finish()

    def finish(self) -> int:
        """Wait for the exit and return the status."""
        try:
            code = self.proc.wait(DEADLINE_SECONDS)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._close()
        return code

    def _close(self) -> None:
        self._reader.join(DEADLINE_SECONDS)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def ensure_dead(self) -> None:
        """Test teardown: never leave a daemon behind."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()
