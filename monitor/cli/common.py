"""Shared CLI plumbing: --config/--db options, loading, argument parsing, JSON output."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from monitor.clock import utc_now
from monitor.errors import UsageError  # re-exported: the commands raise it
from monitor.escape import terminal
from monitor.sanitize import EARLIEST

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.config import Settings

# The config loader (pydantic) and storage (SQLAlchemy) are imported when a command first
# needs them, so `monitor --help` and the usage errors start in a fraction of a second.

# No emoji codes anywhere: ":x:" in data (a job id "collect:x:Acme") would become ❌.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="config.yaml (default ./config.yaml or $MONITOR_CONFIG)"),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="database URL or SQLite file, overriding database_url"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document instead of a table")]

#: Days and times asked for on the command line: no post is older (see monitor.sanitize),
#: and a year ahead leaves every day-window sum far from datetime's limits.
EARLIEST_DAY = EARLIEST.date()
MAX_DAYS_AHEAD = 366


def db_url(value: str) -> str:
    """A ``--db`` value: a URL as is, a bare path as a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


@dataclass
class AppContext:
    """What a command needs: validated settings and a migrated database engine."""

    config_path: Path | None
    db_override: str | None
    #: Only the commands that store data (init, collect, import, run) create a database.
    creates: bool = False

    @cached_property
    def settings(self) -> Settings:
        """The validated config (loaded on first use)."""
        from monitor.config import load_config

        return load_config(self.config_path)

    @cached_property
    def engine(self) -> Engine:
        """The database, schema created or upgraded on first use."""
        from monitor.storage.db import open_engine, require_existing
        from monitor.storage.migrate import ensure_schema

        url = db_url(self.db_override) if self.db_override else self.settings.config.database_url
        if not self.creates:
            require_existing(url)  # a read in the wrong folder must not report "all clear"
        engine = open_engine(url)
        ensure_schema(engine)
        return engine

    @staticmethod
    def now() -> datetime:
        """The command's clock."""
        return utc_now()


def data_text(value: object, style: str = "") -> Text:
    """Data for a table cell or title: controls escaped, never read as markup or emoji."""
    return Text(terminal(str(value)), style=style)


def say(line: str, *, err: bool = False) -> None:
    """Print one line that carries data: escaped, no markup, emoji or highlighting."""
    (err_console if err else console).print(data_text(line), soft_wrap=True)


def context(config: Path | None, db: str | None, *, creates: bool = False) -> AppContext:
    """The command context for the common options (load_config falls back to $MONITOR_CONFIG).

    ``creates``: the command may create a missing SQLite database (init, collect, import, run).
    """
    return AppContext(config, db, creates)


def print_json(document: Any) -> None:
    """Print one JSON document on stdout (datetimes as ISO 8601 UTC)."""
    sys.stdout.write(json.dumps(document, default=_json_default, ensure_ascii=False, indent=2))
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")


def parse_since(value: str, now: datetime) -> datetime:
    """``24h``, ``7d``, ``90m`` back from now, or an ISO 8601 time/date (UTC when no offset)."""
    match = _DURATION.match(value.strip())
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
        try:
            since = now - timedelta(seconds=amount * seconds)
        except OverflowError:
            since = datetime.min.replace(tzinfo=UTC)  # reported as out of range just below
        _check_range(value, since.date(), now)
        return since
    return parse_time(value, now)


def parse_duration(value: str) -> timedelta | None:
    """``90m``, ``24h``, ``7d``, ``2w`` as a timedelta; ``None`` when it is not a duration."""
    match = _DURATION.match(value.strip())
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    try:
        return timedelta(seconds=amount * seconds)
    except OverflowError:
        raise UsageError(f"duration {value!r} is too long") from None


def parse_time(value: str, now: datetime) -> datetime:
    """An ISO 8601 time or date; naive values are taken as UTC. Range: 1970 to a year ahead."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError:
        raise UsageError(
            f"cannot read time {value!r}: use ISO 8601 (2026-11-02T09:00:00Z) or 24h/7d"
        ) from None
    except OverflowError:  # 9999-12-31T23:00-05:00 is past datetime's range in UTC
        parsed = datetime.max.replace(tzinfo=UTC)
    _check_range(value, parsed.date(), now)
    return parsed


def parse_day(value: str, now: datetime) -> date:
    """A YYYY-MM-DD date from 1970-01-01 to a year after ``now``."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"cannot read date {value!r}: use YYYY-MM-DD") from None
    _check_range(value, day, now)
    return day


def _check_range(value: str, day: date, now: datetime) -> None:
    latest = now.date() + timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_DAY <= day <= latest:
        raise UsageError(f"{value!r} is out of range: give a day from {EARLIEST_DAY} to {latest}")


Report = TypeVar("Report")


def labeled_file_report(file: Path, evaluate: Callable[[Path], Report]) -> Report:
    """``evaluate(file)`` for an ``eval`` command; a missing or malformed labeled TSV is a
    usage error (exit 2) naming the file and line, checked before any model loads."""
    from monitor.classify.evaluation import LabeledFileError  # torch: only here

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    try:
        return evaluate(file)
    except LabeledFileError as exc:
        raise UsageError(str(exc)) from None
