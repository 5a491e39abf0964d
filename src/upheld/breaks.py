"""Known breaks in the series: dated notes, kept in data/series_breaks.toml, that trend charts,
trend tables and the methodology show beside the year they concern."""

from __future__ import annotations

import functools
import importlib.resources
import tomllib
from dataclasses import dataclass

from upheld.core.periods import ReviewYear


@dataclass(frozen=True)
class SeriesBreak:
    """A change that makes a year's figures not directly comparable with earlier years."""

    year: ReviewYear
    note: str


@functools.cache
def series_breaks() -> tuple[SeriesBreak, ...]:
    """Every known break, oldest first."""
    text = (importlib.resources.files("upheld") / "data" / "series_breaks.toml").read_text("utf-8")
    found = [
        SeriesBreak(ReviewYear.parse(entry["year"]), str(entry["note"]))
        for entry in tomllib.loads(text).get("break", [])
    ]
    return tuple(sorted(found, key=lambda b: b.year))


def notes_for(labels: list[str]) -> dict[str, str]:
    """The breaks among some years, by year label: what a trend over them should say."""
    wanted = set(labels)
    return {b.year.label: b.note for b in series_breaks() if b.year.label in wanted}
