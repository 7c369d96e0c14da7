"""The health and metrics endpoint: GET /healthz (JSON) and GET /metrics (Prometheus text)."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.daemon.jobs import JobContext
from monitor.daemon.metrics import SourceState, StoredFigures
from monitor.storage.db import session_scope
from monitor.storage.digests import last_digest_sent_at
from monitor.storage.labels import count_backlog
from monitor.storage.sources import all_health

log = logging.getLogger("monitor.daemon")
#: The backlog count scans every unlabeled mention; a scrape every few seconds reuses it.
BACKLOG_CACHE_SECONDS = 30.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


class HealthReader:
    """Builds the /healthz document and /metrics text from the job context and the database."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._backlog: tuple[float, int] | None = None
        self._lock = threading.Lock()

    def health(self) -> tuple[int, dict[str, Any]]:
        """HTTP status and JSON body: 200 while the daemon runs, 503 when storage is unreachable."""
        try:
            with session_scope(self.ctx.engine) as session:
                rows = all_health(session)
        except Exception as exc:  # the endpoint must answer even when the database does not
            return 503, {"status": "error", "error": f"database: {type(exc).__name__}: {exc}"}
        runs = self.ctx.metrics.last_runs()
        sources = [
            {
                "source": h.source,
                "target": h.query_key,
                "state": h.state,
                "last_success_at": _iso(h.last_success_at),
                "last_error_at": _iso(h.last_error_at),
                "last_error": self.ctx.redact(h.last_error) if h.last_error else None,
                "consecutive_failures": h.consecutive_failures,
                "posts_last_run": h.posts_last_run,
                "posts_total": h.posts_total,
            }
            for h in rows
        ]
        jobs = [
            {
                "id": r.job_id,
                "kind": r.kind,
                "started_at": _iso(r.started_at),
                "duration_seconds": round(r.duration_seconds, 3),
                "ok": r.ok,
                "summary": r.summary,
            }
            for r in runs
        ]
        if self.ctx.should_stop():
            status = "stopping"
        elif any(h.state != "ok" for h in rows) or any(not r.ok for r in runs):
            status = "degraded"
        else:
            status = "ok"
        started = self.ctx.metrics.started_at
        document = {
            "status": status,
            "started_at": _iso(started),
            "uptime_seconds": round((self.ctx.clock() - started).total_seconds(), 1),
            "sources": sources,
            "jobs": jobs,
        }
        return 200, document

    def metrics(self) -> str:
        """The Prometheus exposition, with stored figures read now (backlog cached briefly)."""
        try:
            with session_scope(self.ctx.engine) as session:
                rows = all_health(session)
                last_digest = last_digest_sent_at(session)
                backlog = self._cached_backlog(session)
            stored = StoredFigures(
                labeling_backlog=backlog,
                last_digest_at=last_digest,
                sources=[
                    SourceState(h.source, h.query_key, h.state, h.consecutive_failures)
                    for h in rows
                ],
            )
        except Exception as exc:  # counters still render when the database is away
            log.warning("metrics: cannot read the database: %s: %s", type(exc).__name__, exc)
            stored = StoredFigures()
        return self.ctx.metrics.render(stored)

    def _cached_backlog(self, session: Any) -> int:
        with self._lock:
            now = time.monotonic()
            if self._backlog is None or now - self._backlog[0] > BACKLOG_CACHE_SECONDS:
                self._backlog = (now, count_backlog(session))
            return self._backlog[1]


def _handler(reader: HealthReader) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would flood the log

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                status, document = reader.health()
                self._send(status, "application/json", json.dumps(document).encode())
            elif path == "/metrics":
                self._send(200, PROMETHEUS_TEXT, reader.metrics().encode())
            else:
                self._send(
                    404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n"
                )

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class HealthServer:
    """/healthz and /metrics served from a background thread (port 0: any free port)."""

    def __init__(self, reader: HealthReader, host: str, port: int) -> None:
        self._httpd = ThreadingHTTPServer((host, port), _handler(reader))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, with the port actually bound."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.2,), name="monitor-health", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()


def start_health_server(ctx: JobContext, host: str, port: int) -> HealthServer:
    """Bind and start the endpoint; raises OSError when the address is taken."""
    server = HealthServer(HealthReader(ctx), host, port)
    server.start()
    return server
