"""The statistics, as pure functions over counts: rates, rounding, similar-authority averages.

Everything is exact (integers and fractions); rounding happens only when a figure is presented,
half up, as methodology.md requires. Which statistics there are, and what each divides by what,
is the catalogue's (`core.catalogue`); this module does the arithmetic for any of them. Nothing
here reads files or databases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from upheld.core.catalogue import CATALOGUE, round_half_up
from upheld.core.vocabulary import INVESTIGATED_OUTCOMES, OUTCOME_GROUP_OF

AverageMethod = Literal["mean", "pooled"]
AVERAGE_METHODS: tuple[AverageMethod, ...] = ("mean", "pooled")

__all__ = [
    "AVERAGE_METHODS",
    "Average",
    "AverageMethod",
    "Counts",
    "Ratio",
    "combine",
    "one_decimal",
    "percent",
    "round_half_up",
    "similar_average",
]


def percent(value: Fraction | None) -> int | None:
    """A rate as a whole percentage, rounded half up; None stays None (n/a)."""
    return None if value is None else int(round_half_up(value * 100))


def one_decimal(value: Fraction | None) -> Decimal | None:
    """A figure to one decimal place, rounded half up; None stays None (n/a)."""
    return None if value is None else round_half_up(value, 1)


@dataclass(frozen=True)
class Ratio:
    """A rate kept as its numerator and denominator, so nothing is lost before rounding."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        """The exact proportion, or None when there is nothing to divide by."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> int | None:
        """The rate as a whole percentage, half up; None when n/a."""
        return percent(self.value)


@dataclass(frozen=True)
class Counts:
    """One council's counts for one review year: everything the statistics are made from."""

    received_by_category: Mapping[str, int] = field(default_factory=dict)
    decided_by_outcome: Mapping[str, int] = field(default_factory=dict)
    satisfactory_remedies: int = 0
    compliance_by_outcome: Mapping[str, int] = field(default_factory=dict)
    population: int | None = None
    decided_by_category: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Decisions by service area, then by outcome."""

    def area(self, category: str) -> Counts:
        """The counts of one service area: its complaints received and its decisions."""
        return Counts(
            received_by_category={category: self.received_by_category.get(category, 0)},
            decided_by_outcome=dict(self.decided_by_category.get(category, {})),
        )

    @property
    def received(self) -> int:
        """Complaints and enquiries received in the year."""
        return sum(self.received_by_category.values())

    @property
    def decided(self) -> int:
        """Complaints and enquiries decided in the year."""
        return sum(self.decided_by_outcome.values())

    @property
    def decided_by_group(self) -> dict[str, int]:
        """Decisions in the three groups used since 2024-25."""
        groups: Counter[str] = Counter()
        for outcome, number in self.decided_by_outcome.items():
            groups[OUTCOME_GROUP_OF[outcome]] += number
        return dict(groups)

    @property
    def investigated(self) -> int:
        """Detailed investigations: decisions upheld or not upheld."""
        return sum(self.decided_by_outcome.get(o, 0) for o in INVESTIGATED_OUTCOMES)

    @property
    def upheld(self) -> int:
        """Decisions upheld."""
        return self.decided_by_outcome.get("upheld", 0)

    @property
    def compliance_outcomes(self) -> int:
        """Compliance outcomes recorded in the year."""
        return sum(self.compliance_by_outcome.values())

    @property
    def complied(self) -> int:
        """Recommendations complied with on time."""
        return self.compliance_by_outcome.get("complied", 0)

    @property
    def complied_late(self) -> int:
        """Recommendations complied with late (still counted as compliance)."""
        return self.compliance_by_outcome.get("complied_late", 0)

    @property
    def not_complied(self) -> int:
        """Recommendations not complied with."""
        return self.compliance_by_outcome.get("not_complied", 0)

    @property
    def complied_any(self) -> int:
        """Recommendations complied with, on time or late."""
        return self.complied + self.complied_late

    def count(self, name: str) -> int:
        """One of the counts by name (a statistic's numerator or denominator); 0 when unknown."""
        found: int | None = getattr(self, name)
        return found or 0

    def rate(self, key: str) -> Ratio:
        """A statistic of the catalogue, as its numerator over its denominator."""
        statistic = CATALOGUE[key]
        return Ratio(self.count(statistic.numerator), self.count(statistic.denominator))

    def figure(self, key: str) -> int | float | None:
        """A statistic as published: rounded in its unit, None when n/a."""
        statistic = CATALOGUE[key]
        return statistic.unit.present_ratio(
            self.count(statistic.numerator), self.count(statistic.denominator)
        )

    def exact(self, key: str) -> float | None:
        """A percentage to one decimal place, None when n/a or not a percentage."""
        statistic = CATALOGUE[key]
        return statistic.exact_ratio(
            self.count(statistic.numerator), self.count(statistic.denominator)
        )

    def shown(self, key: str) -> str:
        """A statistic as it is read, with its exact figure where rounding would hide it."""
        statistic = CATALOGUE[key]
        return statistic.text(self.figure(key), self.exact(key))


def combine(parts: Iterable[Counts]) -> Counts:
    """Counts added together (national totals); population is summed where every part has one."""
    received: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    compliance: Counter[str] = Counter()
    areas: dict[str, Counter[str]] = {}
    remedies = 0
    population: int | None = 0
    for part in parts:
        received.update(part.received_by_category)
        decided.update(part.decided_by_outcome)
        compliance.update(part.compliance_by_outcome)
        for category, outcomes in part.decided_by_category.items():
            areas.setdefault(category, Counter()).update(outcomes)
        remedies += part.satisfactory_remedies
        if population is not None and part.population is not None:
            population += part.population
        else:
            population = None
    return Counts(
        dict(received),
        dict(decided),
        remedies,
        dict(compliance),
        population or None,
        {category: dict(outcomes) for category, outcomes in areas.items()},
    )


@dataclass(frozen=True)
class Average:
    """The average of similar authorities of one type in one year, exact, for every statistic."""

    rates: Mapping[str, Fraction | None]
    councils: int
    method: AverageMethod

    def rate(self, key: str) -> Fraction | None:
        """The exact average proportion of a statistic."""
        return self.rates[key]

    def figure(self, key: str) -> int | float | None:
        """The average as published: rounded in the statistic's unit, None when n/a."""
        return CATALOGUE[key].present(self.rates[key])


def similar_average(group: Sequence[Counts], method: AverageMethod = "mean") -> Average:
    """The average of a group of similar authorities, by the mean of rates or pooled counts.

    The mean is over the councils with something to divide by for that statistic (a council with
    no detailed investigations does not pull the average uphold rate down); pooled is every
    numerator over every denominator.
    """
    if method not in AVERAGE_METHODS:
        raise ValueError(f"unknown average method {method!r}; use mean or pooled")
    rates = {s.key: _average([c.rate(s.key) for c in group], method) for s in CATALOGUE}
    return Average(rates, councils=len(group), method=method)


def _average(ratios: Sequence[Ratio], method: AverageMethod) -> Fraction | None:
    counted = [r for r in ratios if r.denominator]
    if not counted:
        return None
    if method == "pooled":
        return Fraction(sum(r.numerator for r in counted), sum(r.denominator for r in counted))
    return sum((Fraction(r.numerator, r.denominator) for r in counted), Fraction(0)) / len(counted)
