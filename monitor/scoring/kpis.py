"""Daily (or multi-day) customer-care KPI rows, per source and for all sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from monitor.scoring.complaints import Complaint, analyze_view
from monitor.scoring.days import day_bounds
from monitor.scoring.model import BrandProfile, ManualResolution, MentionFacts, ScoringParams
from monitor.scoring.stats import mean, median, nearest_rank, ratio
from monitor.scoring.threads import BrandView

#: Every KPI key, in the order of docs/kpis.md.
KPI_KEYS: tuple[str, ...] = (
    "volume",
    "positive",
    "neutral",
    "negative",
    "unlabeled",
    "net_sentiment",
    "csat_proxy",
    "nps_proxy",
    "complaints",
    "answered",
    "response_rate",
    "frt_median_min",
    "frt_p90_min",
    "answered_within_sla",
    "unanswered_overdue",
    "abandonment_rate",
    "resolution_median_min",
    "fcr_rate",
    "effort_proxy",
    "share_of_voice",
    "questions",
    "questions_answered",
)
#: Counts: always an integer, 0 when nothing happened.
COUNT_KEYS = frozenset(
    {
        "volume",
        "positive",
        "neutral",
        "negative",
        "unlabeled",
        "complaints",
        "answered",
        "unanswered_overdue",
        "questions",
        "questions_answered",
    }
)
#: Rates on 0-1.
RATE_KEYS = frozenset({"response_rate", "answered_within_sla", "abandonment_rate", "fcr_rate"})
#: Percentages on 0-100 (net sentiment and NPS may be negative).
PERCENT_KEYS = frozenset({"net_sentiment", "csat_proxy", "nps_proxy", "share_of_voice"})
#: Durations in minutes.
MINUTE_KEYS = frozenset({"frt_median_min", "frt_p90_min", "resolution_median_min"})
#: The row of every source together.
ALL_SOURCES = "all"


@dataclass(frozen=True, slots=True)
class KpiRow:
    """The KPIs of one brand, one source (or ``"all"``) and one local day (or day range).

    ``date`` is the (first) local day as ``YYYY-MM-DD``; ``end_date`` is set only for a
    multi-day row. ``None`` means nothing to measure.
    """

    brand: str
    source: str
    date: str
    volume: int
    positive: int
    neutral: int
    negative: int
    unlabeled: int
    net_sentiment: float | None
    csat_proxy: float | None
    nps_proxy: float | None
    complaints: int
    answered: int
    response_rate: float | None
    frt_median_min: float | None
    frt_p90_min: float | None
    answered_within_sla: float | None
    unanswered_overdue: int
    abandonment_rate: float | None
    resolution_median_min: float | None
    fcr_rate: float | None
    effort_proxy: float | None
    share_of_voice: float | None
    questions: int = 0
    questions_answered: int = 0
    end_date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of docs/kpis.md: brand, source, date, then every KPI key."""
        row: dict[str, Any] = {"brand": self.brand, "source": self.source, "date": self.date}
        if self.end_date is not None:
            row["end_date"] = self.end_date
        for key in KPI_KEYS:
            row[key] = getattr(self, key)
        return row

    def values(self) -> dict[str, float | int | None]:
        """Just the KPI values by key."""
        return {key: getattr(self, key) for key in KPI_KEYS}

    def value(self, key: str) -> float | int | None:
        """One KPI value; raises ``KeyError`` for a name that is not a KPI."""
        if key not in KPI_KEYS:
            raise KeyError(f"unknown KPI {key!r}")
        value: float | int | None = getattr(self, key)
        return value


def daily_kpis(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    day: date,
    now: datetime,
    sources: Iterable[str] = (),
) -> list[KpiRow]:
    """The rows of one local ``day``: ``"all"`` first, then each source, sorted.

    Pass every mention of the brand and of its competitors created within the local day
    (its UTC bounds: :func:`monitor.scoring.days.day_bounds`), plus every post of the
    threads of those mentions up to ``now`` (brand replies, follow-ups, and the thread's
    earlier posts, which may hold a complaint the day's posts fold into), plus the manual
    resolutions of those posts. A source gets a row when the brand or a competitor has an
    inbound mention there that day, or when it is named in ``sources``.
    """
    return period_kpis(mentions, brand, params, resolutions, day, day, now, sources)


def period_kpis(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    start_day: date,
    end_day: date,
    now: datetime,
    sources: Iterable[str] = (),
) -> list[KpiRow]:
    """The rows over the local days ``start_day`` through ``end_day`` (inclusive).

    Every KPI is recomputed over the range (medians over all its complaints, not a mean
    of daily medians). Pass what :func:`daily_kpis` needs, for every day of the range.
    """
    view = BrandView.build(mentions, brand, now)
    complaints = analyze_view(view, params, resolutions)
    return kpis_from_view(view, complaints, params, start_day, end_day, sources)


