"""Errors through the real console script: exit 2 input/config, 3 environment, 1 a bug.

Run in a subprocess (``python -m monitor.cli``): CliRunner catches exceptions, so a
"no traceback" assertion on its output could never fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.conftest import POSTGRES_URL, REPO_ROOT

CONFIG = """
database_url: {database_url}
brands:
  - name: Acme
    sources:
      x: {{query: acme}}
sources:
  x: {{enabled: false}}
"""
SECRET = "S3cretPassw0rd"
#: A safety net against a hang (the alias bomb before the fix), never a speed assertion.
DEADLINE_SECONDS = 120


class Cli:
    """``python -m monitor.cli ARGS --config CONFIG`` in a temp folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.config = tmp_path / "config.yaml"
        self.write_config(f"sqlite:///{tmp_path / 'monitor.db'}")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        self.env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        self.env["XDG_STATE_HOME"] = str(tmp_path / "state")

    def write_config(self, database_url: str, extra: str = "") -> None:
        text = CONFIG.format(database_url=database_url) + extra
        self.config.write_text(text, encoding="utf-8")

    def __call__(
        self,
        *args: str,
        code: str = "",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        head = ["-c", f"{code}\nfrom monitor.cli import main; main()"] if code else ["-m"]
        command = [sys.executable, *head, *([] if code else ["monitor.cli"]), *args]
        if "--config" not in args and args[:1] != ("--debug",):
            command += ["--config", str(self.config)]
        return subprocess.run(
            command,
            cwd=cwd or self.tmp,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=DEADLINE_SECONDS,
            check=False,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def expect(result: subprocess.CompletedProcess[str], code: int, *phrases: str) -> str:
    """Assert the exit code, each phrase on stderr and no traceback; returns stderr."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output
    for phrase in phrases:
        assert phrase in result.stderr, output
    return result.stderr


# -- the database --------------------------------------------------------------


@pytest.mark.parametrize(
    ("db", "code", "phrase"),
    [
        ("postgresql://postgres@127.0.0.1:1/monitor", 3, "Connection refused"),
        (f"postgresql://postgres:{SECRET}@127.0.0.1:1/monitor", 3, "postgres:***@127.0.0.1:1"),
        (f"postgresql+psycopg://postgres:{SECRET}@host:notaport/db", 2, "invalid database URL"),
        (f"mysql://root:{SECRET}@127.0.0.1/monitor", 2, "unsupported database 'mysql'"),
        ("/nonexistent/dir/x.db", 2, "no database at /nonexistent/dir/x.db (run monitor init)"),
        ("{tmp}", 2, "is a directory"),
        ("{tmp}/not-sqlite.db", 2, "is not a SQLite database file"),
    ],
)
def test_unusable_database_is_one_message(cli: Cli, db: str, code: int, phrase: str) -> None:
    (cli.tmp / "not-sqlite.db").write_bytes(b"GIF89a" + bytes(range(256)) * 8)
    stderr = expect(cli("mentions", "--db", db.format(tmp=cli.tmp)), code, phrase)
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert SECRET not in stderr


def test_init_in_a_missing_folder_is_one_message(cli: Cli) -> None:
    stderr = expect(cli("init", "--db", "/nonexistent/dir/x.db"), 2, "no folder '/nonexistent/dir'")
    assert stderr.startswith("error: ") and stderr.count("\n") == 1


def test_database_url_from_the_environment_is_shown_without_its_password(cli: Cli) -> None:
    cli.write_config("${DATABASE_URL}")
    url = f"postgresql+psycopg://postgres:{SECRET}@host:notaport/db"
    stderr = expect(cli("mentions", env={"DATABASE_URL": url}), 2, "postgres:***@host")
    assert SECRET not in stderr


def _local_postgres(**parts: str) -> str:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL).set(**parts)  # type: ignore[arg-type]
    return url.render_as_string(hide_password=False)


@pytest.mark.postgres
def test_missing_database_and_role_on_the_real_server_are_the_environment(cli: Cli) -> None:
    # Exit 3: the URL is well formed; the server lacks something an administrator creates.
    name = f"monitor_missing_{uuid.uuid4().hex[:8]}"
    result = cli("mentions", "--db", _local_postgres(database=name))
    expect(result, 3, f'database "{name}" does not exist')
    result = cli("mentions", "--db", _local_postgres(username=name))
    expect(result, 3, f'role "{name}" does not exist')


# -- arguments -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("collect", "--source", "nosuch"), "source 'nosuch' is not configured"),
        (("mentions", "--since", "99999999d"), "'99999999d' is out of range"),
        (("kpis", "--date", "0001-01-01"), "'0001-01-01' is out of range"),
        (("kpis", "--date", "9999-12-31"), "'9999-12-31' is out of range"),
        (("score", "--date", "0001-01-01"), "'0001-01-01' is out of range"),
        (("score", "--date", "9999-12-31"), "'9999-12-31' is out of range"),
        (("digest", "--date", "0001-01-01"), "'0001-01-01' is out of range"),
        (("digest", "--date", "9999-12-31"), "'9999-12-31' is out of range"),
        (("collect", "--since", "9999-12-31T23:00:00-05:00"), "is out of range"),
        (("digest", "--out", "/nonexistent/dir/x.html"), "cannot write --out"),
    ],
)
def test_bad_argument_is_exit_2_with_a_message(
    cli: Cli, args: tuple[str, ...], phrase: str
) -> None:
    if "--out" in args:  # the digest is built before it is copied: a database must exist
        assert cli("init").returncode == 0
    stderr = expect(cli(*args), 2, phrase)
    assert stderr.startswith("error: ") and stderr.count("\n") == 1


def test_typer_usage_errors_still_exit_2(cli: Cli) -> None:
    stderr = expect(cli("mentions", "--no-such-option"), 2, "error: No such option")
    assert stderr.count("\n") == 1


# -- the config ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("abandon_after_hours: 1e308\n", "abandon_after_hours"),
        ("daemon: {classify_minutes: 1e300}\n", "daemon.classify_minutes"),
    ],
)
def test_config_numbers_fatal_later_are_exit_2_with_the_key(cli: Cli, extra: str, key: str) -> None:
    cli.write_config(f"sqlite:///{cli.tmp / 'monitor.db'}", extra)
    expect(cli("mentions"), 2, "error: invalid config", f"  {key}: ")


def test_rate_target_as_a_percentage_is_exit_2_with_a_hint(cli: Cli) -> None:
    cli.config.write_text(
        CONFIG.format(database_url=f"sqlite:///{cli.tmp / 'monitor.db'}").replace(
            "    sources:\n      x: {query: acme}",
            "    sources:\n      x: {query: acme}\n    targets:\n      response_rate: {min: 90}",
        ),
        encoding="utf-8",
    )
    expect(cli("kpis"), 2, "response_rate.min 90 is not a rate from 0 to 1: did you mean 0.9?")


def test_yaml_alias_bomb_is_exit_2_not_a_hang(cli: Cli) -> None:
    from tests.test_config import BOMB

    cli.config.write_text(BOMB, encoding="utf-8")
    expect(cli("mentions"), 2, "anchors and aliases", "line 1")


# -- bugs ----------------------------------------------------------------------

#: A bug planted in the real entry point: the command's clock raises.
BUG = (
    "import monitor.cli.common as common\n"
    "def broken():\n"
    "    raise RuntimeError('boom at postgresql://u:hunter22@db/x')\n"
    "common.AppContext.now = staticmethod(broken)"
)


def test_a_bug_is_exit_1_with_one_line_naming_the_error_log(cli: Cli) -> None:
    result = cli("mentions", code=BUG)
    stderr = expect(result, 1, "error: unexpected RuntimeError", "--debug")
    assert stderr.count("\n") == 1 and result.stdout == ""
    log = cli.tmp / "state" / "monitor" / "errors.log"
    assert str(log) in stderr
    written = log.read_text(encoding="utf-8")
    assert "Traceback" in written and "RuntimeError: boom" in written
    assert "hunter22" not in written and "hunter22" not in stderr
    assert log.stat().st_mode & 0o077 == 0  # only the user may read it


@pytest.mark.parametrize("how", ["option", "env"])
def test_debug_shows_the_traceback(cli: Cli, how: str) -> None:
    if how == "option":
        result = cli("--debug", "mentions", "--config", str(cli.config), code=BUG)
    else:
        result = cli("mentions", code=BUG, env={"MONITOR_DEBUG": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr
    assert not (cli.tmp / "state" / "monitor" / "errors.log").exists()


def test_database_from_a_newer_version_is_exit_2(cli: Cli, db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999_future'"))
    engine.dispose()
    expect(cli("mentions", "--db", db_url), 2, "revision '0999_future'", "newer version")
