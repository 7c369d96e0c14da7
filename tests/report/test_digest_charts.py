"""Charts: valid, non-trivial PNGs, and no crash on empty or missing data."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest

from monitor.report.charts import (
    FRT_TREND,
    SENTIMENT_MIX,
    VOLUME_BY_SOURCE,
    frt_trend_chart,
    render_charts,
    sentiment_mix_chart,
    volume_by_source_chart,
)
from monitor.report.model import History, SentimentCounts
from monitor.report.sample import sample_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_sample_charts_are_real_pngs() -> None:
    charts = render_charts(sample_digest().history)
    assert list(charts) == [SENTIMENT_MIX, VOLUME_BY_SOURCE, FRT_TREND]
    for name, png in charts.items():
        width, height = png_size(png)
        assert (width, height) == (864, 374), name
        # A drawn chart with bars/lines is far larger than the "no data" placeholder.
        assert len(png) > 15_000, name


@pytest.mark.parametrize(
    "history",
    [
        None,
        History(),
        History(days=[date(2024, 5, 1)]),
        History(
            days=[date(2024, 5, 1), date(2024, 5, 2)],
            sentiment=[SentimentCounts(), SentimentCounts()],
            volume_by_source={"x": [0, 0]},
            frt_median_min=[None, None],
            sla_minutes=60,
        ),
    ],
    ids=["none", "empty", "days-only", "all-zero"],
)
def test_empty_data_draws_placeholder(history: History | None) -> None:
    for png in render_charts(history).values():
        png_size(png)
        assert 3_000 < len(png) < 15_000  # a titled "no data" card, not a drawn chart


def test_single_day_and_gaps() -> None:
    history = History(
        days=[date(2024, 5, 1)],
        sentiment=[SentimentCounts(positive=1)],
        volume_by_source={"x": [1]},
        frt_median_min=[0.0],
        sla_minutes=None,
    )
    for png in (sentiment_mix_chart(history), volume_by_source_chart(history)):
        png_size(png)
    png_size(frt_trend_chart(history))


def test_thirty_days_with_missing_frt() -> None:
    days = [date(2024, 4, 1) + timedelta(days=i) for i in range(30)]
    history = History(
        days=days,
        sentiment=[SentimentCounts(i, 2 * i, i % 5) for i in range(30)],
        volume_by_source={"x": list(range(30)), "reddit": [3] * 30},
        frt_median_min=[None if i % 4 == 0 else 20.0 + i for i in range(30)],
        sla_minutes=60,
    )
    assert len(frt_trend_chart(history)) > 15_000


def test_same_data_same_bytes() -> None:
    history = sample_digest().history
    assert sentiment_mix_chart(history) == sentiment_mix_chart(history)
