"""A read-only summary of the running configuration that never shows a secret."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretStr

from monitor.config import Settings
from monitor.redact import Redactor, configured_secrets, mask_url_passwords
from monitor.report.formatting import format_target
from monitor.scoring import KPI_BY_KEY

SET, NOT_SET = "set (hidden)", "not set"
#: A field called like this is shown only as set or not set, whatever its type.
_SECRET_NAME = re.compile(r"(?i)(password|secret|token|api_key|private_key|webhook|credential)")


@dataclass(frozen=True, slots=True)
class SettingsSection:
    """One part of the config: its title and ``(key, shown value)`` lines."""

    title: str
    lines: list[tuple[str, str]]


def _shown(name: str, value: Any) -> str:
    if isinstance(value, SecretStr) or (_SECRET_NAME.search(name) and value is not None):
        return SET if value else NOT_SET
    if _SECRET_NAME.search(name):
        return NOT_SET
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _lines(model: BaseModel, prefix: str = "") -> list[tuple[str, str]]:
    """Every field of ``model`` (nested models flattened as ``a.b``), secrets as set/not set."""
    out: list[tuple[str, str]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            out.extend(_lines(value, f"{key}."))
        elif isinstance(value, dict):
            # a free-form mapping may hold anything: only its keys are shown
            out.append((key, ", ".join(str(k) for k in value) or "-"))
        else:
            out.append((key, _shown(name, value)))
    return out


def settings_summary(settings: Settings) -> list[SettingsSection]:
    """The config by section: general, each brand, each source, delivery and the daemon."""
    config = settings.config
    redact = Redactor(configured_secrets(settings))
    general = [
        ("config file", str(settings.path)),
        ("database_url", mask_url_passwords(config.database_url)),
        ("sla_minutes", str(config.sla_minutes)),
        ("abandon_after_hours", str(config.abandon_after_hours)),
        ("resolve_after_silence_hours", str(config.resolve_after_silence_hours)),
    ]
    sections = [SettingsSection("General", general)]
    for brand in config.brands:
        lines = [
            ("timezone", brand.timezone),
            ("sources", ", ".join(brand.sources) or "-"),
            ("competitors", ", ".join(c.name for c in brand.competitors) or "-"),
        ]
        for key, spec in brand.targets.items():
            bound, value = ("min", spec.min) if spec.min is not None else ("max", spec.max)
            shown = format_target(bound, float(value or 0), KPI_BY_KEY[key].unit, spec.period)
            lines.append((f"target {key}", shown))
        sections.append(SettingsSection(f"Brand {brand.name}", lines))
    for name, source in settings.source_settings.items():
        sections.append(SettingsSection(f"Source {name}", _lines(source)))
    for title, model in (
        ("Sentiment", config.sentiment),
        ("Alerts", config.alerts),
        ("Digest", config.digest),
        ("Themes", config.themes),
        ("Email", config.email),
        ("Slack", config.slack),
        ("Daemon", config.daemon),
    ):
        sections.append(SettingsSection(title, _lines(model)))
    for extra in ("web",):  # sections added by later parts of the config, when present
        later = getattr(config, extra, None)
        if isinstance(later, BaseModel):
            sections.append(SettingsSection(extra.capitalize(), _lines(later)))
    # belt and braces: a secret pasted into a plain field is masked too
    return [SettingsSection(s.title, [(k, redact(v)) for k, v in s.lines]) for s in sections]
