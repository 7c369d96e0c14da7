"""What the daemon counts while it runs, and its rendering in the Prometheus text format."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

PREFIX = "monitor"
Labels = dict[str, str]
Sample = tuple[str, Labels, float]  # (metric name with suffix, labels, value)


@dataclass(frozen=True)
class JobRun:
    """The latest run of one job, as /healthz shows it."""

    job_id: str
    kind: str
    started_at: datetime
    duration_seconds: float
    ok: bool
    summary: str


@dataclass(frozen=True)
class SourceState:
    """A source target's stored health, reduced to what /metrics exposes."""

    source: str
    target: str
    state: str
    consecutive_failures: int


@dataclass(frozen=True)
class StoredFigures:
    """Values read from the database at scrape time (None: could not be read)."""

    labeling_backlog: int | None = None
    last_digest_at: datetime | None = None
    sources: list[SourceState] = field(default_factory=list)


class Metrics:
    """Counters and job timings since the daemon started; safe to use from every job thread."""

    def __init__(self, started_at: datetime) -> None:
        self.started_at = started_at
        self._lock = threading.Lock()
        self._posts: dict[tuple[str, str], int] = {}
        self._failures: dict[tuple[str, str], int] = {}
        self._durations: dict[str, tuple[float, int]] = {}
        self._runs: dict[tuple[str, str], int] = {}
        self._last: dict[str, JobRun] = {}

    def declare_target(self, source: str, target: str) -> None:
        """Show a target's counters at 0 before its first pass (so rate() works from the start)."""
        with self._lock:
            self._posts.setdefault((source, target), 0)
            self._failures.setdefault((source, target), 0)

    def add_posts(self, source: str, target: str, count: int) -> None:
        """Count new posts stored for a source target."""
        with self._lock:
            key = (source, target)
            self._posts[key] = self._posts.get(key, 0) + count

    def add_source_failure(self, source: str, target: str) -> None:
        """Count a collection pass that ended in an error."""
        with self._lock:
            key = (source, target)
            self._failures[key] = self._failures.get(key, 0) + 1

    def record_run(self, run: JobRun) -> None:
        """Keep a finished job run: its duration and outcome feed /metrics, the run /healthz."""
        with self._lock:
            total, count = self._durations.get(run.kind, (0.0, 0))
            self._durations[run.kind] = (total + run.duration_seconds, count + 1)
            outcome = (run.kind, "ok" if run.ok else "error")
            self._runs[outcome] = self._runs.get(outcome, 0) + 1
            self._last[run.job_id] = run

    def last_runs(self) -> list[JobRun]:
        """The latest run of every job that ran, by job id."""
        with self._lock:
            return [self._last[k] for k in sorted(self._last)]

    def render(self, stored: StoredFigures) -> str:
        """The Prometheus text exposition (format 0.0.4) of everything counted and read."""
        with self._lock:
            posts, failures = dict(self._posts), dict(self._failures)
            durations, runs, last = dict(self._durations), dict(self._runs), dict(self._last)
        out: list[str] = []
        _family(
            out,
            "posts_collected_total",
            "counter",
            "New posts stored since the daemon started, by source and target.",
            [("", {"source": s, "target": t}, n) for (s, t), n in sorted(posts.items())],
        )
        _family(
            out,
            "source_failures_total",
            "counter",
            "Collection passes that ended in an error since the daemon started.",
            [("", {"source": s, "target": t}, n) for (s, t), n in sorted(failures.items())],
        )
        _family(
            out,
            "source_up",
            "gauge",
            "1 when the source target's last pass succeeded, 0 when it is failing.",
            [
                ("", {"source": h.source, "target": h.target}, h.state == "ok")
                for h in stored.sources
            ],
        )
        _family(
            out,
            "source_consecutive_failures",
            "gauge",
            "Failed passes in a row of a source target.",
            [
                ("", {"source": h.source, "target": h.target}, h.consecutive_failures)
                for h in stored.sources
            ],
        )
        if stored.labeling_backlog is not None:
            _family(
                out,
                "labeling_backlog",
                "gauge",
                "Mentions waiting for a sentiment label.",
                [("", {}, stored.labeling_backlog)],
            )
        _family(
            out,
            "last_digest_timestamp_seconds",
            "gauge",
            "When the last daily digest was sent (Unix time; 0 before the first).",
            [("", {}, stored.last_digest_at.timestamp() if stored.last_digest_at else 0)],
        )
        _family(
            out,
            "job_duration_seconds",
            "summary",
            "Time spent in job runs, by job kind.",
            [
                row
                for kind, (total, count) in sorted(durations.items())
                for row in (("_sum", {"job": kind}, total), ("_count", {"job": kind}, count))
            ],
        )
        _family(
            out,
            "job_runs_total",
            "counter",
            "Job runs by job kind and outcome.",
            [("", {"job": k, "outcome": o}, n) for (k, o), n in sorted(runs.items())],
        )
        _family(
            out,
            "job_last_duration_seconds",
            "gauge",
            "Duration of each job's latest run.",
            [("", {"job_id": j}, r.duration_seconds) for j, r in sorted(last.items())],
        )
        _family(
            out,
            "job_last_run_timestamp_seconds",
            "gauge",
            "Start of each job's latest run.",
            [("", {"job_id": j}, r.started_at.timestamp()) for j, r in sorted(last.items())],
        )
        _family(
            out,
            "start_time_seconds",
            "gauge",
            "When the daemon started (Unix time).",
            [("", {}, self.started_at.timestamp())],
        )
        return "\n".join(out) + "\n"


def _family(
    out: list[str], name: str, kind: str, help_text: str, samples: Iterable[Sample]
) -> None:
    full = f"{PREFIX}_{name}"
    out.append(f"# HELP {full} {help_text}")
    out.append(f"# TYPE {full} {kind}")
    for suffix, labels, value in samples:
        out.append(f"{full}{suffix}{_labels(labels)} {_number(float(value))}")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    """Label values escape backslash, double quote and line feed, as the format requires."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
