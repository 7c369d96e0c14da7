"""Daily (or multi-day) customer-care KPI rows, per source and for all sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from monitor.scoring.complaints import Complaint, analyze_view
from monitor.scoring.days import day_bounds
from monitor.scoring.model import BrandProfile, ManualResolution, MentionFacts, ScoringParams
from monitor.scoring.parts import KpiParts, row_values, span
from monitor.scoring.threads import BrandView

KpiUnit = Literal["count", "rate", "pct", "score", "min"]


@dataclass(frozen=True, slots=True)
class KpiDef:
    """One KPI of docs/kpis.md: key, display label, unit, and which way is better.

    ``whole`` marks an integer count (0 when nothing happened); rates are on 0-1,
    percentages on 0-100 (net sentiment and NPS may be negative), durations in minutes.
    """

    key: str
    label: str
    unit: KpiUnit
    higher_is_better: bool | None
    whole: bool = False


#: The one KPI catalogue, in the order of docs/kpis.md (and of every table and JSON row).
CATALOGUE: tuple[KpiDef, ...] = (
    KpiDef("volume", "Inbound mentions", "count", None, whole=True),
    KpiDef("positive", "Positive", "count", True, whole=True),
    KpiDef("neutral", "Neutral", "count", None, whole=True),
    KpiDef("negative", "Negative", "count", False, whole=True),
    KpiDef("unlabeled", "Not yet classified", "count", None, whole=True),
    KpiDef("net_sentiment", "Net sentiment", "pct", True),
    KpiDef("csat_proxy", "CSAT proxy", "pct", True),
    KpiDef("nps_proxy", "NPS proxy", "score", True),  # -100 to 100: a score, not a percentage
    KpiDef("complaints", "Complaints", "count", False, whole=True),
    KpiDef("answered", "Answered", "count", True, whole=True),
    KpiDef("response_rate", "Response rate", "rate", True),
    KpiDef("frt_median_min", "First response (median)", "min", False),
    KpiDef("frt_p90_min", "First response (p90)", "min", False),
    KpiDef("answered_within_sla", "Answered within SLA", "rate", True),
    KpiDef("unanswered_overdue", "Unanswered past SLA", "count", False, whole=True),
    KpiDef("abandonment_rate", "Abandonment rate", "rate", False),
    KpiDef("resolution_median_min", "Resolution time (median)", "min", False),
    KpiDef("fcr_rate", "First-contact resolution", "rate", True),
    KpiDef("effort_proxy", "Customer effort (posts)", "count", False),  # a mean, not whole
    KpiDef("share_of_voice", "Share of voice", "pct", True),
    KpiDef("questions", "Questions", "count", None, whole=True),
    KpiDef("questions_answered", "Questions answered", "count", True, whole=True),
)
KPI_BY_KEY: dict[str, KpiDef] = {d.key: d for d in CATALOGUE}
#: Every KPI key, in the order of docs/kpis.md.
KPI_KEYS: tuple[str, ...] = tuple(d.key for d in CATALOGUE)
#: Counts: always an integer, 0 when nothing happened.
COUNT_KEYS = frozenset(d.key for d in CATALOGUE if d.whole)
#: Rates on 0-1.
RATE_KEYS = frozenset(d.key for d in CATALOGUE if d.unit == "rate")
#: Percentages on 0-100 (net sentiment and NPS may be negative).
PERCENT_KEYS = frozenset(d.key for d in CATALOGUE if d.unit in ("pct", "score"))
#: Durations in minutes.
MINUTE_KEYS = frozenset(d.key for d in CATALOGUE if d.unit == "min")
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
    #: What the row was computed from: stored with a day's row, merged for several days.
    parts: KpiParts | None = field(default=None, compare=False, repr=False)

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
    inbound = [m for m in view.counted_inbound() if start <= m.created_at < end]
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
        """Compute one row exactly as docs/kpis.md defines it (through its mergeable parts)."""
        parts = self.parts(inbound, rivals, items)
        return row_from_parts(
            self.brand, source, self.start_day, self.end_day, parts, self.has_competitors
        )

    def parts(
        self,
        inbound: Sequence[MentionFacts],
        rivals: Sequence[MentionFacts],
        items: Sequence[Complaint],
    ) -> KpiParts:
        """The counts, sums and minute lists the row is computed from (``items``: every kind)."""
        complaints = [c for c in items if c.is_complaint]
        questions = [c for c in items if c.kind == "question"]
        labels = [m.label for m in inbound]
        sla = self.params.sla_minutes
        abandon = timedelta(hours=self.params.abandon_after_hours)
        abandon_min = abandon.total_seconds() / 60
        frts = [c.frt_minutes for c in complaints if c.frt_minutes is not None]
        resolved = [c for c in complaints if c.resolved]
        return KpiParts(
            volume=len(inbound),
            positive=labels.count("positive"),
            neutral=labels.count("neutral"),
            negative=labels.count("negative"),
            promoters=sum(
                1
                for m in inbound
                if m.label == "positive"
                and m.confidence is not None
                and m.confidence >= self.params.promoter_confidence
            ),
            rivals=len(rivals),
            complaints=len(complaints),
            frts=frts,
            within_sla=sum(1 for f in frts if f <= sla),
            overdue=sum(1 for c in complaints if c.overdue(self.now, self.params)),
            abandoned=sum(
                1 for c in complaints if c.frt_minutes is None or c.frt_minutes > abandon_min
            ),
            window_passed=all(self.now >= c.created_at + abandon for c in complaints),
            resolved=len(resolved),
            resolution_minutes=[
                c.resolution_minutes for c in resolved if c.resolution_minutes is not None
            ],
            first_contact=sum(1 for c in resolved if c.replies_before_resolution == 1),
            effort_posts=sum(c.author_posts for c in resolved),
            questions=len(questions),
            questions_answered=sum(1 for q in questions if q.answered),
        )


def row_from_parts(
    brand: str,
    source: str,
    start_day: date,
    end_day: date,
    parts: KpiParts,
    has_competitors: bool,
) -> KpiRow:
    """The row of ``brand`` and ``source`` over the days ``parts`` were summed from."""
    return KpiRow(
        brand=brand,
        source=source,
        **span(start_day, end_day),  # type: ignore[arg-type]
        **row_values(parts, has_competitors),
        parts=parts,
    )
