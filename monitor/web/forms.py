"""Reading the read-only pages' query strings: dates and whole numbers, with clear errors."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import QueryParams

from monitor.errors import UsageError


def text_param(query: QueryParams, name: str, limit: int = 200) -> str:
    """A trimmed text field ("" when absent), cut to ``limit`` characters."""
    return query.get(name, "").strip()[:limit]


def day_param(query: QueryParams, name: str) -> date | None:
    """A ``YYYY-MM-DD`` field, or None when empty; anything else is a UsageError naming it."""
    value = text_param(query, name, 40)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def int_param(query: QueryParams, name: str, default: int, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high`` (``default`` when empty)."""
    value = text_param(query, name, 40)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise UsageError(f"{name} must be between {low} and {high}, not {number}")
    return number
