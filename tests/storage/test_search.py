"""``monitor mentions --search``: a plain substring, LIKE wildcards match only themselves."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from monitor.storage.db import session_scope
from monitor.storage.mentions import MentionFilter, recent_mentions
from tests.storage.test_mentions import post, upsert

TEXTS = {
    "1000": "100% off today",
    "1001": "nothing special here",
    "1002": "snake_case name",
    "1003": "a/b path and c\\d",
    "1004": "Mixed CASE Words",
}


def found(engine: Engine, search: str) -> list[str]:
    with session_scope(engine) as s:
        rows = recent_mentions(s, MentionFilter(search=search, limit=100))
        return sorted(m.external_id for m in rows)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["1000"]),
        ("_", ["1002"]),
        ("e_c", ["1002"]),  # '_' would match any character, e.g. "e c" nowhere else
        ("%%", []),
        ("/", ["1003"]),  # SQLAlchemy's escape character
        ("\\", ["1003"]),  # PostgreSQL's default escape character
        ("case", ["1002", "1004"]),  # case-insensitive substring, as before
        ("user3", ["1003"]),  # authors are searched too
    ],
)
def test_search_is_a_literal_substring(engine: Engine, search: str, expected: list[str]) -> None:
    upsert(engine, [post(int(i) - 1000, text) for i, text in TEXTS.items()])
    assert found(engine, search) == expected
