"""Build the daily digest from storage, keep a copy on disk, deliver it once per brand and day."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.pipeline.alerts import smtp_settings
from monitor.pipeline.kpis import KpiStatus, kpi_report
from monitor.pipeline.score import unanswered
from monitor.report import (
    Alert,
    DeliveryError,
    DigestData,
    History,
    KpiLine,
    Mention,
    SentimentCounts,
    ShareOfVoice,
    UnansweredItem,
    build_email,
    post_slack,
    render_charts,
    send_email,
    write_digest_files,
)
from monitor.scoring import day_bounds
from monitor.storage.db import session_scope
from monitor.storage.digests import (
    alerts_between,
    digest_run,
    extreme_mentions,
    inbound_volumes,
    kpi_rows,
)
from monitor.storage.models import DailyKpi, DigestRun
from monitor.storage.models import Mention as StoredMention

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
    queue = unanswered(engine, settings, clock=clock, brand=brand.name)[:TOP_N]
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
        history=_history(rows, first, day, settings.config.sla_minutes),
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
            )
            for q in queue
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


def _history(rows: list[DailyKpi], first: date, last: date, sla_minutes: float) -> History:
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
) -> list[DigestOutcome]:
    """Build, keep and deliver each brand's digest once per day (idempotent across restarts)."""
    outcomes = []
    brands = [settings.brand(brand)] if brand else settings.config.brands
    for b in brands:
        d = day or digest_day(b, clock())
        outcomes.append(_one_digest(engine, settings, b, d, clock=clock, deliver=deliver))
    return outcomes


def _one_digest(
    engine: Engine,
    settings: Settings,
    brand: BrandConfig,
    day: date,
    *,
    clock: Clock,
    deliver: bool,
) -> DigestOutcome:
    outcome = DigestOutcome(brand=brand.name, day=day)
    with session_scope(engine) as session:
        run = digest_run(session, brand.name, day)
        if run is not None and run.sent_at is not None:
            outcome.already_sent = True
            outcome.html_path = Path(run.html_path) if run.html_path else None
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
    channels = cfg.digest.channels if deliver else []
    for channel in channels:
        try:
            if channel == "email":
                if not cfg.email.enabled or not cfg.digest.recipients:
                    raise DeliveryError("email", "email is not enabled or has no recipients", 0)
                send_email(message, smtp_settings(settings))
            else:
                if not cfg.slack.enabled or cfg.slack.webhook_url is None:
                    raise DeliveryError("slack", "slack is not enabled or has no webhook_url", 0)
                post_slack(data, cfg.slack.webhook_url.get_secret_value(), timezone=brand.timezone)
            outcome.sent_via.append(channel)
        except DeliveryError as exc:
            outcome.errors.append(str(exc))
            log.warning("digest %s %s: %s delivery failed: %s", brand.name, day, channel, exc)
    with session_scope(engine) as session:
        run = digest_run(session, brand.name, day) or DigestRun(
            brand=brand.name, day=day, created_at=clock()
        )
        run.html_path = str(files.html)
        run.channels = ",".join(outcome.sent_via) or None
        run.error = "; ".join(outcome.errors) or None
        # Without channels the files are the delivery; with channels, only a full success counts.
        if deliver and not outcome.errors:
            run.sent_at = clock()
        session.add(run)
    return outcome
