"""A fake X API for daemon tests: a generated corpus, and a gate that holds chosen requests.

The gate lets a test stop the daemon at a known point: request N+1 (or any search for a
given query) waits until the test opens the gate, so N pages are committed at that moment.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.collectors.fakes.x_server import (
    FAKE_BEARER,
    TWITTER_EPOCH_MS,
    XFakeServer,
    _handler,
)

USER = {"id": "2001", "name": "Pat Flyer", "username": "pat_flyer"}
GATE_TIMEOUT_SECONDS = 120.0


def make_tweets(
    count: int, *, word: str = "acmeair", start: datetime | None = None, first_seq: int = 0
) -> list[dict[str, Any]]:
    """``count`` tweets containing ``word``, ten seconds apart, with snowflake ids."""
    start = start or datetime.now(UTC) - timedelta(hours=3)
    tweets = []
    for i in range(count):
        at = start + timedelta(seconds=10 * i)
        ms = int(at.timestamp() * 1000)
        tweet_id = str(((ms - TWITTER_EPOCH_MS) << 22) | (first_seq + i))
        tweets.append(
            {
                "id": tweet_id,
                "text": f"@AcmeHelp {word} flight {first_seq + i} was delayed again",
                "edit_history_tweet_ids": [tweet_id],
                "author_id": USER["id"],
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "lang": "en",
                "conversation_id": tweet_id,
            }
        )
    return tweets


@dataclass
class GatedXServer(XFakeServer):
    """The fake X API, holding requests past ``free_requests`` or naming ``held_query``."""

    free_requests: int | None = None
    held_query: str | None = None
    served: int = 0
    opened: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    def answer(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """Answer like X, after waiting at the gate when this request is held."""
        with self.lock:
            self.served += 1
            number = self.served
        held = (self.free_requests is not None and number > self.free_requests) or (
            self.held_query is not None and self.held_query in params.get("query", "")
        )
        if held and not self.opened.is_set():
            self.holding.set()
            self.opened.wait(GATE_TIMEOUT_SECONDS)
        return super().answer(path, params)

    def open_gate(self) -> None:
        """Let every held and future request through."""
        self.opened.set()

    def all_ids(self) -> set[str]:
        """Every post id the server holds."""
        with self.lock:
            return {t["id"] for t in self.tweets}


@contextmanager
def running_gated_x(
    tweets: list[dict[str, Any]], *, free_requests: int | None = None, held_query: str | None = None
) -> Iterator[GatedXServer]:
    """Serve ``tweets`` on 127.0.0.1 at an ephemeral port."""
    fake = GatedXServer(
        tweets=[dict(t) for t in tweets],
        users=[dict(USER)],
        free_requests=free_requests,
        held_query=held_query,
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.open_gate()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def daemon_config(
    tmp: Path,
    base_url: str,
    *,
    brands: dict[str, str] | None = None,
    poll_minutes: float = 0.01,
    metrics_port: int | None = 0,
) -> dict[str, Any]:
    """A config document: X at ``base_url``, one brand per (name: search word), slow other jobs."""
    brands = brands or {"Acme": "acmeair"}
    return {
        "database_url": f"sqlite:///{tmp / 'monitor.db'}",
        "brands": [
            {"name": name, "sources": {"x": {"query": word, "include_own_replies": False}}}
            for name, word in brands.items()
        ],
        "sources": {
            "x": {
                "enabled": True,
                "base_url": base_url,
                "bearer_token": "${X_BEARER_TOKEN}",
                "poll_minutes": poll_minutes,
                "max_results": 10,
                "timeout_seconds": 60,
                "max_retries": 0,
            }
        },
        # Only collection runs during the tests; the model is never loaded.
        "daemon": {
            "classify_minutes": 1000,
            "score_minutes": 1000,
            "alert_minutes": 1000,
            "metrics_port": metrics_port,
        },
        "digest": {"out_dir": str(tmp / "digests")},
    }


def write_config(tmp: Path, document: dict[str, Any]) -> Path:
    """Write ``document`` as config.yaml in ``tmp``."""
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


BEARER_ENV = {"X_BEARER_TOKEN": FAKE_BEARER}


def stored_ids(db: Path, source: str = "x") -> list[str]:
    """External ids of the stored mentions (duplicates kept, to catch them)."""
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            rows = conn.execute("SELECT external_id FROM mention WHERE source = ?", (source,))
            return [r[0] for r in rows]
    except sqlite3.OperationalError:
        return []  # the daemon has not created the schema yet


def stored_cursor(db: Path, target: str, source: str = "x") -> dict[str, Any] | None:
    """The checkpoint of ``source`` for ``target``."""
    with sqlite3.connect(db, timeout=30) as conn:
        row = conn.execute(
            "SELECT cursor FROM checkpoint WHERE source = ? AND query_key = ?", (source, target)
        ).fetchone()
    return json.loads(row[0]) if row else None
