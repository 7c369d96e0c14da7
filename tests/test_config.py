"""Config validation: one clear message per problem with its key path; secrets from the env."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from annotated_types import Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from monitor.cli import app
from monitor.collectors.registry import collector_class
from monitor.config import ConfigError, MonitorConfig, load_config, parse_config

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


def test_missing_source_env_var_is_named_when_the_source_runs() -> None:
    # loading succeeds (kpis needs no token); the source's own use names the variable
    settings = parse_config(BASE, env={})
    assert settings.unset_env == {
        "sources.x": ["sources.x.bearer_token: environment variable X_BEARER_TOKEN is not set"]
    }
    settings.require_env("reddit")  # another section: nothing missing
    with pytest.raises(ConfigError) as err:
        settings.require_env("x")
    assert err.value.problems == [
        "sources.x.bearer_token: environment variable X_BEARER_TOKEN is not set"
    ]


def test_missing_env_var_outside_sources_and_channels_fails_the_load() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["database_url"] = "${NO_SUCH_DATABASE_URL}"
    assert "database_url: environment variable NO_SUCH_DATABASE_URL is not set" in problems(
        raw, env={"X_BEARER_TOKEN": "t"}
    )


def test_rate_target_given_as_a_percentage_is_refused() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["brands"][0]["targets"] = {"response_rate": {"min": 90}}
    found = problems(raw)
    assert any(
        "response_rate.min 90 is not a rate from 0 to 1: did you mean 0.9?" in p for p in found
    )


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
    # a handled error ends in SystemExit(2); an escaped bug would be any other exception
    assert isinstance(result.exception, SystemExit) and result.exception.code == 2


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
        "web",
        "user",
    ):
        assert command in result.output


def _numeric_fields(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        for sub in models:  # a section, or the values of a list or dict of sections
            yield from _numeric_fields(sub, f"{prefix}{name}.")
        if any(a in (int, float) for a in inner):
            yield f"{prefix}{name}", field


def _all_numeric_fields() -> list[tuple[str, FieldInfo]]:
    fields = list(_numeric_fields(MonitorConfig, ""))
    for source in ("x", "reddit", "appstore", "replay"):
        cls = collector_class(source)
        fields += _numeric_fields(cls.settings_model, f"sources.{source}.")
        fields += _numeric_fields(cls.brand_settings_model, f"brands[].sources.{source}.")
    return fields


#: KPI thresholds compare with a KPI and never reach a timer: any finite number will do.
UNBOUNDED_ON_PURPOSE = {"min", "max"}


def test_every_number_in_the_config_has_a_ceiling() -> None:
    fields = _all_numeric_fields()
    assert len(fields) > 20
    missing = [
        key
        for key, field in fields
        if not any(isinstance(m, Le | Lt) for m in field.metadata)
        and key.rsplit(".", 1)[-1] not in UNBOUNDED_ON_PURPOSE
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"abandon_after_hours": 1e308}, "abandon_after_hours"),
        ({"daemon": {"classify_minutes": 1e300}}, "daemon.classify_minutes"),
        ({"sla_minutes": float("inf")}, "sla_minutes"),
        ({"alerts": {"cooldown_hours": float("nan")}}, "alerts.cooldown_hours"),
        ({"sources": {"x": {"enabled": True, "poll_minutes": 1e300}}}, "sources.x.poll_minutes"),
    ],
)
def test_numbers_fatal_later_are_refused_with_their_key(patch: dict[str, Any], key: str) -> None:
    def merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
        for name, value in extra.items():
            if isinstance(value, dict) and isinstance(into.get(name), dict):
                merge(into[name], value)
            else:
                into[name] = value

    raw = yaml.safe_load(yaml.safe_dump(BASE))
    merge(raw, patch)
    assert any(p.startswith(f"{key}: ") for p in problems(raw)), problems(raw)


BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "brands: [{name: Acme}]",
    ]
)


def test_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    [problem] = info.value.problems
    assert "line 1" in problem and "aliases" in problem


def test_yaml_anchor_alone_is_refused_and_plain_yaml_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("brands:\n  - &acme {name: Acme}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="anchors and aliases"):
        load_config(path, env={})
    path.write_text("brands:\n  - {name: 'Acme & Co *'}\n", encoding="utf-8")
    assert load_config(path, env={}).config.brands[0].name == "Acme & Co *"


def test_deeply_nested_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("brands: " + "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path, env={})


def test_model_languages_are_validated() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["sentiment"] = {"languages": ["en", "eng"]}
    assert any(p.startswith("sentiment.languages:") and "'eng'" in p for p in problems(raw)), (
        problems(raw)
    )
    raw["sentiment"] = {"languages": []}
    assert any(p.startswith("sentiment.languages:") for p in problems(raw))
    raw["sentiment"] = {"languages": ["de"], "multilingual": True}
    assert any("either multilingual" in p for p in problems(raw)), problems(raw)
    raw["sentiment"] = {"multilingual": True}
    sentiment = parse_config(raw, env={"X_BEARER_TOKEN": "t"}).config.sentiment
    assert sentiment.supported_languages is None


def test_web_defaults_bind_localhost_and_are_off() -> None:
    web = parse_config(BASE, env={"X_BEARER_TOKEN": "t"}).config.web
    assert (web.enabled, web.host, web.port, web.base_path, web.secret) == (
        False, "127.0.0.1", 8080, "", None,
    )  # fmt: skip


def test_web_base_path_and_secret_are_checked() -> None:
    raw = yaml.safe_load(yaml.safe_dump(BASE))
    raw["web"] = {"base_path": "/monitor/", "secret": "${MONITOR_WEB_SECRET}"}
    web = parse_config(raw, env={"X_BEARER_TOKEN": "t", "MONITOR_WEB_SECRET": "k" * 40}).config.web
    assert web.base_path == "/monitor"
    assert web.secret is not None and web.secret.get_secret_value() == "k" * 40
    raw["web"] = {"base_path": "monitor?x=1", "secret": "literal-key"}
    assert problems(raw) == [
        "web.secret: write credentials as an ${ENV_VAR} reference, not a literal",
        "web.base_path: Value error, use a path such as /monitor (leading slash, no query)",
    ]
