"""DigestData to and from JSON-compatible dicts (sample digests, archived digest data)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from monitor.report.model import (
    Alert,
    DigestData,
    History,
    KpiLine,
    Mention,
    SentimentCounts,
    ShareOfVoice,
    UnansweredItem,
)

T = TypeVar("T")


class DigestFormatError(ValueError):
    """A digest dict is malformed; the message names the offending path."""


def _json_default(value: Any) -> Any:
    """Dates and datetimes as ISO 8601 strings."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _jsonable(value: Any) -> Any:
    """Recursively turn dataclass dicts into JSON-ready values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _json_default(value)


def digest_to_dict(digest: DigestData) -> dict[str, Any]:
    """A JSON-serialisable dict (dates and times as ISO 8601 strings)."""
    result: dict[str, Any] = _jsonable(asdict(digest))
    return result


def _datetime(value: Any, where: str) -> datetime:
    """Parse an aware ISO 8601 datetime."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise DigestFormatError(f"{where}: {value!r} is not an ISO 8601 datetime") from exc
    if parsed.tzinfo is None:
        raise DigestFormatError(f"{where}: {value!r} has no UTC offset")
    return parsed


def _date(value: Any, where: str) -> date:
    """Parse an ISO 8601 date."""
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise DigestFormatError(f"{where}: {value!r} is not an ISO 8601 date") from exc


def _build(where: str, factory: Callable[..., T], fields: Mapping[str, Any]) -> T:
    """Call a dataclass constructor, turning its complaints into path-naming errors."""
    if not isinstance(fields, Mapping):
        raise DigestFormatError(f"{where}: expected an object, got {type(fields).__name__}")
    try:
        return factory(**fields)
    except (TypeError, ValueError) as exc:
        raise DigestFormatError(f"{where}: {exc}") from exc


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    """Insist on an object before its keys are read."""
    if not isinstance(value, Mapping):
        raise DigestFormatError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _items(data: Mapping[str, Any], key: str) -> list[Any]:
    """A list-valued key, empty when absent."""
    value = data.get(key) or []
    if not isinstance(value, list):
        raise DigestFormatError(f"{key}: expected a list, got {type(value).__name__}")
    return value


def _history(raw: Mapping[str, Any] | None) -> History:
    """Parse the chart series."""
    if not raw:
        return History()
    raw = _mapping(raw, "history")
    days = [_date(d, f"history.days[{i}]") for i, d in enumerate(raw.get("days") or [])]
    sentiment = [
        _build(f"history.sentiment[{i}]", SentimentCounts, s)
        for i, s in enumerate(raw.get("sentiment") or [])
    ]
    fields = {**raw, "days": days, "sentiment": sentiment}
    return _build("history", History, fields)


def digest_from_dict(data: Mapping[str, Any]) -> DigestData:
    """Build DigestData from a dict as written by ``digest_to_dict`` (or hand-written JSON)."""
    if not isinstance(data, Mapping):
        raise DigestFormatError(f"digest: expected an object, got {type(data).__name__}")
    for key in ("brand", "day", "timezone", "generated_at"):
        if key not in data:
            raise DigestFormatError(f"digest: missing required key {key!r}")
    kpis = [_build(f"kpis[{i}]", KpiLine, k) for i, k in enumerate(_items(data, "kpis"))]
    unanswered = [
        _build(f"top_unanswered[{i}]", UnansweredItem, u)
        for i, u in enumerate(_items(data, "top_unanswered"))
    ]
    mentions: dict[str, list[Mention]] = {}
    for key in ("most_negative", "most_positive"):
        mentions[key] = [
            _build(
                f"{key}[{i}]",
                Mention,
                {
                    **_mapping(m, f"{key}[{i}]"),
                    "created_at": _datetime(m.get("created_at"), f"{key}[{i}].created_at"),
                },
            )
            for i, m in enumerate(_items(data, key))
        ]
    alerts = [
        _build(
            f"alerts[{i}]",
            Alert,
            {**_mapping(a, f"alerts[{i}]"), "at": _datetime(a.get("at"), f"alerts[{i}].at")},
        )
        for i, a in enumerate(_items(data, "alerts"))
    ]
    sov_raw = data.get("share_of_voice")
    sov = None if sov_raw is None else _build("share_of_voice", ShareOfVoice, sov_raw)
    return _build(
        "digest",
        DigestData,
        {
            "brand": data["brand"],
            "day": _date(data["day"], "day"),
            "timezone": data["timezone"],
            "generated_at": _datetime(data["generated_at"], "generated_at"),
            "kpis": kpis,
            "history": _history(data.get("history")),
            "top_unanswered": unanswered,
            "most_negative": mentions["most_negative"],
            "most_positive": mentions["most_positive"],
            "share_of_voice": sov,
            "alerts": alerts,
        },
    )
