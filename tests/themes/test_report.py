"""A theme's change against its baseline, scaled to the period's length."""

from __future__ import annotations

import pytest

from monitor.themes.report import GROWING, NEW, SHRINKING, STEADY, change_of


@pytest.mark.parametrize(
    ("size", "previous", "days", "baseline", "expected"),
    [
        (5, 0, 1, 7, NEW),  # nothing in the 7 days before
        (6, 14, 1, 7, GROWING),  # 2 a day before, 6 today
        (3, 14, 1, 7, STEADY),  # +1 only: below the minimum step
        (10, 10, 7, 7, STEADY),
        (2, 10, 7, 7, SHRINKING),
        (9, 10, 7, 7, STEADY),
        (4, 3, 7, 7, STEADY),  # +1: noise, not growth
    ],
)
def test_change(size: int, previous: int, days: int, baseline: int, expected: str) -> None:
    assert change_of(size, previous, days, baseline) == expected
