"""Chaos run: ``kill -9`` the real ``monitor`` commands at random moments, then check the damage.

Starts a fake X API, a real SMTP server (aiosmtpd) and a Slack webhook on 127.0.0.1, then
runs collect, classify, score, digest --send and the alert check as subprocesses of the
real console script, killing each with SIGKILL at a random point of its expected duration
(30-100 % of the time the stage took when it last ran to the end). New posts arrive between
rounds. After the kills every stage runs once to the end, and the script checks:

- SQLite ``integrity_check`` is ``ok`` (on SQLite);
- every post the fake API holds is stored exactly once (0 duplicate ``(source, external_id)``);
- labels are consistent (every stored label is on its mention, no backlog left);
- KPI rows are the same after one more ``score`` (idempotent);
- no e-mail or Slack payload was delivered twice, and every outbox row is ``sent`` or
  ``unconfirmed`` (a send cut off by a kill is shown, never repeated by itself).

Usage: ``python scripts/chaos.py [--kills 20] [--seed 7] [--postgres URL] [--json]``.
Exit status 0 when every check holds, 1 otherwise. Run from the repository root (it uses
the fake servers under ``tests/``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.collectors.fakes.x_server import FAKE_BEARER  # noqa: E402
from tests.daemon.fake_source import make_tweets, running_gated_x  # noqa: E402
from tests.report.conftest import (  # noqa: E402
    SMTP_PASSWORD,
    SMTP_USER,
    EphemeralController,
    SmtpSink,
    _authenticator,
    running,
)

MAIN = "from monitor.cli import main; main()"
SLACK_DELAY_S = 0.4  # a slow webhook makes a kill during delivery likely
SLACK_ENV = "SLACK_WEBHOOK_URL"


class SlackSink:
    """A Slack incoming webhook on 127.0.0.1 that records every payload it accepts."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(SLACK_DELAY_S)
                with sink.lock:
                    sink.payloads.append(body.decode("utf-8", "replace"))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T0/B0/chaos"

    @contextmanager
    def serving(self) -> Iterator[SlackSink]:
        """Serve until the block ends."""
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
            thread.join()


def write_config(work: Path, db_url: str, x_url: str, smtp_port: int) -> Path:
    """A config with X at the fake, email and Slack delivery for digests and alerts."""
    config = {
        "database_url": db_url,
        "brands": [
            {
                "name": "Acme",
                "timezone": "UTC",
                "sources": {"x": {"query": "acmeair", "accounts": ["AcmeHelp"]}},
                "targets": {"response_rate": {"min": 0.9}},
            }
        ],
        "sources": {
            "x": {
                "enabled": True,
                "base_url": x_url,
                "bearer_token": "${X_BEARER_TOKEN}",
                "max_results": 10,
                "max_retries": 0,
            }
        },
        "sentiment": {"model": str(REPO / "models" / "tweet-sentiment-minilm")},
        "alerts": {"channels": ["email", "slack"], "spike_min_count": 3},
        "digest": {
            "recipients": ["care@acme.example"],
            "channels": ["email", "slack"],
            "out_dir": str(work / "digests"),
        },
        "email": {
            "enabled": True,
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "username": SMTP_USER,
            "password": "${SMTP_PASSWORD}",
            "sender": "monitor@acme.example",
        },
        "slack": {"enabled": True, "webhook_url": "${" + SLACK_ENV + "}"},
        "daemon": {"metrics_port": None},
    }
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def stages(yesterday: str) -> dict[str, list[str]]:
    """The commands the chaos run kills, by stage name."""
    return {
        "collect": ["collect"],
        "classify": ["classify"],
        "score": ["score"],
        "digest": ["digest", "--send", "--date", yesterday],
        "alerts": ["alerts", "--check"],
    }


