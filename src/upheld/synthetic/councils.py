"""Each council's character in the demo: how many complaints, about what, how often upheld."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import SERVICE_AREAS
from upheld.synthetic.national import figures_for, month_share

if TYPE_CHECKING:
    from upheld.register import Council, Register

AREAS = SERVICE_AREAS.keys

# Complaints per resident relative to a unitary council. Two-tier areas share their residents
# between a county and a district, so the two factors roughly add up to a unitary's.
TYPE_VOLUME = {
    "county": 0.62,
    "district": 0.42,
    "metropolitan": 1.0,
    "unitary": 1.0,
    "london_borough": 1.15,
    "other": 0.5,
}

# Used when the register has no population for a council in any year.
TYPICAL_POPULATION = {
    "county": 750_000,
    "district": 110_000,
    "metropolitan": 310_000,
    "unitary": 240_000,
    "london_borough": 270_000,
    "other": 50_000,
}

# What each type of council is complained about (in the order of SERVICE_AREAS): counties have no
# housing, benefits or local planning; districts have no adult care or education.
_MIX: dict[str, tuple[float, ...]] = {
    #             adult benefits corp  educ  env  highways housing planning other
    "county": (33.0, 0.0, 4.0, 45.0, 3.0, 13.0, 0.0, 1.0, 1.0),
    "district": (0.0, 20.0, 8.0, 0.0, 14.0, 3.0, 26.0, 27.0, 2.0),
    "metropolitan": (17.0, 10.0, 7.0, 21.0, 9.0, 11.0, 12.0, 10.0, 3.0),
    "unitary": (17.0, 10.0, 7.0, 21.0, 9.0, 11.0, 11.0, 11.0, 3.0),
    "london_borough": (14.0, 11.0, 7.0, 17.0, 8.0, 10.0, 21.0, 9.0, 3.0),
    "other": (10.0, 10.0, 15.0, 10.0, 15.0, 15.0, 10.0, 10.0, 5.0),
}

# Logit shifts of the chance an investigation is upheld; care and education complaints are upheld
# more often, planning ones less.
TYPE_UPHOLD = {
    "county": 0.25,
    "district": -0.35,
    "metropolitan": 0.0,
    "unitary": 0.0,
    "london_borough": 0.05,
    "other": 0.0,
}
AREA_UPHOLD = (0.30, 0.0, -0.15, 0.35, -0.10, -0.20, 0.10, -0.45, -0.20)

# Some councils attract many more complaints than their size suggests, year after year.
VOLUME_SPREAD = 0.3
BUSY_SHARE = 0.1
BUSY_RANGE = (1.4, 2.4)

ENGLAND_WEIGHT = (
    56_300_000
    * 1.04
    * math.exp(VOLUME_SPREAD**2 / 2)
    * (1 - BUSY_SHARE + BUSY_SHARE * sum(BUSY_RANGE) / 2)
)
"""What all of England's councils weigh when complaints are shared out: residents, the two tiers'
factors and the average council tendency. A register much smaller than England gets its councils'
share of the national complaints rather than all of them."""

SATISFACTORY_REMEDY = 0.115
"""The typical share of upheld cases the council had already put right, before council variation."""


def logistic(x: float) -> float:
    """The logistic function, turning a log-odds into a probability."""
    return 1.0 / (1.0 + math.exp(-x))


def logit(p: float) -> float:
    """The log-odds of a probability."""
    return math.log(p / (1.0 - p))


@dataclass
class Profile:
    """One council's persistent character: volume, subject mix and tendencies."""

    council: Council
    index: int
    volume: float
    area_cumulative: list[float]
    uphold_effect: float
    remedy_chance: float
    seed: str
    _year_effects: dict[int, float] = field(default_factory=dict)

    def area(self, rng: random.Random) -> int:
        """Draw the service area (an index into AREAS) of one complaint."""
        return bisect.bisect(self.area_cumulative, rng.random() * self.area_cumulative[-1])

    def year_effect(self, start_year: int) -> float:
        """This council's good or bad year (a logit shift of its uphold chance)."""
        effect = self._year_effects.get(start_year)
        if effect is None:
            effect = random.Random(f"{self.seed}/{start_year}").gauss(0.0, 0.25)
            self._year_effects[start_year] = effect
        return effect

    def area_shares(self) -> list[float]:
        """The share of its complaints in each service area."""
        total = self.area_cumulative[-1]
        previous = 0.0
        shares = []
        for running in self.area_cumulative:
            shares.append((running - previous) / total)
            previous = running
        return shares


def profile(council: Council, index: int, seed: int) -> Profile:
    """A council's character, from its own seed so it persists whatever else is in the register."""
    key = f"{seed}/council/{council.code}"
    rng = random.Random(key)
    volume = rng.lognormvariate(0.0, VOLUME_SPREAD)
    if rng.random() < BUSY_SHARE:
        volume *= rng.uniform(*BUSY_RANGE)
    # A council's subject mix strays a little from its type's, the same way every year.
    mix = _MIX.get(council.type, _MIX["other"])
    running = 0.0
    cumulative = []
    for weight in mix:
        running += weight * rng.lognormvariate(0.0, 0.3)
        cumulative.append(running)
    uphold_effect = rng.gauss(0.0, 0.45)
    remedy_chance = logistic(logit(SATISFACTORY_REMEDY) + rng.gauss(0.0, 0.45))
    return Profile(council, index, volume, cumulative, uphold_effect, remedy_chance, key)


