"""What a council's figure can bear: how sure it is (its interval), whether it differs from its
peers beyond chance given its base (its comparison), and whether it changed on the year before
beyond chance (its change). The statistics catalogue says, through each statistic's unit, whether
a figure is a proportion (binomial) or a rate per residents (Poisson); the methods are in
`core.uncertainty`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor
from typing import TypedDict

from upheld.core.catalogue import Statistic, round_half_up
from upheld.core.stats import Average, Counts
from upheld.core.uncertainty import (
    CONFIDENCE,
    CONFIDENCE_STRICT,
    Comparison,
    beyond_chance,
    binomial_limits,
    compare_count,
    compare_proportion,
    difference_interval,
    poisson_interval,
    poisson_limits,
    wilson_interval,
)
from upheld.core.wording import plural

MINIMUM_BASE = 5
"""A rate from fewer cases than this is "too few to compare" (a setting: [statistics])."""

SAID: dict[Comparison | None, str] = {
    "within": "in line with similar authorities, given the number of cases",
    "above": "higher than similar authorities, by more than chance would explain",
    "well_above": "much higher than similar authorities, well beyond what chance would explain",
    "below": "lower than similar authorities, by more than chance would explain",
    "well_below": "much lower than similar authorities, well beyond what chance would explain",
    "too_few": "based on too few cases to compare with similar authorities",
    None: "not compared with similar authorities",
}
"""Each comparison as letters and pages say it, after "This is ..."."""
IN_SHORT: dict[Comparison | None, str] = {
    "within": "Within the expected range",
    "above": "Above the expected range",
    "well_above": "Well above the expected range",
    "below": "Below the expected range",
    "well_below": "Well below the expected range",
    "too_few": "Too few to compare",
    None: "Not compared",
}
"""Each comparison in a few words, for tables and plots."""
WHEN: dict[Comparison | None, str] = {
    "within": "inside the 95% limits",
    "above": "above the 95% limits, inside the 99.8% ones",
    "well_above": "above the 99.8% limits",
    "below": "below the 95% limits, inside the 99.8% ones",
    "well_below": "below the 99.8% limits",
    "too_few": "based on fewer cases than the minimum",
    None: "there is no average, or nothing to divide by",
}
"""When a figure gets each comparison, as the methodology says it."""


class Change(TypedDict):
    """A figure's change on the year before, with its 95% interval."""

    previous: int | float | None
    difference: float
    interval: list[float]
    beyond_chance: bool
    too_few: bool
    """Whether either year rests on too few cases to judge the change (never beyond chance)."""


@dataclass(frozen=True)
class Limits:
    """Funnel limits at one base, in the statistic's unit: 95% and 99.8%."""

    base: float
    low: float
    high: float
    strict_low: float
    strict_high: float


def likely(statistic: Statistic, counts: Counts) -> str:
    """A figure's 95% interval as a range to read: "75% to 92%"; empty when n/a. The ends are
    rounded outwards from the exact interval, so the range is never narrower than it."""
    found = raw_interval(statistic, counts)
    if found is None:
        return ""
    unit = statistic.unit
    if unit.places == 0:
        return f"{unit.text(floor(found[1]))} to {unit.text(ceil(found[2]))}"
    tenths = 10**unit.places
    low, high = floor(found[1] * tenths) / tenths, ceil(found[2] * tenths) / tenths
    return f"{unit.text(low)} to {unit.text(high)}"


def likely_words(statistic: Statistic, counts: Counts) -> str:
    """A figure's 95% interval in words: "likely between 75% and 92%"; empty when n/a."""
    found = likely(statistic, counts)
    return "likely between " + found.replace(" to ", " and ") if found else ""


def sure(statistic: Statistic, counts: Counts) -> str:
    """A figure with how sure it is, as pages and letters say it: "85%, likely between 75% and
    92%, from 68 detailed investigations."; empty when n/a."""
    words = likely_words(statistic, counts)
    if not words:
        return ""
    # A rate per residents is uncertain in its count, not its population: say what was counted.
    counted = statistic.numerator if _poisson(statistic) else statistic.denominator
    noun = statistic.numerator_noun if _poisson(statistic) else statistic.denominator_noun
    base = plural(counts.count(counted), *noun)
    return f"{counts.shown(statistic.key)}, {words}, from {base}."


def said(comparison: Comparison | None) -> str:
    """How a figure compares with similar authorities, as a sentence ("This is in line with
    similar authorities, given the number of cases."); empty when it is not compared."""
    return "" if comparison is None else f"This is {SAID[comparison]}."


def change_words(
    statistic: Statistic, found: Change | None, now: int | float | None, before: str
) -> str:
    """A figure's change on the year before in words: "Up from 71% in 2023-24; a change this
    size is within what chance explains."; empty when either year's figure is n/a."""
    if found is None or now is None:
        return ""
    previous = statistic.unit.text(found["previous"])
    if now == found["previous"]:
        return f"The same as in {before} ({previous})."
    direction = "Up" if now > (found["previous"] or 0) else "Down"
    if found["too_few"]:
        return (
            f"{direction} from {previous} in {before}; too few cases to tell whether that is "
            "more than chance."
        )
    if found["beyond_chance"]:
        return f"{direction} from {previous} in {before}, by more than chance would explain."
    within = "a change this size is within what chance explains"
    return f"{direction} from {previous} in {before}; {within}."


