"""``monitor run``: the scheduler, its jobs, the health and metrics endpoint, and a clean stop."""

from __future__ import annotations

from monitor.daemon.service import AlreadyRunning, Daemon, DaemonError, OnceSummary

__all__ = ["AlreadyRunning", "Daemon", "DaemonError", "OnceSummary"]
