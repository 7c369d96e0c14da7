"""``monitor sources check`` for Bluesky through the real console script: exit 0 / 2 / 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.collectors.fakes.bluesky_server import APP_PASSWORD, HANDLE, running_bluesky_server
from tests.conftest import REPO_ROOT

MAIN = "from monitor.cli import main; main()"
CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme Air
    sources:
      bluesky: {{terms: ["acme air"], accounts: ["{handle}"]}}
sources:
  bluesky:
    enabled: true
    base_url: {base_url}
    handle: ${{BLUESKY_HANDLE}}
    app_password: ${{BLUESKY_APP_PASSWORD}}
    session_file: {session_file}
    max_retries: 0
    timeout_seconds: 3
"""


def check(tmp_path: Path, base_url: str, password: str) -> tuple[int, list[dict], str]:
    config = tmp_path / "config.yaml"
    config.write_text(
        CONFIG.format(
            db=tmp_path / "monitor.db",
            handle=HANDLE,
            base_url=base_url,
            session_file=tmp_path / "bluesky-session.json",
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": password}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", MAIN, "sources", "check", "--config", str(config), "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert password not in output
    return done.returncode, json.loads(done.stdout), output


def test_ok_bad_credentials_and_unreachable(tmp_path: Path) -> None:
    with running_bluesky_server() as server:
        code, rows, _ = check(tmp_path, server.base_url, APP_PASSWORD)
        assert code == 0, rows
        assert rows[0]["ok"] and f"@{HANDLE}" in rows[0]["detail"]
        assert (tmp_path / "bluesky-session.json").exists()
        (tmp_path / "bluesky-session.json").unlink()
        code, rows, _ = check(tmp_path, server.base_url, "wrong-app-password")
        assert code == 2, rows
        assert "Invalid identifier or password" in rows[0]["detail"]
        assert "BLUESKY_APP_PASSWORD" in rows[0]["fix"] and not rows[0]["unreachable"]
        base_url = server.base_url
    code, rows, _ = check(tmp_path, base_url, APP_PASSWORD)
    assert code == 3, rows
    assert rows[0]["unreachable"] and "base_url" in rows[0]["fix"]
