"""A Slack incoming-webhook stand-in on 127.0.0.1 that can answer 200, fail with 500, or hang."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: A hung request is released after this long at the latest (the test has moved on by then).
HANG_SECONDS = 60.0


@dataclass
class SlackFake:
    """``mode``: "ok" (200), "fail" (500), "reject" (400) or "hang" (no answer until released)."""

    url: str = ""
    mode: str = "ok"
    posts: list[Any] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def calls(self) -> int:
        """POSTs received so far (counted on arrival, before any answer)."""
        with self.lock:
            return len(self.posts)

    def wait_for_calls(
        self, count: int, proc: subprocess.Popen[str] | None = None, timeout: float = 60.0
    ) -> None:
        """Block until ``count`` POSTs arrived (failing at once if ``proc`` exits first)."""
        deadline = time.monotonic() + timeout
        while self.calls < count:
            if proc is not None and proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                raise AssertionError(f"sender exited {proc.returncode} before posting:\n{out}")
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} Slack posts, got {self.calls}")
            time.sleep(0.02)


@contextmanager
def running_slack() -> Iterator[SlackFake]:
    """Serve a ``SlackFake`` on a free loopback port for the duration of the block."""
    fake = SlackFake()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with fake.lock:
                fake.posts.append(json.loads(raw))
                mode = fake.mode
            if mode == "hang":
                fake.release.wait(HANG_SECONDS)
            status = {"fail": 500, "reject": 400}.get(mode, 200)
            body = b"ok" if status == 200 else b"internal_error"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client was killed while we hung

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/SECRETTOKEN"
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
