"""Build the daily digest from storage, keep a copy on disk, deliver it once per brand and day.

Delivery goes through :mod:`monitor.pipeline.delivery` (the outbox), one row per channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.pipeline.delivery import (
    DIGEST,
    SENT,
    ChannelSetupError,
    ChannelState,
    Parcel,
    channel_problems,
    channel_states,
    digest_subject,
    force_resend,
    open_channels,
)
from monitor.pipeline.delivery import deliver as deliver_parcel
from monitor.pipeline.kpis import KpiStatus, kpi_report
from monitor.pipeline.themes import digest_themes
from monitor.pipeline.triage import QueueFilter, queue
from monitor.report import (
    Alert,
    DigestData,
    History,
    KpiLine,
    Mention,
    Retry,
    SentimentCounts,
    ShareOfVoice,
    ThemeItem,
    UnansweredItem,
    build_email,
    render_charts,
    write_digest_files,
)
from monitor.scoring import day_bounds
from monitor.scoring.unanswered import AWAITING_REPLY
from monitor.storage.db import session_scope
from monitor.storage.digests import (
    alerts_between,
    digest_run,
    digest_runs,
    extreme_mentions,
    inbound_volumes,
    kpi_rows,
    save_digest_run,
)
from monitor.storage.models import DailyKpi, Delivery
from monitor.storage.models import Mention as StoredMention
from monitor.storage.outbox import delivery_rows

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
TOP_N = 5


@dataclass
class DigestOutcome:
    """What happened to one brand's digest for one day."""

    brand: str
    day: date
    html_path: Path | None = None
    sent_via: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    already_sent: bool = False
    #: The files of this day were kept earlier and there was nothing to send.
    already_written: bool = False
    #: Each configured channel's delivery state after this run (sent, failed, unconfirmed…).
    states: dict[str, str] = field(default_factory=dict)


def digest_day(brand: BrandConfig, now: datetime) -> date:
    """The day a digest sent at ``now`` reports on: yesterday in the brand's time zone."""
    return now.astimezone(brand.zone).date() - timedelta(days=1)


def build_digest(
    engine: Engine, settings: Settings, brand: BrandConfig, day: date, *, clock: Clock
) -> DigestData:
    """Gather one brand's digest for ``day`` from stored KPIs, complaints and mentions."""
    now = clock()
    history_days = settings.config.digest.history_days
    first = day - timedelta(days=history_days - 1)
    start, end = day_bounds(day, day, brand.zone)
    statuses = kpi_report(engine, settings, brand=brand.name, day=day, clock=clock)
    own = any(b.name == brand.name for b in settings.config.brands)
    # the same queue and priority as `monitor unanswered`, items awaiting our reply first;
    # a competitor (settings.view) has no queue of its own: the team answers only its brands
    waiting = (
        queue(engine, settings, clock=clock, where=QueueFilter(brand=brand.name)) if own else []
    )
    waiting.sort(key=lambda q: q.state != AWAITING_REPLY)  # stable: priority order kept
    top = waiting[:TOP_N]
    with session_scope(engine) as session:
        rows = kpi_rows(session, brand.name, first, day)
        negatives = extreme_mentions(session, brand.name, "negative", start, end, TOP_N)
        positives = extreme_mentions(session, brand.name, "positive", start, end, TOP_N)
        competitors = [c.name for c in brand.competitors]
        volumes = inbound_volumes(session, [brand.name, *competitors], start, end)
        alerts = alerts_between(session, brand.name, start, end)
    return DigestData(
        brand=brand.name,
        day=day,
        timezone=brand.timezone,
        generated_at=now,
        kpis=tuple(_kpi_line(s) for s in statuses),
        history=history_from_rows(rows, first, day, settings.config.sla_minutes),
        top_unanswered=tuple(
            UnansweredItem(
                source=q.source,
                author=q.author,
                text=q.text,
                url=q.url,
                age_minutes=q.age_minutes,
                priority=q.priority,
                reason=q.reason,
                id=q.key,
                kind=q.kind,
                state=q.state,
            )
            for q in top
        ),
        most_negative=tuple(_mention(m) for m in negatives),
        most_positive=tuple(_mention(m) for m in positives),
        share_of_voice=(
            ShareOfVoice(volumes[brand.name], {c: volumes[c] for c in competitors})
            if competitors
            else None
        ),
        alerts=tuple(
            Alert(kind=a.kind, brand=a.brand, message=a.message, at=a.fired_at) for a in alerts
        ),
        themes=tuple(
            ThemeItem(
                label=t.label,
                size=t.size,
                share=t.share,
                previous=t.previous,
                change=t.change,
                example=t.examples[0].text if t.examples else None,
            )
            # themes are the team's own brands' (a competitor's digest has none, like its queue)
            for t in (
                digest_themes(engine, settings, brand=brand.name, day=day, clock=clock)
                if own
                else []
            )[:TOP_N]
        ),
    )


