"""``monitor import``: bad rows reported as FILE:LINE, good rows stored, re-import adds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
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
    assert result.exit_code == 0, result.output
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


MAIN = "from monitor.cli import main; main()"
GOOD = {"source": "x", "text": "hi @AcmeHelp", "author": "a", "created_at": "2026-11-02T09:00:00Z"}


#: Runs ``argv[3:]`` under an address-space cap of ``argv[1]`` bytes (0: none), writes its
#: peak RSS (KiB) to the file ``argv[2]`` and exits with its exit code. The command must be
#: forked from this small process: Linux records the memory a process had before ``exec`` in
#: its peak RSS, so a command forked straight from pytest (hundreds of MB once the model
#: tests ran) would be charged with pytest's memory.
LAUNCHER = """
import os, resource, subprocess, sys
cap, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def limit():
    if cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
proc = subprocess.Popen(argv, preexec_fn=limit)
_, status, usage = os.wait4(proc.pid, 0)
with open(report, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_cli(
    config: Path, db_url: str, *args: str, memory_limit: int | None = None
) -> tuple[int, str, str, int]:
    """``monitor import ARGS`` as a real process: exit code, stdout, stderr, peak memory (KiB).

    ``memory_limit`` caps the address space, so a reader that grows without bound fails
    fast instead of eating the machine.
    """
    command = [sys.executable, "-c", MAIN, "import", *args, "--config", str(config), "--db", db_url]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak"
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(memory_limit or 0), str(report), *command],
            capture_output=True,
            text=True,
            timeout=120,  # a safety net, never a speed assertion
        )
        peak_kib = int(report.read_text())
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr, peak_kib


def test_rows_that_used_to_crash_the_import_are_reported_and_the_rest_stored(
    tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path)
    file = tmp_path / "crashers.jsonl"
    rows = [
        {**GOOD, "id": "1", "created_at": "9999-12-31T23:00:00-05:00"},
        {**GOOD, "id": "2", "created_at": "0001-01-01T00:00:00+01:00"},
        {**GOOD, "id": "3", "followers": 2**63},
        {**GOOD, "id": "4", "author": "LONE"},
        {**GOOD, "id": "5"},
    ]
    file.write_text("\n".join(json.dumps(r) for r in rows).replace("LONE", "\\ud83d") + "\n")
    code, stdout, stderr, _ = run_cli(config, db_url, str(file))
    assert code == 0, stderr
    *bad, warning = stderr.splitlines()
    assert bad == [
        f"{file}:1: created_at '9999-12-31T23:00:00-05:00' is in the future",
        f"{file}:2: created_at '0001-01-01T00:00:00+01:00' is before 1970",
    ]
    assert warning.startswith("warning: Acme has no accounts on source 'x'")  # issue 10 item 8
    assert stdout == (
        f"{file}: 5 rows: 3 new, 0 updated, 0 unchanged, 2 changed on the way in "
        "(see docs/import-format.md), 2 bad\n"
    )
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        stored = {m.external_id: m for m in session.execute(select(Mention)).scalars()}
    engine.dispose()
    assert sorted(stored) == ["3", "4", "5"]
    assert stored["3"].author_followers == 2**63 - 1 and stored["4"].author == "\ufffd"


def test_dev_zero_stops_at_once_with_bounded_memory(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path)
    code, _, stderr, peak_kib = run_cli(
        config, db_url, "/dev/zero", memory_limit=1024 * 1024 * 1024
    )
    assert code == 2
    assert stderr.startswith("error: /dev/zero:1: the CSV header: line longer than 10,485,760")
    assert peak_kib < 768 * 1024


def test_unreadable_or_wholly_bad_files_exit_2(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "x"}\n[1]\n')
    code, stdout, stderr, _ = run_cli(config, db_url, str(bad))
    assert code == 2
    assert stderr.splitlines() == [
        f"{bad}:1: missing required fields 'id', 'created_at', 'author', 'text'",
        f"{bad}:2: expected a JSON object, got an array",
        f"error: {bad}: none of its 2 rows could be imported",
    ]
    code, stdout, stderr, _ = run_cli(config, db_url, str(tmp_path))
    assert (code, stdout) == (2, "")
    assert stderr == f"error: {tmp_path}: cannot read: Is a directory\n"
