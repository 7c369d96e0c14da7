"""``monitor run``: the scheduler, its jobs, the health and metrics endpoint, and a clean stop."""

from __future__ import annotations

from monitor.daemon.service import Daemon, DaemonError, OnceSummary

__all__ = ["Daemon", "DaemonError", "OnceSummary"]
