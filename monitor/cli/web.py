"""``monitor web`` (the browser inbox) and ``monitor user ...`` (its accounts)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import ConfigOpt, DbOpt, context, say
from monitor.cli.tables import Column, View, render
from monitor.errors import UsageError

if TYPE_CHECKING:
    from monitor.pipeline.users import Account

user_app = typer.Typer(
    help="Web inbox accounts: add, list, remove, change password.", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="the user name (letters, digits, . _ @ -)")]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option("--password-stdin", help="read the password from the first line of stdin"),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("web")(web)
    app.add_typer(user_app, name="user")
    user_app.command("add")(user_add)
    user_app.command("list")(user_list)
    user_app.command("remove")(user_remove)
    user_app.command("passwd")(user_passwd)


def web(
    config: ConfigOpt = None,
    db: DbOpt = None,
    host: Annotated[
        str | None, typer.Option("--host", help="address to bind (default web.host: 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=0, max=65535, help="port (default web.port: 8080)"),
    ] = None,
) -> None:
    """Serve the team's web inbox until SIGTERM/SIGINT."""
    from monitor.daemon.signals import install_stop_handlers
    from monitor.web.server import WebThread  # starlette, uvicorn, jinja2: only when serving

    ctx = context(config, db)
    server = WebThread(ctx.settings, ctx.engine, ctx.now, host=host, port=port)
    stop = threading.Event()
    restore = install_stop_handlers(lambda _name: stop.set())
    try:
        server.start()
        say(f"web inbox at {server.url}{ctx.settings.config.web.base_path}/ (Ctrl-C to stop)")
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
        restore()


def _read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or typed twice at a terminal (never echoed)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password: pass --password-stdin")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def user_add(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help="admin, agent or viewer")] = "agent",
    password_stdin: PasswordStdinOpt = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Create a web inbox user (viewer: looks; agent: acts on items; admin: both)."""
    from monitor.pipeline.users import add_user, check_name, check_role

    check_name(name)
    check_role(role)  # before asking for a password
    password = _read_password(password_stdin)
    ctx = context(config, db, creates=True)
    account = add_user(ctx.engine, name, role, password, clock=ctx.now)
    say(f"added user {account.name} ({account.role})")


def user_list(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """List the web inbox users and their roles."""
    from monitor.pipeline.users import list_users

    ctx = context(config, db)
    accounts = list_users(ctx.engine)
    if not accounts:
        say("no users yet: add one with `monitor user add NAME --role admin --password-stdin`")
        return
    columns: list[Column[Account]] = [
        Column("name", lambda a: a.name),
        Column("role", lambda a: a.role),
        Column("created", lambda a: a.created_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    render(columns, accounts, View.COMPACT, title="web users")


def user_remove(name: NameArg, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Delete a web inbox user and sign out their sessions."""
    from monitor.pipeline.users import remove_user

    ctx = context(config, db)
    remove_user(ctx.engine, name)
    say(f"removed user {name}")


def user_passwd(
    name: NameArg,
    password_stdin: PasswordStdinOpt = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Change a web inbox user's password (their sessions end)."""
    from monitor.pipeline.users import set_password

    password = _read_password(password_stdin)
    ctx = context(config, db)
    set_password(ctx.engine, name, password, clock=ctx.now)
    say(f"changed the password of {name}")
