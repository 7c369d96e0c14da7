"""Alerts: negative spikes and overdue complaints, each with a stable key so it fires once."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.scoring.complaints import Complaint, analyze_complaints
from monitor.scoring.days import same_local_time_days_ago
from monitor.scoring.model import (
    BrandProfile,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    require_aware,
)
from monitor.scoring.stats import mean, population_std
from monitor.scoring.threads import BrandView

NEGATIVE_SPIKE = "negative_spike"
OVERDUE_COMPLAINT = "overdue_complaint"

#: Days of history the spike baseline looks at.
BASELINE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert to deliver; storage keeps ``alert_key`` unique so each fires once.

    ``at`` is when the condition arose (``now`` for a spike, the moment the SLA passed for
    an overdue complaint). ``complaint_key`` is set for overdue alerts; ``count``,
    ``baseline_mean`` and ``threshold`` for spikes.
    """

    alert_key: str
    kind: str
    brand: str
    at: datetime
    message: str
    url: str | None = None
    complaint_key: str | None = None
    count: int | None = None
    baseline_mean: float | None = None
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class SpikeCheck:
    """The numbers behind a spike decision (also when it did not fire)."""

    count: int
    baseline: tuple[int, ...]
    mean: float
    std: float
    threshold: float
    exceeded: bool
    cooling_down: bool


def spike_check(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    now: datetime,
    last_fired_at: datetime | None = None,
) -> SpikeCheck:
    """Compare the last hour's negative inbound mentions with the same hour on 7 prior days.

    The last hour is ``(now − 1 h, now]``; the baseline windows are the same local
    wall-clock hour 1…7 calendar days earlier in the brand time zone. σ is the population
    standard deviation of those 7 counts. Pass the brand's inbound mentions labeled
    negative created from 7 days and 2 hours before ``now`` (DST slack) up to ``now``.
    """
    now = require_aware(now, "now")
    view = BrandView.build(mentions, brand, now)
    stamps = sorted(m.created_at for m in view.counted_inbound() if m.label == "negative")

    def count(end: datetime) -> int:
        return bisect_right(stamps, end) - bisect_right(stamps, end - timedelta(hours=1))

    current = count(now)
    baseline = tuple(
        count(same_local_time_days_ago(now, k, brand.zone)) for k in range(1, BASELINE_DAYS + 1)
    )
    mu = mean([float(b) for b in baseline]) or 0.0
    sigma = population_std([float(b) for b in baseline])
    threshold = mu + params.spike_sigma * sigma
    cooling = (
        last_fired_at is not None
        and require_aware(last_fired_at, "last_fired_at")
        + timedelta(hours=params.spike_cooldown_hours)
        > now
    )
    return SpikeCheck(
        count=current,
        baseline=baseline,
        mean=mu,
        std=sigma,
        threshold=threshold,
        exceeded=current > threshold and current >= params.spike_min_count,
        cooling_down=cooling,
    )


def spike_alert(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    now: datetime,
    last_fired_at: datetime | None = None,
) -> Alert | None:
    """A negative-spike alert when the spike condition holds and no cool-down is running.

    ``last_fired_at``: when this brand's previous spike alert fired (from storage), so the
    cool-down survives restarts. The key names the brand and the UTC hour, so two
    evaluations in the same hour cannot both be stored. Pass what :func:`spike_check` needs.
    """
    check = spike_check(mentions, brand, params, now, last_fired_at)
    if not check.exceeded or check.cooling_down:
        return None
    now = require_aware(now, "now")
    hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
    return Alert(
        alert_key=f"{NEGATIVE_SPIKE}:{brand.name}:{hour}",
        kind=NEGATIVE_SPIKE,
        brand=brand.name,
        at=now,
        message=(
            f"{brand.name}: {check.count} negative mentions in the last hour "
            f"(usual for this hour {check.mean:.1f}, alert above {check.threshold:.1f})"
        ),
        count=check.count,
        baseline_mean=check.mean,
        threshold=check.threshold,
    )


def overdue_alerts_from(
    complaints: Iterable[Complaint],
    params: ScoringParams,
    now: datetime,
    not_before: datetime | None = None,
) -> list[Alert]:
    """One alert per complaint that is unanswered, unresolved and past the SLA at ``now``.

    ``not_before`` skips complaints that passed the SLA earlier than that instant (e.g. on
    a first run over old data). The key is the complaint's, so each complaint alerts once.
    """
    now = require_aware(now, "now")
    sla = timedelta(minutes=params.sla_minutes)
    alerts = []
    for c in complaints:
        if c.answered or c.resolved or not c.overdue(now, params):
            continue
        became_overdue = c.created_at + sla
        if not_before is not None and became_overdue < require_aware(not_before, "not_before"):
            continue
        alerts.append(
            Alert(
                alert_key=f"{OVERDUE_COMPLAINT}:{c.brand}:{c.key}",
                kind=OVERDUE_COMPLAINT,
                brand=c.brand,
                at=became_overdue,
                message=(
                    f"{c.brand}: complaint {c.key} by {c.author} unanswered for "
                    f"{c.age_minutes(now):.0f} min (SLA {params.sla_minutes:g} min; {c.reason})"
                ),
                url=c.url,
                complaint_key=c.key,
            )
        )
    alerts.sort(key=lambda a: (a.at, a.alert_key))
    return alerts


def overdue_alerts(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    now: datetime,
    not_before: datetime | None = None,
) -> list[Alert]:
    """Overdue-complaint alerts at ``now``; pass what :func:`unanswered_queue` needs."""
    complaints = analyze_complaints(mentions, brand, params, resolutions, now)
    return overdue_alerts_from(complaints, params, now, not_before)
