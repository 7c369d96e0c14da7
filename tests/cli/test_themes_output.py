"""``monitor themes`` views and hostile post texts, through the real console script.

One SQLite database holds a day of complaints: a plain refund theme, and each hostile
string (ANSI escapes, controls, ``<script>``, ``<!channel>``, RTL overrides, a 100,000
character word...) in three identical posts, so it forms a theme of its own and is shown as
an example. Every view (compact at 80 columns, ``--wide``, ``--csv``, ``--json``) and the
digest's HTML and text themes section must show that data inert. The real encoder runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from monitor.escape import terminal
from monitor.posts import Post
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.cli.test_hostile_output import CONFIG as HOSTILE_CONFIG
from tests.cli.test_hostile_output import store_negative
from tests.conftest import REPO_ROOT
from tests.hostile.checks import RAW_CONTROL, assert_no_forged_lines
from tests.hostile.strings import HOSTILE
from tests.pipeline.test_themes import REFUND

MAIN = "from monitor.cli import main; main()"
#: The hostile-output tests' database, with themes of three posts allowed.
CONFIG = HOSTILE_CONFIG + "themes: {{min_size: 3}}\n"
#: Hostile strings as posts (a lone surrogate is never stored: sanitize_post replaces it).
VALUES = [v for name, v in HOSTILE if name != "lone_surrogate"]
#: What a terminal would act on: clear screen, OSC 8 link, cursor home, CR, bell.
ACTIVE = ("\x1b[2J", "\x1b]8;;", "\x1b[H", "\r", "\x07")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(config path, the day of the posts) with three posts per hostile string."""
    tmp = tmp_path_factory.mktemp("themes_output")
    db = tmp / "monitor.db"
    path = tmp / "config.yaml"
    path.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    now = datetime.now(UTC)
    day = (now - timedelta(days=1)).date()
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    texts = REFUND + [v for v in VALUES for _ in range(3)]
    posts = [
        Post(source="x", external_id=str(100 + i), author=f"cust{i}", text=text,
             created_at=noon + timedelta(seconds=i))
        for i, text in enumerate(texts)
    ]  # fmt: skip
    store_negative(engine, posts, now)
    engine.dispose()
    return path, day.isoformat()


