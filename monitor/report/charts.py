"""Digest charts drawn with matplotlib's Agg canvas and returned as PNG bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from monitor.report.model import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Chart names double as CID and file-name stems; their order is the order in the digest.
SENTIMENT_MIX = "sentiment_mix"
VOLUME_BY_SOURCE = "volume_by_source"
FRT_TREND = "frt_trend"
CHART_TITLES: dict[str, str] = {
    SENTIMENT_MIX: "Sentiment mix per day",
    VOLUME_BY_SOURCE: "Inbound volume by source",
    FRT_TREND: "First-response time (median)",
}

SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
_SOURCE_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#4e342e")
_TEXT = "#333333"
_GRID = "#e0e0e0"
#: 6 x 2.6 in at 144 dpi: sharp on high-density screens when shown 600 px wide.
_SIZE_IN = (6.0, 2.6)
_DPI = 144


def _figure() -> tuple[Figure, Axes]:
    """A fresh figure on its own Agg canvas (no pyplot global state, safe in threads)."""
    # imported here: matplotlib costs ~0.5 s, and only digests draw charts
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE_IN, dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.tick_params(colors=_TEXT, labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


def _png(fig: Figure) -> bytes:
    """Serialise the figure to PNG without a timestamp so equal data gives equal bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _no_data(title: str, message: str = "no data") -> bytes:
    """A placeholder chart that says there is nothing to draw instead of failing."""
    fig, ax = _figure()
    ax.set_axis_off()
    ax.set_title(title, fontsize=10, color=_TEXT, loc="left")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#888888")
    return _png(fig)


def _day_labels(ax: Axes, days: Sequence[date]) -> None:
    """Label the x axis with short dates, thinning labels so 30 days stay legible."""
    step = max(1, math.ceil(len(days) / 10))
    positions = list(range(0, len(days), step))
    ax.set_xticks(positions)
    # Weekday names help over a week; over a month they would collide.
    fmt = "%a %d/%m" if len(days) <= 10 else "%d/%m"
    ax.set_xticklabels([days[i].strftime(fmt) for i in positions], fontsize=7)
    ax.set_xlim(-0.6, len(days) - 0.4)


def _finish(fig: Figure, ax: Axes, title: str, legend: bool = True) -> bytes:
    """Apply title and legend and serialise."""
    ax.set_title(title, fontsize=10, color=_TEXT, loc="left")
    if legend:
        # Legend on the title row, right-aligned, so it never covers bars.
        ax.legend(fontsize=7, frameon=False, ncols=4, loc="lower right", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return _png(fig)


def sentiment_mix_chart(history: History | None) -> bytes:
    """Stacked bars of positive / neutral / negative inbound mentions per day."""
    title = CHART_TITLES[SENTIMENT_MIX]
    if history is None or not history.days or not history.sentiment:
        return _no_data(title)
    if all(day.total == 0 for day in history.sentiment):
        return _no_data(title, "no labeled mentions")
    fig, ax = _figure()
    x = list(range(len(history.days)))
    bottom = [0.0] * len(x)
    for label in ("negative", "neutral", "positive"):
        heights = [float(getattr(day, label)) for day in history.sentiment]
        ax.bar(x, heights, bottom=bottom, color=SENTIMENT_COLOURS[label], label=label, width=0.7)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    _day_labels(ax, history.days)
    ax.set_ylabel("mentions", fontsize=8, color=_TEXT)
    return _finish(fig, ax, title)


def volume_by_source_chart(history: History | None) -> bytes:
    """Stacked bars of inbound volume per day, one colour per source."""
    title = CHART_TITLES[VOLUME_BY_SOURCE]
    if history is None or not history.days or not history.volume_by_source:
        return _no_data(title)
    if all(v == 0 for series in history.volume_by_source.values() for v in series):
        return _no_data(title, "no inbound mentions")
    fig, ax = _figure()
    x = list(range(len(history.days)))
    bottom = [0.0] * len(x)
    for index, (source, series) in enumerate(sorted(history.volume_by_source.items())):
        heights = [float(v) for v in series]
        colour = _SOURCE_COLOURS[index % len(_SOURCE_COLOURS)]
        ax.bar(x, heights, bottom=bottom, color=colour, label=source, width=0.7)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    _day_labels(ax, history.days)
    ax.set_ylabel("mentions", fontsize=8, color=_TEXT)
    return _finish(fig, ax, title)


def frt_trend_chart(history: History | None) -> bytes:
    """Median first-response time per day as a line (gaps for days without answers)."""
    title = CHART_TITLES[FRT_TREND]
    if history is None or not history.days or not history.frt_median_min:
        return _no_data(title)
    values = [math.nan if v is None else float(v) for v in history.frt_median_min]
    if all(math.isnan(v) for v in values):
        return _no_data(title, "no answered complaints")
    fig, ax = _figure()
    x = list(range(len(history.days)))
    ax.plot(x, values, color="#1565c0", marker="o", markersize=3.5, linewidth=1.6, label="median")
    top = max(v for v in values if not math.isnan(v))
    if history.sla_minutes is not None:
        ax.axhline(
            history.sla_minutes,
            color="#c62828",
            linestyle="--",
            linewidth=1.2,
            label=f"SLA {history.sla_minutes:g} min",
        )
        top = max(top, history.sla_minutes)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    _day_labels(ax, history.days)
    ax.set_ylabel("minutes", fontsize=8, color=_TEXT)
    return _finish(fig, ax, title)


def render_charts(history: History | None) -> dict[str, bytes]:
    """All digest charts as ``{name: png_bytes}`` in display order."""
    return {
        SENTIMENT_MIX: sentiment_mix_chart(history),
        VOLUME_BY_SOURCE: volume_by_source_chart(history),
        FRT_TREND: frt_trend_chart(history),
    }
