"""The question detector on clear-cut examples (its measured precision/recall: docs)."""

from __future__ import annotations

import pytest

from monitor.scoring.questions import is_question


@pytest.mark.parametrize(
    "text",
    [
        "@united how do I change my delivery address",
        "where is my order?? tracking hasn't updated in 5 days",
        "@AcmeHelp can you help me with a refund",
        "please call me back",
    ],
)
def test_questions_and_requests(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["@AcmeHelp thanks, all sorted", "great flight today", "I can't believe it"]
)
def test_statements(text: str) -> None:
    assert not is_question(text)
