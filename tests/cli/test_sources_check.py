"""``monitor sources check`` by the real console script: exit 0, 2 or 3 over several sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.fakes.hackernews_server import FakeHNServer, running_hn_server
from tests.collectors.fakes.x_server import FAKE_BEARER, XFakeServer, running_x_server
from tests.collectors.replay_harness import FIXTURE as REPLAY_FILE
from tests.conftest import REPO_ROOT

MAIN = "from monitor.cli import main; main()"
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens there
CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Skylark
    sources:
      hackernews: {{terms: ["skylark air"], accounts: [skylark_help]}}
      x: {{query: "skylark", accounts: [SkylarkHelp]}}
      replay: {{accounts: [SkylarkHelp]}}
sources:
  hackernews: {{enabled: true, base_url: "{hn}", timeout_seconds: 2}}
  x: {{enabled: true, base_url: "{x}", bearer_token: "${{X_BEARER_TOKEN}}", timeout_seconds: 2}}
  replay: {{enabled: true, path: "{replay}"}}
"""


@pytest.fixture
def servers() -> Iterator[tuple[FakeHNServer, XFakeServer]]:
    with running_hn_server() as hn, running_x_server() as x:
        yield hn, x


def check(
    tmp_path: Path, *, hn: str, x: str, token: str = FAKE_BEARER, args: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any], str]:
    """Run the check; the exit code, the JSON report by source and stderr."""
    config = tmp_path / "config.yaml"
    config.write_text(
        CONFIG.format(db=tmp_path / "monitor.db", hn=hn, x=x, replay=REPLAY_FILE), "utf-8"
    )
    env = dict(os.environ, X_BEARER_TOKEN=token, PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-c", MAIN, "sources", "check", "--config", str(config), "--json", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    report = {row["source"]: row for row in json.loads(result.stdout or "[]")}
    return result.returncode, report, result.stderr


def test_every_source_ok_exits_0(tmp_path: Path, servers: tuple[FakeHNServer, XFakeServer]) -> None:
    hn, x = servers
    code, report, err = check(tmp_path, hn=hn.base_url, x=x.base_url)
    assert code == 0, err
    assert set(report) == {"hackernews", "x", "replay"}
    assert all(row["ok"] for row in report.values())
    assert "no key needed" in report["hackernews"]["detail"]


def test_a_bad_token_exits_2_and_names_the_variable(
    tmp_path: Path, servers: tuple[FakeHNServer, XFakeServer]
) -> None:
    hn, x = servers
    code, report, err = check(tmp_path, hn=hn.base_url, x=x.base_url, token="wrong-token")
    assert code == 2, err
    assert report["hackernews"]["ok"] and report["replay"]["ok"]
    assert not report["x"]["ok"] and not report["x"]["unreachable"]
    assert "X_BEARER_TOKEN" in report["x"]["fix"]
    assert "wrong-token" not in json.dumps(report) + err


def test_an_unreachable_source_exits_3(
    tmp_path: Path, servers: tuple[FakeHNServer, XFakeServer]
) -> None:
    _, x = servers
    code, report, err = check(tmp_path, hn=CLOSED, x=x.base_url)
    assert code == 3, err
    assert report["hackernews"]["unreachable"] and report["x"]["ok"]
    assert "sources.hackernews.base_url" in report["hackernews"]["fix"]


def test_bad_set_up_outranks_unreachable_and_source_filters(
    tmp_path: Path, servers: tuple[FakeHNServer, XFakeServer]
) -> None:
    hn, x = servers
    code, report, _ = check(tmp_path, hn=CLOSED, x=x.base_url, token="wrong-token")
    assert code == 2 and not report["x"]["ok"] and report["hackernews"]["unreachable"]
    hn.fail_next("403")  # a proxy refusing the host: a set-up problem, not the network
    code, report, _ = check(tmp_path, hn=hn.base_url, x=CLOSED, args=("--source", "hackernews"))
    assert code == 2 and set(report) == {"hackernews"} and not report["hackernews"]["ok"]
