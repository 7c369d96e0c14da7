"""DigestData validation and its JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from monitor.report.model import Alert, DigestData, History, KpiLine, SentimentCounts, ShareOfVoice
from monitor.report.sample import sample_digest
from monitor.report.serialize import DigestFormatError, digest_from_dict, digest_to_dict

NOW = datetime(2024, 5, 15, 5, 0, tzinfo=UTC)


def test_naive_generated_at_rejected() -> None:
    with pytest.raises(ValueError, match="generated_at must be timezone-aware"):
        DigestData("Acme", date(2024, 5, 14), "UTC", datetime(2024, 5, 15, 5, 0))


def test_unknown_time_zone_rejected() -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a known IANA time zone"):
        DigestData("Acme", date(2024, 5, 14), "Mars/Olympus", NOW)


def test_bad_unit_named() -> None:
    with pytest.raises(ValueError, match="KpiLine 'volume': unit 'percent'"):
        KpiLine("volume", "Volume", 1, "percent")  # type: ignore[arg-type]


def test_misaligned_history_named() -> None:
    with pytest.raises(ValueError, match=r"volume_by_source\['x'\] has 1 entries for 2 days"):
        History(days=[date(2024, 5, 1), date(2024, 5, 2)], volume_by_source={"x": [1]})
    with pytest.raises(ValueError, match="sentiment has 1 entries for 2 days"):
        History(days=[date(2024, 5, 1), date(2024, 5, 2)], sentiment=[SentimentCounts()])


def test_alert_needs_aware_time() -> None:
    with pytest.raises(ValueError, match="Alert 'spike' at must be timezone-aware"):
        Alert("spike", "Acme", "m", datetime(2024, 5, 14, 3, 0))


def test_share_of_voice() -> None:
    sov = ShareOfVoice(brand_volume=25, competitors={"Globex": 75})
    assert sov.brand_pct == 25.0
    assert ShareOfVoice(0).brand_pct is None


def test_json_round_trip() -> None:
    digest = sample_digest()
    text = json.dumps(digest_to_dict(digest))
    assert digest_from_dict(json.loads(text)) == digest


def test_json_errors_name_the_path() -> None:
    data = digest_to_dict(sample_digest())
    data["kpis"][2]["unit"] = "bogus"
    with pytest.raises(DigestFormatError, match=r"kpis\[2\]: KpiLine 'csat_proxy': unit 'bogus'"):
        digest_from_dict(data)
    data = digest_to_dict(sample_digest())
    data["most_negative"][1]["created_at"] = "2024-05-14T10:00:00"
    with pytest.raises(DigestFormatError, match=r"most_negative\[1\].created_at: .* no UTC offset"):
        digest_from_dict(data)
    with pytest.raises(DigestFormatError, match="missing required key 'day'"):
        digest_from_dict({"brand": "x", "timezone": "UTC", "generated_at": NOW.isoformat()})
