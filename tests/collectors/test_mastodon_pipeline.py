"""Mastodon through the pipeline on both backends, and ``monitor sources check`` end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.pipeline.collect import run_target
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.collectors.fakes.mastodon_server import (
    EXPECTED_IDS,
    SAMPLE,
    TOKEN,
    make_mastodon_collector,
    running_mastodon_server,
)

MAIN = "from monitor.cli import main; main()"


def _clock() -> datetime:
    return datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _stored(engine: Engine) -> tuple[list[str], set[str]]:
    with session_scope(engine) as session:
        ids = list(session.exec(select(col(Mention.external_id))).all())
        brand = select(col(Mention.external_id)).where(col(Mention.is_brand_post))
        return ids, set(session.exec(brand).all())


def test_interrupted_pass_resumes_without_loss_or_duplicates(engine: Engine) -> None:
    with running_mastodon_server() as server:
        collector, target = make_mastodon_collector(server.base_url, _clock)
        # Stop after the first committed page, as a kill -9 right after a commit would.
        cut = run_target(
            engine, collector, "mastodon", target, clock=_clock, should_stop=lambda: True
        )
        assert cut.pages == 1
        rest = run_target(engine, collector, "mastodon", target, clock=_clock)
        again = run_target(engine, collector, "mastodon", target, clock=_clock)
    assert rest.ok and again.ok, (rest.error, again.error)
    ids, brand = _stored(engine)
    assert sorted(ids) == sorted(EXPECTED_IDS)  # nothing lost, nothing twice
    reply = next(s for s in SAMPLE["statuses"] if s["account"]["acct"] == "AcmeHelp")
    assert brand == {f"mastodon.social:{reply['id']}"}
    assert (again.result.inserted, again.result.updated) == (0, 0)


def _check(tmp_path: Path, base_url: str, token: str) -> subprocess.CompletedProcess[str]:
    config = {
        "database_url": f"sqlite:///{tmp_path / 'monitor.db'}",
        "brands": [
            {
                "name": "Acme",
                "sources": {"mastodon": {"accounts": ["AcmeHelp@mastodon.social"]}},
            }
        ],
        "sources": {
            "mastodon": {
                "enabled": True,
                "max_retries": 0,
                "timeout_seconds": 10,
                "instances": {
                    "social": {
                        "base_url": base_url,
                        "domain": "mastodon.social",
                        "access_token": "${MASTODON_SOCIAL_TOKEN}",
                    }
                },
            }
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), "utf-8")
    env = {**os.environ, "MASTODON_SOCIAL_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-c", MAIN, "sources", "check", "--config", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sources_check_exit_codes(tmp_path: Path) -> None:
    with running_mastodon_server() as server:
        ok = _check(tmp_path, server.base_url, TOKEN)
        bad = _check(tmp_path, server.base_url, "revoked-token")
        url = server.base_url
    down = _check(tmp_path, url, TOKEN)  # the server is gone: connection refused
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "signed in as @AcmeHelp@mastodon.social" in ok.stdout
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "instances.social.access_token" in bad.stdout and "revoked-token" not in bad.stdout
    assert down.returncode == 3, down.stdout + down.stderr
