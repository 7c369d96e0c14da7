"""Engine set-up: SQLite in WAL mode with a busy timeout, PostgreSQL through the same code."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A transaction that lost a deadlock or found SQLite locked is run again this many times.
TRANSACTION_RETRIES = 4
#: First back-off in seconds; doubled on each retry and jittered so two losers part ways.
RETRY_BACKOFF_SECONDS = 0.05
# PostgreSQL: deadlock_detected, serialization_failure. Both mean "run it again".
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
# SQLite: a writer that waited out the busy timeout, or met a snapshot that went stale.
_RETRYABLE_SQLITE_TEXT = ("database is locked", "database is busy", "database table is locked")

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseError(Exception):
    """The database URL is unusable or the database is unreachable."""


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, as the docs and config promise."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys on."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the CLI read while the daemon writes; NORMAL sync is safe under WAL.
            if parsed.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # 64 MiB page cache: index upkeep at millions of rows stays in memory.
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_retryable(exc: BaseException) -> bool:
    """A deadlock, serialization failure or SQLite lock: the whole transaction may run again."""
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return type(orig).__module__ == "sqlite3" and any(
        text in str(orig).lower() for text in _RETRYABLE_SQLITE_TEXT
    )


def run_transaction(
    engine: Engine,
    fn: Callable[[Session], T],
    *,
    retries: int = TRANSACTION_RETRIES,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``fn`` in one transaction, run again (bounded, backing off) when it loses a deadlock.

    ``fn`` must do all its writing through the session it is given, so a rolled-back try
    leaves nothing behind and the next try starts from what the database holds now.
    """
    attempt = 0
    while True:
        try:
            with session_scope(engine) as session:
                return fn(session)
        except DBAPIError as exc:
            if attempt >= retries or not is_retryable(exc):
                raise
            delay = RETRY_BACKOFF_SECONDS * (2**attempt) * (1 + random.random())
            attempt += 1
            log.info(
                "transaction retried (%d of %d) in %.2fs after: %s",
                attempt,
                retries,
                delay,
                str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__,
            )
            sleep(delay)
