"""Two imports at once: no deadlock, no lost file, and "new" counts that add up exactly."""

from __future__ import annotations

import json
import logging
import random
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.clock import utc_now
from monitor.config import load_config
from monitor.pipeline.importing import ImportReport, import_file
from monitor.storage.db import make_engine, session_scope
from monitor.storage.models import Mention

ROWS_PER_FILE = 3000
SHARED = ROWS_PER_FILE // 2


def write_file(path: Path, ids: list[int], seed: int) -> Path:
    """A JSONL file of ``ids`` in a shuffled order (each writer meets the keys differently)."""
    order = list(ids)
    random.Random(seed).shuffle(order)
    with path.open("w", encoding="utf-8") as out:
        for i in order:
            row = {
                "source": "x",
                "id": str(10_000 + i),
                "text": f"@AcmeHelp flight {i} was late",
                "created_at": "2026-11-02T09:00:00Z",
                "author": f"user{i}",
                "brand": "Acme",
            }
            out.write(json.dumps(row) + "\n")
    return path


def write_config(tmp_path: Path, url: str) -> Path:
    doc = {
        "database_url": url,
        "brands": [{"name": "Acme", "sources": {"replay": {"accounts": ["AcmeHelp"]}}}],
        "sources": {"replay": {"enabled": False}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_two_concurrent_imports_count_every_row_once(
    engine: Engine, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor.storage.db")
    settings = load_config(write_config(tmp_path, db_url))
    files = [
        write_file(tmp_path / "a.jsonl", list(range(ROWS_PER_FILE)), seed=1),
        write_file(tmp_path / "b.jsonl", list(range(SHARED, SHARED + ROWS_PER_FILE)), seed=2),
    ]
    start = threading.Barrier(len(files))
    reports: list[ImportReport] = []
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        own = make_engine(db_url)  # a writer of its own, as a second process would have
        try:
            start.wait()
            reports.append(import_file(own, settings, path, clock=utc_now))
        except BaseException as exc:  # collected: the assertion below shows it
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert errors == []
    # Keys are taken in one order by every writer: no deadlock had to be retried.
    assert "transaction retried" not in caplog.text
    assert all(r.problems == [] for r in reports)
    distinct = ROWS_PER_FILE + ROWS_PER_FILE - SHARED
    assert sum(r.result.inserted for r in reports) == distinct
    for r in reports:
        assert r.result.inserted + r.result.updated + r.result.unchanged == ROWS_PER_FILE
        assert r.result.updated == 0  # both files carry the same content for the shared rows
    with session_scope(engine) as s:
        stored = s.execute(select(func.count()).select_from(Mention)).scalar_one()
        keys = s.execute(
            select(func.count()).select_from(
                select(Mention.source, Mention.external_id).distinct().subquery()  # type: ignore[call-overload]
            )
        ).scalar_one()
    assert stored == keys == distinct
