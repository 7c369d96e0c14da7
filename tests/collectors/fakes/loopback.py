"""What every fake API server shares: a loopback port, quiet logs, JSON answers, a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar


class LoopbackServer(ThreadingHTTPServer):
    """A threaded server on an ephemeral 127.0.0.1 port, with a lock for its state."""

    daemon_threads = True  # a stalled handler (slow fault) must not hold up shutdown

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.lock = threading.Lock()
        #: Set at shutdown, so a handler stalling on purpose wakes up at once.
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client gave up on a stalled answer (slow fault)."""


class JsonHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with JSON answers; each fake sets its API's content type."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't stall 40 ms
    #: The Content-Type the real API answers JSON with (spelling included).
    json_type = "application/json"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def default_headers(self) -> dict[str, str]:
        """Headers the real API sends on every answer (rate limits, CORS...)."""
        return {}

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Answer with ``body``: bytes as text/html (a proxy's error page), else JSON."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if isinstance(body, bytes) else self.json_type)
        self.send_header("Content-Length", str(len(raw)))
        if (self.headers.get("Connection") or "").lower() == "close":
            # As real servers do (RFC 9112 9.6): without it the client pools the socket we
            # are about to close, and under load its next request meets a dead connection.
            self.send_header("Connection", "close")
        for name, value in {**self.default_headers(), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


S = TypeVar("S", bound=LoopbackServer)


@contextmanager
def serving(server: S) -> Iterator[S]:
    """Serve ``server`` on a daemon thread for the block; stop it (and its stalls) after."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
