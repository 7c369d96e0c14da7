"""``sources check``: one cheap authenticated call per enabled source, before relying on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.collectors.base import CheckableCollector, CheckResult, SourceError
from monitor.collectors.registry import collector_class
from monitor.config import Settings

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SourceStatus:
    """The check of one source."""

    source: str
    result: CheckResult


def check_sources(
    settings: Settings,
    *,
    clock: Clock,
    sources: Sequence[str] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> list[SourceStatus]:
    """Check each enabled source (or each of ``sources``) with one cheap call; never raises
    for a source's own failure, so one broken source does not hide the others."""
    names = list(sources) if sources else settings.enabled_sources
    statuses: list[SourceStatus] = []
    for name in names:
        if name not in settings.source_settings:
            raise ValueError(f"source {name!r} is not configured under sources")
        unset = settings.unset_env.get(f"sources.{name}")
        if unset:  # checked here, not at load: other commands need no source credentials
            detail = "; ".join(unset)
            fix = f"export the variable, or set sources.{name}.enabled: false"
            statuses.append(SourceStatus(name, CheckResult(ok=False, detail=detail, fix=fix)))
            continue
        cls = collector_class(name)
        kwargs = {} if sleep is None else {"sleep": sleep}
        collector = cls(settings.source_settings[name], clock, **kwargs)  # type: ignore[call-arg]
        if not isinstance(collector, CheckableCollector):
            result = CheckResult(ok=True, detail="this source has no check; collect to test it")
        else:
            try:
                result = collector.check()
            except SourceError as exc:  # a check that raised instead of answering
                result = CheckResult(ok=False, detail=f"{type(exc).__name__}: {exc}")
            finally:
                close = getattr(collector, "close", None)
                if close is not None:
                    close()
        statuses.append(SourceStatus(name, result))
    return statuses


def exit_code(statuses: Sequence[SourceStatus]) -> int:
    """0 all ok; 2 a set-up problem (credentials, scope, settings); 3 only unreachable."""
    failed = [s for s in statuses if not s.result.ok]
    if not failed:
        return 0
    return 3 if all(s.result.unreachable for s in failed) else 2
