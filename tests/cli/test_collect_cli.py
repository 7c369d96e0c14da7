"""Items 9 and 10 of issue 10: credentials only where a source runs; collect says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_boundary import Cli, expect

TOKEN_CONFIG = """
database_url: sqlite:///monitor.db
brands:
  - name: Acme
    sources:
      x: {query: acme}
sources:
  x: {enabled: true, bearer_token: "${X_BEARER_TOKEN}"}
email: {enabled: true, password: "${SMTP_PASSWORD}"}
digest: {recipients: [care@example.com]}
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.env.pop("X_BEARER_TOKEN", None)
    cli.env.pop("SMTP_PASSWORD", None)
    return cli


@pytest.fixture
def tokenless(cli: Cli) -> Cli:
    cli.config.write_text(TOKEN_CONFIG, encoding="utf-8")
    created = cli("init")
    assert created.returncode == 0, created.stderr
    return cli


@pytest.mark.parametrize(
    "args",
    [
        ("kpis",),
        ("mentions",),
        ("unanswered",),
        ("digest", "--date", "2026-10-01"),
        ("digest", "--status"),
        ("alerts",),
        ("score",),
    ],
)
def test_read_commands_need_no_source_credentials(tokenless: Cli, args: tuple[str, ...]) -> None:
    result = tokenless(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "X_BEARER_TOKEN" not in result.stderr


@pytest.mark.parametrize(
    ("args", "variable"),
    [
        (("collect",), "sources.x.bearer_token: environment variable X_BEARER_TOKEN is not set"),
        (("run", "--once"), "X_BEARER_TOKEN is not set"),
    ],
)
def test_commands_that_use_a_section_need_its_variables(
    tokenless: Cli, args: tuple[str, ...], variable: str
) -> None:
    expect(tokenless(*args), 2, "error: invalid config", variable)


def test_sending_needs_the_channel_credentials(tokenless: Cli) -> None:
    tokenless.config.write_text(
        TOKEN_CONFIG.replace(
            "digest: {recipients: [care@example.com]}",
            "digest: {recipients: [care@example.com], channels: [email]}",
        ),
        encoding="utf-8",
    )
    built = tokenless("digest", "--date", "2026-10-01")
    assert built.returncode == 0, built.stderr
    expect(
        tokenless("digest", "--send", "--date", "2026-10-01"),
        2,
        "email: email.password: environment variable SMTP_PASSWORD is not set",
    )


def test_sources_check_names_the_unset_variable(tokenless: Cli) -> None:
    result = tokenless("sources", "check", "--wide")  # the compact view cuts the detail
    assert result.returncode == 2, result.stdout + result.stderr
    assert "X_BEARER_TOKEN is not set" in result.stdout + result.stderr


DISABLED = """
database_url: sqlite:///monitor.db
brands:
  - name: Acme
    sources:
      x: {query: acme}
sources:
  x: {enabled: false}
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("collect",), "no source is enabled: set sources.NAME.enabled: true"),
        (("collect", "--source", "x"), "source 'x' is disabled (sources.x.enabled: false)"),
        (
            ("collect", "--since", "2026-10-02", "--until", "2026-10-01"),
            "--since 2026-10-02T00:00:00+00:00 is not before --until 2026-10-01T00:00:00+00:00",
        ),
    ],
)
def test_collect_says_what_is_wrong(cli: Cli, args: tuple[str, ...], message: str) -> None:
    cli.config.write_text(DISABLED, encoding="utf-8")
    stderr = expect(cli(*args), 2, message)
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
