"""Item 8 of issue 10: a brand without accounts on a source is warned about, never silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_boundary import Cli

CONFIG = """
database_url: sqlite:///monitor.db
brands:
  - name: Acme
    sources:
      replay: {{accounts: {accounts}, brand_names: [Acme]}}
    competitors:
      - {{name: Globex, sources: {{replay: {{}}}}}}
sources:
  replay: {{enabled: true, path: {path}, shift_to_now: false}}
"""
ROWS = [
    {"source": "replay", "id": "1", "author": "ann", "brand": "Acme",
     "text": "@AcmeHelp my order is lost", "created_at": "2026-10-01T10:00:00Z"},
    {"source": "replay", "id": "2", "author": "bob", "brand": "Acme",
     "text": "@AcmeHelp still waiting", "created_at": "2026-10-01T11:00:00Z"},
    {"source": "replay", "id": "3", "author": "cy", "brand": "Globex",
     "text": "globex is fine", "created_at": "2026-10-01T11:00:00Z"},
]  # fmt: skip
WARNING = "Acme has no accounts on source 'replay'"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def write(cli: Cli, accounts: str) -> Path:
    posts = cli.tmp / "posts.jsonl"
    posts.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    cli.config.write_text(CONFIG.format(accounts=accounts, path=posts), encoding="utf-8")
    return posts


def test_import_warns_once_per_source_and_brand(cli: Cli) -> None:
    posts = write(cli, "[]")
    result = cli("import", str(posts))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(WARNING) == 1  # two Acme rows, one warning; none for Globex
    assert "never become complaints" in result.stderr and "Globex" not in result.stderr
    doc = json.loads(cli("import", str(posts), "--json").stdout)
    assert len(doc["warnings"]) == 1 and WARNING in doc["warnings"][0]


def test_import_with_accounts_does_not_warn(cli: Cli) -> None:
    posts = write(cli, "[AcmeHelp]")
    result = cli("import", str(posts))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_collect_notes_the_missing_accounts(cli: Cli) -> None:
    write(cli, "[]")
    result = cli("collect", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    reports = {r["target"]: r for r in json.loads(result.stdout)}
    assert any(WARNING in note for note in reports["Acme"]["notes"])
    assert not any(
        WARNING in note for r in reports.values() for note in r["notes"] if r is not reports["Acme"]
    )


APPSTORE = """
database_url: sqlite:///monitor.db
brands:
  - name: Acme
    sources:
      appstore: {app_id: "123456789", accounts: ["Acme Inc"]}
  - name: Initech
    sources:
      appstore: {app_id: "555000111", accounts: ["Initech"]}
sources:
  appstore: {enabled: false}
"""


def test_app_store_rows_match_their_brand_by_app_id(cli: Cli) -> None:
    cli.config.write_text(APPSTORE, encoding="utf-8")
    review = {"source": "appstore", "author": "pat", "text": "crashes on start", "rating": 1,
              "created_at": "2026-10-01T10:00:00Z"}  # fmt: skip
    rows = [
        {**review, "id": "r1", "app_id": "555000111"},
        {**review, "id": "r2", "app_id": "123456789"},
        {**review, "id": "r3", "app_id": "999"},  # no configured app: a bad row, with its line
    ]
    posts = cli.tmp / "reviews.jsonl"
    posts.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = cli("import", str(posts))
    assert result.returncode == 0, result.stderr
    assert f"{posts}:3: post appstore:r3: no configured brand matches" in result.stderr
    listed = json.loads(cli("mentions", "--since", "3650d", "--json").stdout)
    assert {m["external_id"]: m["brand"] for m in listed} == {"r1": "Initech", "r2": "Acme"}


def test_file_line_diagnostics_are_never_wrapped(cli: Cli) -> None:
    posts = write(cli, "[AcmeHelp]")
    long_id = "x" * 120
    posts.write_text(
        json.dumps({**ROWS[0], "id": long_id, "brand": "Nobody"}) + "\n" + json.dumps(ROWS[1]),
        encoding="utf-8",
    )
    result = cli("import", str(posts), env={"COLUMNS": "40"})
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith(f"{posts}:1: ")]
    assert line.endswith("is not configured") and long_id in line
