"""Display-ready rows built from DigestData, shared by the HTML, text and Slack renderers.

The rows hold raw (unescaped) strings; each renderer escapes for its own medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monitor.report.formatting import (
    MISSING,
    change_direction,
    excerpt,
    format_change,
    format_minutes,
    format_number,
    format_value,
    local_time,
    safe_url,
    status_word,
)
from monitor.report.model import Alert, DigestData, KpiLine, Mention, ThemeItem, UnansweredItem


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI formatted for display."""

    label: str
    value: str
    target: str
    status: str
    met: bool | None
    change: str
    direction: str
    mean_7d: str


@dataclass(frozen=True, slots=True)
class PostRow:
    """A post (complaint or mention) formatted for display; ``href`` only when http(s)."""

    source: str
    author: str
    text: str
    url: str
    href: str | None
    detail: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class VoiceRow:
    """One share-of-voice line."""

    name: str
    volume: str
    pct: str
    width_pct: int
    is_brand: bool


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert formatted for display."""

    kind: str
    message: str
    at: str
    url: str
    href: str | None


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """One complaint theme formatted for display."""

    label: str
    size: str
    share: str
    change: str
    example: str


def theme_row(item: ThemeItem) -> ThemeRow:
    """Format one theme: "12 (8%)", "growing (3 in the 7 days before)", a short example."""
    return ThemeRow(
        label=item.label,
        size=format_number(item.size),
        share=f"{100 * item.share:.0f}%",
        change=f"{item.change} ({format_number(item.previous)} in the 7 days before)",
        example=excerpt(item.example, 140) if item.example else "",
    )


def kpi_row(kpi: KpiLine) -> KpiRow:
    """Format one KPI line."""
    return KpiRow(
        label=kpi.label or kpi.key,
        value=format_value(kpi.value, kpi.unit),
        target=kpi.target or MISSING,
        status=status_word(kpi.met),
        met=kpi.met,
        change=format_change(kpi.change_vs_prev_day, kpi.unit),
        direction=change_direction(kpi),
        mean_7d=format_value(kpi.mean_7d, kpi.unit),
    )


def unanswered_row(item: UnansweredItem) -> PostRow:
    """Format one queue item: kind and state, wait, priority, id."""
    detail = f"waiting {format_minutes(item.age_minutes)} · priority {item.priority:.2f}"
    if item.kind and item.state:
        detail = f"{item.kind.replace('_', '-')}, {item.state.replace('_', ' ')} · {detail}"
    if item.id:
        detail = f"{item.id} · {detail}"
    return PostRow(
        source=item.source,
        author=item.author,
        text=excerpt(item.text),
        url=item.url or "",
        href=safe_url(item.url),
        detail=detail,
        reason=item.reason,
    )


def mention_row(mention: Mention, tz: ZoneInfo) -> PostRow:
    """Format one notable mention, its time in the brand time zone."""
    detail = local_time(mention.created_at, tz)
    if mention.confidence is not None:
        detail = f"{detail} · confidence {mention.confidence:.2f}"
    return PostRow(
        source=mention.source,
        author=mention.author,
        text=excerpt(mention.text),
        url=mention.url or "",
        href=safe_url(mention.url),
        detail=detail,
    )


def alert_row(alert: Alert, tz: ZoneInfo) -> AlertRow:
    """Format one alert, its time in the brand time zone."""
    return AlertRow(
        kind=alert.kind,
        message=excerpt(alert.message, 1000),
        at=local_time(alert.at, tz),
        url=alert.url or "",
        href=safe_url(alert.url),
    )


def voice_rows(digest: DigestData) -> list[VoiceRow]:
    """Brand first, then competitors by volume; widths scaled to the largest share."""
    sov = digest.share_of_voice
    if sov is None:
        return []
    entries = [(digest.brand, sov.brand_volume, True)]
    entries += [
        (name, volume, False)
        for name, volume in sorted(sov.competitors.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    largest = max((volume for _, volume, _ in entries), default=0)
    rows = []
    for name, volume, is_brand in entries:
        pct = sov.pct(volume)
        rows.append(
            VoiceRow(
                name=name,
                volume=format_number(volume),
                pct=MISSING if pct is None else f"{pct:.1f}%",
                width_pct=0 if largest == 0 else max(1, round(100 * volume / largest)),
                is_brand=is_brand,
            )
        )
    return rows


def targets_summary(digest: DigestData) -> str:
    """``"5 of 7 targets met, 2 missed"`` or a note that no targets are set."""
    judged = [k for k in digest.kpis if k.met is not None]
    if not judged:
        return "no targets judged"
    met = sum(1 for k in judged if k.met)
    missed = len(judged) - met
    return f"{met} of {len(judged)} targets met, {missed} missed"


def day_title(digest: DigestData) -> str:
    """``"Tuesday 14 May 2024"``: the digest day written out."""
    return f"{digest.day:%A} {digest.day.day} {digest.day:%B %Y}"


def generated_line(digest: DigestData) -> str:
    """When the digest was generated, in the brand time zone."""
    return f"Generated {local_time(digest.generated_at, digest.tz)} · times in {digest.timezone}"
