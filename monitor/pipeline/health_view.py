"""Where collection stands, for people: each source's last success, failures, the backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.redact import Redactor, configured_secrets, mask_url_passwords
from monitor.storage.db import session_scope
from monitor.storage.digests import last_digest_sent_at
from monitor.storage.labels import count_backlog
from monitor.storage.sources import all_health

#: The state of an enabled source that has not run yet.
NEVER_RUN = "never run"


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source and query: its state, last success and error (secrets masked), counts."""

    source: str
    target: str
    state: str
    enabled: bool
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    posts_last_run: int
    posts_total: int


@dataclass(frozen=True, slots=True)
class HealthView:
    """The health page: every source, the labeling backlog and the last digest sent."""

    sources: list[SourceLine]
    backlog: int
    last_digest_at: datetime | None

    @property
    def status(self) -> str:
        """``ok`` when every source that ran is ok, else ``degraded``."""
        ran = [s for s in self.sources if s.state != NEVER_RUN]
        return "ok" if all(s.state == "ok" for s in ran) else "degraded"


def health_view(engine: Engine, settings: Settings) -> HealthView:
    """Stored source health (as /healthz reads it), enabled sources not yet run, backlog."""
    redact = Redactor(configured_secrets(settings))
    with session_scope(engine) as session:
        rows = all_health(session)
        backlog = count_backlog(session)
        last_digest = last_digest_sent_at(session)
    enabled = set(settings.enabled_sources)
    lines = [
        SourceLine(
            source=h.source,
            target=h.query_key,
            state=h.state,
            enabled=h.source in enabled,
            last_success_at=h.last_success_at,
            last_error_at=h.last_error_at,
            last_error=mask_url_passwords(redact(h.last_error)) if h.last_error else None,
            consecutive_failures=h.consecutive_failures,
            posts_last_run=h.posts_last_run,
            posts_total=h.posts_total,
        )
        for h in rows
    ]
    seen = {line.source for line in lines}
    lines.extend(
        SourceLine(name, "", NEVER_RUN, True, None, None, None, 0, 0, 0)
        for name in settings.enabled_sources
        if name not in seen
    )
    lines.sort(key=lambda s: (s.source, s.target))
    return HealthView(lines, backlog, last_digest)