def _mention(m: StoredMention) -> Mention:
    return Mention(
        source=m.source,
        author=m.author,
        text=m.text,
        url=m.url,
        confidence=m.sentiment_confidence,
        created_at=m.created_at,
    )


def history_from_rows(rows: list[DailyKpi], first: date, last: date, sla_minutes: float) -> History:
    """The charts' day series (sentiment, volume by source, first-response time) from KPI rows."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    by_key = {(r.source, r.day): r.values for r in rows}
    sources = sorted({r.source for r in rows if r.source != "all"})

    def value(source: str, day: date, key: str) -> float | None:
        v = by_key.get((source, day), {}).get(key)
        return None if v is None else float(v)

    return History(
        days=tuple(days),
        sentiment=tuple(
            SentimentCounts(
                positive=int(value("all", d, "positive") or 0),
                neutral=int(value("all", d, "neutral") or 0),
                negative=int(value("all", d, "negative") or 0),
            )
            for d in days
        ),
        volume_by_source={s: tuple(int(value(s, d, "volume") or 0) for d in days) for s in sources},
        frt_median_min=tuple(value("all", d, "frt_median_min") for d in days),
        sla_minutes=sla_minutes,
    )


def _kpi_line(status: KpiStatus) -> KpiLine:
    # A week target is judged on the week's value, so the line shows that value and its change
    # against the previous week; every other KPI shows the day against the day before.
    weekly = status.period == "week"
    return KpiLine(
        key=status.key,
        label=f"{status.label} (7 days)" if weekly else status.label,
        value=status.value,
        unit=status.unit,
        target=status.target,
        met=status.met,
        change_vs_prev_day=status.change,
        mean_7d=status.mean_7d,
        higher_is_better=status.higher_is_better,
    )


def send_due_digests(
    engine: Engine,
    settings: Settings,
    *,
    clock: Clock,
    brand: str | None = None,
    day: date | None = None,
    deliver: bool = True,
    resend: Sequence[str] | None = None,
    retry: Retry | None = None,
) -> list[DigestOutcome]:
    """Build, keep and deliver each brand's digest, each channel at most once per brand and day.

    ``resend`` names channels to send again even if sent or unconfirmed (implies delivery).
    Raises ``ChannelSetupError`` before doing anything when delivery is asked for and no
    channel (or a channel that is not set up) is configured.
    """
    channels: list[str] = (
        list(dict.fromkeys(settings.config.digest.channels)) if deliver or resend else []
    )
    if resend is not None:
        unknown = [c for c in resend if c not in channels]
        if unknown:
            raise ChannelSetupError(f"{', '.join(unknown)}: not in digest.channels")
    if (deliver or resend is not None) and settings.config.digest.channels:
        problems = channel_problems(settings, channels)
        if problems:
            raise ChannelSetupError("; ".join(problems))
    outcomes = []
    brands = [settings.view(brand)] if brand else settings.config.brands
    for b in brands:
        d = day or digest_day(b, clock())
        outcomes.append(
            _one_digest(
                engine,
                settings,
                b,
                d,
                clock=clock,
                channels=channels,
                deliver=deliver,
                resend=resend,
                retry=retry or Retry(),
            )
        )
    return outcomes


def require_channels(settings: Settings) -> None:
    """Refuse ``--send`` without a digest channel (nothing would be delivered or marked)."""
    if not settings.config.digest.channels:
        raise ChannelSetupError("no digest channel configured: set digest.channels (email, slack)")


def _one_digest(
    engine: Engine,
    settings: Settings,
    brand: BrandConfig,
    day: date,
    *,
    clock: Clock,
    channels: list[str],
    deliver: bool,
    resend: Sequence[str] | None,
    retry: Retry,
) -> DigestOutcome:
    outcome = DigestOutcome(brand=brand.name, day=day)
    subject = digest_subject(brand.name, day)
    with session_scope(engine) as session:
        run = digest_run(session, brand.name, day)
    stored = Path(run.html_path) if run is not None and run.html_path else None
    if resend:
        busy = force_resend(engine, subject, resend, clock())
        outcome.errors.extend(f"{c}: being sent right now by another run" for c in busy)
    todo, outcome.states = open_channels(engine, subject, channels, clock())
    if channels and not todo:
        # Every channel went out (or is unconfirmed, or in flight): nothing to build.
        outcome.already_sent = all(s == SENT for s in outcome.states.values())
        outcome.html_path = stored
        return outcome
    if not channels and run is not None and (run.sent_at or (deliver and stored)):
        # Sent earlier, or (no channel: the files are the delivery) written earlier.
        outcome.already_sent = run.sent_at is not None
        outcome.already_written = True
        outcome.html_path = stored
        return outcome
    cfg = settings.config
    data = build_digest(engine, settings, brand, day, clock=clock)
    charts = render_charts(data.history)
    message = build_email(
        data,
        sender=cfg.email.sender,
        recipients=cfg.digest.recipients or ["team@localhost"],
        charts=charts,
    )
    # Written before any delivery, so a failed send never loses the digest.
    files = write_digest_files(data, Path(cfg.digest.out_dir), message=message, charts=charts)
    outcome.html_path = files.html
    parcel = Parcel(email=lambda: message, slack=data, timezone=brand.timezone)
    for result in deliver_parcel(engine, settings, subject, todo, parcel, clock=clock, retry=retry):
        outcome.states[result.channel] = result.state
        if result.sent_now:
            outcome.sent_via.append(result.channel)
        if result.error:
            outcome.errors.append(f"{result.channel}: {result.error}")
    outcome.states = {c: outcome.states[c] for c in channels if c in outcome.states}
    sent = [c for c, state in outcome.states.items() if state == SENT]
    with session_scope(engine) as session:
        # Without channels the files are all there is: the digest is kept, not marked sent.
        save_digest_run(
            session, brand.name, day, now=clock(), html_path=str(files.html),
            channels=",".join(sent) or None, error="; ".join(outcome.errors) or None,
            sent=bool(channels) and len(sent) == len(channels),
        )  # fmt: skip
    return outcome


@dataclass(frozen=True)
class DigestStatus:
    """Delivery state of one brand's digest for one day, per channel."""

    brand: str
    day: date
    html_path: str | None
    channels: list[ChannelState]


def digest_status(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime,
    brand: str | None = None,
    day: date | None = None,
    since: date | None = None,
) -> list[DigestStatus]:
    """Each built or delivered digest in the filter, with every configured channel's state."""
    channels = list(dict.fromkeys(settings.config.digest.channels))
    with session_scope(engine) as session:
        runs = digest_runs(session, brand=brand, day=day, since=since)
        rows = delivery_rows(session, kind=DIGEST, brand=brand, day=day, since_day=since)
    by_subject: dict[tuple[str, date], list[Delivery]] = {}
    for row in rows:
        if row.day is not None:
            by_subject.setdefault((row.brand, row.day), []).append(row)
    paths = {(r.brand, r.day): r.html_path for r in runs}
    keys = sorted(set(paths) | set(by_subject), key=lambda k: (k[1], k[0]))
    return [
        DigestStatus(
            b, d, paths.get((b, d)), channel_states(engine, by_subject.get(k, []), channels, now)
        )
        for k in keys
        for b, d in [k]
    ]
