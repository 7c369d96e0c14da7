"""Named locks across processes, one per database: one daemon, one classifier at a time.

PostgreSQL: a session-level advisory lock on a connection kept open while the lock is held
(keyed by schema and name, so test schemas and databases never collide). SQLite: ``flock``
on a file next to the database (``monitor.db-daemon.lock``), left in place on release
because unlinking a lock file races with the next taker. Either way the operating system
or the server drops the lock when its holder dies, even by ``kill -9``: no stale locks.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from monitor.storage.db import DatabaseError

log = logging.getLogger(__name__)
#: How often a waiting taker tries again.
POLL_SECONDS = 0.2


class LockHeld(Exception):
    """Another process (or connection) holds the named lock on this database."""

    def __init__(self, name: str, holder: str | None = None) -> None:
        self.name, self.holder = name, holder
        by = f" (held by {holder})" if holder else ""
        super().__init__(f"the {name!r} lock on this database is taken{by}")


class _PostgresLock:
    def __init__(self, engine: Engine, name: str) -> None:
        self._engine, self._name = engine, name
        self._conn: Connection | None = None
        self._key = 0

    def try_acquire(self) -> bool:
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one_or_none() or ""
            key = _key(f"{schema}:{self._name}")
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn, self._key = conn, key
        return True

    def holder(self) -> str | None:
        return None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            # Unlocked before the close returns: a server ends a closed session a moment later.
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except Exception:  # the connection is gone, and the lock with its session
            log.warning("lost the connection holding the %r lock", self._name)
        finally:
            conn.invalidate()  # never back to the pool: a session lock must not outlive us
            conn.close()


class _FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DatabaseError(f"cannot open lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the operator: who holds it
        self._fd = fd
        return True

    def holder(self) -> str | None:
        try:
            pid = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return f"pid {pid}" if pid.isdigit() else None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class _NoLock:
    """An in-memory SQLite database belongs to one connection: nobody else can reach it."""

    def try_acquire(self) -> bool:
        return True

    def holder(self) -> str | None:
        return None

    def release(self) -> None:
        return None


def _key(name: str) -> int:
    # A stable signed 64-bit key (Python's hash() changes per process).
    digest = hashlib.blake2b(f"monitor:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_file_path(database: str, name: str) -> Path:
    """The SQLite lock file for ``name``: next to the database file."""
    return Path(os.path.abspath(database + f"-{name}.lock"))


def _lock_for(engine: Engine, name: str) -> _PostgresLock | _FileLock | _NoLock:
    if engine.dialect.name == "postgresql":
        return _PostgresLock(engine, name)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return _NoLock()
    return _FileLock(lock_file_path(database, name))


@contextmanager
def database_lock(
    engine: Engine,
    name: str,
    *,
    wait: bool = False,
    should_stop: Callable[[], bool] | None = None,
    on_wait: Callable[[LockHeld], None] | None = None,
) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the block.

    Raises LockHeld at once when another holder has it, or, with ``wait``, waits for it
    (``on_wait`` is told once) until it is free or ``should_stop()`` says to give up.
    """
    lock = _lock_for(engine, name)
    told = False
    while not lock.try_acquire():
        held = LockHeld(name, lock.holder())
        if not wait or (should_stop is not None and should_stop()):
            raise held
        if not told and on_wait is not None:
            on_wait(held)
        told = True
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        lock.release()
