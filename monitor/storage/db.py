"""Engine set-up: SQLite in WAL mode with a busy timeout, PostgreSQL through the same code."""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from monitor.errors import EnvironmentUnavailable, UsageError
from monitor.redact import mask_url_passwords

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
#: The backends the schema and the tests cover.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseError(UsageError):
    """The database URL or file is unusable as given (exit 2)."""


class DatabaseUnavailable(EnvironmentUnavailable):
    """The database server is unreachable, or the database or role does not exist (exit 3)."""


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, as the docs and config promise."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys on."""
    url = normalize_url(url)
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed)
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
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except ImportError as err:  # a driver named in the URL that is not installed
        raise DatabaseError(f"{shown(url)}: database driver not installed ({err})") from None


def shown(url: str | URL) -> str:
    """A database URL as it may appear in a message: password masked."""
    text = url.render_as_string(hide_password=True) if isinstance(url, URL) else url
    return repr(mask_url_passwords(text))


def parse_url(url: str) -> URL:
    """A parsed URL of a supported backend, or a :class:`DatabaseError` saying why not."""
    try:
        parsed = make_url(url)
    except Exception as err:  # sqlalchemy raises ArgumentError/ValueError with terse texts
        reason = mask_url_passwords(str(err))
        raise DatabaseError(f"invalid database URL {shown(url)}: {reason}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"unsupported database {backend!r} in {shown(url)}: "
            "use sqlite:///FILE or postgresql://USER@HOST/DB"
        )
    return parsed


def _check_sqlite_path(url: URL) -> None:
    """A SQLite file path must be creatable: sqlite3 itself only says "unable to open"."""
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if path.is_dir():
        raise DatabaseError(f"{str(path)!r} is a directory, not a SQLite database file")
    if not path.parent.is_dir():
        raise DatabaseError(
            f"cannot create SQLite database {str(path)!r}: no folder {str(path.parent)!r}"
        )


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL, memory or ``file:`` URIs."""
    parsed = parse_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:") or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def require_existing(url: str) -> None:
    """Refuse a SQLite file that is not there: only the commands that store data create one."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise DatabaseError(f"no database at {path} (run monitor init)")


def open_engine(url: str, **kwargs: Any) -> Engine:
    """:func:`make_engine`, then one connection to prove the database is there and usable.

    Raises :class:`DatabaseError` for a URL or file that can never work as given, and
    :class:`DatabaseUnavailable` when the server, the database or the role is missing.
    """
    engine = make_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except exc.DBAPIError as err:
        engine.dispose()
        raise database_error(err, engine.url) from None
    return engine


def database_error(err: exc.DBAPIError, url: URL) -> DatabaseError | DatabaseUnavailable:
    """The typed error for a failure to reach or open the database at ``url``."""
    orig = err.orig
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    reason = mask_url_passwords(first_line)
    if isinstance(orig, sqlite3.DatabaseError) and "not a database" in str(orig):
        return DatabaseError(f"{url.database!r} is not a SQLite database file")
    return DatabaseUnavailable(f"cannot open database {shown(url)}: {reason}")


def unavailable(err: BaseException) -> DatabaseUnavailable | None:
    """A lost or refused database connection met mid-command, typed; None for anything else.

    Only connection-level failures qualify: a SQLite OperationalError is also what a bad
    SQL statement raises, and that is a bug, not the environment.
    """
    if not isinstance(err, exc.DBAPIError):
        return None
    orig = err.orig
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if err.connection_invalidated or (orig is not None and _is_connection_failure(orig)):
        return DatabaseUnavailable(f"database connection failed: {mask_url_passwords(text)}")
    return None


#: SQLSTATE classes of the environment: connection, resources, operator intervention,
#: authorization, unknown database. Deadlocks (40) and the like are not among them.
_ENVIRONMENT_SQLSTATES = ("08", "53", "57", "28", "3D")


def _is_connection_failure(orig: BaseException) -> bool:
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig)
        return any(s in text for s in ("database is locked", "unable to open", "disk I/O"))
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if not isinstance(orig, psycopg.OperationalError):
        return False
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate is None or sqlstate[:2] in _ENVIRONMENT_SQLSTATES


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


def dialect_insert(session: Session, table: Any) -> Any:
    """An ``INSERT`` of ``table`` (model or Core table) with ``ON CONFLICT`` for this database.

    The dialect is imported here, not at module level: the PostgreSQL dialect (with its
    asyncio drivers) costs every read command on SQLite a tenth of a second at start-up.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(f"database {dialect!r} is not supported")  # pragma: no cover
