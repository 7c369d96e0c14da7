"""Render the digest as mail-client-safe HTML with a Jinja2 template (autoescape on)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.escape import html_finalize
from monitor.report.charts import CHART_TITLES
from monitor.report.model import DigestData
from monitor.report.views import (
    alert_row,
    day_title,
    generated_line,
    kpi_row,
    mention_row,
    targets_summary,
    theme_row,
    unanswered_row,
    voice_rows,
)

_CHANGE_COLOURS = {"good": "#2e7d32", "bad": "#c62828", "neutral": "#455a64"}


@cache
def _environment() -> Environment:
    """The template environment; autoescape is forced on for every template, whatever its name."""
    return Environment(
        loader=PackageLoader("monitor.report", "templates"),
        autoescape=True,
        finalize=html_finalize,  # controls and bidi characters in data shown as escapes
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def digest_context(digest: DigestData, image_src: Mapping[str, str]) -> dict[str, Any]:
    """The template variables: plain strings, escaped by the template, never pre-escaped."""
    tz = digest.tz
    charts = [
        {"src": image_src[name], "title": title}
        for name, title in CHART_TITLES.items()
        if name in image_src
    ]
    return {
        "brand": digest.brand,
        "day_iso": digest.day.isoformat(),
        "day_title": day_title(digest),
        "summary": targets_summary(digest),
        "kpis": [kpi_row(k) for k in digest.kpis],
        "change_colours": _CHANGE_COLOURS,
        "charts": charts,
        "unanswered": [unanswered_row(i) for i in digest.top_unanswered],
        "themes": [theme_row(t) for t in digest.themes],
        "most_negative": [mention_row(m, tz) for m in digest.most_negative],
        "most_positive": [mention_row(m, tz) for m in digest.most_positive],
        "voice": voice_rows(digest),
        "alerts": [alert_row(a, tz) for a in digest.alerts],
        "generated": generated_line(digest),
    }


def render_html(digest: DigestData, image_src: Mapping[str, str]) -> str:
    """Render the digest HTML; ``image_src`` maps chart names to ``cid:…`` or file names.

    Charts missing from ``image_src`` are left out, so a text-only rendering is possible.
    """
    template = _environment().get_template("digest.html.j2")
    return template.render(digest_context(digest, image_src))
