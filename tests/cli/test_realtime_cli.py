"""Through the real script: ``import``, and ``collect`` then ``classify``, leave the queue current.

No ``monitor score`` runs in between: the next ``monitor unanswered --json`` already lists
the new complaints (issue 11, near real time).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from tests.cli.test_boundary import Cli
from tests.daemon.fake_source import BEARER_ENV, running_gated_x
from tests.daemon.test_realtime import COMPLAINT, PRAISE, USER, realtime_config, tweet

IMPORTED = [
    {"source": "x", "id": "i1", "author": "kim", "created_at": "{t}",
     "text": "@AcmeHelp acmeair my refund never came. Nobody answers.", "sentiment": "negative"},
    {"source": "x", "id": "i2", "author": "max", "created_at": "{t}",
     "text": "@AcmeHelp acmeair great crew today", "sentiment": "positive"},
]  # fmt: skip


def queue(cli: Cli) -> list[dict[str, object]]:
    result = cli("unanswered", "--json")
    assert result.returncode == 0, result.stderr
    items: list[dict[str, object]] = json.loads(result.stdout)
    return items


def use_config(cli: Cli, db_url: str, base_url: str) -> None:
    cli.env.update(BEARER_ENV)
    cli.config.write_text(yaml.safe_dump(realtime_config(db_url, base_url)), encoding="utf-8")


def test_import_then_unanswered_lists_the_imported_complaint(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path)
    use_config(cli, db_url, "http://127.0.0.1:9")
    assert cli("init").returncode == 0
    when = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({k: str(v).replace("{t}", when) for k, v in r.items()}) for r in IMPORTED]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.returncode == 0, result.stderr
    assert [i["id"] for i in queue(cli)] == ["x:i1"]


def test_collect_then_classify_then_unanswered_lists_the_complaint(
    tmp_path: Path, db_url: str
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=20)
    later = start + timedelta(minutes=1)
    tweets = [tweet(1, start, COMPLAINT, USER), tweet(2, later, PRAISE, USER)]
    with running_gated_x(tweets) as fake:
        cli = Cli(tmp_path)
        use_config(cli, db_url, fake.base_url)
        assert cli("init").returncode == 0
        result = cli("collect")
        assert result.returncode == 0, result.stderr
    assert queue(cli) == []  # stored, not labeled yet: not a complaint so far
    result = cli("classify")
    assert result.returncode == 0, result.stderr
    items = queue(cli)
    assert [(i["id"], i["text"]) for i in items] == [(f"x:{tweets[0]['id']}", COMPLAINT)]
