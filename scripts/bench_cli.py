"""Start-up time of the ``monitor`` command: median wall time of 5 fresh processes per command.

Builds a small database (the first posts of the bundled sample, imported and scored) in a
temporary folder, then times ``monitor --help``, ``monitor kpis``, ``monitor mentions`` and a
cold ``monitor sentiment predict`` (model loaded from disk) as separate processes, the way a
person or a cron job runs them.

    .venv/bin/python scripts/bench_cli.py [--runs 5] [--posts 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.collectors.replay.settings import BUNDLED_SAMPLE  # noqa: E402

#: (name, arguments after ``monitor``, target in seconds) in the order printed.
COMMANDS: list[tuple[str, list[str], float]] = [
    ("monitor --help", ["--help"], 0.5),
    ("monitor kpis", ["kpis"], 0.5),
    ("monitor mentions", ["mentions", "--since", "30d"], 0.5),
    ("monitor sentiment predict (cold)", ["sentiment", "predict", "my bag is lost again"], 3.0),
]

#: What any command pays before our code runs, to read the figures above against: the
#: interpreter, the libraries every database command stands on (Typer parses the command
#: line; SQLModel is SQLAlchemy's ORM with pydantic, the store the design names), and torch.
FLOORS: list[tuple[str, str]] = [
    ("python -c pass", "pass"),
    ("python -c 'import typer, sqlmodel'", "import typer, sqlmodel"),
    ("python -c 'import torch'", "import torch"),
]


def _config(folder: Path) -> Path:
    """The repository's config with the database in ``folder``."""
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("sqlite:///monitor.db", f"sqlite:///{folder / 'bench.db'}")
    text = text.replace("models/", f"{REPO / 'models'}/")
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _recent_posts(count: int) -> str:
    """The newest ``count`` sample posts, moved so the newest is an hour old (as on replay)."""
    rows = [json.loads(line) for line in BUNDLED_SAMPLE.read_text("utf-8").splitlines()]
    rows = rows[-count:]
    newest = max(_time(r["created_at"]) for r in rows)
    shift = datetime.now(UTC) - timedelta(hours=1) - newest
    for row in rows:
        row["created_at"] = (_time(row["created_at"]) + shift).isoformat()
    return "".join(json.dumps(r) + "\n" for r in rows)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _monitor(args: list[str], config: Path) -> tuple[float, float]:
    """Run ``monitor ARGS`` once in a fresh process: its wall and CPU (user + system) seconds."""
    return _timed([sys.executable, "-m", "monitor.cli", *args], config)


def _timed(argv: list[str], config: Path) -> tuple[float, float]:
    """Run ``argv`` once in a fresh process: its wall and CPU (user + system) seconds.

    CPU time is printed beside wall time because on a shared, loaded machine the wall time
    mostly measures the wait for a core.
    """
    env = {**os.environ, "MONITOR_CONFIG": str(config), "PYTHONPATH": str(REPO)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its .pyc files
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv,
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=config.parent,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Print one line per command: median and every run, against its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posts", type=int, default=300, help="posts in the small database")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _config(folder)
        posts = folder / "posts.jsonl"
        posts.write_text(_recent_posts(opts.posts), encoding="utf-8")
        _monitor(["import", str(posts)], config)
        _monitor(["score"], config)  # the last daemon.rescore_days, as the daemon keeps them
        load = os.getloadavg()[0]
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load {load:.1f}), "
            f"{opts.posts} posts"
        )
        for name, code in FLOORS:
            argv = [sys.executable, "-c", code]
            _timed(argv, config)  # once untimed, as below
            runs = [_timed(argv, config) for _ in range(opts.runs)]
            print(f"{name:34} {_figures(runs)}  (floor, no target)")
        for name, args, target in COMMANDS:
            _monitor(args, config)  # once untimed: writes the .pyc files, fills the OS cache
            runs = [_monitor(args, config) for _ in range(opts.runs)]
            verdict = "ok" if statistics.median(r[0] for r in runs) < target else "SLOW"
            print(f"{name:34} {_figures(runs)}  (target < {target:g} s, {verdict})")


def _figures(runs: list[tuple[float, float]]) -> str:
    """``median wall W s, cpu C s  wall: each run`` of ``(wall, cpu)`` runs."""
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    each = " ".join(f"{r[0]:.2f}" for r in runs)
    return f"median wall {wall:5.2f} s, cpu {cpu:5.2f} s  wall: {each}"


if __name__ == "__main__":
    main()
