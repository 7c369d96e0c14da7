"""Median, nearest-rank p90, σ, and local-day boundaries across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.scoring.days import day_bounds, local_day, same_local_time_days_ago
from monitor.scoring.stats import mean, median, nearest_rank, population_std, ratio

NY = ZoneInfo("America/New_York")


def test_median_of_even_count_is_mean_of_middle_two() -> None:
    assert median([]) is None
    assert median([7]) == 7
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5


@pytest.mark.parametrize(
    ("n", "rank"),
    [(1, 1), (2, 2), (5, 5), (9, 9), (10, 9), (11, 10), (20, 18), (21, 19), (70, 63), (100, 90)],
)
def test_p90_is_the_nearest_rank(n: int, rank: int) -> None:
    # values 1..n shuffled: the ⌈0.9·n⌉-th smallest is the rank itself
    values = list(range(n, 0, -1))
    assert nearest_rank(values, 90) == rank
    assert nearest_rank([], 90) is None


def test_mean_std_ratio() -> None:
    assert mean([]) is None and mean([1, 2]) == 1.5
    assert population_std([2, 4, 4, 4, 5, 5, 7, 9]) == 2.0
    assert population_std([5]) == 0.0
    assert ratio(1, 0) is None and ratio(0, 4) == 0.0 and ratio(1, 4, 100) == 25.0


def test_local_day_bounds_follow_the_time_zone_and_dst() -> None:
    # EDT: a day starts at 04:00Z
    assert day_bounds(date(2026, 10, 6), date(2026, 10, 6), NY) == (
        datetime(2026, 10, 6, 4, tzinfo=UTC),
        datetime(2026, 10, 7, 4, tzinfo=UTC),
    )
    # 2026-11-01: clocks go back, the local day lasts 25 hours
    start, end = day_bounds(date(2026, 11, 1), date(2026, 11, 1), NY)
    assert (end - start).total_seconds() == 25 * 3600
    assert local_day(datetime(2026, 10, 7, 3, 0, tzinfo=UTC), NY) == date(2026, 10, 6)
    with pytest.raises(ValueError, match="ends before it starts"):
        day_bounds(date(2026, 10, 6), date(2026, 10, 5), NY)


def test_same_local_hour_days_ago_crosses_dst() -> None:
    # 2026-11-03 15:00Z is 10:00 EST; a week earlier 10:00 EDT is 14:00Z
    now = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    assert same_local_time_days_ago(now, 7, NY) == datetime(2026, 10, 27, 14, 0, tzinfo=UTC)
    assert same_local_time_days_ago(now, 1, NY) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
