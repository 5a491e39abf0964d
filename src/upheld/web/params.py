"""Reading a web address's query: every number bounded, every choice from its list, or a 400."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import QueryParams

from upheld.core.periods import ReviewYear
from upheld.errors import BadParameter

MAX_PAGE = 1_000_000
"""The highest page number any list answers (a million decisions one to a page)."""
MAX_TEXT = 1000
"""The longest search text or filter value read."""


def whole_number(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter from `low` to `high`, or its default when absent."""
    written = params.get(name)
    if written is None or written == "":
        return default
    # int() of a thousand-digit string is slow, and nothing valid is that long.
    if len(written) > len(str(high)) + 1 or not written.strip().lstrip("+-").isdigit():
        raise BadParameter(f"{name} must be a whole number from {low} to {high}, not {written!r}")
    number = int(written)
    if not low <= number <= high:
        raise BadParameter(f"{name} must be a whole number from {low} to {high}, not {written!r}")
    return number


def page_number(params: QueryParams) -> int:
    """The page of a list asked for: 1 to MAX_PAGE."""
    return whole_number(params, "page", 1, 1, MAX_PAGE)


def choice(params: QueryParams, name: str, default: str, allowed: Iterable[str]) -> str:
    """A parameter that must be one of a closed list."""
    written = params.get(name) or default
    options = list(allowed)
    if written not in options:
        raise BadParameter(f"{name} must be one of {', '.join(options)}, not {written[:60]!r}")
    return written


def text(params: QueryParams, name: str) -> str:
    """A free-text parameter, trimmed; empty when absent."""
    written = params.get(name, "").strip()
    if len(written) > MAX_TEXT:
        raise BadParameter(f"{name} must be at most {MAX_TEXT} characters long")
    return written


def review_year(written: str) -> ReviewYear:
    """A review year written like 2024-25, from a parameter."""
    try:
        return ReviewYear.parse(written)
    except ValueError as exc:
        raise BadParameter(str(exc)) from None
