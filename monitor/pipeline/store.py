"""Store one page of posts: every post sanitized, a row the database refuses isolated.

The one path by which collected and imported posts reach storage. Each post goes through
:func:`monitor.sanitize.sanitize_post` (a post it rejects is skipped with its reason); the
rest are upserted together inside a savepoint. Should the database still refuse a row
(a constraint, a trigger, a value the sanitizer did not foresee), the savepoint is rolled
back and the page is stored again row by row, one savepoint each: good rows are kept, the
refused row is skipped with the database's reason. The caller's transaction stays usable,
so a cursor saved after :func:`store_page` commits together with the rows it covers.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlmodel import Session

from monitor.posts import Post, clean_text
from monitor.sanitize import BadPost, sanitize_post
from monitor.storage.mentions import UpsertResult, upsert_posts

log = logging.getLogger(__name__)
#: Characters of a database error kept as a skip reason (drivers append the whole statement).
MAX_REASON_CHARS = 500
#: SQLSTATE classes that refuse a row's values: data exception, integrity constraint,
#: program limit (an index row too big), and an error raised by a PL/pgSQL trigger.
#: Others (40 deadlock, 08 connection, 42 missing table, 53 out of resources) fail alike
#: for every row and are raised, never skipped.
ROW_STATE_CLASSES = frozenset({"22", "23", "54", "P0"})


@dataclass(frozen=True)
class SkippedPost:
    """A post left out of storage: its ``SOURCE:ID`` key and why."""

    key: str
    reason: str
    post: Post | None = None  # as it came, for inspection; None when not worth keeping

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"

    def body(self) -> str:
        """The post as JSON, cleaned so that any backend stores it (empty without a post)."""
        if self.post is None:
            return ""
        fields = {f.name: getattr(self.post, f.name) for f in dataclasses.fields(self.post)}
        return clean_text(json.dumps(fields, ensure_ascii=False, default=str))


@dataclass
class StoreResult:
    """What storing one page did: the upsert counts, posts changed to fit, posts left out."""

    result: UpsertResult = field(default_factory=UpsertResult)
    changed: int = 0  # stored, but cleaned or cut by the sanitizer
    skipped: list[SkippedPost] = field(default_factory=list)


def store_page(
    session: Session,
    posts: Sequence[Post],
    *,
    brand_of: Callable[[Post], str],
    is_brand_post: Callable[[Post], bool],
    now: datetime,
    named: Callable[[Post], Mapping[str, str]] | None = None,
) -> StoreResult:
    """Sanitize and upsert ``posts`` in the caller's transaction; one bad row never fails all.

    Each post counts for ``brand_of(post)`` and for the brands ``named`` finds in it
    (:class:`monitor.pipeline.brands.BrandMatcher`), stored with the post itself.

    A database error that is not about a row (connection lost, lock timeout, deadlock) is
    raised as it is: it would fail every row alike, and skipping them would lose the page.
    """
    out = StoreResult()
    clean: dict[tuple[str, str], Post] = {}
    for post in posts:
        try:
            sanitized = sanitize_post(post, now=now)
        except BadPost as exc:
            out.skipped.append(SkippedPost(_printable(exc.key), exc.reason, post))
            continue
        if sanitized.changes:
            out.changed += 1
        clean[(sanitized.post.source, sanitized.post.external_id)] = sanitized.post
    if not clean:
        return out
    _begin_for_savepoints(session)

    def upsert(batch: list[Post]) -> UpsertResult:
        with session.begin_nested():
            return upsert_posts(
                session, batch, brand_of=brand_of, is_brand_post=is_brand_post, now=now,
                named=named,
            )  # fmt: skip

    try:
        out.result += upsert(list(clean.values()))
        return out
    except StatementError as exc:
        if not is_row_error(exc):
            raise
        log.info("a row of a %d-post page was refused; storing it row by row", len(clean))
    for post in clean.values():
        try:
            out.result += upsert([post])
        except StatementError as exc:
            if not is_row_error(exc):
                raise
            out.skipped.append(SkippedPost(_printable(post.key), _reason(exc), post))
    return out


def is_row_error(exc: StatementError) -> bool:
    """True when the database refused the values of a row rather than failing as a whole."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return False
        state = getattr(exc.orig, "sqlstate", None)
        if isinstance(state, str):  # PostgreSQL says what failed in the SQLSTATE class
            return state[:2] in ROW_STATE_CLASSES
        # SQLite: a constraint or trigger (IntegrityError) or a value too big (DataError);
        # OperationalError (locked, disk, no such table) is never about one row.
        return isinstance(exc, DataError | IntegrityError)
    # Raised by the driver before the statement ran: a value it cannot send.
    return isinstance(exc.orig, ValueError | OverflowError | TypeError)


def _reason(exc: StatementError) -> str:
    """The driver's own message, first line only (the rest repeats the SQL and parameters)."""
    message = str(exc.orig) if exc.orig is not None else str(exc)
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return f"refused by the database: {clean_text(first)[:MAX_REASON_CHARS]}"


def _printable(key: str) -> str:
    # A rejected key may hold a line break: shown escaped, it stays one line in the log.
    return key if key.isprintable() else ascii(key)


def _begin_for_savepoints(session: Session) -> None:
    # Python's sqlite3 opens a transaction only before a write, so a SAVEPOINT issued first
    # would be the outermost transaction and its RELEASE would commit the page on its own,
    # before the cursor. Open the real transaction first (IMMEDIATE: take the write lock
    # now, waiting out the busy timeout, rather than fail upgrading a read later).
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
