"""X settings: ``sources.x`` and ``brands[i].sources.x`` validate with clear, located errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from monitor.collectors import registry
from monitor.collectors.x.settings import XBrandSettings, XSettings
from monitor.config import ConfigError, parse_config


@pytest.fixture
def only_x(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register just the X collector, so these tests don't depend on the other sources."""
    monkeypatch.setattr(
        registry, "BUILTIN_COLLECTORS", ("monitor.collectors.x.collector:XCollector",)
    )
    registry.collector_classes.cache_clear()
    yield
    registry.collector_classes.cache_clear()


def config(**brand_x: Any) -> dict[str, Any]:
    x = {"accounts": ["@SkylarkAirHelp"], "query": "@SkylarkAir OR skylark", **brand_x}
    return {
        "brands": [{"name": "Skylark Air", "sources": {"x": x}}],
        "sources": {"x": {"enabled": True, "bearer_token": "${X_BEARER_TOKEN}"}},
    }


def config_problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, env={"X_BEARER_TOKEN": "tok"})
    return info.value.problems


def test_valid_config_gives_typed_settings_and_targets(only_x: None) -> None:
    settings = parse_config(config(user_id=90210777), env={"X_BEARER_TOKEN": "AAAA-secret-token"})
    source = settings.source_settings["x"]
    assert isinstance(source, XSettings)
    assert source.bearer_token is not None
    assert source.bearer_token.get_secret_value() == "AAAA-secret-token"
    assert "AAAA-secret-token" not in repr(source)
    assert (source.daily_read_budget, source.max_results, source.base_url) == (10_000, 100, None)
    [target] = settings.targets["x"]
    assert isinstance(target.settings, XBrandSettings)
    assert target.accounts == ["SkylarkAirHelp"]  # the @ is dropped
    assert target.settings.user_id == "90210777"  # YAML reads an unquoted id as a number
    assert target.settings.include_own_replies is True


def test_missing_query_names_the_key_path(only_x: None) -> None:
    raw = config()
    del raw["brands"][0]["sources"]["x"]["query"]
    assert config_problems(raw) == ["brands[0].sources.x.query: field required"]


@pytest.mark.parametrize(
    ("brand_x", "expected"),
    [
        ({"accounts": ["not a handle"]}, "brands[0].sources.x.accounts: "),
        ({"accounts": ["SixteenCharsLong"]}, "brands[0].sources.x.accounts: "),
        ({"user_id": "SkylarkAir"}, "brands[0].sources.x.user_id: "),
        ({"query": "   "}, "brands[0].sources.x.query: "),
        ({"since": 5}, "brands[0].sources.x.since: unknown key"),
    ],
)
def test_bad_brand_settings_are_located(
    only_x: None, brand_x: dict[str, Any], expected: str
) -> None:
    [problem] = config_problems(config(**brand_x))
    assert problem.startswith(expected), problem


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"enabled": True}, "bearer_token is required"),
        ({"max_results": 500}, "max_results"),
        ({"max_results": 5}, "max_results"),
        ({"daily_read_budget": 0}, "daily_read_budget"),
        ({"base_url": "127.0.0.1:8080"}, "not an http(s) URL"),
    ],
)
def test_bad_source_settings(source: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        XSettings.model_validate(source)


def test_defaults_and_normalising() -> None:
    assert XSettings.model_validate({}).enabled is False  # disabled needs no token
    settings = XSettings.model_validate(
        {"base_url": "http://127.0.0.1:9/api/", "daily_read_budget": None}
    )
    assert settings.base_url == "http://127.0.0.1:9/api"
    assert settings.daily_read_budget is None  # no limit
