"""Small statistics with the exact conventions of docs/kpis.md."""

from __future__ import annotations

import math
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """The median; of an even count, the mean of the middle two. ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile: the ⌈percent/100 · n⌉-th smallest. ``None`` when empty."""
    if not 0 < percent <= 100:
        raise ValueError(f"percentile {percent} is outside 1-100")
    if not values:
        return None
    ordered = sorted(values)
    # integer ceiling: float 0.9 * n can land a hair above an integer and skip a rank
    rank = -(-percent * len(ordered) // 100)
    return float(ordered[rank - 1])


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, ``None`` when empty."""
    if not values:
        return None
    return math.fsum(values) / len(values)


def population_std(values: Sequence[float]) -> float:
    """The population standard deviation (σ of exactly these values); 0 for fewer than 2."""
    if len(values) < 2:
        return 0.0
    mu = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mu) ** 2 for v in values) / len(values))


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    """``scale · numerator / denominator``, ``None`` when there is nothing to measure."""
    if denominator == 0:
        return None
    return scale * numerator / denominator
