"""Pure customer-care scoring: complaints, daily KPIs, the unanswered queue, alerts, targets.

Nothing here touches storage or the clock: callers pass mention facts and ``now``.
Definitions: docs/kpis.md.
"""

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
