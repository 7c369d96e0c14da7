"""The CLI's one error boundary: typed errors become a message and an exit code.

Exit codes: 0 done, 2 bad input or config (:class:`~monitor.errors.MonitorError`),
3 environment (:class:`~monitor.errors.EnvironmentUnavailable`: database or network
unreachable, a file system that refuses), 1 a bug. A bug prints one line naming the error
log that holds its traceback (see :func:`error_log_path`); ``--debug`` or
``MONITOR_DEBUG=1`` prints the traceback instead.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from typer._click import exceptions as click_exceptions  # typer vendors click
from typer._click.core import Context as ClickContext
from typer.core import TyperGroup
from typer.exceptions import TyperException

from monitor.errors import EnvironmentUnavailable, MonitorError
from monitor.redact import mask_url_passwords

EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
#: The error log is rotated to ``.1`` past this size, so it cannot fill the disk.
MAX_LOG_BYTES = 1024 * 1024
#: File system refusals that are the environment's doing, not the program's.
_ENVIRONMENT_ERRNOS = {
    errno.EACCES,
    errno.EPERM,
    errno.ENOSPC,
    errno.EROFS,
    errno.EDQUOT,
    errno.ENOENT,
    errno.ENOTDIR,
    errno.EISDIR,
}


class BoundaryGroup(TyperGroup):
    """The root command group: every command runs inside :func:`handle`."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run; a usage error is one ``error: ...`` line on stderr and exit 2, like the rest."""
        standalone = kwargs.pop("standalone_mode", True)
        _bare_flags(self)
        try:
            kwargs["standalone_mode"] = False  # errors come back here to be shown our way
            result = super().main(*args, **kwargs)
        except click_exceptions.NoArgsIsHelpError as exc:
            result = exc.exit_code  # the help was printed when the error was made
        except click_exceptions.ClickException as exc:
            if not standalone:
                raise
            _say(usage_line(exc))
            result = exc.exit_code
        except typer.Abort:
            if not standalone:
                raise
            _say("error: aborted")
            result = 1
        if not standalone:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; an error becomes a message and an exit code, never a traceback."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # Typer's own exits and usage errors (exit 2) pass through unchanged
        except Exception as exc:
            debug = bool(ctx.params.get("debug")) or _env_debug()
            raise typer.Exit(handle(exc, debug=debug)) from None


def usage_line(exc: click_exceptions.ClickException) -> str:
    """A usage error in the project's style: ``error: WHAT (see 'monitor CMD --help')``."""
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = " ".join(exc.format_message().split())  # one line, whatever click wrapped
    return f"error: {message}{hint}"


def _bare_flags(command: Any) -> None:
    """Give every on/off flag an empty metavar (no ``<bool>`` in help), nested groups too."""
    help_option = command.get_help_option(ClickContext(command))  # made once, then cached
    for param in [*command.params, help_option]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _bare_flags(sub)


def handle(exc: Exception, *, debug: bool = False) -> int:
    """Show ``exc`` the way its kind deserves on stderr; returns the exit code."""
    typed = _typed(exc)
    if typed is not None:
        _say(mask_url_passwords(typed.render()))
        return exit_code(typed)
    if debug:
        _say(mask_url_passwords("".join(traceback.format_exception(exc)).rstrip()))
        return EXIT_BUG
    where = write_error_log(exc)
    # Only the type and the place: an exception's text may quote a secret (a webhook URL).
    head = f"error: unexpected {type(exc).__name__}{_place(exc)}"
    if where is None:
        _say(f"{head} (a bug; the traceback could not be saved, rerun with --debug to see it)")
    else:
        _say(f"{head} (a bug; traceback written to {where}, or rerun with --debug)")
    return EXIT_BUG


def exit_code(exc: MonitorError) -> int:
    """The exit code of a typed error: 3 for the environment, 2 for everything else."""
    return EXIT_ENVIRONMENT if isinstance(exc, EnvironmentUnavailable) else EXIT_BAD_INPUT


def _typed(exc: Exception) -> MonitorError | None:
    """``exc`` as a typed error, when it is one or stands for one (a lost database)."""
    if isinstance(exc, MonitorError):
        return exc
    if "sqlalchemy" in sys.modules:  # only then can it be a database error; saves the import
        from monitor.storage.db import unavailable

        lost = unavailable(exc)
        if lost is not None:
            return lost
    if isinstance(exc, OSError) and exc.filename and exc.errno in _ENVIRONMENT_ERRNOS:
        return EnvironmentUnavailable(f"cannot use {str(exc.filename)!r}: {exc.strerror}")
    return None


def _place(exc: BaseException) -> str:
    """`` at FILE:LINE`` of the innermost frame, the file relative to the package's parent."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    path = Path(frame.filename)
    root = Path(__file__).resolve().parents[2]
    shown = path.relative_to(root) if path.is_relative_to(root) else path.name
    return f" at {shown}:{frame.lineno}"


def _say(message: str) -> None:
    # Messages quote what was typed or stored (an id, a file's line): each line escaped, so
    # no escape sequence or carriage return reaches the terminal. Idempotent on clean text.
    from monitor.escape import terminal

    sys.stderr.write("\n".join(terminal(line) for line in message.split("\n")) + "\n")
    sys.stderr.flush()


def _env_debug() -> bool:
    return os.environ.get("MONITOR_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def error_log_path() -> Path:
    """Where tracebacks go: ``$MONITOR_ERROR_LOG``, else the user's state folder.

    That is ``$XDG_STATE_HOME/monitor/errors.log`` (default ``~/.local/state/monitor``), or
    ``%LOCALAPPDATA%\\monitor\\errors.log`` on Windows.
    """
    if os.environ.get("MONITOR_ERROR_LOG"):
        return Path(os.environ["MONITOR_ERROR_LOG"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "monitor" / "errors.log"


def write_error_log(exc: BaseException) -> Path | None:
    """Append ``exc``'s traceback to the error log (the temp folder if that fails)."""
    entry = (
        f"--- {datetime.now(UTC).isoformat(timespec='seconds')} "
        f"monitor {' '.join(sys.argv[1:])}\n" + "".join(traceback.format_exception(exc))
    )
    entry = mask_url_passwords(entry)
    user = os.getuid() if hasattr(os, "getuid") else "user"
    fallback = Path(tempfile.gettempdir()) / f"monitor-errors-{user}.log"
    for path in (error_log_path(), fallback):
        try:
            _append(path, entry)
        except OSError:
            continue
        return path
    return None


def _append(path: Path, entry: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
        path.replace(path.with_name(path.name + ".1"))
    # 0600: a traceback can hold values the user would not show everyone.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(entry)
