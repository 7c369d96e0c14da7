"""Daily digest and alert rendering (HTML, text, charts, Slack) and delivery (SMTP, webhook).

A library: the pipeline gathers the numbers into ``DigestData`` and calls these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.lazy import lazy_getattr

if TYPE_CHECKING:
    from monitor.report.charts import render_charts
    from monitor.report.files import DigestFiles, write_digest_files
    from monitor.report.html import render_html
    from monitor.report.mail import build_alert_email, build_email
    from monitor.report.model import (
        Alert,
        DigestData,
        History,
        KpiLine,
        Mention,
        SentimentCounts,
        ShareOfVoice,
        ThemeItem,
        UnansweredItem,
    )
    from monitor.report.retry import DeliveryError, Retry
    from monitor.report.slack import alert_blocks, digest_blocks, post_slack
    from monitor.report.smtp import SmtpSettings, send_email
    from monitor.report.text import render_alert_text, render_text

# Loaded on first use: `monitor --help` or `monitor kpis` must not pay for matplotlib or jinja.
_WHERE: dict[str, str] = {
    "Alert": "monitor.report.model",
    "DeliveryError": "monitor.report.retry",
    "DigestData": "monitor.report.model",
    "DigestFiles": "monitor.report.files",
    "History": "monitor.report.model",
    "KpiLine": "monitor.report.model",
    "Mention": "monitor.report.model",
    "Retry": "monitor.report.retry",
    "SentimentCounts": "monitor.report.model",
    "ShareOfVoice": "monitor.report.model",
    "SmtpSettings": "monitor.report.smtp",
    "ThemeItem": "monitor.report.model",
    "UnansweredItem": "monitor.report.model",
    "alert_blocks": "monitor.report.slack",
    "build_alert_email": "monitor.report.mail",
    "build_email": "monitor.report.mail",
    "digest_blocks": "monitor.report.slack",
    "post_slack": "monitor.report.slack",
    "render_alert_text": "monitor.report.text",
    "render_charts": "monitor.report.charts",
    "render_html": "monitor.report.html",
    "render_text": "monitor.report.text",
    "send_email": "monitor.report.smtp",
    "write_digest_files": "monitor.report.files",
}


__getattr__ = lazy_getattr(__name__, _WHERE)

__all__ = [
    "Alert",
    "DeliveryError",
    "DigestData",
    "DigestFiles",
    "History",
    "KpiLine",
    "Mention",
    "Retry",
    "SentimentCounts",
    "ShareOfVoice",
    "SmtpSettings",
    "ThemeItem",
    "UnansweredItem",
    "alert_blocks",
    "build_alert_email",
    "build_email",
    "digest_blocks",
    "post_slack",
    "render_alert_text",
    "render_charts",
    "render_html",
    "render_text",
    "send_email",
    "write_digest_files",
]
