"""YouTube and Google Play settings in config.yaml: secrets from the environment, bounds, ids."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.config import ConfigError, parse_config

ENV = {"YOUTUBE_API_KEY": "AIzaTest", "GOOGLE_PLAY_SERVICE_ACCOUNT_JSON": "{}"}


def config(source: str, settings: dict[str, Any], brand: dict[str, Any]) -> dict[str, Any]:
    return {
        "brands": [{"name": "Acme", "sources": {source: brand}}],
        "sources": {source: {"enabled": True, **settings}},
    }


YOUTUBE_BRAND = {"channel_id": "UCAcmeMobileChannel00001", "accounts": ["@AcmeMobile"]}
PLAY_BRAND = {"package_name": "com.acme.mobile", "accounts": ["Acme Mobile Ltd"]}


def test_valid_configs_load() -> None:
    yt = parse_config(config("youtube", {"api_key": "${YOUTUBE_API_KEY}"}, YOUTUBE_BRAND), env=ENV)
    target = yt.targets["youtube"][0]
    assert target.accounts == ["AcmeMobile"]
    key = "${GOOGLE_PLAY_SERVICE_ACCOUNT_JSON}"
    play = parse_config(config("googleplay", {"service_account_json": key}, PLAY_BRAND), env=ENV)
    assert play.targets["googleplay"][0].settings.package_name == "com.acme.mobile"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "settings", "brand", "problem"),
    [
        ("youtube", {"api_key": "AIzaLiteral"}, YOUTUBE_BRAND, "not a literal"),
        ("youtube", {}, YOUTUBE_BRAND, "YOUTUBE_API_KEY"),
        (
            "youtube",
            {"api_key": "${YOUTUBE_API_KEY}", "daily_unit_budget": 0},
            YOUTUBE_BRAND,
            "daily_unit_budget",
        ),
        (
            "youtube",
            {"api_key": "${YOUTUBE_API_KEY}"},
            {"channel_id": "acme", "accounts": ["a"]},
            "channel id",
        ),
        (
            "youtube",
            {"api_key": "${YOUTUBE_API_KEY}"},
            {"accounts": ["a"]},
            "channel_id, video_ids or search_query",
        ),
        (
            "googleplay",
            {"service_account_json": '{"type": "service_account"}'},
            PLAY_BRAND,
            "not a literal",
        ),
        ("googleplay", {}, PLAY_BRAND, "GOOGLE_PLAY_SERVICE_ACCOUNT_JSON"),
        (
            "googleplay",
            {"service_account_file": "k.json"},
            {"package_name": "acme", "accounts": ["a"]},
            "package name",
        ),
        ("googleplay", {"service_account_file": "k.json"}, {"package_name": "com.a.b"}, "accounts"),
    ],
)
def test_invalid_settings_are_named(
    source: str, settings: dict[str, Any], brand: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config(source, settings, brand), env=ENV)
    assert problem in caught.value.render()
