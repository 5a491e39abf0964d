"""The statistics, as pure functions over counts: rates, rounding, similar-authority averages.

Everything is exact (integers and fractions); rounding happens only when a figure is presented,
half up, as methodology.md requires. Nothing here reads files or databases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Literal

from upheld.core.vocabulary import INVESTIGATED_OUTCOMES, OUTCOME_GROUP_OF

AverageMethod = Literal["mean", "pooled"]
AVERAGE_METHODS: tuple[AverageMethod, ...] = ("mean", "pooled")
PER_RESIDENTS = 100_000
RATES = ("uphold_rate", "satisfactory_remedy_rate", "compliance_rate")
"""The three key statistics, by their names in the output."""


def round_half_up(value: Fraction, places: int = 0) -> Decimal:
    """Round an exact value half away from zero (87.5 -> 88), never to even."""
    scaled = abs(value) * 10**places
    whole = floor(scaled + Fraction(1, 2))
    rounded = Decimal(whole).scaleb(-places) if places else Decimal(whole)
    return -rounded if value < 0 else rounded


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
        """The exact rate, or None when there is nothing to divide by."""
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
    def uphold_rate(self) -> Ratio:
        """Upheld of detailed investigations."""
        return Ratio(self.upheld, self.investigated)

    @property
    def satisfactory_remedy_rate(self) -> Ratio:
        """Upheld cases the council had already put right, of upheld cases."""
        return Ratio(self.satisfactory_remedies, self.upheld)

    @property
    def compliance_rate(self) -> Ratio:
        """Recommendations complied with (on time or late), of compliance outcomes."""
        return Ratio(self.complied + self.complied_late, self.compliance_outcomes)

    @property
    def upheld_per_100k(self) -> Fraction | None:
        """Upheld decisions per 100,000 residents; None without a population."""
        if not self.population:
            return None
        return Fraction(self.upheld * PER_RESIDENTS, self.population)

    def rate(self, name: str) -> Ratio:
        """One of the three key statistics by name."""
        ratio: Ratio = getattr(self, name)
        return ratio


def combine(parts: Iterable[Counts]) -> Counts:
    """Counts added together (national totals); population is summed where every part has one."""
    received: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    compliance: Counter[str] = Counter()
    remedies = 0
    population: int | None = 0
    for part in parts:
        received.update(part.received_by_category)
        decided.update(part.decided_by_outcome)
        compliance.update(part.compliance_by_outcome)
        remedies += part.satisfactory_remedies
        if population is not None and part.population is not None:
            population += part.population
        else:
            population = None
    return Counts(dict(received), dict(decided), remedies, dict(compliance), population or None)


@dataclass(frozen=True)
class Average:
    """The average of similar authorities of one type in one year, exact."""

    uphold_rate: Fraction | None
    satisfactory_remedy_rate: Fraction | None
    compliance_rate: Fraction | None
    upheld_per_100k: Fraction | None
    councils: int
    method: AverageMethod

    def rate(self, name: str) -> Fraction | None:
        """One of the averages by the statistic's name."""
        value: Fraction | None = getattr(self, name)
        return value


def similar_average(group: Sequence[Counts], method: AverageMethod = "mean") -> Average:
    """The average of a group of similar authorities, by the mean of rates or pooled counts."""
    if method not in AVERAGE_METHODS:
        raise ValueError(f"unknown average method {method!r}; use mean or pooled")
    rates = {name: _average([c.rate(name) for c in group], method) for name in RATES}
    with_population = [c for c in group if c.population]
    if not with_population:
        per_100k = None
    elif method == "mean":
        per_100k = _mean([c.upheld_per_100k for c in with_population])
    else:
        upheld = sum(c.upheld for c in with_population)
        residents = sum(c.population or 0 for c in with_population)
        per_100k = Fraction(upheld * PER_RESIDENTS, residents)
    return Average(
        uphold_rate=rates["uphold_rate"],
        satisfactory_remedy_rate=rates["satisfactory_remedy_rate"],
        compliance_rate=rates["compliance_rate"],
        upheld_per_100k=per_100k,
        councils=len(group),
        method=method,
    )


def _average(ratios: Sequence[Ratio], method: AverageMethod) -> Fraction | None:
    counted = [r for r in ratios if r.denominator]
    if not counted:
        return None
    if method == "pooled":
        return Fraction(sum(r.numerator for r in counted), sum(r.denominator for r in counted))
    return _mean([r.value for r in counted])


def _mean(values: Sequence[Fraction | None]) -> Fraction | None:
    present = [v for v in values if v is not None]
    return sum(present, Fraction(0)) / len(present) if present else None