def monitor(config: Path, *args: str, columns: int = 80, color: bool = False) -> str:
    """stdout of the console script (piped, or with colours forced); exit 0 asserted."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    env.update(COLUMNS=str(columns), PYTHONIOENCODING="utf-8", TERM="xterm-256color")
    env.update({"FORCE_COLOR": "1"} if color else {"NO_COLOR": "1"})
    env["XDG_STATE_HOME"] = str(config.parent / "state")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [sys.executable, "-c", MAIN, *args, "--config", str(config)],
        cwd=config.parent, env=env, capture_output=True, text=True, encoding="utf-8",
        errors="strict", timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def assert_inert(out: str, *, color: bool = False) -> None:
    """No active sequence, no forged line; piped: no raw control or bidi character at all."""
    for active in ACTIVE:
        assert active not in out, (active, out[:2000])
    if not color:  # with colours forced, rich's own SGR sequences are there
        assert not RAW_CONTROL.search(out.replace("\n", "")), out[:2000]
    assert_no_forged_lines(out)


@pytest.fixture(scope="module")
def documents(setup: tuple[Path, str]) -> list[dict[str, object]]:
    """``monitor themes --json``: the stored texts, verbatim."""
    config, _ = setup
    docs: list[dict[str, object]] = json.loads(monitor(config, "themes", "--json", "--days", "3"))
    return docs


def _examples(documents: list[dict[str, object]]) -> list[str]:
    [report] = documents
    themes = report["themes"]
    assert isinstance(themes, list)
    return [e["text"] for t in themes for e in t["examples"]]


def test_json_keeps_every_text_verbatim(documents: list[dict[str, object]]) -> None:
    [report] = documents
    assert report["total"] == len(REFUND) + 3 * len(VALUES)
    examples = _examples(documents)
    # JSON escapes controls itself: the texts come back exactly as posted
    assert "<script>alert('pwned')</script><img src=x onerror=alert(1)>" in examples
    assert "hey <!channel> and <!here> and <!everyone>" in examples
    assert "A" * 100_000 in examples
    assert any("\x1b[2J" in e for e in examples) and any("\u202e" in e for e in examples)
    # stored as posted, but for the NUL byte (sanitize_post makes it U+FFFD before storage)
    assert set(examples) <= {v.replace("\x00", "\ufffd") for v in VALUES} | set(REFUND)
    themes = report["themes"]
    assert isinstance(themes, list)
    labels = " ".join(str(t["label"]) for t in themes)
    assert not RAW_CONTROL.search(labels) and "<" not in labels  # labels are words only


@pytest.mark.parametrize("color", [False, True], ids=["piped", "forced-colour"])
def test_wide_shows_every_example_escaped(
    setup: tuple[Path, str], documents: list[dict[str, object]], color: bool
) -> None:
    config, _ = setup
    out = monitor(config, "themes", "--days", "3", "--wide", columns=4000, color=color)
    assert_inert(out, color=color)
    if not color:
        assert "\x1b" not in out
    for text in _examples(documents):
        assert terminal(text) in out  # the whole text, one line, controls shown as \x1b...
    assert "\\x1b[2J\\x1b[Hscreen cleared" in out and "invoice \\u202egpj.exe" in out
    assert "[bold red]x[/]" in out  # rich markup shown as typed, not applied
    assert "<!channel>" in out  # a terminal does not read Slack markup: shown as typed
    header = out.split("\n")[1].replace("\x1b[2m", "").replace("\x1b[0m", "")
    for name in ("id", "size", "share", "change", "previous", "answered", "theme", "example_3"):
        assert name in header.split(), header


def test_compact_fits_80_columns(setup: tuple[Path, str]) -> None:
    config, _ = setup
    out = monitor(config, "themes", "--days", "3")
    assert_inert(out)
    lines = out.rstrip("\n").split("\n")
    title, header, *rows = lines
    assert title.startswith("Acme ") and " themes, " in title
    assert all(cell_len(line) <= 80 for line in [header, *rows]), max(lines, key=cell_len)
    assert header.split() == ["id", "size", "share", "change", "previous", "answered", "theme"]
    assert any("refund" in row for row in rows)
    assert len(rows) >= len(VALUES) // 2  # one line a theme


def test_csv_has_every_column_and_inert_cells(
    setup: tuple[Path, str], documents: list[dict[str, object]]
) -> None:
    config, _ = setup
    out = monitor(config, "themes", "--days", "3", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    [report] = documents
    themes = report["themes"]
    assert isinstance(themes, list) and len(rows) == len(themes)
    assert list(rows[0]) == [
        "brand", "start_day", "end_day", "id", "size", "share", "change", "previous",
        "complaints", "answered", "frt_median_min", "theme", "example_1", "example_2",
        "example_3",
    ]  # fmt: skip
    assert [int(r["id"]) for r in rows] == [t["id"] for t in themes]
    cells = [c for r in rows for c in r.values()]
    for cell in cells:
        assert not RAW_CONTROL.search(cell) and "\n" not in cell, cell[:200]
        assert not cell.startswith(("=", "+")), cell[:200]  # never a formula
    assert "<script>alert('pwned')</script><img src=x onerror=alert(1)>" in cells
    assert "A" * 100_000 in cells


def test_digest_themes_section_is_escaped(setup: tuple[Path, str]) -> None:
    config, day = setup
    [doc] = json.loads(monitor(config, "digest", "--date", day, "--json"))
    written = config.parent / doc["html"]  # relative to where the command ran
    html = written.read_text(encoding="utf-8")
    text = written.with_suffix(".txt").read_text(encoding="utf-8")
    section = html[html.index("Complaint themes") :]
    assert "e.g. " in section  # the section is there, with examples
    for raw in ("<script>", "<img src=x", "<!channel>", "\x1b", "\u202e", "\x9b"):
        assert raw not in html, raw
    assert "&lt;script&gt;" in section or "&lt;!channel&gt;" in section
    assert not RAW_CONTROL.search(text.replace("\n", ""))
    assert_no_forged_lines(text)
    themes = text[text.index("Complaint themes") : text.index("Top unanswered complaints")]
    assert "   e.g. " in themes
    assert any(s in themes for s in ("<script>", "<!channel>", "\\u202e", "AAAA"))
