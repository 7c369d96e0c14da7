"""Real local servers for delivery tests: an aiosmtpd SMTP sink and an HTTP webhook stand-in."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.report.model import (
    Alert,
    DigestData,
    Mention,
    UnansweredItem,
)
from monitor.report.retry import Retry
from monitor.report.sample import sample_digest

SCRIPT = "<script>alert('pwned')</script>"
IMG_XSS = "<img src=x onerror=alert(1)>"
SMTP_USER = "digest-bot"
SMTP_PASSWORD = "s3cret-Pa55-do-not-log"


class EphemeralController(Controller):
    """aiosmtpd Controller bound to port 0: learns the real port before its self-check."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpSink:
    """Collects what the SMTP server received; ``replies`` scripts the DATA answers."""

    messages: list[Any] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    data_calls: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        if self.replies:
            reply = self.replies.pop(0)
            if not reply.startswith("250"):
                return reply
        self.messages.append(envelope)
        return "250 Message accepted"


@dataclass
class SmtpServer:
    """A running SMTP server and its sink."""

    host: str
    port: int
    sink: SmtpSink


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accept exactly one user/password pair."""
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def running(controller: Controller) -> Iterator[None]:
    """Start and always stop a controller."""
    controller.start()
    try:
        yield
    finally:
        controller.stop()


@pytest.fixture
def smtp_credentials() -> tuple[str, str]:
    """The one user/password pair the test SMTP servers accept."""
    return SMTP_USER, SMTP_PASSWORD


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on 127.0.0.1 with AUTH allowed without TLS (for the ``none`` mode)."""
    sink = SmtpSink()
    controller = EphemeralController(
        sink,
        hostname="127.0.0.1",
        port=0,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    with running(controller):
        yield SmtpServer("127.0.0.1", controller.port, sink)


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1."""

    cert: Path
    key: Path


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Self-signed cert with an IP SAN, made with the openssl CLI (skipped without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not available to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


def _server_context(certificate: Certificate) -> ssl.SSLContext:
    """Server-side TLS context with the test certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS before anything else, AUTH only over TLS."""
    sink = SmtpSink()
    controller = EphemeralController(
        sink,
        hostname="127.0.0.1",
        port=0,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticator,
    )
    with running(controller):
        yield SmtpServer("127.0.0.1", controller.port, sink)


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    """SMTP over implicit TLS (the ``tls`` mode, usually port 465)."""
    sink = SmtpSink()
    controller = EphemeralController(
        sink,
        hostname="127.0.0.1",
        port=0,
        ssl_context=_server_context(certificate),
        authenticator=_authenticator,
    )
    with running(controller):
        yield SmtpServer("127.0.0.1", controller.port, sink)


@dataclass
class Webhook:
    """A local HTTP server standing in for a Slack incoming webhook."""

    url: str
    statuses: list[int]
    bodies: list[Any] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.paths)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """Answers each POST with the next scripted status (200 once the script runs out)."""
    state = Webhook(url="", statuses=[])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with lock:
                state.paths.append(self.path)
                state.bodies.append(json.loads(raw))
                status = state.statuses.pop(0) if state.statuses else 200
            body = b"ok" if status == 200 else b"internal_error"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/SECRETTOKEN"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A local port with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SleepRecorder:
    """Injected sleep: records the requested delays and returns at once."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fast_retry(sleeps: SleepRecorder) -> Retry:
    """Three attempts, delays recorded instead of slept."""
    return Retry(attempts=3, first_delay_s=1.0, factor=2.0, max_delay_s=10.0, sleep=sleeps)


@dataclass
class ParsedHtml:
    """Start tags with their attributes, and the text, as a browser's tokenizer sees them."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def attrs(self, tag: str, name: str) -> list[str | None]:
        """Values of one attribute over every tag of a kind."""
        return [a.get(name) for t, a in self.tags if t == tag]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = ParsedHtml()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parsed.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.parsed.text.append(data)


def parse_html(html: str) -> ParsedHtml:
    """Tokenize HTML with the standard library parser."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.parsed


@pytest.fixture
def html_parser() -> Callable[[str], ParsedHtml]:
    """The HTML tokenizer, handed to tests as a fixture."""
    return parse_html


@pytest.fixture
def hostile() -> DigestData:
    """The sample digest with hostile post texts, authors and links."""
    return hostile_digest()


def hostile_digest() -> DigestData:
    """The sample digest with script and onerror payloads in every user-controlled string."""
    base = sample_digest()
    at = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
    return DigestData(
        brand=base.brand,
        day=base.day,
        timezone=base.timezone,
        generated_at=base.generated_at,
        kpis=base.kpis,
        history=base.history,
        top_unanswered=[
            UnansweredItem(
                "x", f"@evil{IMG_XSS}", f"pwn {SCRIPT} & more", "javascript:alert(1)",
                age_minutes=90, priority=4.2, reason=f"why {IMG_XSS}", id="x:666",
            ),
            UnansweredItem(
                "x", "@quote", "attribute breakout", 'https://x.com/a"onmouseover="alert(1)',
                age_minutes=30, priority=1.0, reason="negative",
            ),
            *base.top_unanswered,
        ],
        most_negative=[Mention("reddit", "u/x", IMG_XSS, "data:text/html,<b>x</b>", 0.99, at)],
        most_positive=base.most_positive,
        share_of_voice=base.share_of_voice,
        alerts=[Alert("negative spike", base.brand, f"spike {SCRIPT}", at, None)],
    )  # fmt: skip