class Runner:
    """Runs ``monitor`` stages as real subprocesses; kills them on request."""

    def __init__(self, config: Path, work: Path, env: dict[str, str]) -> None:
        self.config, self.work, self.env = config, work, env
        self.durations: dict[str, float] = {}

    def start(self, args: list[str]) -> subprocess.Popen[str]:
        """Start ``monitor ARGS --config CONFIG``."""
        return subprocess.Popen(
            [sys.executable, "-c", MAIN, *args, "--config", str(self.config)],
            cwd=self.work,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def complete(self, stage: str, args: list[str], timeout: float = 600) -> str:
        """Run a stage to the end; fail loudly on a non-zero exit."""
        began = time.monotonic()
        proc = self.start(args)
        out, _ = proc.communicate(timeout=timeout)
        self.durations[stage] = time.monotonic() - began
        if proc.returncode != 0:
            raise SystemExit(f"chaos: `monitor {' '.join(args)}` exited {proc.returncode}:\n{out}")
        return out

    def kill_during(self, stage: str, args: list[str], rng: random.Random) -> bool:
        """Start a stage and SIGKILL it at 30-100 % of its last duration; True if killed."""
        expected = self.durations.get(stage, 3.0)
        delay = rng.uniform(0.3, 1.0) * expected
        began = time.monotonic()
        proc = self.start(args)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()
            return True
        out = proc.stdout.read() if proc.stdout else ""
        if proc.returncode != 0:
            raise SystemExit(f"chaos: `monitor {' '.join(args)}` exited {proc.returncode}:\n{out}")
        self.durations[stage] = time.monotonic() - began
        return False


def _query(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    from monitor.storage.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def check(
    db_url: str,
    sqlite_path: Path | None,
    want_ids: set[str],
    runner: Runner,
    smtp: SmtpSink,
    slack: SlackSink,
) -> dict[str, Any]:
    """Every check of the chaos run, as name -> (ok, detail)."""
    results: dict[str, Any] = {}
    if sqlite_path is not None:
        with sqlite3.connect(sqlite_path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        results["integrity_check"] = (integrity == "ok", integrity)
    dupes = _query(
        db_url,
        "SELECT source, external_id, COUNT(*) FROM mention GROUP BY source, external_id "
        "HAVING COUNT(*) > 1",
    )
    results["duplicate_posts"] = (not dupes, len(dupes))
    stored = {r[0] for r in _query(db_url, "SELECT external_id FROM mention WHERE source='x'")}
    missing = want_ids - stored
    results["posts_stored"] = (not missing, f"{len(stored & want_ids)} of {len(want_ids)}")
    backlog = _query(db_url, "SELECT COUNT(*) FROM mention WHERE sentiment IS NULL")[0][0]
    mismatched = _query(
        db_url,
        "SELECT COUNT(*) FROM mention m JOIN sentiment_label l ON l.mention_id = m.id "
        "WHERE l.label IS NOT NULL AND (m.sentiment IS NULL OR m.sentiment <> l.label)",
    )[0][0]
    results["labels_consistent"] = (
        backlog == 0 and mismatched == 0,
        f"backlog {backlog}, label mismatches {mismatched}",
    )
    # Closed days only: today's partial row moves with the clock, as it should.
    kpi_sql = (
        'SELECT brand, source, day, "values" FROM daily_kpi '
        f"WHERE day < '{datetime.now(UTC).date().isoformat()}' ORDER BY brand, source, day"
    )
    before = [(*r[:3], _as_json(r[3])) for r in _query(db_url, kpi_sql)]
    runner.complete("score", ["score"])
    after = [(*r[:3], _as_json(r[3])) for r in _query(db_url, kpi_sql)]
    results["kpis_idempotent"] = (before == after, f"{len(after)} closed-day KPI rows")
    mails = Counter(m.content for m in smtp.messages)
    twice = sum(1 for n in mails.values() if n > 1)
    results["emails_once"] = (twice == 0, f"{len(smtp.messages)} sent, {twice} repeated")
    posts = Counter(slack.payloads)
    twice = sum(1 for n in posts.values() if n > 1)
    results["slack_once"] = (twice == 0, f"{len(slack.payloads)} sent, {twice} repeated")
    states = dict(_query(db_url, "SELECT state, COUNT(*) FROM delivery GROUP BY state"))
    settled = set(states) <= {"sent", "unconfirmed"}
    results["outbox_settled"] = (settled, states)
    return results


def main() -> int:
    """Run the chaos scenario and print its checks; 0 when all hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs to deliver (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--posts", type=int, default=300, help="posts the fake API serves")
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL at URL, not SQLite")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    start = datetime.now(UTC).replace(hour=0, minute=5) - timedelta(days=1)
    first_batch = args.posts * 2 // 3

    with ExitStack() as stack:
        work = Path(stack.enter_context(TemporaryDirectory(prefix="chaos-")))
        sqlite_path: Path | None = None
        if args.postgres:
            db_url = _fresh_pg_schema(args.postgres)
        else:
            sqlite_path = work / "monitor.db"
            db_url = f"sqlite:///{sqlite_path}"
        fake = stack.enter_context(
            running_gated_x(make_tweets(first_batch, start=start, first_seq=0))
        )
        sink = SmtpSink()
        controller = EphemeralController(
            sink,
            hostname="127.0.0.1",
            port=0,
            authenticator=_authenticator,
            auth_require_tls=False,
        )
        stack.enter_context(running(controller))
        slack = stack.enter_context(SlackSink().serving())
        config = write_config(work, db_url, fake.base_url, controller.port)
        env = {k: v for k, v in os.environ.items() if k != "MONITOR_LOG_LEVEL"}
        env.update(
            X_BEARER_TOKEN=FAKE_BEARER, SMTP_PASSWORD=SMTP_PASSWORD, **{SLACK_ENV: slack.url}
        )
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        runner = Runner(config, work, env)
        runner.complete("init", ["init"])

        plan = stages(yesterday.isoformat())
        kills: Counter[str] = Counter()
        finished: Counter[str] = Counter()
        added = first_batch
        began = time.monotonic()
        while sum(kills.values()) < args.kills and time.monotonic() - began < 1800:
            if added < args.posts and rng.random() < 0.3:
                more = min(10, args.posts - added)
                at = start + timedelta(seconds=10 * added)
                fake.add_tweets(*make_tweets(more, start=at, first_seq=added))
                added += more
            stage = rng.choice(list(plan))
            if runner.kill_during(stage, plan[stage], rng):
                kills[stage] += 1
            else:
                finished[stage] += 1
        if added < args.posts:
            at = start + timedelta(seconds=10 * added)
            fake.add_tweets(*make_tweets(args.posts - added, start=at, first_seq=added))
        for stage in ("collect", "classify", "score", "alerts", "digest"):
            runner.complete(stage, plan[stage])
        results = check(db_url, sqlite_path, fake.all_ids(), runner, sink, slack)

    ok = all(passed for passed, _ in results.values())
    summary = {
        "kills": dict(kills),
        "kills_total": sum(kills.values()),
        "ran_to_end_between_kills": dict(finished),
        "checks": {name: {"ok": passed, "detail": str(d)} for name, (passed, d) in results.items()},
        "ok": ok,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"chaos: {summary['kills_total']} kills: {dict(kills)}")
        for name, (passed, detail) in results.items():
            print(f"  {'ok  ' if passed else 'FAIL'} {name}: {detail}")
    return 0 if ok else 1


def _fresh_pg_schema(url: str) -> str:
    """A URL into a new, empty schema of the PostgreSQL database at ``url``."""
    from sqlalchemy import text

    from monitor.storage.db import make_engine, normalize_url

    schema = f"chaos_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    base = normalize_url(url)
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    raise SystemExit(main())
