"""``monitor import``: bad rows reported as FILE:LINE, good rows stored, re-import adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.storage.db import make_engine, session_scope
from monitor.storage.models import Mention

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def write_config(tmp_path: Path) -> Path:
    config = {
        "database_url": f"sqlite:///{tmp_path / 'm.db'}",
        "brands": [
            {
                "name": "Acme",
                "sources": {"replay": {"accounts": ["AcmeHelp"]}},
                "competitors": [{"name": "Globex", "sources": {"replay": {}}}],
            }
        ],
        "sources": {"replay": {"enabled": False}},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_import(config: Path, file: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["import", str(file), "--config", str(config), "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_import_reports_bad_lines_and_keeps_every_good_row(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    first = run_import(config, FIXTURES / "posts.jsonl")
    assert first["inserted"] > 0
    assert any(
        p.startswith(f"{FIXTURES / 'posts.jsonl'}:") and "created_at" in p
        for p in first["problems"]
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with session_scope(engine) as session:
        rows = {(m.source, m.external_id): m for m in session.execute(select(Mention)).scalars()}
    assert rows[("x", "1001")].brand == "Acme"
    reply = rows[("x", "1002")]
    assert reply.is_brand_post and reply.in_reply_to == "1001" and reply.thread_id == "1001"
    assert rows[("x", "1003")].sentiment == "negative"

    again = run_import(config, FIXTURES / "posts.jsonl")
    assert (again["inserted"], again["updated"]) == (0, 0)
    assert again["unchanged"] == first["inserted"]


def test_unknown_brand_rows_are_reported_not_lost_silently(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    file = tmp_path / "posts.jsonl"
    rows = [
        {"id": "1", "text": "hello @AcmeHelp", "author": "a"},
        {"id": "2", "text": "globex is late", "author": "b"},
        {"id": "3", "text": "nothing to see", "author": "c"},
        {"id": "4", "text": "hi", "author": "d", "brand": "Initech"},
    ]
    file.write_text(
        "".join(
            json.dumps({"source": "x", "created_at": "2026-11-02T09:00:00Z", **row}) + "\n"
            for row in rows
        )
    )
    doc = run_import(config, file)
    assert doc["inserted"] == 2
    assert doc["problems"] == [
        f"{file}:3: post x:3: no configured brand matches",
        f"{file}:4: post x:4: brand 'Initech' is not configured",
    ]
