"""database_lock: one holder per (database, name) across connections and processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.storage.db import make_engine
from monitor.storage.locks import LockHeld, database_lock
from tests.conftest import _drop_schema, _pg_engine_in_fresh_schema

WAIT = 30.0  # a safety net against a hung test, never a speed assertion


@pytest.fixture
def other(db_url: str) -> Iterator[Engine]:
    """A second engine on the same database: another process would connect like this."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def elsewhere(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a different database (PostgreSQL: another schema of the same server)."""
    if engine.dialect.name == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
        yield eng
        eng.dispose()
        return
    eng, schema = _pg_engine_in_fresh_schema()
    yield eng
    eng.dispose()
    _drop_schema(schema)


def test_a_held_lock_is_refused_then_free_after_release(engine: Engine, other: Engine) -> None:
    with database_lock(engine, "daemon"):
        with pytest.raises(LockHeld) as refused, database_lock(other, "daemon"):
            pytest.fail("two holders of one lock")
        if engine.dialect.name == "sqlite":
            assert refused.value.holder == f"pid {os.getpid()}"  # the lock file names it
        with database_lock(other, "classify"):  # another name is another lock
            pass
    with database_lock(other, "daemon"):  # released with the block
        pass


def test_databases_do_not_share_locks(engine: Engine, elsewhere: Engine) -> None:
    with database_lock(engine, "daemon"), database_lock(elsewhere, "daemon"):
        pass


def test_a_waiting_taker_gets_the_lock_when_it_is_released(engine: Engine, other: Engine) -> None:
    held, release, waiting = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with database_lock(engine, "classify"):
            held.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(WAIT)
    told: list[LockHeld] = []

    def on_wait(exc: LockHeld) -> None:
        told.append(exc)
        release.set()  # the holder finishes only once we are known to wait

    with database_lock(other, "classify", wait=True, on_wait=on_wait):
        waiting.set()
    thread.join(WAIT)
    assert waiting.is_set()
    assert len(told) == 1 and told[0].name == "classify"


def test_a_waiting_taker_gives_up_when_asked_to_stop(engine: Engine, other: Engine) -> None:
    def stop() -> bool:
        return True  # the daemon is shutting down

    with (
        database_lock(engine, "classify"),
        pytest.raises(LockHeld),
        database_lock(other, "classify", wait=True, should_stop=stop),
    ):
        pytest.fail("two holders of one lock")
