"""Hostile post data printed by the real console script: shown escaped, never acted on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.config import load_config
from monitor.pipeline.score import score_days
from monitor.posts import Post
from monitor.storage.db import make_engine, session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.mentions import upsert_posts
from monitor.storage.migrate import upgrade
from monitor.storage.models import Mention
from tests.conftest import REPO_ROOT
from tests.daemon.fake_source import BEARER_ENV, daemon_config, write_config
from tests.hostile.strings import HOSTILE

MAIN = "from monitor.cli import main; main()"
CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme
    sources:
      x: {{query: "acme", accounts: [AcmeHelp]}}
sources:
  x: {{enabled: false}}
  reddit: {{enabled: false}}
  appstore: {{enabled: false}}
"""
#: What a terminal would act on: clear screen, OSC 8 hyperlink, any raw ESC or CR.
ACTIVE = ("\x1b[2J", "\x1b]8;;", "\x1b[H", "\r", "\x07", "❌", "🚨")


def monitor(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The console script in a subprocess, stdout piped, wide enough for one-line cells."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full_env.update(env or {}, COLUMNS="4000", PYTHONIOENCODING="utf-8")
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, encoding="utf-8",
        errors="strict", timeout=120,
    )  # fmt: skip


def store_negative(engine: Engine, posts: list[Post], now: datetime) -> None:
    """Store ``posts`` as Acme's inbound mentions, each labeled negative."""
    with session_scope(engine) as session:
        upsert_posts(
            session, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=now
        )
    with session_scope(engine) as session:  # all negative: each one an unanswered complaint
        ids = session.execute(select(Mention.id)).scalars().all()  # type: ignore[call-overload]
        labels = [
            LabelRecord(mention_id=i, label="negative", confidence=0.9, scores=None) for i in ids
        ]
        save_labels(session, labels, model_name="test", model_revision=None, now=now)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A SQLite database holding one inbound post per hostile string (text and author)."""
    db = tmp_path / "monitor.db"
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    now = datetime.now(UTC)
    posts = [
        Post(source="x", external_id=str(100 + i), author=value[:200], text=f"@AcmeHelp {value}",
             created_at=now - timedelta(minutes=10 + i))
        for i, (name, value) in enumerate(HOSTILE)
        if name != "lone_surrogate"  # no database stores one (sanitize_post replaces it)
    ]  # fmt: skip
    store_negative(engine, posts, now)
    days = sorted({now.date(), (now - timedelta(hours=1)).date()})
    score_days(engine, load_config(path), clock=lambda: now, days=days)
    engine.dispose()
    return path


@pytest.mark.parametrize("color", [False, True], ids=["piped", "forced-colour"])
@pytest.mark.parametrize(
    "command",
    [["mentions", "--since", "7d", "--limit", "100", "--wide"], ["unanswered", "--wide"]],
    ids=lambda c: c[0],
)
def test_tables_show_data_escaped(config: Path, command: list[str], color: bool) -> None:
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color"} if color else {"NO_COLOR": "1"}
    result = monitor(*command, "--config", str(config), cwd=config.parent, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for active in ACTIVE:
        assert active not in out, (active, out[:2000])
    if not color:
        assert "\x1b" not in out  # piped: not a single escape sequence
    assert "\\x1b[2J\\x1b[Hscreen cleared" in out
    assert "\\x1b]8;;http://evil.example\\x1b\\click" in out
    assert "innocent\\r\\n2026-01-01" in out and "invoice \\u202egpj.exe" in out
    assert "[bold red]x[/]" in out  # markup shown as typed, not applied
    assert "collect:x:Acme :rotating_light: :x:" in out  # emoji codes shown as typed
    assert not any(line.startswith(("CRITICAL", "Bcc:", "2026-01-01")) for line in out.split("\n"))


def test_run_once_summary_shows_job_ids_as_typed(tmp_path: Path) -> None:
    """Issue 9, item 11: the summary printed ``FAILED collect❌Acme``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    document = daemon_config(tmp_path, f"http://127.0.0.1:{closed}", metrics_port=None)
    path = write_config(tmp_path, document)
    result = monitor("run", "--once", "--config", str(path), cwd=tmp_path, env=BEARER_ENV)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED collect:x:Acme: " in result.stdout
    assert "❌" not in result.stdout + result.stderr


#: Typed by a user (or a script fed by post data): an assignee, an actor, a note and a key.
TYPED = "\x1b[2J\x1b[Hcleared \x1b]8;;http://evil.example\x1b\\click\r\nCRITICAL forged :x:"


def test_action_confirmations_show_typed_values_escaped(config: Path) -> None:
    """Assignee, actor and note come back in one escaped line, and in the queue as typed."""
    env = {"NO_COLOR": "1"}
    key = "x:100"
    results = [
        monitor("assign", key, "--to", TYPED, "--as", TYPED, "--config", str(config),
                cwd=config.parent, env=env),
        monitor("note", key, TYPED, "--as", TYPED, "--config", str(config), cwd=config.parent,
                env=env),
        monitor("snooze", key, "--until", "2h", "--note", TYPED, "--as", TYPED,
                "--config", str(config), cwd=config.parent, env=env),
    ]  # fmt: skip
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
        out = result.stdout
        assert len(out.rstrip("\n").split("\n")) == 1, out  # one confirmation line
        for active in ACTIVE:
            assert active not in out, (active, out)
        assert "\x1b" not in out and not out.startswith("CRITICAL")
    assert "to \\x1b[2J\\x1b[Hcleared \\x1b]8;;http://evil.example" in results[0].stdout
    assert ":x:" in results[0].stdout  # an emoji code stays as typed
    queue = monitor("unanswered", "--state", "snoozed", "--wide", "--config", str(config),
                    cwd=config.parent, env=env)  # fmt: skip
    assert queue.returncode == 0, queue.stderr
    assert "\\x1b[2J\\x1b[Hcleared" in queue.stdout
    assert "\x1b" not in queue.stdout


def test_an_unknown_hostile_key_is_a_usage_error_shown_escaped(config: Path) -> None:
    result = monitor("resolve", f"x:{TYPED}", "--config", str(config), cwd=config.parent,
                     env={"NO_COLOR": "1"})  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(line.startswith("CRITICAL") for line in result.stderr.split("\n"))
