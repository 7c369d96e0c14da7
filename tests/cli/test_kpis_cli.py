"""Issue 10 items 3, 4, 5, 7 and 15 through the real script, on the seeded scenario.

The clock is the scenario's NOW (2026-10-08 14:00 UTC, 10:00 in New York): 10-08 is a
partial day, 10-07 the last complete one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from monitor.config import load_config
from monitor.pipeline.kpis import range_row_recomputed
from monitor.scoring import KPI_KEYS
from monitor.storage.db import make_engine
from monitor.storage.migrate import upgrade
from tests.cli.test_boundary import Cli, expect
from tests.cli.test_scoring_cli import CONFIG
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import DAY_AFTER, LAST_DAY, NOW, build

AT_NOW = (
    "from datetime import datetime\n"
    "import monitor.cli.common as common\n"
    f"at = datetime.fromisoformat({NOW.isoformat()!r})\n"
    "common.AppContext.now = staticmethod(lambda: at)"
)
Run = Callable[..., CompletedProcess[str]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The real script on the scenario database, clock at NOW, 200 columns."""
    tmp = tmp_path_factory.mktemp("kpis")
    cli = Cli(tmp)
    db = tmp / "monitor.db"
    cli.config.write_text(
        CONFIG.format(db=db) + f"digest: {{out_dir: {tmp / 'digests'}}}\n", encoding="utf-8"
    )
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    sc = build()
    frank = next(m for m in sc.mentions if m.key == "x:401")
    seed(engine, sc, [*sc.mentions, replace(frank, external_id="402", text="@AcmeHelp hi?")])
    engine.dispose()
    cli.env["COLUMNS"] = "250"

    def invoke(*args: str) -> CompletedProcess[str]:
        return cli(*args, code=AT_NOW)

    invoke.db = f"sqlite:///{db}"  # type: ignore[attr-defined]
    invoke.config = cli.config  # type: ignore[attr-defined]
    return invoke


def ok(result: CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# -- item 3: today is partial, judged only when complete ------------------------


def test_kpis_marks_today_partial_and_judges_yesterday(run: Run) -> None:
    out = ok(run("kpis", "--days", "3"))
    assert f"{LAST_DAY[5:]} partial" in out
    assert f"{DAY_AFTER[5:]} status" in out  # the last complete day is judged


def test_kpis_for_today_alone_judges_nothing(run: Run) -> None:
    out = ok(run("kpis", "--date", LAST_DAY))
    assert "partial day" in out and "MISSED" not in out and " met " not in out
    (row,) = json.loads(ok(run("kpis", "--date", LAST_DAY, "--json")))
    assert row["partial"] is True and "targets" not in row


# -- item 4: multi-day JSON as docs/kpis.md says --------------------------------


def test_kpis_days_json_has_days_then_a_recomputed_range_row(run: Run) -> None:
    rows = json.loads(ok(run("kpis", "--days", "3", "--json")))
    days, span = rows[:3], rows[3]
    assert [r["date"] for r in days] == ["2026-10-06", DAY_AFTER, LAST_DAY]
    assert (span["date"], span["end_date"]) == ("2026-10-06", LAST_DAY)
    assert span["volume"] == sum(r["volume"] for r in days)  # counts add up
    assert span["partial"] is True and days[-1]["partial"] is True
    assert "partial" not in days[0]
    judged = days[1]["targets"]
    assert set(judged) == set(KPI_KEYS)
    assert judged["response_rate"]["target"] == "≥ 90.0% /day"
    assert judged["response_rate"]["met"] in (True, False)
    assert judged["frt_median_min"]["period"] == "week"
    assert "change" in judged["volume"]
    assert "targets" not in days[0] and "targets" not in days[2]


def test_range_row_equals_the_range_recomputed_from_mentions(run: Run) -> None:
    rows = json.loads(ok(run("kpis", "--days", "3", "--json")))
    span = rows[3]
    engine = make_engine(run.db)  # type: ignore[attr-defined]
    try:
        want = range_row_recomputed(
            engine, load_config(run.config), brand="Acme", first=date(2026, 10, 6),  # type: ignore[attr-defined]
            last=date(2026, 10, 8), clock=lambda: NOW,
        )  # fmt: skip
    finally:
        engine.dispose()
    assert span["frt_median_min"] == pytest.approx(want["frt_median_min"])
    assert span["resolution_median_min"] == pytest.approx(want["resolution_median_min"])


# -- item 5: competitors are first-class -----------------------------------------


def test_kpis_and_mentions_of_a_competitor(run: Run) -> None:
    (row,) = json.loads(ok(run("kpis", "--brand", "Globex", "--date", "2026-10-06", "--json")))
    assert row["brand"] == "Globex" and row["volume"] == 4  # g1, g2, g3, g5; not its own g4
    mentions = json.loads(ok(run("mentions", "--brand", "globex", "--since", "7d", "--json")))
    assert {m["brand"] for m in mentions} == {"Globex"} and len(mentions) == 5
    ok(run("digest", "--brand", "Globex", "--date", "2026-10-06"))


@pytest.mark.parametrize("command", ["kpis", "mentions", "digest"])
def test_a_wrong_brand_name_is_a_usage_error(run: Run, command: str) -> None:
    stderr = expect(run(command, "--brand", "Initech"), 2, "no brand or competitor named 'Initech'")
    assert "invalid config" not in stderr and "Globex (competitor)" in stderr


# -- item 7: mentions says how many it hides ------------------------------------


def test_mentions_title_says_n_of_total(run: Run) -> None:
    everything = json.loads(ok(run("mentions", "--since", "7d", "--limit", "10000", "--json")))
    assert len(everything) > 3
    out = ok(run("mentions", "--since", "7d", "--limit", "3"))
    assert f"3 of {len(everything)} mentions" in out
    out = ok(run("mentions", "--since", "7d", "--limit", "10000"))
    assert f"{len(everything)} mentions" in out and " of " not in out.splitlines()[0]


# -- item 15: one formatter for kpis and the digest -----------------------------


def test_kpis_and_digest_show_targets_alike(run: Run, tmp_path: Path) -> None:
    out = ok(run("kpis", "--date", DAY_AFTER))
    built = json.loads(ok(run("digest", "--date", DAY_AFTER, "--brand", "Acme", "--json")))
    html = Path(built[0]["html"]).read_text(encoding="utf-8")
    for target in ("≥ 90.0% /day", "≤ 1 h 00 min /week"):
        assert target in out
        assert target.replace("≥", "&ge;") in html or target in html
    assert "−" not in out  # one minus sign: ASCII
