"""A page's .json twin: the same data as the page, without the drawn charts.

Charts are the only presentation in page data: SVG strings under keys ending in "chart" (and
their text alternatives, "chart_alt"). Everything else a page shows is in its twin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_chart(key: str) -> bool:
    """Whether a page's key holds a drawn chart."""
    return key == "chart" or key.endswith("_chart") or key == "chart_alt"


def without_charts(value: Any) -> Any:
    """Page data for its .json twin: everything but the drawn charts."""
    if isinstance(value, Mapping):
        return {k: without_charts(v) for k, v in value.items() if not is_chart(k)}
    if isinstance(value, list):
        return [without_charts(v) for v in value]
    return value
