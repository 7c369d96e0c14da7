"""Daily digest and alert rendering (HTML, text, charts, Slack) and delivery (SMTP, webhook).

A library: the pipeline gathers the numbers into ``DigestData`` and calls these functions.
"""

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
