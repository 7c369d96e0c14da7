"""Plain-text renderings: the digest's text/plain part, mail subjects and alert messages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from monitor.escape import text_line
from monitor.report.formatting import MISSING, excerpt, local_time, one_line
from monitor.report.model import Alert, DigestData
from monitor.report.views import (
    PostRow,
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

_RULE = "-" * 72


def _body(lines: list[str]) -> str:
    """Join body lines; each entry is escaped so data in it can never start another line."""
    # Our own literal parts hold no control characters, so escaping whole lines only ever
    # changes the data in them (an author's CR/LF cannot forge a "Bcc:" line).
    return "".join(f"{text_line(line)}\n" for line in lines)


def digest_subject(digest: DigestData) -> str:
    """The mail subject: brand, day and how many targets were met."""
    return one_line(f"{digest.brand} daily digest, {day_title(digest)}: {targets_summary(digest)}")


def _heading(title: str) -> list[str]:
    """A section heading underlined for plain-text readers."""
    return ["", title, "=" * len(title)]


def _posts(rows: list[PostRow], with_reason: bool) -> list[str]:
    """Numbered post entries with author, detail, text and link."""
    if not rows:
        return ["(none)"]
    lines: list[str] = []
    for index, row in enumerate(rows, start=1):
        lines.append(f"{index}. {row.author} on {row.source} · {row.detail}")
        lines.append(f"   {row.text}")
        if with_reason and row.reason:
            lines.append(f"   Why: {row.reason}")
        if row.url:
            lines.append(f"   {one_line(row.url, 500)}")
    return lines


def _kpi_table(digest: DigestData) -> list[str]:
    """KPIs as an aligned text table."""
    rows = [kpi_row(k) for k in digest.kpis]
    if not rows:
        return ["(no KPIs for this day)"]
    header = ("KPI", "Value", "Target", "Status", "vs prev day", "last 7 days")
    cells = [header] + [(r.label, r.value, r.target, r.status, r.change, r.mean_7d) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for c in cells:
        lines.append(
            "  ".join(
                c[i].rjust(widths[i]) if i in (1, 4, 5) else c[i].ljust(widths[i])
                for i in range(len(header))
            ).rstrip()
        )
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def render_text(digest: DigestData) -> str:
    """The whole digest as plain text (the text/plain alternative and the .txt file)."""
    tz = digest.tz
    lines = [
        f"{digest.brand}: daily digest for {day_title(digest)}",
        targets_summary(digest),
        _RULE,
    ]
    if digest.alerts:
        lines += _heading(f"Alerts of the day ({len(digest.alerts)})")
        for alert in (alert_row(a, tz) for a in digest.alerts):
            lines.append(f"* [{alert.kind}] {alert.at}: {alert.message}")
            if alert.url:
                lines.append(f"  {one_line(alert.url, 500)}")
    lines += _heading("Key figures")
    lines += _kpi_table(digest)
    if digest.themes:
        lines += _heading("Complaint themes")
        for index, row in enumerate((theme_row(t) for t in digest.themes), start=1):
            lines.append(f"{index}. {row.label}: {row.size} ({row.share}), {row.change}")
            if row.example:
                lines.append(f"   e.g. {row.example}")
    lines += _heading("Top unanswered complaints")
    lines += _posts([unanswered_row(i) for i in digest.top_unanswered], with_reason=True)
    lines += _heading("Most negative mentions")
    lines += _posts([mention_row(m, tz) for m in digest.most_negative], with_reason=False)
    lines += _heading("Most positive mentions")
    lines += _posts([mention_row(m, tz) for m in digest.most_positive], with_reason=False)
    voice = voice_rows(digest)
    if voice:
        lines += _heading("Share of voice")
        width = max(len(v.name) for v in voice)
        lines += [f"{v.name.ljust(width)}  {v.pct:>6}  ({v.volume} mentions)" for v in voice]
    lines += ["", _RULE, generated_line(digest), "Charts are in the HTML version of this digest."]
    return _body(lines)


def alert_subject(alert: Alert) -> str:
    """The mail subject of an alert."""
    return one_line(f"[{alert.brand}] {alert.kind} alert: {alert.message}", 150)


def render_alert_text(alert: Alert, timezone: str = "UTC") -> str:
    """An alert as a few lines of plain text; its time shown in ``timezone``."""
    lines = [
        f"{alert.kind} alert for {alert.brand or MISSING}",
        f"At: {local_time(alert.at, ZoneInfo(timezone))}",
        "",
        excerpt(alert.message, 2000),
    ]
    if alert.url:
        lines += ["", one_line(alert.url, 500)]
    return _body(lines)
