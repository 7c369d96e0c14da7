"""``monitor user ...`` and ``monitor web`` through the real console script in a subprocess
(SQLite and PostgreSQL): exit codes, messages, and the password never printed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CONFIG = """
brands:
  - name: Acme
    sources:
      x: {query: acme}
sources:
  x: {enabled: false}
"""
PASSWORD = "Corr3ct-Horse-Battery"
DEADLINE_SECONDS = 120


class Monitor:
    """``python -m monitor.cli ARGS --config CONFIG --db URL`` in a temp folder."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.tmp = tmp_path
        self.config = tmp_path / "config.yaml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.db = db_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        self.env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        )

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "monitor.cli", *args, "--config", str(self.config),
                "--db", self.db]  # fmt: skip

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), cwd=self.tmp, env=self.env, input=stdin, capture_output=True,
            text=True, timeout=DEADLINE_SECONDS, check=False,
        )  # fmt: skip


@pytest.fixture
def monitor(tmp_path: Path, db_url: str) -> Monitor:
    return Monitor(tmp_path, db_url)


def expect(result: subprocess.CompletedProcess[str], code: int, phrase: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert phrase in output, output
    assert "Traceback" not in output
    assert PASSWORD not in output and "short-pw" not in output


def test_add_list_passwd_remove(monitor: Monitor) -> None:
    expect(monitor("user", "add", "ann", "--role", "admin", "--password-stdin",
                   stdin=PASSWORD + "\n"), 0, "added user ann (admin)")  # fmt: skip
    expect(monitor("user", "add", "bo", "--password-stdin", stdin=PASSWORD), 0, "bo (agent)")
    listed = monitor("user", "list")
    expect(listed, 0, "ann")
    assert [line.split()[:2] for line in listed.stdout.splitlines()[2:]] == [
        ["ann", "admin"], ["bo", "agent"],
    ]  # fmt: skip
    expect(monitor("user", "passwd", "ann", "--password-stdin", stdin=PASSWORD + "2\n"), 0,
           "changed the password of ann")  # fmt: skip
    expect(monitor("user", "remove", "ann"), 0, "removed user ann")
    expect(monitor("user", "remove", "bo"), 0, "removed user bo")
    expect(monitor("user", "list"), 0, "no users yet")


@pytest.mark.parametrize(
    ("args", "stdin", "phrase"),
    [
        (("add", "ann", "--role", "boss", "--password-stdin"), PASSWORD, "role 'boss'"),
        (("add", "-x", "--password-stdin"), PASSWORD, "No such option"),
        (("add", "a b", "--password-stdin"), PASSWORD, "user name 'a b'"),
        (("add", "ann", "--password-stdin"), "short-pw\n", "the password is too short"),
        (("add", "ann"), "", "pass --password-stdin"),
    ],
)
def test_bad_input_exits_2(
    monitor: Monitor, args: tuple[str, ...], stdin: str | None, phrase: str
) -> None:
    expect(monitor("user", *args, stdin=stdin), 2, phrase)


def test_a_taken_name_exits_2(monitor: Monitor) -> None:
    expect(monitor("user", "add", "ann", "--password-stdin", stdin=PASSWORD), 0, "added")
    expect(
        monitor("user", "add", "ann", "--password-stdin", stdin=PASSWORD), 2, "user 'ann' exists"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_monitor_web_serves_the_login_page_and_stops_on_sigterm(monitor: Monitor) -> None:
    expect(monitor("user", "add", "ann", "--password-stdin", stdin=PASSWORD), 0, "added")
    port = _free_port()
    proc = subprocess.Popen(
        monitor.command("web", "--port", str(port)), cwd=monitor.tmp, env=monitor.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    body = r.read().decode()
                    headers = r.headers
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "monitor web did not come up"
                time.sleep(0.2)
        assert 'name="username"' in body and headers["X-Frame-Options"] == "DENY"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/queue", timeout=5)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"web inbox at http://127.0.0.1:{port}/" in out


def test_monitor_web_on_a_taken_port_exits_3(monitor: Monitor) -> None:
    expect(monitor("user", "add", "ann", "--password-stdin", stdin=PASSWORD), 0, "added")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = monitor("web", "--port", str(port))
    expect(result, 3, "cannot serve the web inbox on 127.0.0.1:")
