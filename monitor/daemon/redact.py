"""Keep credentials out of log lines and /healthz: every configured secret shows as ***."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from monitor.config import Settings

#: Shorter values (a Reddit username like "bob") would blank ordinary words.
MIN_SECRET_CHARS = 4
MASK = "***"


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret value in the config, longest first; for a URL (a webhook), its path too."""
    found: set[str] = set()

    def add(value: str) -> None:
        if len(value) < MIN_SECRET_CHARS:
            return
        found.add(value)
        parts = urlsplit(value)
        if parts.scheme and len(parts.path) >= 8:  # a webhook's path is the secret part
            found.add(parts.path)

    def walk(model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, SecretStr):
                add(value.get_secret_value())
            elif isinstance(value, BaseModel):
                walk(value)

    walk(settings.config)
    for source_settings in settings.source_settings.values():
        walk(source_settings)
    return sorted(found, key=len, reverse=True)


class Redactor:
    """Replaces each known secret in a text by ``***``."""

    def __init__(self, secrets: list[str]) -> None:
        self._secrets = secrets

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
