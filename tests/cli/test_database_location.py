"""Item 1 of issue 10: the database named by the config, never an empty one in the wrong folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_boundary import Cli, expect


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_relative_sqlite_path_is_beside_the_config_file(cli: Cli, tmp_path: Path) -> None:
    cli.write_config("sqlite:///monitor.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    created = cli("init", cwd=elsewhere)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "monitor.db").exists()
    assert not (elsewhere / "monitor.db").exists()
    # a read from a third folder finds the same database
    listed = cli("mentions", "--json", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ("mentions",),
        ("kpis",),
        ("unanswered",),
        ("digest",),
        ("digest", "--status"),
        ("alerts",),
        ("score",),
        ("classify",),
    ],
)
def test_read_command_on_a_missing_database_is_exit_2(cli: Cli, args: tuple[str, ...]) -> None:
    cli.write_config("sqlite:///monitor.db")
    stderr = expect(cli(*args), 2, f"no database at {cli.tmp / 'monitor.db'} (run monitor init)")
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert not (cli.tmp / "monitor.db").exists()


def test_db_option_naming_a_missing_file_is_exit_2(cli: Cli) -> None:
    missing = cli.tmp / "nope.db"
    expect(cli("kpis", "--db", str(missing)), 2, f"no database at {missing}")
    assert not missing.exists()


@pytest.mark.parametrize("args", [("init",), ("run", "--once")])
def test_commands_that_store_data_create_the_database(cli: Cli, args: tuple[str, ...]) -> None:
    cli.write_config("sqlite:///monitor.db")
    result = cli(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (cli.tmp / "monitor.db").exists()


def test_import_creates_the_database(cli: Cli) -> None:
    cli.write_config("sqlite:///monitor.db")
    posts = cli.tmp / "posts.jsonl"
    posts.write_text(
        '{"source": "x", "id": "1", "author": "ann", "text": "acme is down",'
        ' "created_at": "2026-10-01T10:00:00Z"}\n',
        encoding="utf-8",
    )
    result = cli("import", str(posts))
    assert result.returncode == 0, result.stderr
    assert (cli.tmp / "monitor.db").exists()
