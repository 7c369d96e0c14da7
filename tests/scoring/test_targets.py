"""Targets from config; KPIs over a day range (judging: tests/pipeline/test_kpi_report.py)."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.scoring import (
    Target,
    parse_targets,
    period_kpis,
)
from tests.scoring.scenario import Scenario, build

D_BEFORE, D = date(2026, 10, 5), date(2026, 10, 6)


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return build()


def test_parse_targets() -> None:
    targets = parse_targets(
        {"frt_median_min": {"max": 60}, "volume": {"min": 30, "period": "week"}}, "targets.acme"
    )
    assert targets == {
        "frt_median_min": Target("frt_median_min", "max", 60.0, "day"),
        "volume": Target("volume", "min", 30.0, "week"),
    }
    assert parse_targets(None) == {}
    assert targets["volume"].describe() == "≥ 30 /week"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"speed": {"max": 1}}, "targets.acme.speed: unknown KPI"),
        ({"fcr_rate": 0.8}, "targets.acme.fcr_rate: expected {min: N} or {max: N}"),
        ({"fcr_rate": {"min": 0.5, "max": 0.9}}, "give exactly one of min or max"),
        ({"fcr_rate": {"min": "high"}}, "targets.acme.fcr_rate.min: expected a number"),
        ({"fcr_rate": {"min": True}}, "expected a number"),
        ({"fcr_rate": {"min": 0.5, "period": "month"}}, "period: expected day or week"),
        ({"fcr_rate": {"min": 0.5, "every": "day"}}, "unknown keys \\['every'\\]"),
    ],
)
def test_bad_targets_name_the_place(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_targets(raw, "targets.acme")


def test_period_kpis_recompute_instead_of_averaging(sc: Scenario) -> None:
    rows = period_kpis(sc.mentions, sc.profile, sc.params, sc.resolutions, D_BEFORE, D, sc.now)
    row = rows[0]
    assert (row.source, row.date, row.end_date) == ("all", "2026-10-05", "2026-10-06")
    assert row.to_dict()["end_date"] == "2026-10-06"
    assert (row.volume, row.complaints, row.answered) == (3 + 19, 2 + 7, 2 + 5)
    # FRTs 1380, 40 | 210, 20, 45, 1500, 30 → sorted 20 30 40 45 210 1380 1500:
    # median 45, p90 rank ⌈6.3⌉ = 7 → 1500
    assert (row.frt_median_min, row.frt_p90_min) == (45, 1500)
    # resolutions 1380, 120 | 240, 20, 240, 60 → 20 60 120 240 240 1380: (120 + 240)/2
    assert row.resolution_median_min == 180
    assert row.fcr_rate == pytest.approx(5 / 6)
    assert row.effort_proxy == pytest.approx((2 + 1 + 3 + 1 + 2 + 1) / 6)
    # Globex: g6 on D-1, g1 g2 g3 g5 on D
    assert row.share_of_voice == pytest.approx(100 * 22 / 27)
