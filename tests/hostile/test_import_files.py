"""Every hostile import file on both backends: good rows stored, bad rows FILE:LINE, no crash."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.config import Settings, parse_config
from monitor.pipeline.importing import ImportReport, import_file
from monitor.storage.db import session_scope
from monitor.storage.models import Mention
from tests.hostile.import_files import CASES, NOW, Case

CONFIG = {
    "database_url": "sqlite://",
    "brands": [{"name": "Acme", "sources": {"replay": {"accounts": ["AcmeHelp"]}}}],
    "sources": {"replay": {"enabled": False}},
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return parse_config(CONFIG, env={})


def stored_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with session_scope(engine) as session:
        return {
            f"{m.source}:{m.external_id}": m.model_dump()
            for m in session.execute(select(Mention)).scalars()
        }


def reported_lines(report: ImportReport, path: Path) -> list[int]:
    """The line of each problem; each must be one printable ``FILE:LINE: reason`` line."""
    lines = []
    for problem in report.problems:
        match = re.fullmatch(rf"{re.escape(str(path))}:(\d+): \S.*", problem)
        assert match, problem
        assert not any(unicodedata.category(ch) == "Cc" for ch in problem), problem
        lines.append(int(match.group(1)))
    return lines


def expected_error(case: Case) -> str | None:
    if case.error is not None:
        return case.error
    if case.bad and not case.good:
        return rf"{re.escape(case.name)}: none of its [\d,]+ rows could be imported"
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(case: Case, engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.build())
    report = import_file(engine, settings, path, clock=lambda: NOW)

    error = expected_error(case)
    if error is None:
        assert report.error is None, report.error
    else:
        assert report.error is not None and re.search(error, report.error), report.error
    assert sorted(reported_lines(report, path)) == sorted(case.bad), report.problems
    changed = {int(c.removeprefix(f"{path}:").split(":")[0]) for c in report.changes}
    assert changed == case.changed, report.changes
    assert report.rows == len(case.good) + len(case.bad)
    rows = stored_rows(engine)
    assert set(rows) == case.good
    assert report.result.inserted == len(case.good)
    if case.check is not None:
        case.check(rows)

    again = import_file(engine, settings, path, clock=lambda: NOW)
    assert (again.result.inserted, again.result.updated) == (0, 0)
    assert again.result.unchanged == len(case.good)
    assert (again.problems, again.changes, again.error) == (
        report.problems,
        report.changes,
        report.error,
    )
    assert stored_rows(engine) == rows


def test_the_suite_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
