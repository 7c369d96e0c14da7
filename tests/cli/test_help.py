"""Item 16 of issue 10: help without ``<bool>``, ``--version``, usage errors as ``error: ...``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor import __version__
from tests.cli.test_boundary import Cli, expect


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def bare(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """The real script with exactly ``args`` (no --config added)."""
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=cli.tmp, env=cli.env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("unanswered", "--help"),
        ("digest", "--help"),
        ("sentiment", "predict", "--help"),
    ],
)
def test_help_shows_flags_bare(cli: Cli, args: tuple[str, ...]) -> None:
    result = bare(cli, *args)
    assert result.returncode == 0, result.stderr
    assert "--help" in result.stdout
    assert "<bool>" not in result.stdout


def test_version(cli: Cli) -> None:
    result = bare(cli, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"monitor {__version__}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("mentions", "--no-such-option"), "error: No such option: --no-such-option (see '"),
        (("unanswered", "--overdue", "true"), "error: Got unexpected extra argument(s) (true)"),
        (("kpis", "--days", "0"), "error: Invalid value for '--days'"),
        (("no-such-command",), "error: No such command 'no-such-command'"),
    ],
)
def test_usage_errors_are_one_line_in_the_project_style(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    stderr = expect(cli(*args), 2, message)
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert "╭" not in stderr and "--help')" in stderr
