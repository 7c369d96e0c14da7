"""What the fake Google APIs (YouTube Data, Android Publisher) share: errors, faults, records.

Errors are Google's JSON error bodies (``{"error": {"code", "message", "errors": [{"domain",
"reason", "message"}], "status"}}``, the bad-key one with a ``google.rpc.ErrorInfo`` detail)
as the APIs send them. Faults are scripted per request, optionally for one path prefix only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.collectors.fakes.loopback import JsonHandler, LoopbackServer

#: status, gRPC status, domain, reason, message for each scripted error.
ERRORS: dict[str, tuple[int, str, str, str, str]] = {
    "400": (400, "INVALID_ARGUMENT", "global", "invalidParameter", "Invalid value for parameter."),
    "401": (401, "UNAUTHENTICATED", "global", "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential."),
    "403": (403, "PERMISSION_DENIED", "youtube.common", "forbidden",
            "The request is not properly authorized."),
    "badkey": (400, "INVALID_ARGUMENT", "global", "badRequest",
               "API key not valid. Please pass a valid API key."),
    "quota": (403, "PERMISSION_DENIED", "youtube.quota", "quotaExceeded",
              'The request cannot be completed because you have exceeded your <a href="/youtube'
              '/v3/getting-started#quota">quota</a>.'),
    "404": (404, "NOT_FOUND", "youtube.commentThread", "videoNotFound",
            "The video identified by the videoId parameter could not be found."),
    "429": (429, "RESOURCE_EXHAUSTED", "global", "rateLimitExceeded",
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'."),
    "500": (500, "INTERNAL", "global", "backendError", "Backend Error"),
    "503": (503, "UNAVAILABLE", "global", "backendError", "The service is currently unavailable."),
}  # fmt: skip
FAULT_KINDS = (*ERRORS, "malformed", "html", "slow", "reset")


def error_body(kind: str) -> tuple[int, dict[str, Any]]:
    """The status and Google JSON error body of an error ``kind`` (a key of ERRORS)."""
    status, grpc, domain, reason, message = ERRORS[kind]
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": grpc,
    }
    if kind == "badkey":
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "youtube.googleapis.com"},
            }
        ]
    return status, {"error": error}


@dataclass
class Fault:
    """A scripted failure; ``seconds``: Retry-After (429/503) or the stall (slow)."""

    kind: str
    seconds: float | None = None
    skip: int = 0
    path: str = ""  # only requests whose path starts with this


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str = ""


@dataclass
class _Script:
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)


class GoogleFakeServer(LoopbackServer):
    """The shared server part: the address, the fault script and the request log."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(handler)
        self._script = _Script()
        #: A 200 answer of the right kind whose list is not a list.
        self.malformed_body: dict[str, Any] = {"items": {}}

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far."""
        with self.lock:
            return list(self._script.requests)

    def paths(self, prefix: str = "") -> list[Recorded]:
        """The requests whose path starts with ``prefix``."""
        return [r for r in self.requests if r.path.startswith(prefix)]

    def fail_next(
        self, kind: str, seconds: float | None = None, skip: int = 0, path: str = ""
    ) -> None:
        """Script a fault for the next request (under ``path``), or the one after ``skip``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        with self.lock:
            self._script.faults.append(Fault(kind, seconds, skip, path))

    def record(self, recorded: Recorded) -> Fault | None:
        """Log a request and take the scripted fault due for it, if any."""
        with self.lock:
            self._script.requests.append(recorded)
            for index, fault in enumerate(self._script.faults):
                if not recorded.path.startswith(fault.path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                return self._script.faults.pop(index)
        return None


class GoogleHandler(JsonHandler):
    """Request parsing, JSON answers and fault playing for the fake Google APIs."""

    server: GoogleFakeServer
    json_type = "application/json; charset=UTF-8"

    def default_headers(self) -> dict[str, str]:
        """Google front ends send this on every answer."""
        return {"Vary": "Origin, X-Origin, Referer"}

    def send_error_kind(self, kind: str, headers: dict[str, str] | None = None) -> None:
        """Answer with Google's error body for ``kind``."""
        status, body = error_body(kind)
        self.send_json(status, body, headers)

    def begin(self) -> tuple[str, dict[str, str], Fault | None]:
        """Parse and record the request; returns its path, query and due fault."""
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.body = body
        fault = self.server.record(Recorded(self.command, split.path, query, headers, body))
        return split.path, query, fault

    def play(self, fault: Fault) -> bool:
        """Play ``fault``; True when the answer is complete (False: answer normally after it)."""
        kind = fault.kind
        if kind in ERRORS:
            extra = {"Retry-After": str(int(fault.seconds))} if fault.seconds is not None else {}
            self.send_error_kind(kind, extra)
        elif kind == "malformed":
            self.send_json(200, self.server.malformed_body)
        elif kind == "html":
            self.send_json(200, b"<html><body>502 Bad Gateway</body></html>")
        elif kind == "slow":
            self.server.stopping.wait(fault.seconds or 3.0)
            return False
        else:  # reset: drop the connection without an answer
            self.close_connection = True
        return True
