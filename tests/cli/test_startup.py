"""Start-up cost: the command line loads heavy libraries only in the commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.collectors import registry
from monitor.storage.migrate import head_revision, shipped_head
from tests.cli.test_boundary import Cli

HEAVY = (
    *("torch", "transformers", "matplotlib", "alembic", "jinja2", "sqlalchemy", "pydantic"),
    *("starlette", "uvicorn", "argon2", "itsdangerous", "multipart", "python_multipart"),
)
CLIENTS = ("atproto_client", "mastodon", "praw", "tweepy", "googleapiclient", "jwt")


def _loaded_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    names = "sorted({m.split('.')[0] for m in sys.modules})"
    probe = f"{code}\nimport json, sys\nprint(json.dumps({names}))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import monitor.cli")
    assert loaded.isdisjoint((*HEAVY, *CLIENTS)), sorted(loaded & set((*HEAVY, *CLIENTS)))


def test_help_through_the_real_script_loads_no_heavy_library() -> None:
    code = (
        "import sys\nsys.argv = ['monitor', '--help']\nimport monitor.cli\n"
        "try:\n    monitor.cli.main()\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded_after(code)
    assert loaded.isdisjoint((*HEAVY, *CLIENTS)), sorted(loaded & set((*HEAVY, *CLIENTS)))


def test_loading_a_config_loads_no_client_library() -> None:
    code = (
        "from monitor.config import parse_config\n"
        "parse_config({'brands': [{'name': 'Acme', 'sources': {'replay': {}}}],"
        " 'sources': {'replay': {'enabled': True}}}, env={})"
    )
    loaded = _loaded_after(code)
    assert loaded.isdisjoint((*CLIENTS, "torch", "matplotlib", "alembic"))


@pytest.mark.parametrize("name", sorted(registry.collector_classes()))
def test_settings_models_are_the_collectors_own(name: str) -> None:
    """The light path to a source's settings gives the very classes its collector declares."""
    cls = registry.collector_classes()[name]
    assert registry.settings_models(name) == (cls.settings_model, cls.brand_settings_model)
    assert registry.collector_class(name) is cls


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert shipped_head() == head_revision()


def test_kpis_on_a_database_loads_only_what_it_reads_with(tmp_path: Path) -> None:
    """``monitor kpis`` on SQLite: no model, chart, migration or web library, no PostgreSQL."""
    cli = Cli(tmp_path)
    assert cli("init").returncode == 0
    out = tmp_path / "modules.json"
    code = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))"
    )
    result = cli("kpis", code=code)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(out.read_text(encoding="utf-8")))
    assert "monitor.pipeline.kpis" in loaded  # the probe saw the command run
    heavy = ("torch", "transformers", "matplotlib", "alembic", "jinja2", "sklearn", "fastapi")
    top = {m.split(".")[0] for m in loaded}
    assert top.isdisjoint((*heavy, *CLIENTS)), sorted(top & {*heavy, *CLIENTS})
    assert "sqlalchemy.dialects.postgresql" not in loaded
