"""``monitor sources check`` for youtube and googleplay through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.collectors.fakes.googleplay_server import (
    FakePlayServer,
    running_play_server,
    service_account_json,
)
from tests.collectors.fakes.youtube_server import API_KEY, FakeYouTubeServer, running_youtube_server

UNREACHABLE = "http://127.0.0.1:9"
MAIN = "from monitor.cli import main; main()"  # the console script's entry point


@pytest.fixture
def youtube() -> Iterator[FakeYouTubeServer]:
    with running_youtube_server() as server:
        yield server


@pytest.fixture
def play() -> Iterator[FakePlayServer]:
    with running_play_server() as server:
        yield server


def check(tmp_path: Path, source: str, base_url: str, env: dict[str, str]) -> tuple[int, list]:
    secret = "api_key" if source == "youtube" else "service_account_json"
    var = "YOUTUBE_API_KEY" if source == "youtube" else "GOOGLE_PLAY_SERVICE_ACCOUNT_JSON"
    config = {
        "database_url": f"sqlite:///{tmp_path / 'monitor.db'}",
        "brands": [{"name": "Acme"}],
        "sources": {
            source: {
                "enabled": True,
                "base_url": base_url,
                secret: f"${{{var}}}",
                "timeout_seconds": 2,
            }
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", MAIN, "sources", "check", "--config", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else []


def test_youtube_ok_bad_key_and_unreachable(tmp_path: Path, youtube: FakeYouTubeServer) -> None:
    code, out = check(tmp_path, "youtube", youtube.base_url, {"YOUTUBE_API_KEY": API_KEY})
    assert code == 0 and out[0]["ok"] and "API key accepted" in out[0]["detail"]
    code, out = check(tmp_path, "youtube", youtube.base_url, {"YOUTUBE_API_KEY": "AIzaWrong"})
    assert code == 2 and not out[0]["ok"] and "YOUTUBE_API_KEY" in out[0]["fix"]
    assert "API_KEY_INVALID" in out[0]["detail"] and "AIzaWrong" not in json.dumps(out)
    code, out = check(tmp_path, "youtube", UNREACHABLE, {"YOUTUBE_API_KEY": API_KEY})
    assert code == 3 and out[0]["unreachable"]


def test_youtube_spent_quota_says_when_it_resets(
    tmp_path: Path, youtube: FakeYouTubeServer
) -> None:
    youtube.quota_left = 0
    code, out = check(tmp_path, "youtube", youtube.base_url, {"YOUTUBE_API_KEY": API_KEY})
    assert code == 2 and "quotaExceeded" in out[0]["detail"]
    assert "midnight Pacific" in out[0]["detail"]


def test_googleplay_ok_bad_key_and_unreachable(tmp_path: Path, play: FakePlayServer) -> None:
    var = "GOOGLE_PLAY_SERVICE_ACCOUNT_JSON"
    good = service_account_json(play.token_uri)
    code, out = check(tmp_path, "googleplay", play.base_url, {var: good})
    assert code == 0 and out[0]["ok"] and "signed in as monitor-reader@" in out[0]["detail"]
    code, out = check(tmp_path, "googleplay", play.base_url, {var: '{"type": "user"}'})
    assert code == 2 and var in out[0]["fix"]
    unreachable = service_account_json(f"{UNREACHABLE}/token")
    code, out = check(tmp_path, "googleplay", UNREACHABLE, {var: unreachable})
    assert code == 3 and out[0]["unreachable"]
