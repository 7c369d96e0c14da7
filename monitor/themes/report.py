"""What a period's themes look like to a reader: size, share, change, KPIs, examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

NEW, GROWING, SHRINKING, STEADY = "new", "growing", "shrinking", "steady"
#: Examples shown per theme.
EXAMPLES = 3
#: A theme grows (shrinks) when its count is this many times its baseline rate, or more
#: (less), and differs from it by at least ``MIN_STEP`` mentions.
GROWTH_FACTOR = 1.5
MIN_STEP = 2


@dataclass(frozen=True, slots=True)
class Example:
    """One post of a theme (raw text: escape it for where it goes)."""

    source: str
    author: str
    text: str
    url: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ThemeLine:
    """One theme of a period: size, share, change against the baseline, care KPIs."""

    id: int
    label: str
    size: int
    share: float
    previous: int
    change: str
    complaints: int
    response_rate: float | None
    frt_median_min: float | None
    examples: tuple[Example, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (``monitor themes --json``)."""
        return {
            "id": self.id,
            "label": self.label,
            "size": self.size,
            "share": self.share,
            "previous": self.previous,
            "change": self.change,
            "complaints": self.complaints,
            "response_rate": self.response_rate,
            "frt_median_min": self.frt_median_min,
            "examples": [
                {
                    "source": e.source,
                    "author": e.author,
                    "text": e.text,
                    "url": e.url,
                    "created_at": e.created_at,
                }
                for e in self.examples
            ],
        }


@dataclass(frozen=True)
class ThemeReport:
    """A brand's themes over ``start_day``..``end_day`` against the baseline days before."""

    brand: str
    start_day: date
    end_day: date
    baseline_days: int
    total: int
    other: int
    themes: list[ThemeLine] = field(default_factory=list)

    @property
    def other_share(self) -> float | None:
        """Share of the period's texts in no theme (``None`` with no text)."""
        return None if self.total == 0 else self.other / self.total

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (``monitor themes --json``)."""
        return {
            "brand": self.brand,
            "start_day": self.start_day,
            "end_day": self.end_day,
            "baseline_days": self.baseline_days,
            "total": self.total,
            "other": self.other,
            "other_share": self.other_share,
            "themes": [t.to_dict() for t in self.themes],
        }


def change_of(size: int, previous: int, days: int, baseline_days: int) -> str:
    """new / growing / shrinking / steady: ``size`` against the baseline's rate per period."""
    if previous == 0 or baseline_days == 0:
        return NEW
    expected = previous * days / baseline_days
    if size >= GROWTH_FACTOR * expected and size - expected >= MIN_STEP:
        return GROWING
    if size * GROWTH_FACTOR <= expected and expected - size >= MIN_STEP:
        return SHRINKING
    return STEADY
