"""One redaction module: URL passwords in messages, secrets and credentials in stored bodies."""

from __future__ import annotations

import json

import pytest

from monitor.redact import MAX_BODY_CHARS, mask_url_passwords, redact_body


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "invalid database URL 'postgresql+psycopg://postgres:SECRET@db:x/m'",
            "invalid database URL 'postgresql+psycopg://postgres:***@db:x/m'",
        ),
        ("postgresql://u:p@ss@h/db ok", "postgresql://u:***@h/db ok"),
        ("mysql://root:pw@h/db, sqlite:///x.db", "mysql://root:***@h/db, sqlite:///x.db"),
        (
            "postgresql://u@h/db https://a.example/b?c=1",
            "postgresql://u@h/db https://a.example/b?c=1",
        ),
    ],
)
def test_url_passwords_are_masked_and_nothing_else(text: str, shown: str) -> None:
    assert mask_url_passwords(text) == shown


def test_body_masks_known_secrets_headers_and_pairs_but_keeps_the_rest() -> None:
    body = json.dumps(
        {
            "headers": {"Authorization": "Bearer tok-123456", "Cookie": "sid=abc", "Host": "x"},
            "form": "grant_type=password&username=bob&password=hunter22&client_secret=cs-999",
            "echo": "client id app-id-777, basic Ym9iOmh1bnRlcjIy",
            "next_token": "page-2",
        }
    )
    out = redact_body(body, ["app-id-777"])
    for leaked in ("tok-123456", "sid=abc", "hunter22", "cs-999", "app-id-777", "Ym9iOmh1"):
        assert leaked not in out
    parsed = json.loads(out)
    assert parsed["headers"] == {"Authorization": "***", "Cookie": "***", "Host": "x"}
    assert parsed["next_token"] == "page-2" and "username=bob" in parsed["form"]


def test_body_is_capped_after_masking() -> None:
    secret = "s" * 10
    body = "a" * (MAX_BODY_CHARS - 5) + secret + "b" * 10 * MAX_BODY_CHARS
    out = redact_body(body, [secret])
    assert secret[:5] not in out[: MAX_BODY_CHARS + 1]  # never half a secret at the cut
    assert out.endswith(f"[cut from {len(body)} characters]")
    assert len(out) < MAX_BODY_CHARS + 50
