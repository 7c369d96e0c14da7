"""Human formatting shared by the HTML, text and Slack renderings (numbers, times, links)."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.escape import text_line
from monitor.report.model import KpiLine

#: Shown for a KPI with nothing to measure (``None``), so it never reads as 0.
MISSING = "—"

#: Longest post excerpt put into a digest; the link leads to the full post.
EXCERPT_CHARS = 400

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def format_number(value: float, decimals: int = 1) -> str:
    """Format with thousands separators, dropping the decimals of whole numbers."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def format_minutes(minutes: float) -> str:
    """Render a duration given in minutes as ``42 min``, ``3 h 05 min`` or ``2 d 4 h``."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, mins = divmod(total, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_value(value: float | None, unit: str) -> str:
    """Render a KPI value in its unit; ``None`` becomes an em dash.

    The one formatter of KPI figures: the digest (HTML, text, Slack) and ``monitor kpis``
    show the same value, target and change the same way. Rates (0-1) and percentages show
    as ``%``, the NPS proxy as a signed score (never a percentage), minutes as durations;
    negative numbers always carry the ASCII minus sign.
    """
    if value is None:
        return MISSING
    if unit == "rate":
        return f"{100 * value:.1f}%"
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "score":
        return _signed(value)
    if unit == "min":
        return format_minutes(value)
    return format_number(value)


def format_change(change: float | None, unit: str) -> str:
    """Render a difference with its sign (rates and percentages in points)."""
    if change is None:
        return MISSING
    if unit == "rate":
        return f"{100 * change:+.1f} pp"
    if unit == "pct":
        return f"{change:+.1f} pp"
    if unit == "min":
        sign = "+" if change >= 0 else "-"
        return f"{sign}{format_minutes(abs(change))}"
    return _signed(change)


def format_target(bound: str | None, value: float | None, unit: str, period: str) -> str:
    """A target as ``≥ 90.0% /day`` or ``≤ 1 h 00 min /week``, in the KPI's own unit."""
    if bound is None or value is None:
        return MISSING
    sign = "≥" if bound == "min" else "≤"
    return f"{sign} {format_value(value, unit)} /{period}"


def _signed(value: float) -> str:
    """``+12``, ``-3.5``: whole numbers without decimals, thousands separated."""
    return f"{value:+,.0f}" if float(value).is_integer() else f"{value:+,.1f}"


def change_direction(kpi: KpiLine) -> str:
    """Classify the change as ``good``, ``bad`` or ``neutral`` for colouring."""
    change = kpi.change_vs_prev_day
    if change is None or change == 0 or kpi.higher_is_better is None:
        return "neutral"
    return "good" if (change > 0) == kpi.higher_is_better else "bad"


def status_word(met: bool | None) -> str:
    """The word shown for a target outcome: met, missed, or a dash without a target."""
    if met is None:
        return MISSING
    return "MET" if met else "MISSED"


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """Format an aware UTC datetime in the brand time zone, with the zone abbreviation."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def safe_url(url: str | None) -> str | None:
    """Return the URL when it is a plain http(s) link fit for ``href``, else ``None``.

    Anything else (``javascript:``, ``data:``, relative paths, control characters) is only
    ever shown as text, so a hostile post cannot smuggle a script link into the digest.
    """
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Collapse whitespace and control characters and cut long text with an ellipsis."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int = 200) -> str:
    """Squash text to a single safe header/subject line (no CR/LF, no bidi override)."""
    return text_line(excerpt(text, limit))


def age_text(moment: datetime, now: datetime) -> str:
    """How long ago, short: ``45m``, ``5h``, ``3d`` (``0m`` for the future)."""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"
