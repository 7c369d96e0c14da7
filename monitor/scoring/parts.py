"""Mergeable parts of a KPI row: what several days' figures are recomputed from, exactly.

A day's row is stored with its parts (counts, sums, and the day's lists of response and
resolution minutes, so medians and percentiles stay exact); a week's row is the same
arithmetic over the merged parts of its days instead of 14 days of mentions read again.
Every row, one day or several, is computed by :func:`row_from_parts`, so a merged week
equals a recomputed week by construction (tests/scoring/test_parts.py checks it anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from monitor.scoring.stats import median, nearest_rank, ratio

#: The key under which a stored day's values keep its parts (beside the KPI keys).
PARTS_KEY = "_parts"
#: 2: questions and questions_answered; 3: volume and rivals count a post for every brand
#: it names (a day stored by version 2 is recomputed, not merged with newer days)
PARTS_VERSION = 3


@dataclass(frozen=True, slots=True)
class KpiParts:
    """Sums over the inbound mentions and complaints of one or more local days.

    ``window_passed``: every complaint's abandonment window had passed when it was
    computed (abandonment is only measured then). ``effort_posts``: the authors' posts of
    the resolved complaints, summed (the effort proxy is its mean over ``resolved``).
    """

    volume: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    promoters: int = 0
    rivals: int = 0
    complaints: int = 0
    frts: list[float] = field(default_factory=list)
    within_sla: int = 0
    overdue: int = 0
    abandoned: int = 0
    window_passed: bool = True
    resolved: int = 0
    resolution_minutes: list[float] = field(default_factory=list)
    first_contact: int = 0
    effort_posts: int = 0
    questions: int = 0
    questions_answered: int = 0

    def to_json(self) -> dict[str, Any]:
        """The JSON stored with a day's KPI values."""
        return {"v": PARTS_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KpiParts | None:
        """Parts read back; ``None`` for another version (the day is recomputed)."""
        if not isinstance(data, Mapping) or data.get("v") != PARTS_VERSION:
            return None
        return cls(**{k: v for k, v in data.items() if k != "v"})

    @classmethod
    def merge(cls, parts: Iterable[KpiParts]) -> KpiParts:
        """The parts of several days together."""
        items = list(parts)
        ints = {
            name: sum(getattr(p, name) for p in items)
            for name in ("volume", "positive", "neutral", "negative", "promoters", "rivals",
                         "complaints", "within_sla", "overdue", "abandoned", "resolved",
                         "first_contact", "effort_posts", "questions",
                         "questions_answered")
        }  # fmt: skip
        return cls(
            frts=[f for p in items for f in p.frts],
            resolution_minutes=[m for p in items for m in p.resolution_minutes],
            window_passed=all(p.window_passed for p in items),
            **ints,
        )


def row_values(parts: KpiParts, has_competitors: bool) -> dict[str, Any]:
    """Every KPI of docs/kpis.md from ``parts``, by key."""
    p = parts
    labeled = p.positive + p.neutral + p.negative
    opinionated = p.positive + p.negative
    return {
        "volume": p.volume,
        "positive": p.positive,
        "neutral": p.neutral,
        "negative": p.negative,
        "unlabeled": p.volume - labeled,
        "net_sentiment": ratio(p.positive - p.negative, labeled, 100.0),
        "csat_proxy": ratio(p.positive, opinionated, 100.0),
        "nps_proxy": ratio(p.promoters - p.negative, opinionated, 100.0),
        "complaints": p.complaints,
        "answered": len(p.frts),
        "response_rate": ratio(len(p.frts), p.complaints),
        "frt_median_min": median(p.frts),
        "frt_p90_min": nearest_rank(p.frts, 90),
        "answered_within_sla": ratio(p.within_sla, p.complaints),
        "unanswered_overdue": p.overdue,
        "abandonment_rate": ratio(p.abandoned, p.complaints) if p.window_passed else None,
        "resolution_median_min": median(p.resolution_minutes),
        "fcr_rate": ratio(p.first_contact, p.resolved),
        "effort_proxy": None if p.resolved == 0 else p.effort_posts / p.resolved,
        # without competitors in config there is no voice to share
        "share_of_voice": (
            ratio(p.volume, p.volume + p.rivals, 100.0) if has_competitors else None
        ),
        "questions": p.questions,
        "questions_answered": p.questions_answered,
    }


def span(start_day: date, end_day: date) -> dict[str, str | None]:
    """``date`` and ``end_date`` of a row (``end_date`` only for several days)."""
    return {
        "date": start_day.isoformat(),
        "end_date": None if end_day == start_day else end_day.isoformat(),
    }
