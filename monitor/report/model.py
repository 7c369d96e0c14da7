"""Plain, storage-free data the pipeline fills in for one daily digest or alert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: How a KPI value is expressed: a count, a 0-1 rate, a 0-100 percentage, or minutes.
Unit = Literal["count", "rate", "pct", "score", "min"]
UNITS: tuple[str, ...] = ("count", "rate", "pct", "score", "min")


def _require_aware(value: datetime, where: str) -> None:
    """Reject naive datetimes: everything is stored in UTC and shown in the brand time zone."""
    if not isinstance(value, datetime):
        raise TypeError(f"{where} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{where} must be timezone-aware (UTC), got naive {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class KpiLine:
    """One KPI of the digest day, with its target and how it moved.

    ``value``, ``change_vs_prev_day`` (value minus the previous day's value) and ``mean_7d``
    (the KPI recomputed over the 7 days ending with the digest day, a count per day) are
    all in ``unit``: rates on 0-1, percentages on 0-100, the NPS proxy a score (-100 to
    100), times in minutes. ``None`` means "nothing to measure", never 0.
    ``target`` is display text such as ``"≤ 60 min"``; ``met`` is ``None`` without a target
    or without a value. ``higher_is_better`` only colours the change arrow.
    """

    key: str
    label: str
    value: float | None
    unit: Unit
    target: str | None = None
    met: bool | None = None
    change_vs_prev_day: float | None = None
    mean_7d: float | None = None
    higher_is_better: bool | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("KpiLine.key is empty")
        if self.unit not in UNITS:
            raise ValueError(f"KpiLine {self.key!r}: unit {self.unit!r} is not one of {UNITS}")


@dataclass(frozen=True, slots=True)
class SentimentCounts:
    """Inbound mentions of one day by sentiment label."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        """All labeled mentions of the day."""
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True, slots=True)
class History:
    """Per-day series for the charts, every series aligned with ``days`` (oldest first).

    ``volume_by_source`` maps a source name to its inbound volume per day;
    ``frt_median_min`` holds the median first-response time per day (``None`` when no
    complaint of that day was answered); ``sla_minutes`` draws the SLA line on that chart.
    """

    days: Sequence[date] = ()
    sentiment: Sequence[SentimentCounts] = ()
    volume_by_source: Mapping[str, Sequence[int]] = field(default_factory=dict)
    frt_median_min: Sequence[float | None] = ()
    sla_minutes: float | None = None

    def __post_init__(self) -> None:
        n = len(self.days)
        if self.sentiment and len(self.sentiment) != n:
            raise ValueError(f"History.sentiment has {len(self.sentiment)} entries for {n} days")
        for source, series in self.volume_by_source.items():
            if len(series) != n:
                raise ValueError(
                    f"History.volume_by_source[{source!r}] has {len(series)} entries for {n} days"
                )
        if self.frt_median_min and len(self.frt_median_min) != n:
            raise ValueError(
                f"History.frt_median_min has {len(self.frt_median_min)} entries for {n} days"
            )


@dataclass(frozen=True, slots=True)
class UnansweredItem:
    """One item of the queue (awaiting our reply first, then by priority) in the digest."""

    source: str
    author: str
    text: str
    url: str | None
    age_minutes: float
    priority: float
    reason: str
    id: str | None = None
    kind: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A notable mention (most negative or most positive of the day)."""

    source: str
    author: str
    text: str
    url: str | None
    confidence: float | None
    created_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.created_at, f"Mention by {self.author!r} created_at")


@dataclass(frozen=True, slots=True)
class ShareOfVoice:
    """Inbound volume of the brand against each configured competitor over the digest day."""

    brand_volume: int
    competitors: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Brand plus all competitor volume."""
        return self.brand_volume + sum(self.competitors.values())

    @property
    def brand_pct(self) -> float | None:
        """Brand share on 0-100, ``None`` when nobody was mentioned."""
        return None if self.total == 0 else 100.0 * self.brand_volume / self.total

    def pct(self, volume: int) -> float | None:
        """Share of ``volume`` in the total on 0-100, ``None`` when the total is 0."""
        return None if self.total == 0 else 100.0 * volume / self.total


@dataclass(frozen=True, slots=True)
class Alert:
    """A spike or overdue-complaint alert, shown in the digest and delivered on its own."""

    kind: str
    brand: str
    message: str
    at: datetime
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.kind:
            raise ValueError("Alert.kind is empty")
        _require_aware(self.at, f"Alert {self.kind!r} at")


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """One complaint theme of the digest day: its size, change and one example post.

    ``change`` is new / growing / shrinking / steady against the 7 days before;
    ``previous`` the theme's mentions in those 7 days.
    """

    label: str
    size: int
    share: float
    previous: int
    change: str
    example: str | None = None


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything one brand's daily digest shows; ``day`` is a calendar day in ``timezone``."""

    brand: str
    day: date
    timezone: str
    generated_at: datetime
    kpis: Sequence[KpiLine] = ()
    history: History = field(default_factory=History)
    top_unanswered: Sequence[UnansweredItem] = ()
    most_negative: Sequence[Mention] = ()
    most_positive: Sequence[Mention] = ()
    share_of_voice: ShareOfVoice | None = None
    alerts: Sequence[Alert] = ()
    themes: Sequence[ThemeItem] = ()

    def __post_init__(self) -> None:
        if not self.brand:
            raise ValueError("DigestData.brand is empty")
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise TypeError(f"DigestData.day must be a date, got {type(self.day).__name__}")
        _require_aware(self.generated_at, "DigestData.generated_at")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"DigestData.timezone {self.timezone!r} is not a known IANA time zone"
            ) from exc

    @property
    def tz(self) -> ZoneInfo:
        """The brand time zone, for display and day boundaries."""
        return ZoneInfo(self.timezone)
