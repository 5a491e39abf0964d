"""The national picture the demo is calibrated to: yearly figures, the shape of a year, timings."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from upheld.core.periods import ReviewYear


@dataclass(frozen=True)
class YearFigures:
    """What the ombudsman published nationally for one review year."""

    received: int
    investigated: int
    uphold_rate: float
    complied_late: float
    not_complied: float


# From the ombudsman's annual reviews (methodology.md); the late and not-complied shares between the
# published points are interpolated.
FIGURES: dict[int, YearFigures] = {
    2017: YearFigures(17_452, 4_020, 0.57, 0.08, 0.006),
    2018: YearFigures(16_899, 4_234, 0.58, 0.08, 0.006),
    2019: YearFigures(16_900, 4_200, 0.61, 0.08, 0.006),
    2020: YearFigures(11_830, 3_100, 0.67, 0.13, 0.005),
    2021: YearFigures(16_000, 4_000, 0.66, 0.18, 0.003),
    2022: YearFigures(15_488, 3_400, 0.74, 0.20, 0.005),
    2023: YearFigures(17_937, 4_003, 0.80, 0.22, 0.005),
    2024: YearFigures(20_400, 4_000, 0.83, 0.23, 0.003),
}


def figures_for(year: ReviewYear) -> YearFigures:
    """The national figures for a year, or those of the nearest year we know."""
    known = sorted(FIGURES)
    nearest = min(known, key=lambda y: (abs(y - year.start_year), -y))
    return FIGURES[nearest]


# Fewer complaints arrive around Christmas and in August; more after the new year.
_SEASON = {1: 1.10, 2: 1.02, 3: 1.05, 4: 0.94, 5: 0.98, 6: 1.00,
           7: 1.04, 8: 0.90, 9: 1.00, 10: 1.04, 11: 1.02, 12: 0.82}  # fmt: skip

# The ombudsman stopped casework from late March to the end of June 2020; people largely stopped
# complaining too, and receipts took a few months to recover.
_DISRUPTION = {(2020, 3): 0.85, (2020, 4): 0.10, (2020, 5): 0.18, (2020, 6): 0.45, (2020, 7): 0.90}

CASEWORK_PAUSES: tuple[tuple[date, date], ...] = ((date(2020, 3, 26), date(2020, 6, 29)),)
"""Periods when no decisions were made; decisions due then were made in the weeks after."""


def month_share(year: int, month: int) -> float:
    """The share of its review year's complaints received in a calendar month."""
    review = ReviewYear.containing(date(year, month, 1))
    weights = {ym: _SEASON[ym[1]] * _DISRUPTION.get(ym, 1.0) for ym in _months_of(review)}
    return weights[(year, month)] / sum(weights.values())


def _months_of(year: ReviewYear) -> list[tuple[int, int]]:
    return [(year.start_year + (m >= 13), (m - 1) % 12 + 1) for m in range(4, 16)]


@dataclass(frozen=True)
class Track:
    """How long one kind of case takes to decide: day ranges with weights."""

    name: str
    share: float
    spans: tuple[tuple[int, int, float], ...]

    def cumulative(self) -> list[float]:
        """Running totals of the span weights, for drawing a span."""
        totals: list[float] = []
        running = 0.0
        for _low, _high, weight in self.spans:
            running += weight
            totals.append(running)
        return totals

    def draw(self, rng: random.Random, cumulative: Sequence[float]) -> int:
        """Days from receipt to decision for one case on this track."""
        low, high, _ = self.spans[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        return low + int(rng.random() * (high - low + 1))


# Premature complaints, advice and invalid ones are dealt with quickly; assessments take weeks;
# detailed investigations take months. The investigation track's share is set so that even the
# first year, which lacks cases received before the demo starts, reaches its investigations.
QUICK = Track("quick", 0.46, ((1, 14, 0.25), (15, 30, 0.30), (31, 60, 0.30), (61, 120, 0.15)))
ASSESSMENT = Track(
    "assessment",
    0.18,
    ((14, 30, 0.15), (31, 60, 0.35), (61, 90, 0.25), (91, 150, 0.18), (151, 240, 0.07)),
)
INVESTIGATION = Track(
    "investigation",
    0.36,
    (
        (30, 60, 0.06),
        (61, 90, 0.12),
        (91, 120, 0.16),
        (121, 150, 0.16),
        (151, 180, 0.14),
        (181, 240, 0.18),
        (241, 300, 0.10),
        (301, 365, 0.06),
        (366, 480, 0.02),
    ),
)
TRACKS = (QUICK, ASSESSMENT, INVESTIGATION)


def after_pauses(day: int, rng: random.Random) -> int:
    """The day a decision was actually made, given the casework pauses (days as ordinals)."""
    for first, last in CASEWORK_PAUSES:
        if first.toordinal() <= day <= last.toordinal():
            return last.toordinal() + 1 + int(rng.random() * 75)
    return day


def _decision_year_start(start_year: int) -> int:
    start = ReviewYear(start_year).start
    for first, last in CASEWORK_PAUSES:
        if first <= start <= last:
            return first.toordinal()
    return start.toordinal()


def expected_decisions(
    daily_received: Sequence[float],
    first_day: int,
    last_day: int,
    track: Track,
    years: Sequence[int],
) -> dict[int, float]:
    """Expected decisions per review year on one track, from expected receipts per day."""
    # A decision that would fall in a pause is made just after it, so a pause that straddles
    # 1 April moves the start of the next year back to the pause's first day.
    bounds = {
        y: (_decision_year_start(y), min(_decision_year_start(y + 1) - 1, last_day)) for y in years
    }
    total = sum(weight for _, _, weight in track.spans)
    expected = dict.fromkeys(years, 0.0)
    for offset, volume in enumerate(daily_received):
        if not volume:
            continue
        day = first_day + offset
        for low, high, weight in track.spans:
            span_start, span_end = day + low, day + high
            per_day = volume * track.share * weight / total / (high - low + 1)
            for start_year, (start, end) in bounds.items():
                overlap = min(span_end, end) - max(span_start, start) + 1
                if overlap > 0:
                    expected[start_year] += overlap * per_day
    return expected
