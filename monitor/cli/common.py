"""Shared CLI plumbing: --config/--db options, loading, errors as messages, JSON output."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import Engine

from monitor.clock import utc_now
from monitor.config import ConfigError, Settings, load_config
from monitor.escape import terminal
from monitor.storage.db import DatabaseError, make_engine
from monitor.storage.migrate import ensure_schema

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

P = ParamSpec("P")
R = TypeVar("R")


class UsageError(Exception):
    """A bad argument value: shown as a message with exit code 2."""


def db_url(value: str) -> str:
    """A ``--db`` value: a URL as is, a bare path as a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


@dataclass
class AppContext:
    """What a command needs: validated settings and a migrated database engine."""

    config_path: Path | None
    db_override: str | None

    @cached_property
    def settings(self) -> Settings:
        """The validated config (loaded on first use)."""
        return load_config(self.config_path)

    @cached_property
    def engine(self) -> Engine:
        """The database, schema created or upgraded on first use."""
        url = db_url(self.db_override) if self.db_override else self.settings.config.database_url
        engine = make_engine(url)
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


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into one clear message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            err_console.print(exc.render(), markup=False, highlight=False)
            raise typer.Exit(2) from None
        except (DatabaseError, UsageError) as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None

    return wrapper


def context(config: Path | None, db: str | None) -> AppContext:
    """The command context for the common options (load_config falls back to $MONITOR_CONFIG)."""
    return AppContext(config, db)


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
        return now - timedelta(seconds=amount * seconds)
    return parse_time(value)


def parse_time(value: str) -> datetime:
    """An ISO 8601 time or date; naive values are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"cannot read time {value!r}: use ISO 8601 (2026-11-02T09:00:00Z) or 24h/7d"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_day(value: str) -> date:
    """A YYYY-MM-DD date."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"cannot read date {value!r}: use YYYY-MM-DD") from None
