"""Queue commands through the real console script (``python -m monitor.cli``).

Posts are stored relative to the real clock, since a subprocess cannot be given a fake one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.scoring import MentionFacts
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.cli.test_boundary import Cli, expect
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import Scenario

CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme
    sources:
      x: {{query: "@AcmeHelp OR acme", accounts: [AcmeHelp]}}
sources:
  x: {{enabled: false}}
"""


def _post(eid: str, author: str, minutes_ago: int, text: str, **kw: object) -> MentionFacts:
    created = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return MentionFacts(
        source="x", external_id=eid, brand="Acme", author=author, created_at=created, text=text,
        thread_id=eid, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path)
    db = tmp_path / "monitor.db"
    runner.config.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    posts = [
        _post("c1", "ann", 20, "@AcmeHelp my order never came", label="negative",
              confidence=0.9),
        _post("q1", "bob", 10, "@AcmeHelp how do I change my delivery address",
              label="neutral", confidence=0.8),
        _post("n1", "cat", 5, "acme is a company", label="neutral", confidence=0.9),
    ]  # fmt: skip
    seed(engine, Scenario(resolutions=[]), posts)
    engine.dispose()
    assert runner("score").returncode == 0
    return runner


def test_action_errors_are_one_line_with_the_right_exit_code(cli: Cli) -> None:
    expect(cli("resolve", "x:nope"), 2, "no stored post x:nope")
    expect(cli("snooze", "x:nope", "--until", "2h"), 2, "no stored post x:nope")
    later = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    expect(cli("kpis", "--date", later), 2, "the date range ends after today")
    # a stored post that is no item: exit 1, one line, nothing stored
    err = expect(cli("resolve", "x:n1"), 1, "x:n1 is not a needs-reply item of Acme")
    assert len(err.strip().splitlines()) == 1


def test_actions_show_in_the_queue_and_the_audit_names_who(cli: Cli, tmp_path: Path) -> None:
    import json

    done = cli("assign", "x:c1", "--to", "bo", env={"USER": "zed"})
    assert done.returncode == 0, done.stderr
    assert "x:c1: assign to bo; now new" in done.stdout
    items = json.loads(cli("unanswered", "--json").stdout)
    assert [(i["id"], i["kind"], i["assignee"]) for i in items] == [
        ("x:c1", "complaint", "bo"),
        ("x:q1", "question", None),
    ]
    assert cli("snooze", "x:q1", "--until", "2h", "--as", "ann").returncode == 0
    items = json.loads(cli("unanswered", "--json").stdout)
    assert [i["id"] for i in items] == ["x:c1"]
    snoozed = json.loads(cli("unanswered", "--state", "snoozed", "--json").stdout)
    assert [i["id"] for i in snoozed] == ["x:q1"] and snoozed[0]["snoozed_until"]
    dry = cli("close", "--older-than", "15m")
    assert "1 items wait longer than 15m; add --yes" in dry.stdout
    assert cli("close", "--older-than", "15m", "--yes", env={"USER": "zed"}).returncode == 0
    assert json.loads(cli("unanswered", "--json").stdout) == []
    assert cli("reopen", "x:c1").returncode == 0
    labeled = cli("label", "x:c1", "--sentiment", "neutral", "--as", "ann")
    assert "x:c1 labeled neutral (model: negative)" in labeled.stdout, labeled.stderr
    for sentiment, listed in (("negative", False), ("neutral", True)):  # the person's label
        found = cli("mentions", "--sentiment", sentiment, "--since", "1d", "--json")
        ids = {m["external_id"] for m in json.loads(found.stdout)}
        assert ("c1" in ids) is listed, found.stderr
    out = tmp_path / "fixes.tsv"
    assert cli("sentiment", "export-corrections", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8") == "x:c1\tneutral\t@AcmeHelp my order never came\n"

    from sqlmodel import Session, select

    from monitor.storage.models import TriageAudit

    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    with Session(engine) as s:
        rows = s.exec(select(TriageAudit).order_by(TriageAudit.id)).all()  # type: ignore[arg-type]
        trail = [(r.action, r.actor) for r in rows]
    engine.dispose()
    assert trail[:3] == [("assign", "zed"), ("snooze", "ann"), ("close", "zed")]
    assert trail[3][0] == "reopen" and trail[4] == ("label", "ann")