def population_of(register: Register, council: Council, year: ReviewYear) -> int:
    """The council's population in a year, else the nearest year's, else one typical of its type."""
    for offset in (0, 1, 2, 3, -1, -2, -3, 4, 5, 6):
        found = register.population(council.code, ReviewYear(year.start_year + offset))
        if found is not None and found.population > 0:
            return found.population
    return TYPICAL_POPULATION.get(council.type, TYPICAL_POPULATION["other"])


@dataclass(frozen=True)
class MonthPlan:
    """The expected complaints against each council in one calendar month."""

    year: int
    month: int
    entries: tuple[tuple[Profile, float, int, int], ...]  # profile, expected, first day, last day
    coverage: float
    """The share of England's complaints the register's councils receive (1 for all of England)."""


def _existing_days(council: Council, first: int, last: int) -> tuple[int, int]:
    if council.valid_from is not None:
        first = max(first, council.valid_from.toordinal())
    if council.valid_to is not None:
        last = min(last, council.valid_to.toordinal())
    return first, last


def plan_months(
    register: Register, profiles: Sequence[Profile], first: date, last: date, scale: float
) -> list[MonthPlan]:
    """Spread each month's national complaints over the councils that exist then."""
    plans: list[MonthPlan] = []
    populations: dict[tuple[str, int], int] = {}
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        month_first = date(year, month, 1).toordinal()
        next_first = date(year + month // 12, month % 12 + 1, 1).toordinal()
        month_last = min(next_first - 1, last.toordinal())
        month_first = max(month_first, first.toordinal())
        review = ReviewYear.containing(date(year, month, 1))
        national = figures_for(review).received * month_share(year, month) * scale
        weighted: list[tuple[Profile, float, int, int]] = []
        for council_profile in profiles:
            council = council_profile.council
            lo, hi = _existing_days(council, month_first, month_last)
            if lo > hi:
                continue
            key = (council.code, review.start_year)
            if key not in populations:
                populations[key] = population_of(register, council, review)
            weight = populations[key] * TYPE_VOLUME.get(council.type, 0.5) * council_profile.volume
            weight *= (hi - lo + 1) / (next_first - date(year, month, 1).toordinal())
            weighted.append((council_profile, weight, lo, hi))
        total = sum(entry[1] for entry in weighted)
        # A register covering most of England is calibrated exactly to the national figures.
        share_of = total if total >= 0.5 * ENGLAND_WEIGHT else ENGLAND_WEIGHT
        entries = tuple((p, national * w / share_of, lo, hi) for p, w, lo, hi in weighted if w > 0)
        coverage = total / share_of
        plans.append(MonthPlan(year, month, entries, coverage))
        year, month = year + month // 12, month % 12 + 1
    return plans


def uphold_baselines(plans: Sequence[MonthPlan], years: Sequence[int]) -> dict[int, float]:
    """Per year, the log-odds making the expected national uphold rate match the published one."""
    baselines: dict[int, float] = {}
    for start_year in years:
        review = ReviewYear(start_year)
        volumes: dict[int, tuple[Profile, float]] = {}
        for plan in plans:
            if date(plan.year, plan.month, 1) not in review:
                continue
            for council_profile, expected, _, _ in plan.entries:
                known = volumes.get(council_profile.index)
                previous = known[1] if known else 0.0
                volumes[council_profile.index] = (council_profile, previous + expected)
        target = figures_for(review).uphold_rate
        if not volumes:
            baselines[start_year] = logit(target)
            continue
        terms = [
            (volume * share, _uphold_shift(p, start_year, area))
            for p, volume in volumes.values()
            for area, share in enumerate(p.area_shares())
            if share > 0
        ]
        total = sum(weight for weight, _ in terms)
        low, high = -8.0, 8.0
        for _ in range(60):
            middle = (low + high) / 2
            rate = sum(weight * logistic(middle + shift) for weight, shift in terms) / total
            low, high = (middle, high) if rate < target else (low, middle)
        baselines[start_year] = (low + high) / 2
    return baselines


def _uphold_shift(council_profile: Profile, start_year: int, area: int) -> float:
    return (
        TYPE_UPHOLD.get(council_profile.council.type, 0.0)
        + council_profile.uphold_effect
        + council_profile.year_effect(start_year)
        + AREA_UPHOLD[area]
    )


def uphold_chance(council_profile: Profile, start_year: int, area: int, baseline: float) -> float:
    """The chance one investigation of this council, area and decision year is upheld."""
    return logistic(baseline + _uphold_shift(council_profile, start_year, area))
