"""Create or upgrade the schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import InputError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration may run: it costs ~0.15 s at every command start,
# and a database already at head (the usual case) is recognised without it.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION_LINE = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w.-]+|None)['\"]?", re.M
)


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this version."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class UnknownRevision(InputError):
    """The database was migrated by a version of monitor newer than this one (exit 2)."""


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except Exception:  # alembic raises its own CommandError/ResolutionError kinds
        known = None
    if known is None:
        raise UnknownRevision(
            f"the database schema is at revision {revision!r}, which this version of monitor "
            "does not know: it was written by a newer version"
        )


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to head; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(engine)
    _check_known(before)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, current_revision(engine)


@cache
def shipped_head() -> str | None:
    """The head revision read from the migration files' ``revision`` lines, without Alembic.

    ``None`` when the files do not name exactly one head (Alembic then decides).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for key, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stamped(engine: Engine) -> str | None:
    """The revision stamped in ``alembic_version``, or None (no table, several rows, error)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no table yet, or the database is down: Alembic's path reports it
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def ensure_schema(engine: Engine) -> None:
    """Upgrade only when behind: cheap enough to call at every command start."""
    head = shipped_head()
    if head is not None and _stamped(engine) == head:
        return  # at head: no need to load Alembic
    if current_revision(engine) != head_revision():
        upgrade(engine)
