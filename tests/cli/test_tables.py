"""Tables that fit: compact at 80 columns, --wide, --csv and --json, through the real script."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from monitor.cli.tables import Column, View, table_lines, view
from monitor.errors import UsageError
from monitor.report.formatting import age_text
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.conftest import REPO_ROOT
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import build

CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme
    timezone: America/New_York
    sources:
      x: {{query: "@AcmeHelp OR acme", accounts: [AcmeHelp]}}
      reddit: {{keywords: [acme], accounts: [acme_support], own_subreddits: [acme]}}
      appstore: {{app_id: "123456789", accounts: ["Acme Inc"]}}
    competitors:
      - name: Globex
sources:
  x: {{enabled: false}}
  reddit: {{enabled: false}}
  appstore: {{enabled: false}}
"""
LONG_ID = "1" * 40  # an id longer than any sensible column: shown whole, never split
LONG_TEXT = "@AcmeHelp " + "my parcel is late again and nobody answers " * 8 + "END"


@dataclass
class Row:
    id: str
    text: str


COLUMNS: list[Column[Row]] = [
    Column("id", lambda r: r.id),
    Column("text", lambda r: r.text, flex=True),
]


def test_compact_lines_fit_the_width_ids_whole_text_cut() -> None:
    rows = [Row("x:" + LONG_ID, LONG_TEXT), Row("x:1", "short\nsecond line\x1b[31m")]
    lines = [line.plain for line in table_lines(COLUMNS, rows, width=80)]
    assert len(lines) == 3  # header + one line a row
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert lines[1].startswith("x:" + LONG_ID) and lines[1].endswith("…")
    assert "\n" not in lines[2] and "\x1b" not in lines[2] and "\\x1b" in lines[2]
    wide = [line.plain for line in table_lines(COLUMNS, rows, width=None)]
    assert wide[1].endswith("END")  # --wide cuts nothing


def test_double_width_characters_are_measured_in_cells() -> None:
    lines = table_lines(COLUMNS, [Row("x:1", "荷物が届きません" * 20)], width=80)
    assert all(cell_len(line.plain) <= 80 for line in lines)


def test_one_view_at_a_time() -> None:
    assert view() is View.COMPACT and view(wide=True) is View.WIDE
    with pytest.raises(UsageError, match="only one of --wide, --csv"):
        view(wide=True, as_csv=True)


def test_age_text() -> None:
    now = datetime(2026, 10, 8, 14, 0, tzinfo=UTC)
    assert age_text(datetime(2026, 10, 8, 13, 15, tzinfo=UTC), now) == "45m"
    assert age_text(datetime(2026, 10, 7, 14, 0, tzinfo=UTC), now) == "24h"
    assert age_text(datetime(2026, 10, 1, 14, 0, tzinfo=UTC), now) == "7d"


@pytest.fixture
def monitor(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``monitor ARGS`` through the real script, piped, against the seeded scenario."""
    db = tmp_path / "monitor.db"
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    sc = build()
    frank = next(m for m in sc.mentions if m.key == "x:401")
    extra = replace(frank, external_id=LONG_ID, text=LONG_TEXT)
    seed(engine, sc, [*sc.mentions, extra])
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(REPO_ROOT)

    def run(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor.cli", *args, "--config", str(config)],
            env={**env, "COLUMNS": str(columns)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )

    return run


def test_mentions_compact_fits_80_columns_piped(monitor) -> None:  # type: ignore[no-untyped-def]
    done = monitor("mentions", "--since", "2026-09-01", "--limit", "500")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    count = int(lines[0].split()[0])
    assert count >= 20 and len(lines) == count + 2  # title, header, one line a mention
    assert all(cell_len(line) <= 80 for line in lines), max(lines, key=len)
    assert lines[1].split() == ["id", "age", "author", "sentiment", "text"]
    long = next(line for line in lines if LONG_ID in line)
    assert f"x:{LONG_ID}" in long and long.endswith("…")


def test_mentions_wide_has_every_column_brand_time_and_links(monitor) -> None:  # type: ignore[no-untyped-def]
    done = monitor("mentions", "--since", "2026-09-01", "--limit", "500", "--wide")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:4] == ["id", "age", "time", "brand"] and "link" in lines[1]
    long = next(line for line in lines if LONG_ID in line)
    assert long.endswith("END")  # nothing cut
    assert " EDT " in long  # the brand's time zone (America/New_York in October)
    assert "https://" in done.stdout


def test_mentions_csv_and_json_hold_the_same_rows(monitor) -> None:  # type: ignore[no-untyped-def]
    as_csv = monitor("mentions", "--since", "2026-09-01", "--limit", "500", "--csv")
    as_json = monitor("mentions", "--since", "2026-09-01", "--limit", "500", "--json")
    assert as_csv.returncode == 0 and as_json.returncode == 0, as_csv.stderr + as_json.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    docs = json.loads(as_json.stdout)
    assert [r["id"] for r in rows] == [f"{d['source']}:{d['external_id']}" for d in docs]
    assert next(r for r in rows if LONG_ID in r["id"])["text"] == LONG_TEXT
    assert rows[0]["time"].endswith("-04:00")  # ISO 8601 with the brand's offset


def test_two_views_at_once_is_a_usage_error(monitor) -> None:  # type: ignore[no-untyped-def]
    done = monitor("mentions", "--wide", "--json")
    assert done.returncode == 2
    assert "use only one of --wide, --json" in done.stderr


def test_unanswered_compact_fits_80_columns_and_csv_has_every_column(monitor) -> None:  # type: ignore[no-untyped-def]
    assert monitor("score", "--since", "2026-10-01").returncode == 0
    done = monitor("unanswered", "--abandoned")  # the scenario is weeks old: all abandoned
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("abandoned items") and len(lines) >= 4
    assert all(cell_len(line) <= 80 for line in lines), max(lines, key=len)
    assert lines[1].split() == ["id", "waiting", "author", "sentiment", "text"]
    long = next(line for line in lines if LONG_ID in line)
    assert f"x:{LONG_ID}" in long and long.endswith("…")
    rows = list(csv.DictReader(io.StringIO(monitor("unanswered", "--abandoned", "--csv").stdout)))
    assert len(rows) == len(lines) - 2
    assert next(r for r in rows if LONG_ID in r["id"])["text"] == LONG_TEXT
    assert {"priority", "state", "reason", "link", "assignee"} <= set(rows[0])
