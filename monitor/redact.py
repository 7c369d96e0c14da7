"""Keep credentials out of everything shown or stored: one place that masks secrets.

Three uses: configured secret values in log lines and /healthz (:class:`Redactor`),
passwords in database URLs shown in messages (:func:`mask_url_passwords`), and upstream
bodies kept in the database (:func:`redact_body`: known secrets, auth headers and
credential pairs masked, size capped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # storage uses this module too, and must not import the config loader
    from pydantic import BaseModel

    from monitor.config import Settings

#: Shorter values (a Reddit username like "bob") would blank ordinary words.
MIN_SECRET_CHARS = 4
MASK = "***"
#: Upstream bodies kept for inspection are cut here (after masking, so no secret is half cut).
MAX_BODY_CHARS = 16 * 1024

# scheme://user:password@ -> scheme://user:***@ ; greedy up to the last "@" of the token, so a
# password holding an unencoded "@" is masked whole (over-masking the host is the safe side).
# Every part is bounded (the scheme also starts a run of scheme characters), so a 1 MB body
# of near-URLs is still scanned in linear time.
_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<head>[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s:/@'\"]{0,256})"
    r":[^\s'\"]{0,512}@"
)
# "Authorization: Bearer x", "Cookie: a=b", also as JSON keys ("authorization": "...").
_AUTH_HEADER = re.compile(
    r"(?i)(?P<head>\b(?:proxy-)?authorization|\b(?:set-)?cookie|\bx-api-key)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n]*"
)
_BEARER = re.compile(r"(?i)\b(?P<head>bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}")
# access_token=x, "client_secret": "x", password: x, as in query strings, forms and JSON.
_CREDENTIAL_PAIR = re.compile(
    r"(?i)(?P<head>\b(?:access_token|refresh_token|id_token|client_secret|password|passwd"
    r"|api_key|apikey|secret|token|private_key)[\"']?\s*[:=]\s*[\"']?)[^&\"'\s,;}]+"
)


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret value in the config, longest first; for a URL (a webhook), its path too."""
    from pydantic import BaseModel, SecretStr  # here: the error boundary imports this module

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


def mask_url_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` URL shown as ``***``."""
    return _URL_PASSWORD.sub(rf"\g<head>:{MASK}@", text)


def redact_body(text: str, secrets: Iterable[str] = (), *, limit: int = MAX_BODY_CHARS) -> str:
    """An upstream body safe to store: secrets, auth headers and credentials masked, capped."""
    full_length = len(text)
    # Masking only shortens, so what survives the cap lies within the first 4 x limit
    # characters (short of a body made mostly of secrets); this keeps a 1 MB body cheap.
    text = text[: 4 * limit]
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_CHARS and secret in text:
            text = text.replace(secret, MASK)
    text = _AUTH_HEADER.sub(rf"\g<head>\g<sep>{MASK}", text)
    text = _BEARER.sub(rf"\g<head> {MASK}", text)
    text = _CREDENTIAL_PAIR.sub(rf"\g<head>{MASK}", text)
    text = mask_url_passwords(text)
    if len(text) > limit or full_length > 4 * limit:
        text = f"{text[:limit]}… [cut from {full_length} characters]"
    return text
