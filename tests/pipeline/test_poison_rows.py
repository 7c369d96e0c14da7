"""One bad row never poisons a page: 1,200 posts with five hostile ones, on both backends.

Rows the sanitizer can clean are stored cleaned; rows it rejects, and a row a real
database trigger refuses, are kept as skipped with their reason; the cursor reaches the
end in the same pass, and a second pass adds nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.collectors.base import (
    BrandSourceSettings,
    Cursor,
    Page,
    SourceSettings,
    Target,
)
from monitor.config import parse_config
from monitor.pipeline.collect import run_target
from monitor.pipeline.importing import import_file
from monitor.pipeline.store import store_page
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.models import Checkpoint, Mention, SkippedPageRecord

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ROWS, PAGE = 1_200, 100
REFUSED_ID = "p900"  # refused by the trigger below
LONG_ID = "p" + "9" * 200  # row 800: longer than the 128-character column


def hostile(i: int) -> Post:
    """Row ``i`` (1-based) of the stream; seven rows carry a hostile field."""
    post = Post(
        source="fake",
        external_id=f"p{i}",
        author=f"user{i}",
        text=f"@Acme post number {i}",
        created_at=NOW - timedelta(hours=2) + timedelta(seconds=i),
        lang="en",
    )
    changes: dict[str, Any] = {
        600: {"author": "nul\x00author"},
        700: {"in_reply_to": "p1\x00"},
        800: {"external_id": LONG_ID},
        850: {"lang": "x" * 40},
        875: {"author_followers": 2**63},
        950: {"raw": {"score": float("nan")}},
    }.get(i, {})
    return dataclasses.replace(post, **changes)


class PoisonCollector:
    """A source of ROWS posts in pages of PAGE; the cursor is the last row handed out."""

    name: ClassVar[str] = "fake"
    settings_model: ClassVar[type[SourceSettings]] = SourceSettings
    brand_settings_model: ClassVar[type[BrandSourceSettings]] = BrandSourceSettings

    def collect(
        self,
        target: Target,
        cursor: Cursor | None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Page]:
        """Pages after ``cursor["row"]``."""
        done = int((cursor or {}).get("row", 0))
        for start in range(done + 1, ROWS + 1, PAGE):
            rows = range(start, min(start + PAGE, ROWS + 1))
            yield Page([hostile(i) for i in rows], {"row": rows[-1]}, stream="all")


def add_refusing_trigger(engine: Engine) -> None:
    """A real trigger that makes the database itself refuse one row."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON mention "
                    f"WHEN NEW.external_id = '{REFUSED_ID}' "
                    "BEGIN SELECT RAISE(ABORT, 'row refused by trigger'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN IF NEW.external_id = '{REFUSED_ID}' THEN "
                    "RAISE EXCEPTION 'row refused by trigger'; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON mention "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_one()"
                )
            )


def test_hostile_rows_are_skipped_and_every_good_row_is_stored(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    add_refusing_trigger(engine)
    collector, target = PoisonCollector(), Target("Acme", BrandSourceSettings())
    with caplog.at_level(logging.WARNING, logger="monitor.pipeline.collect"):
        report = run_target(engine, collector, "fake", target, clock=lambda: NOW)
    assert report.ok, report.error
    assert report.pages == ROWS // PAGE
    assert report.result.inserted == ROWS - 3
    assert report.skipped_posts == 3
    assert report.changed_posts == 4  # author, lang, followers, raw

    with session_scope(engine) as session:
        stored = {m.external_id: m for m in session.execute(select(Mention)).scalars()}
        skipped = {
            r.where: r.reason
            for r in session.execute(select(SkippedPageRecord)).scalars()
            if r.where.startswith("post ")
        }
        cursor = session.get(Checkpoint, ("fake", "Acme"))
    bad = {"p700", LONG_ID, REFUSED_ID}
    assert set(stored) == {f"p{i}" for i in range(1, ROWS + 1)} - {"p700", "p800", "p900"}
    assert stored["p600"].author == "nul\ufffdauthor"
    assert stored["p850"].lang is None
    assert stored["p875"].author_followers == 2**63 - 1
    assert stored["p950"].raw == {"score": None}
    assert set(skipped) == {"post fake:p700", f"post fake:{LONG_ID[:80]}", "post fake:p900"}
    assert "in_reply_to" in skipped["post fake:p700"]
    assert "longer than 128" in skipped[f"post fake:{LONG_ID[:80]}"]
    assert "row refused by trigger" in skipped["post fake:p900"]
    assert cursor is not None and cursor.cursor == {"row": ROWS}
    lines = [r.getMessage() for r in caplog.records if "skipped post" in r.getMessage()]
    assert len(lines) == 3 and all("\n" not in line for line in lines)
    assert any("fake:p900" in line and "refused by trigger" in line for line in lines)

    again = run_target(engine, collector, "fake", target, clock=lambda: NOW)
    assert again.ok and again.pages == 0 and again.result.inserted == 0
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == ROWS - 3
        assert session.scalar(
            select(func.count()).where(col(SkippedPageRecord.where).like("post %"))
        ) == len(bad)


def test_rows_stored_by_store_page_commit_only_with_the_callers_transaction(
    engine: Engine,
) -> None:
    """Savepoints never commit on their own (SQLite's driver would, without a real BEGIN)."""
    posts = [hostile(i) for i in (898, 899)]
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        stored = store_page(
            session, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=NOW
        )
        assert stored.result.inserted == 2 and stored.skipped == []
        raise RuntimeError("the cursor could not be saved")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 0


def test_import_keeps_the_good_rows_of_a_batch_with_a_refused_row(
    engine: Engine, tmp_path: Path
) -> None:
    add_refusing_trigger(engine)
    settings = parse_config(
        {
            "database_url": "sqlite://",
            "brands": [{"name": "Acme", "sources": {"replay": {"accounts": ["AcmeHelp"]}}}],
            "sources": {"replay": {"enabled": False}},
        }
    )
    rows = [
        {"source": "x", "id": f"p{i}", "text": "@AcmeHelp late again", "author": "carol",
         "created_at": "2026-04-30T09:00:00Z", "in_reply_to": bad}
        for i, bad in ((899, None), (900, None), (901, None), (902, "p1 2"))
    ]  # fmt: skip
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(json.dumps({k: v for k, v in r.items() if v}) for r in rows) + "\n")
    report = import_file(engine, settings, path, clock=lambda: NOW)
    assert report.result.inserted == 2
    assert any("x:p900" in p and "refused by trigger" in p for p in report.problems)
    assert any(p.startswith(f"{path}:4: in_reply_to") for p in report.problems)
    with session_scope(engine) as session:
        ids = set(session.scalars(select(col(Mention.external_id))))
    assert ids == {"p899", "p901"}
