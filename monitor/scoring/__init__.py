"""Pure customer-care scoring: complaints, daily KPIs, the unanswered queue, alerts, targets.

Nothing here touches storage or the clock: callers pass mention facts and ``now``.
Definitions: docs/kpis.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.lazy import lazy_getattr

if TYPE_CHECKING:
    from monitor.scoring.alerts import (
        NEGATIVE_SPIKE,
        OVERDUE_COMPLAINT,
        Alert,
        SpikeCheck,
        overdue_alerts,
        overdue_alerts_from,
        spike_alert,
        spike_check,
    )
    from monitor.scoring.complaints import (
        RESOLVED_BY_AUTHOR,
        RESOLVED_BY_SILENCE,
        RESOLVED_MANUAL,
        Complaint,
        analyze_complaints,
        analyze_items,
        analyze_view,
        analyze_view_items,
        complaint_reason,
    )
    from monitor.scoring.days import day_bounds, local_day
    from monitor.scoring.kpis import (
        ALL_SOURCES,
        CATALOGUE,
        COUNT_KEYS,
        KPI_BY_KEY,
        KPI_KEYS,
        MINUTE_KEYS,
        PERCENT_KEYS,
        RATE_KEYS,
        KpiDef,
        KpiRow,
        daily_kpis,
        daily_kpis_many,
        kpis_from_view,
        period_kpis,
    )
    from monitor.scoring.model import BrandProfile, ManualResolution, MentionFacts, ScoringParams
    from monitor.scoring.targets import (
        Target,
        parse_targets,
        period_range,
        previous_range,
    )
    from monitor.scoring.threads import BrandView
    from monitor.scoring.unanswered import (
        QueueItem,
        TriageMarks,
        queue_from_complaints,
        unanswered_queue,
    )

# Loaded on first use: `monitor --help` imports the CLI modules, which need one or two
# names from here, not the whole scoring library.
_WHERE: dict[str, str] = {
    "ALL_SOURCES": "monitor.scoring.kpis",
    "Alert": "monitor.scoring.alerts",
    "BrandProfile": "monitor.scoring.model",
    "BrandView": "monitor.scoring.threads",
    "CATALOGUE": "monitor.scoring.kpis",
    "COUNT_KEYS": "monitor.scoring.kpis",
    "Complaint": "monitor.scoring.complaints",
    "KPI_BY_KEY": "monitor.scoring.kpis",
    "KPI_KEYS": "monitor.scoring.kpis",
    "KpiDef": "monitor.scoring.kpis",
    "KpiRow": "monitor.scoring.kpis",
    "MINUTE_KEYS": "monitor.scoring.kpis",
    "ManualResolution": "monitor.scoring.model",
    "MentionFacts": "monitor.scoring.model",
    "NEGATIVE_SPIKE": "monitor.scoring.alerts",
    "OVERDUE_COMPLAINT": "monitor.scoring.alerts",
    "PERCENT_KEYS": "monitor.scoring.kpis",
    "QueueItem": "monitor.scoring.unanswered",
    "RATE_KEYS": "monitor.scoring.kpis",
    "RESOLVED_BY_AUTHOR": "monitor.scoring.complaints",
    "RESOLVED_BY_SILENCE": "monitor.scoring.complaints",
    "RESOLVED_MANUAL": "monitor.scoring.complaints",
    "ScoringParams": "monitor.scoring.model",
    "SpikeCheck": "monitor.scoring.alerts",
    "Target": "monitor.scoring.targets",
    "TriageMarks": "monitor.scoring.unanswered",
    "analyze_complaints": "monitor.scoring.complaints",
    "analyze_items": "monitor.scoring.complaints",
    "analyze_view": "monitor.scoring.complaints",
    "analyze_view_items": "monitor.scoring.complaints",
    "complaint_reason": "monitor.scoring.complaints",
    "daily_kpis": "monitor.scoring.kpis",
    "daily_kpis_many": "monitor.scoring.kpis",
    "day_bounds": "monitor.scoring.days",
    "kpis_from_view": "monitor.scoring.kpis",
    "local_day": "monitor.scoring.days",
    "overdue_alerts": "monitor.scoring.alerts",
    "overdue_alerts_from": "monitor.scoring.alerts",
    "parse_targets": "monitor.scoring.targets",
    "period_kpis": "monitor.scoring.kpis",
    "period_range": "monitor.scoring.targets",
    "previous_range": "monitor.scoring.targets",
    "queue_from_complaints": "monitor.scoring.unanswered",
    "spike_alert": "monitor.scoring.alerts",
    "spike_check": "monitor.scoring.alerts",
    "unanswered_queue": "monitor.scoring.unanswered",
}


__getattr__ = lazy_getattr(__name__, _WHERE)

__all__ = [
    "ALL_SOURCES",
    "CATALOGUE",
    "COUNT_KEYS",
    "KPI_BY_KEY",
    "KPI_KEYS",
    "MINUTE_KEYS",
    "NEGATIVE_SPIKE",
    "OVERDUE_COMPLAINT",
    "PERCENT_KEYS",
    "RATE_KEYS",
    "RESOLVED_BY_AUTHOR",
    "RESOLVED_BY_SILENCE",
    "RESOLVED_MANUAL",
    "Alert",
    "BrandProfile",
    "BrandView",
    "Complaint",
    "KpiDef",
    "KpiRow",
    "ManualResolution",
    "MentionFacts",
    "QueueItem",
    "ScoringParams",
    "SpikeCheck",
    "Target",
    "TriageMarks",
    "analyze_complaints",
    "analyze_items",
    "analyze_view",
    "analyze_view_items",
    "complaint_reason",
    "daily_kpis",
    "daily_kpis_many",
    "day_bounds",
    "kpis_from_view",
    "local_day",
    "overdue_alerts",
    "overdue_alerts_from",
    "parse_targets",
    "period_kpis",
    "period_range",
    "previous_range",
    "queue_from_complaints",
    "spike_alert",
    "spike_check",
    "unanswered_queue",
]
