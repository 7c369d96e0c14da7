"""A multi-day row merged from the days' parts equals the row recomputed over those days."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings

from monitor.scoring import BrandView, analyze_view, kpis_from_view
from monitor.scoring.kpis import row_from_parts
from monitor.scoring.parts import KpiParts
from tests.scoring.test_properties import DAYS, PROFILE, World, worlds


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_merged_days_equal_the_recomputed_range(world: World) -> None:
    view = BrandView.build(world.mentions, PROFILE, world.now)
    complaints = analyze_view(view, world.params, world.resolutions)
    first, last = min(DAYS), max(DAYS) + timedelta(days=1)
    whole = {r.source: r for r in kpis_from_view(view, complaints, world.params, first, last)}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for source, expected in whole.items():
        daily = [
            next(r for r in kpis_from_view(view, complaints, world.params, d, d, (source,))
                 if r.source == source)
            for d in days
        ]  # fmt: skip
        # through JSON, as stored: the minute lists must survive it exactly
        stored = [KpiParts.from_json(json.loads(json.dumps(r.parts.to_json()))) for r in daily]  # type: ignore[union-attr]
        merged = KpiParts.merge(p for p in stored if p is not None)
        got = row_from_parts(expected.brand, source, first, last, merged, bool(PROFILE.competitors))
        assert got.to_dict() == expected.to_dict()


def test_parts_of_another_version_are_not_used() -> None:
    assert KpiParts.from_json({"v": 99, "volume": 3}) is None
    assert KpiParts.from_json({}) is None
