"""Config validation: one clear message per problem with its key path; secrets from the env."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import ConfigError, load_config, parse_config

REPO_ROOT = Path(__file__).resolve().parent.parent

BASE = {
    "brands": [
        {
            "name": "Acme",
            "timezone": "Europe/Berlin",
            "sources": {"x": {"accounts": ["AcmeHelp"], "query": "@AcmeHelp OR acme"}},
            "competitors": [{"name": "Globex", "sources": {"x": {"query": "globex"}}}],
            "targets": {"response_rate": {"min": 0.9}, "frt_median_min": {"max": 60}},
        }
    ],
    "sources": {"x": {"enabled": True, "bearer_token": "${X_BEARER_TOKEN}"}},
}


def problems(raw: object, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, env=env if env is not None else {"X_BEARER_TOKEN": "t"})
    return info.value.problems


def test_shipped_config_is_valid() -> None:
    settings = load_config(REPO_ROOT / "config.yaml", env={})
    assert settings.enabled_sources == ["replay"]
    assert Path(settings.config.sentiment.model).is_absolute()


def test_valid_config_builds_targets_for_brand_and_competitor() -> None:
    settings = parse_config(BASE, env={"X_BEARER_TOKEN": "secret-token"})
    targets = settings.targets["x"]
    assert [(t.brand, t.is_competitor, t.owner) for t in targets] == [
        ("Acme", False, None),
        ("Globex", True, "Acme"),
    ]
    token = settings.source_settings["x"].bearer_token  # type: ignore[attr-defined]
    assert token.get_secret_value() == "secret-token"
    assert "secret-token" not in repr(settings.source_settings["x"])


def test_missing_query_names_the_key_path() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    del raw["brands"][0]["sources"]["x"]["query"]
    assert "brands[0].sources.x.query: field required" in problems(raw)


def test_every_problem_is_reported_at_once() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["brands"][0]["timezone"] = "Mars/Olympus"
    raw["brands"][0]["targets"]["happiness"] = {"min": 1}
    raw["sla_minutes"] = -5
    found = problems(raw)
    assert any(p.startswith("brands[0].timezone:") and "Mars/Olympus" in p for p in found)
    assert any(p.startswith("brands[0].targets:") and "happiness" in p for p in found)
    assert any(p.startswith("sla_minutes:") for p in found)


def test_missing_env_var_is_named() -> None:
    assert problems(BASE, env={}) == [
        "sources.x.bearer_token: environment variable X_BEARER_TOKEN is not set"
    ]


def test_literal_secret_is_refused() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["sources"]["x"]["bearer_token"] = "AAAA-literal"
    assert problems(raw) == [
        "sources.x.bearer_token: write credentials as an ${ENV_VAR} reference, not a literal"
    ]


def test_disabled_source_may_reference_unset_variables() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["sources"]["x"]["enabled"] = False
    settings = parse_config(raw, env={})
    assert settings.enabled_sources == []


def test_unknown_source_and_unknown_key() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["sources"]["myspace"] = {"enabled": True}
    raw["brands"][0]["colour"] = "red"
    found = problems(raw)
    assert any(p.startswith("sources.myspace: unknown source 'myspace'") for p in found)
    assert "brands[0].colour: unknown key" in found


def test_target_needs_exactly_one_bound() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["brands"][0]["targets"]["response_rate"] = {"min": 0.5, "max": 0.9}
    assert any("brands[0].targets.response_rate" in p and "exactly one" in p for p in problems(raw))


def test_cli_reports_bad_config_with_exit_code_2_and_no_traceback(tmp_path: Path) -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    del raw["brands"][0]["sources"]["x"]["query"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = CliRunner().invoke(
        app, ["mentions", "--config", str(path)], env={"X_BEARER_TOKEN": "t"}
    )
    assert result.exit_code == 2
    assert "brands[0].sources.x.query: field required" in result.output
    assert "Traceback" not in result.output


def test_cli_reports_yaml_syntax_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("brands:\n  - name: [unclosed\n")
    result = CliRunner().invoke(app, ["mentions", "--config", str(path)])
    assert result.exit_code == 2
    assert "YAML syntax error at line" in result.output


def test_cli_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in (
        "init",
        "collect",
        "classify",
        "score",
        "run",
        "mentions",
        "unanswered",
        "kpis",
        "digest",
        "import",
        "resolve",
        "sentiment",
    ):
        assert command in result.output
