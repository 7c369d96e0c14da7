"""run_transaction: a transaction that loses a deadlock or writes on a stale snapshot runs again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col

from monitor.posts import Post
from monitor.storage.db import is_retryable, make_engine, run_transaction, session_scope
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import Mention

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
WAIT = 30.0  # a safety net against a hung test, never a speed assertion


def store(engine: Engine, *ids: str) -> None:
    posts = [Post(source="x", external_id=i, author="a", text="t", created_at=NOW) for i in ids]
    with session_scope(engine) as s:
        upsert_posts(s, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=NOW)


def set_text(session: Session, external_id: str, value: str) -> None:
    session.execute(
        update(Mention).where(col(Mention.external_id) == external_id).values(text=value)
    )


def texts(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        rows = s.execute(select(col(Mention.external_id), col(Mention.text)))
        return {r.external_id: r.text for r in rows}


@pytest.mark.postgres
def test_the_loser_of_a_postgresql_deadlock_runs_again(db_url: str, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a deadlock needs row locks; SQLite has one writer (see the next test)")
    store(engine, "a", "b")
    both_hold_one = threading.Barrier(2)
    attempts = {"ab": 0, "ba": 0}
    errors: list[BaseException] = []

    def writer(order: str) -> None:
        own = make_engine(db_url)

        def fn(session: Session) -> None:
            attempts[order] += 1
            set_text(session, order[0], f"by {order}")
            if attempts[order] == 1:
                both_hold_one.wait(WAIT)  # each holds one row and then asks for the other's
            set_text(session, order[1], f"by {order}")

        try:
            run_transaction(own, fn, sleep=lambda _: None)
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=writer, args=(o,)) for o in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # one lost the deadlock and ran again
    loser = max(attempts, key=lambda o: attempts[o])
    assert texts(engine) == {"a": f"by {loser}", "b": f"by {loser}"}  # it ran to the end


def begin_snapshot(session: Session) -> None:
    """A transaction that reads from one snapshot, as a long read-then-write would."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    else:
        conn.exec_driver_sql("BEGIN")  # pysqlite would begin only at the first write
    session.execute(select(col(Mention.text))).all()


def edit_elsewhere(engine: Engine, value: str) -> None:
    with session_scope(engine) as other:
        set_text(other, "a", value)


def test_a_write_on_a_stale_snapshot_is_run_again(engine: Engine) -> None:
    store(engine, "a")
    attempts = 0

    def fn(session: Session) -> None:
        nonlocal attempts
        attempts += 1
        begin_snapshot(session)
        if attempts == 1:
            edit_elsewhere(engine, "by another writer")  # commits after the snapshot
        # PostgreSQL: "could not serialize access"; SQLite: "database is locked".
        set_text(session, "a", "edited")

    run_transaction(engine, fn, sleep=lambda _: None)
    assert attempts == 2
    assert texts(engine) == {"a": "edited"}


def test_other_errors_are_not_retried(engine: Engine) -> None:
    store(engine, "a")
    attempts = 0

    def fn(session: Session) -> None:
        nonlocal attempts
        attempts += 1
        session.execute(
            text("INSERT INTO mention (source, external_id) VALUES ('x', 'a')")
        )  # a constraint violation is a bug or bad data, running it again cannot help

    with pytest.raises(IntegrityError):
        run_transaction(engine, fn, sleep=lambda _: None)
    assert attempts == 1


def test_retries_are_bounded(engine: Engine) -> None:
    store(engine, "a")
    attempts = 0

    def fn(session: Session) -> None:
        nonlocal attempts
        attempts += 1
        begin_snapshot(session)
        edit_elsewhere(engine, f"edit {attempts}")  # every try meets a stale snapshot
        set_text(session, "a", "edited")

    with pytest.raises(DBAPIError) as caught:
        run_transaction(engine, fn, retries=2, sleep=lambda _: None)
    assert is_retryable(caught.value)
    assert attempts == 3
    assert texts(engine) == {"a": "edit 3"}
