"""Keep one Bluesky session per account: in memory for the process, and in a 0600 file between runs.

Creating a session is limited per account (about 30 per 5 minutes and 300 a day), so a pass
resumes the stored session and lets the SDK refresh it (``com.atproto.server.refreshSession``)
instead of signing in again. The file holds the SDK's session string (handle, DID, access and
refresh tokens, PDS endpoint) with the service it was made at; never the app password. The
tokens are never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from atproto_client.client.session import Session

log = logging.getLogger(__name__)
FILE_VERSION = 1

_shared: dict[tuple[str, str], str] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_guard = threading.Lock()


def account_lock(service: str, handle: str) -> threading.Lock:
    """The lock collectors of one account hold while they sign in or swap sessions."""
    with _guard:
        return _locks.setdefault((service, handle), threading.Lock())


def usable(session_string: str, now: datetime) -> bool:
    """True when ``session_string`` decodes and its refresh token has not expired yet."""
    try:
        session = Session.decode(session_string)
        refresh_exp = session.refresh_jwt_payload.exp
        session.access_jwt_payload  # noqa: B018 - decodes, or raises on a broken token
    except Exception:  # any damage means: sign in afresh
        return False
    return refresh_exp is None or refresh_exp > now.timestamp()


@dataclass(frozen=True)
class SessionStore:
    """Where the session of ``handle`` at ``service`` is kept (``path`` None: memory only)."""

    service: str
    handle: str
    path: Path | None

    @property
    def _key(self) -> tuple[str, str]:
        return (self.service, self.handle)

    def load(self) -> str | None:
        """The newest session string known for this account, from memory or else the file."""
        with _guard:
            remembered = _shared.get(self._key)
        if remembered is not None or self.path is None:
            return remembered
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning(
                "bluesky: ignoring unreadable session file %s (%s)", self.path, type(exc).__name__
            )
            return None
        if not isinstance(data, dict) or data.get("v") != FILE_VERSION:
            return None
        if (data.get("service"), data.get("handle")) != self._key:
            return None  # made for another account or server: sign in afresh
        session = data.get("session")
        return session if isinstance(session, str) else None

    def save(self, session_string: str) -> None:
        """Remember a new or refreshed session; the file is written atomically with mode 0600."""
        with _guard:
            _shared[self._key] = session_string
        if self.path is None:
            return
        body = {"v": FILE_VERSION, "service": self.service, "handle": self.handle}
        text = json.dumps({**body, "session": session_string})
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a file left from before
            os.replace(tmp, self.path)
        except OSError as exc:
            # Still usable for this process; the next process signs in once more.
            log.warning("bluesky: cannot write session file %s: %s", self.path, exc.strerror)

    def forget(self, session_string: str) -> None:
        """Drop ``session_string`` (rejected by the server) unless a newer one replaced it."""
        with _guard:
            if _shared.get(self._key) == session_string:
                del _shared[self._key]
        if self.path is not None and self.load() == session_string:
            with contextlib.suppress(OSError):
                self.path.unlink()


def forget_all_in_memory() -> None:
    """Forget every session this process holds (tests: a fresh process)."""
    with _guard:
        _shared.clear()
