"""Create or upgrade the schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from monitor.errors import InputError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    """The newest migration shipped with this version."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class UnknownRevision(InputError):
    """The database was migrated by a version of monitor newer than this one (exit 2)."""


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
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
    before = current_revision(engine)
    _check_known(before)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Upgrade only when behind: cheap enough to call at every command start."""
    if current_revision(engine) != head_revision():
        upgrade(engine)
