"""The KPI page's data (pipeline/kpi_page.py) equals ``monitor kpis --json``, on both backends."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.config import load_config
from monitor.errors import UsageError
from monitor.pipeline.digest import history_from_rows
from monitor.pipeline.kpi_page import kpi_chart, kpi_view
from monitor.pipeline.score import score_days
from monitor.pipeline.search import MentionQuery, search_mentions
from monitor.report.charts import CHART_TITLES, render_charts
from monitor.scoring import KPI_KEYS
from monitor.storage.db import session_scope
from monitor.storage.digests import kpi_rows as stored_rows
from tests.cli.test_boundary import Cli
from tests.cli.test_kpis_cli import AT_NOW
from tests.cli.test_scoring_cli import CONFIG
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import NOW, build


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> tuple[Engine, Cli]:
    """The scenario in the database, and the real CLI configured on that same database."""
    sc = build()
    frank = next(m for m in sc.mentions if m.key == "x:401")
    seed(engine, sc, [*sc.mentions, replace(frank, external_id="402", text="@AcmeHelp hi?")])
    cli = Cli(tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    cli.config.write_text(
        CONFIG.format(db="PLACEHOLDER").replace("sqlite:///PLACEHOLDER", url), encoding="utf-8"
    )
    return engine, cli


def _cli_json(cli: Cli, *args: str) -> list[dict[str, object]]:
    result = cli("kpis", *args, "--json", code=AT_NOW)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_page_shows_what_monitor_kpis_shows(setup: tuple[Engine, Cli]) -> None:
    engine, cli = setup
    settings = load_config(cli.config)
    view = kpi_view(engine, settings, brand="Acme", clock=lambda: NOW)
    assert json.loads(json.dumps(view.documents)) == _cli_json(cli, "--brand", "Acme")
    assert (view.first, view.last, view.judged) == (
        date(2026, 10, 2), date(2026, 10, 8), date(2026, 10, 7),
    )  # fmt: skip
    assert [s.key for s in view.statuses] == list(KPI_KEYS)
    rate = next(s for s in view.statuses if s.key == "response_rate")
    assert rate.target == "≥ 90.0% /day" and rate.met in (True, False)
    assert view.range_document is not None and view.range_document["end_date"] == "2026-10-08"
    assert len(view.day_rows) == 7 and view.day_rows[-1]["partial"] is True
    # three days ending yesterday: nothing partial, yesterday judged
    first, last = date(2026, 10, 5), date(2026, 10, 7)
    three = kpi_view(engine, settings, brand="Acme", first=first, last=last, clock=lambda: NOW)
    wanted = _cli_json(cli, "--brand", "Acme", "--days", "4")[:3]  # 10-05 .. 10-07 of 10-08
    assert json.loads(json.dumps(three.day_rows)) == wanted  # yesterday judged in both
    assert three.judged == last and "partial" not in three.day_rows[-1]


def test_a_competitor_day_and_its_share_of_voice(setup: tuple[Engine, Cli]) -> None:
    engine, cli = setup
    settings = load_config(cli.config)
    day = date(2026, 10, 6)
    view = kpi_view(engine, settings, brand="globex", first=day, last=day, clock=lambda: NOW)
    assert json.loads(json.dumps(view.documents)) == _cli_json(
        cli, "--brand", "Globex", "--date", "2026-10-06"
    )
    assert view.brand == "Globex" and view.documents[0]["volume"] == 4
    acme = search_mentions(
        engine, settings, MentionQuery(brand="Acme", first=day, last=day, per_page=500), now=NOW
    )
    assert view.share_of_voice == {"Acme": acme.total, "Globex": 4}


def test_bad_ranges_are_usage_errors(setup: tuple[Engine, Cli]) -> None:
    engine, cli = setup
    settings = load_config(cli.config)
    with pytest.raises(UsageError, match="ends after today"):
        kpi_view(engine, settings, brand="Acme", last=date(2026, 10, 9), clock=lambda: NOW)
    with pytest.raises(UsageError, match=r"ends \(2026-10-01\) before it starts"):
        kpi_view(
            engine, settings, brand="Acme", first=date(2026, 10, 5), last=date(2026, 10, 1),
            clock=lambda: NOW,
        )  # fmt: skip
    with pytest.raises(UsageError, match="no brand or competitor named 'Initech'"):
        kpi_view(engine, settings, brand="Initech", clock=lambda: NOW)


def test_charts_are_the_digests_pngs(setup: tuple[Engine, Cli]) -> None:
    engine, cli = setup
    settings = load_config(cli.config)
    days = [date(2026, 10, d) for d in range(1, 9)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    charts = {
        name: kpi_chart(engine, settings, brand="Acme", first=days[0], last=days[-1], name=name)
        for name in CHART_TITLES
    }
    with session_scope(engine) as session:
        rows = stored_rows(session, "Acme", days[0], days[-1])
    assert len(rows) > 8  # scored: the charts have data
    digest = render_charts(history_from_rows(rows, days[0], days[-1], 60))
    assert charts == digest  # the digest's own drawing of the same rows
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in charts.values())
    with pytest.raises(UsageError, match="no chart called 'pie'"):
        kpi_chart(engine, settings, brand="Acme", first=days[0], last=days[-1], name="pie")