def _counts(statistic: Statistic, counts: Counts) -> tuple[int, int]:
    return counts.count(statistic.numerator), counts.count(statistic.denominator)


def _poisson(statistic: Statistic) -> bool:
    # A rate per residents counts events among many people: a Poisson count. A percentage is a
    # share of cases: binomial.
    return statistic.unit.scale != 100


def _shown(value: float) -> float:
    """A bound in a statistic's unit, to one decimal place, half up."""
    return float(round_half_up(Fraction(value), 1))


def raw_interval(statistic: Statistic, counts: Counts) -> tuple[float, float, float] | None:
    """A figure's estimate and 95% interval in its unit, unrounded; None when n/a."""
    numerator, denominator = _counts(statistic, counts)
    if denominator == 0:
        return None
    scale = statistic.unit.scale
    estimate = numerator / denominator * scale
    if _poisson(statistic):
        low, high = poisson_interval(numerator, CONFIDENCE)
        return estimate, low / denominator * scale, high / denominator * scale
    found = wilson_interval(numerator, denominator, CONFIDENCE)
    assert found is not None
    return estimate, found[0] * scale, found[1] * scale


def interval(statistic: Statistic, counts: Counts) -> list[float] | None:
    """A figure's 95% interval in its unit, to one decimal place: [low, high]; None when n/a."""
    found = raw_interval(statistic, counts)
    return None if found is None else [_shown(found[1]), _shown(found[2])]


def base(statistic: Statistic, counts: Counts, average: Average | None) -> int:
    """What "too few to compare" is judged on: the cases a rate is out of, or, for a rate per
    residents, the count seen or the count expected at the average rate, whichever is larger."""
    denominator = counts.count(statistic.denominator)
    if not _poisson(statistic):
        return denominator
    target = average.rate(statistic.key) if average else None
    expected = floor(target * denominator) if target is not None else 0
    return max(expected, counts.count(statistic.numerator))


def comparison(
    statistic: Statistic, counts: Counts, average: Average | None, minimum_base: int
) -> Comparison | None:
    """How a council compares with its peers' average, allowing for chance at its base; None
    when there is no average or nothing to divide by."""
    numerator, denominator = _counts(statistic, counts)
    target = average.rate(statistic.key) if average else None
    if target is None or denominator == 0:
        return None
    if _poisson(statistic):
        expected = float(target) * denominator
        judged_on = base(statistic, counts, average)
        return compare_count(numerator, expected, judged_on, minimum_base)
    return compare_proportion(numerator, denominator, float(target), minimum_base)


def pooled_comparison(
    statistic: Statistic, counts: Counts, pooled: Counts | None, minimum_base: int
) -> Comparison | None:
    """As `comparison`, against a peer group's counts added up (a service area's)."""
    if pooled is None:
        return None
    numerator, denominator = _counts(statistic, pooled)
    if denominator == 0:
        return None
    average = Average({statistic.key: Fraction(numerator, denominator)}, 0, "pooled")
    return comparison(statistic, counts, average, minimum_base)


def change(
    statistic: Statistic,
    counts: Counts,
    previous: Counts | None,
    minimum_base: int = MINIMUM_BASE,
) -> Change | None:
    """A figure's change on the year before, with the 95% interval for the difference (MOVER);
    None when either year's figure is n/a. A change resting on too few cases is never beyond
    chance: for a rate, either year out of fewer than the minimum; for a rate per residents,
    fewer than the minimum counted in the two years together."""
    if previous is None:
        return None
    now, before = raw_interval(statistic, counts), raw_interval(statistic, previous)
    if now is None or before is None:
        return None
    if _poisson(statistic):
        counted = counts.count(statistic.numerator) + previous.count(statistic.numerator)
        too_few = counted < minimum_base
    else:
        bases = (counts.count(statistic.denominator), previous.count(statistic.denominator))
        too_few = min(bases) < minimum_base
    low, high = difference_interval(before, now)
    return {
        "previous": previous.figure(statistic.key),
        "difference": _shown(now[0] - before[0]),
        "interval": [_shown(low), _shown(high)],
        "beyond_chance": not too_few and beyond_chance((low, high)),
        "too_few": too_few,
    }


def funnel(statistic: Statistic, target: float, bases: list[float]) -> list[Limits]:
    """Funnel limits around an average proportion at each base, in the statistic's unit."""
    scale = statistic.unit.scale
    found = []
    for at in bases:
        if _poisson(statistic):
            low, high = poisson_limits(target * at, CONFIDENCE)
            strict_low, strict_high = poisson_limits(target * at, CONFIDENCE_STRICT)
            values = (low / at, high / at, strict_low / at, strict_high / at)
        else:
            size = max(1, round(at))
            low, high = binomial_limits(target, size, CONFIDENCE)
            strict_low, strict_high = binomial_limits(target, size, CONFIDENCE_STRICT)
            values = (low, high, strict_low, strict_high)
        found.append(Limits(at, *(v * scale for v in values)))
    return found