def daily_kpis_many(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    days: Iterable[date],
    now: datetime,
    sources: Iterable[str] = (),
) -> dict[date, list[KpiRow]]:
    """:func:`daily_kpis` for several days, analysing the threads once."""
    view = BrandView.build(mentions, brand, now)
    complaints = analyze_view(view, params, resolutions)
    extra = tuple(sources)
    return {d: kpis_from_view(view, complaints, params, d, d, extra) for d in days}


def kpis_from_view(
    view: BrandView,
    complaints: Sequence[Complaint],
    params: ScoringParams,
    start_day: date,
    end_day: date,
    sources: Iterable[str] = (),
) -> list[KpiRow]:
    """The rows of a day range from an analysed view.

    ``complaints`` come from ``analyze_view`` or ``analyze_view_items``: the complaint KPIs
    count only complaints, ``questions`` only questions.
    """
    start, end = day_bounds(start_day, end_day, view.profile.zone)
    inbound = [m for m in view.inbound() if start <= m.created_at < end]
    rivals = [m for m in view.competitor_inbound() if start <= m.created_at < end]
    of_days = [c for c in complaints if start <= c.created_at < end]
    names = sorted({m.source for m in inbound} | {m.source for m in rivals} | set(sources))
    names = [s for s in names if s != ALL_SOURCES]
    period = _Period(
        brand=view.profile.name,
        start_day=start_day,
        end_day=end_day,
        now=view.now,
        params=params,
        has_competitors=bool(view.profile.competitors),
    )
    rows = [period.row(ALL_SOURCES, inbound, rivals, of_days)]
    for source in names:
        rows.append(
            period.row(
                source,
                [m for m in inbound if m.source == source],
                [m for m in rivals if m.source == source],
                [c for c in of_days if c.source == source],
            )
        )
    return rows


@dataclass(frozen=True)
class _Period:
    """What one row's arithmetic needs besides the mentions."""

    brand: str
    start_day: date
    end_day: date
    now: datetime
    params: ScoringParams
    has_competitors: bool

    def row(
        self,
        source: str,
        inbound: Sequence[MentionFacts],
        rivals: Sequence[MentionFacts],
        items: Sequence[Complaint],
    ) -> KpiRow:
        """Compute one row exactly as docs/kpis.md defines it."""
        complaints = [c for c in items if c.is_complaint]
        questions = [c for c in items if c.kind == "question"]
        labels = [m.label for m in inbound]
        positive, neutral, negative = (labels.count(x) for x in ("positive", "neutral", "negative"))
        promoters = sum(
            1
            for m in inbound
            if m.label == "positive"
            and m.confidence is not None
            and m.confidence >= self.params.promoter_confidence
        )
        opinionated = positive + negative
        volume = len(inbound)
        return KpiRow(
            brand=self.brand,
            source=source,
            date=self.start_day.isoformat(),
            end_date=None if self.end_day == self.start_day else self.end_day.isoformat(),
            volume=volume,
            positive=positive,
            neutral=neutral,
            negative=negative,
            unlabeled=volume - positive - neutral - negative,
            net_sentiment=ratio(positive - negative, positive + neutral + negative, 100.0),
            csat_proxy=ratio(positive, opinionated, 100.0),
            nps_proxy=ratio(promoters - negative, opinionated, 100.0),
            # without competitors in config there is no voice to share
            share_of_voice=(
                ratio(volume, volume + len(rivals), 100.0) if self.has_competitors else None
            ),
            questions=len(questions),
            questions_answered=sum(1 for q in questions if q.answered),
            **self._care(complaints),
        )

    def _care(self, complaints: Sequence[Complaint]) -> dict[str, Any]:
        """The complaint KPIs (response, SLA, abandonment, resolution, FCR, effort)."""
        sla = self.params.sla_minutes
        abandon = timedelta(hours=self.params.abandon_after_hours)
        n = len(complaints)
        frts = [c.frt_minutes for c in complaints if c.frt_minutes is not None]
        resolved = [c for c in complaints if c.resolved]
        window_passed = all(self.now >= c.created_at + abandon for c in complaints)
        abandon_min = abandon.total_seconds() / 60
        abandoned = sum(
            1 for c in complaints if c.frt_minutes is None or c.frt_minutes > abandon_min
        )
        return {
            "complaints": n,
            "answered": len(frts),
            "response_rate": ratio(len(frts), n),
            "frt_median_min": median(frts),
            "frt_p90_min": nearest_rank(frts, 90),
            "answered_within_sla": ratio(sum(1 for f in frts if f <= sla), n),
            "unanswered_overdue": sum(1 for c in complaints if c.overdue(self.now, self.params)),
            "abandonment_rate": ratio(abandoned, n) if window_passed else None,
            "resolution_median_min": median(
                [c.resolution_minutes for c in resolved if c.resolution_minutes is not None]
            ),
            "fcr_rate": ratio(
                sum(1 for c in resolved if c.replies_before_resolution == 1), len(resolved)
            ),
            "effort_proxy": mean([float(c.author_posts) for c in resolved]),
        }
