"""Typed errors the library raises; ``monitor.cli.boundary`` maps them to exit codes.

Anything raised that is not a :class:`MonitorError` is a bug: the CLI writes its traceback
to the error log and exits 1.
"""

from __future__ import annotations

from pathlib import Path


class MonitorError(Exception):
    """An expected failure, shown to the user as a message and never as a traceback."""

    def render(self) -> str:
        """The message shown to the user."""
        return f"error: {self}"


class UsageError(MonitorError):
    """A bad command-line argument value (exit 2)."""


class InputError(MonitorError):
    """A bad input file or value given to the program (exit 2)."""


class ConfigError(MonitorError):
    """config.yaml is unreadable or invalid; ``problems`` holds one line per problem (exit 2)."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))

    def render(self) -> str:
        """The file, then one problem a line."""
        lines = [f"error: invalid config {self.path}:"] + [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class EnvironmentUnavailable(MonitorError):
    """Something outside the program is missing: database or network unreachable (exit 3)."""
