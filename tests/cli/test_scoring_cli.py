"""``monitor score | kpis | unanswered | resolve`` over a temp SQLite DB and a temp config."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app, common
from monitor.cli.common import AppContext
from monitor.scoring import KPI_KEYS
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import DAY, EXPECTED_ROWS, NOW, Scenario, build

CONFIG = """
database_url: sqlite:///{db}
brands:
  - name: Acme
    timezone: America/New_York
    sources:
      x: {{query: "@AcmeHelp OR acme", accounts: [AcmeHelp]}}
      reddit: {{keywords: [acme], accounts: [acme_support], own_subreddits: [acme]}}
      appstore: {{app_id: "123456789", accounts: ["Acme Inc"]}}
    competitors:
      - name: Globex
    targets:
      response_rate: {{min: 0.9}}
      frt_median_min: {{max: 60, period: week}}
sources:
  x: {{enabled: false}}
  reddit: {{enabled: false}}
  appstore: {{enabled: false}}
"""
MARKUP = "[red]boom[/red]"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the CLI against the seeded scenario with the clock at the scenario's NOW."""
    db = tmp_path / "monitor.db"
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    sc = build()
    frank = next(m for m in sc.mentions if m.key == "x:401")
    seed(engine, sc, [*sc.mentions, replace(frank, external_id="402", text="@AcmeHelp hello?")])
    engine.dispose()
    monkeypatch.setattr(AppContext, "now", staticmethod(lambda: NOW))
    monkeypatch.setattr(common.console, "width", 200)  # keep table cells on one line
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "--config", str(config)])

    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def test_score_since_then_kpis_json_rows(cli: Any) -> None:
    result = cli("score", "--since", "2026-10-05")
    assert result.exit_code == 0, result.output
    assert "scored Acme 2026-10-05 .. 2026-10-08" in result.output
    result = cli("kpis", "--date", DAY, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert list(row) == ["brand", "source", "date", *KPI_KEYS, "targets"]  # a complete day: judged
    assert (row["brand"], row["source"], row["date"]) == ("Acme", "all", DAY)
    want = dict(EXPECTED_ROWS[(DAY, "all")])
    # frank's extra post x:402 folds into his complaint: one more negative mention; and
    # `score` matches the day's posts against the config: reddit:g3 "globex vs acme"
    # (collected for Globex) and x:i1 "@AcmeHelp @InitechCare both down" (for Initech) name
    # Acme, so they count as Acme mentions too (issue 10 item 6), never as its complaints
    want.update(volume=22, negative=14)
    assert row["volume"] == 22 and row["negative"] == 14
    assert row["complaints"] == want["complaints"]
    assert row["response_rate"] == pytest.approx(want["response_rate"])
    assert row["abandonment_rate"] == pytest.approx(want["abandonment_rate"])


def test_kpis_json_for_several_days_and_a_source(cli: Any) -> None:
    assert cli("score", "--date", DAY).exit_code == 0
    result = cli("kpis", "--days", "3", "--source", "reddit", "--json")
    *rows, span = json.loads(result.stdout)
    assert [r["date"] for r in rows] == ["2026-10-06", "2026-10-07", "2026-10-08"]
    assert (span["date"], span["end_date"]) == ("2026-10-06", "2026-10-08")  # the range row
    assert {r["source"] for r in [*rows, span]} == {"reddit"}
    # 10-06: reddit:g3 "globex vs acme" counts for Acme once `score` matched it (item 6)
    assert rows[0]["volume"] == 5 and rows[1]["volume"] == 0  # 10-07 was computed, not stored


def test_kpis_table_shows_targets_and_status(cli: Any) -> None:
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    result = cli("kpis", "--date", DAY)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Acme · all · America/New_York" in out
    assert "Response rate" in out and "MISSED" in out and "met" in out
    assert "≥ 90.0% /day" in out and "/week" in out


def test_unanswered_json_most_urgent_first(cli: Any) -> None:
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    result = cli("unanswered", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["id"] for i in items] == ["x:801"]
    assert list(items[0]) == [
        "id", "kind", "state", "priority", "reason", "brand", "source", "author", "followers",
        "text", "url", "created_at", "age_minutes", "overdue", "assignee", "snoozed_until",
        "sentiment", "sentiment_by",
    ]  # fmt: skip
    assert (items[0]["kind"], items[0]["state"], items[0]["sentiment_by"]) == (
        "complaint", "new", "model",
    )  # fmt: skip
    stale = json.loads(cli("unanswered", "--abandoned", "--json").stdout)
    # frank's x:402 ("hello?") folds into his complaint x:401
    assert [i["id"] for i in stale] == ["x:401", "appstore:r1"]
    assert {i["state"] for i in stale} == {"abandoned"} and stale[0]["priority"] < 0
    overdue = json.loads(cli("unanswered", "--overdue", "--brand", "acme", "--json").stdout)
    assert overdue == []
    limited = json.loads(cli("unanswered", "--abandoned", "--limit", "1", "--json").stdout)
    assert [i["id"] for i in limited] == ["x:401"]
    kinds = json.loads(cli("unanswered", "--kind", "question", "--json").stdout)
    assert kinds == []


def test_unanswered_table_prints_post_text_verbatim(cli: Any) -> None:
    uma = next(m for m in build().mentions if m.key == "x:801")
    hostile = replace(uma, external_id="802", author="mallory", text=f"@AcmeHelp {MARKUP}")
    engine = make_engine(f"sqlite:///{cli.db}")
    seed(engine, Scenario(resolutions=[]), [hostile])
    engine.dispose()
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    result = cli("unanswered")
    assert result.exit_code == 0, result.output
    assert "2 items waiting for a reply" in result.output
    assert MARKUP in result.output  # post text is data, never Rich markup
    result = cli("unanswered", "--abandoned", "--wide")  # the reason is a --wide column
    assert "frank" in result.output and "1-star review" in result.output
    compact = cli("unanswered", "--abandoned").output
    assert "frank" in compact and "1-star review" not in compact


def test_resolve_takes_the_item_out_of_the_lists(cli: Any) -> None:
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    result = cli("resolve", "x:401", "--at", "2026-10-08T13:00:00Z", "--note", "called him")
    assert result.exit_code == 0, result.output
    assert (
        "x:401: resolve at 2026-10-08 13:00 UTC; no longer needs a reply; Acme 2026-10-06 rescored"
    ) in result.output
    items = json.loads(cli("unanswered", "--abandoned", "--json").stdout)
    assert [i["id"] for i in items] == ["appstore:r1"]
    # the follow-up names its item
    result = cli("resolve", "x:402", "--at", "2026-10-08T13:00:00Z")
    assert "x:402 (item x:401): resolve" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("resolve", "x:nope"), "no stored post x:nope"),
        (("resolve", "nope"), "is not SOURCE:EXTERNAL_ID"),
        (("resolve", "x:401", "--at", "yesterday-ish"), "cannot read time"),
        (("resolve", "x:401", "--at", "2027-01-01T00:00:00Z"), "in the future"),
        (("score", "--date", DAY, "--since", DAY), "not both"),
        (("score", "--since", "2026-12-01"), "--since 2026-12-01 is after today (2026-10-08"),
        (("score", "--date", "2026-10-09"), "--date 2026-10-09 is after today"),
        (("score", "--date", "06/10/2026"), "use YYYY-MM-DD"),
        (("kpis", "--date", DAY, "--days", "3"), "not both"),
        (("kpis", "--date", "2026-10-09"), "the date range ends after today (2026-10-08"),
        (("kpis", "--brand", "Initech"), "no brand or competitor named 'Initech'"),
        (("unanswered", "--brand", "Nobody"), "no brand named 'Nobody'"),
        (("unanswered", "--kind", "rant"), "unknown kind 'rant'"),
        (("unanswered", "--state", "resolved"), "state 'resolved' is not listed"),
        (("unanswered", "--abandoned", "--state", "new"), "not both"),
        (("assign", "x:401"), "give --to NAME or --unassign"),
        (("snooze", "x:401", "--until", "soon"), "cannot read time 'soon'"),
        (("label", "x:401", "--sentiment", "angry"), "use one of negative, neutral"),
        (("close", "--older-than", "a while"), "give a duration such as 36h"),
        (("note", "x:401", " "), "the note is empty"),
    ],
)
def test_bad_input_is_a_clear_message(cli: Any, args: tuple[str, ...], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output
    # a handled error ends in SystemExit(2); an escaped bug would be any other exception
    assert isinstance(result.exception, SystemExit) and result.exception.code == 2


def test_scoring_twice_through_the_cli_prints_the_same_rows(cli: Any) -> None:
    """Idempotent end to end: a second scoring run changes no number."""
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    first = cli("kpis", "--days", "4", "--json").stdout
    assert cli("score", "--since", "2026-10-05").exit_code == 0
    assert cli("kpis", "--days", "4", "--json").stdout == first
