"""The statistics catalogue: every statistic, declared once, read by every channel.

An entry says what the statistic divides by what (by the names of counts in `core.stats.Counts`),
its unit, how it is rounded and written, which way is better, what is said when it cannot be
computed, the sentence letters and pages use, where its fields sit in the statistics output, and
how the methodology defines it. The terminal, JSON, CSV and XLSX, the map, council and national
pages, the API, letters and docs/methodology.md all iterate over `CATALOGUE`: a new statistic is
a new entry here, and the counts it divides in `core.stats`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Literal

from upheld.core.wording import NOT_AVAILABLE

Better = Literal["higher", "lower", "neutral"]
"""Which way a statistic is better: a higher compliance rate is better, a higher uphold rate is
worse, and a neutral one is neither."""


def round_half_up(value: Fraction, places: int = 0) -> Decimal:
    """Round an exact value half away from zero (87.5 -> 88), never to even."""
    scaled = abs(value) * 10**places
    whole = floor(scaled + Fraction(1, 2))
    rounded = Decimal(whole).scaleb(-places) if places else Decimal(whole)
    return -rounded if value < 0 else rounded


@dataclass(frozen=True)
class Unit:
    """How a rate is scaled, rounded and written."""

    key: str
    scale: int
    """A proportion times this: 100 for a percentage, 100,000 for per 100,000 residents."""
    places: int
    suffix: str
    description: str
    chart_unit: str
    """The unit the charts write after a value ("%" draws a 0-100 axis)."""

    def present(self, proportion: Fraction | None) -> int | float | None:
        """The figure as published: a whole percentage, or per 100,000 to one decimal place."""
        if proportion is None:
            return None
        return self.present_ratio(proportion.numerator, proportion.denominator)

    def present_ratio(self, numerator: int, denominator: int) -> int | float | None:
        """The figure as published, from a count over a count (None when there is nothing to
        divide by); in whole numbers, since a year's figures make thousands of these."""
        if denominator == 0:
            return None
        if numerator < 0 or denominator < 0:
            return self.present(Fraction(numerator, denominator))
        tenths: int = 10**self.places
        # Half up: add half the denominator before dividing.
        whole = (2 * numerator * self.scale * tenths + denominator) // (2 * denominator)
        return whole if self.places == 0 else whole / tenths

    def text(self, figure: int | float | None) -> str:
        """A published figure as it is read: "85%", "3.4", or n/a."""
        if figure is None:
            return NOT_AVAILABLE
        if self.places == 0:
            return f"{figure:,}{self.suffix}"
        return f"{figure:,.{self.places}f}{self.suffix}"


PERCENT = Unit(
    "percent",
    scale=100,
    places=0,
    suffix="%",
    description="a whole percentage, rounded half up",
    chart_unit="%",
)
PER_100K = Unit(
    "per_100k",
    scale=100_000,
    places=1,
    suffix="",
    description="per 100,000 residents, to one decimal place, rounded half up",
    chart_unit="",
)


@dataclass(frozen=True)
class Detail:
    """A sentence added after a statistic's own when a count is not zero."""

    count: str
    one: str
    many: str


@dataclass(frozen=True)
class Statistic:
    """One statistic: its definition, presentation and wording."""

    key: str
    """Its field in every output, e.g. "uphold_rate"; the average is `similar_<key>`."""
    label: str
    short_label: str
    heading: str
    """The heading over the figure in letters and on council pages."""
    meaning: str
    """What the figure tells a reader, in a few sentences."""
    numerator: str
    denominator: str
    """Names of counts in `core.stats.Counts`: the statistic is numerator ÷ denominator."""
    numerator_noun: tuple[str, str]
    denominator_noun: tuple[str, str]
    """How a count of each reads, singular and plural."""
    unit: Unit
    better: Better
    follows: str
    """The output field after which this statistic's fields come."""
    sentence: str
    """What letters and pages say about the figure. Placeholders: {value}, {numerator},
    {denominator} (counts), {counted_numerator}, {counted_denominator} (counts with their
    nouns) and {vintage} (where the population figure comes from)."""
    not_available: str
    """What is said instead when there is nothing to divide by."""
    definition: str
    """The methodology's definition, in words."""
    missing: str = ""
    """When the statistic cannot be computed, in a few words (default: no denominator)."""
    counted: str = "{counted_numerator} of {counted_denominator}"
    """The counts behind the figure in a few words, for tables and national figures."""
    in_letters: Literal["always", "optional"] = "always"
    """Whether letters always show it, or only when the year's configuration says
    `show_<key> = true` in [letter]."""
    details: tuple[Detail, ...] = field(default=())

    @property
    def similar_key(self) -> str:
        """The field of the average of similar authorities."""
        return f"similar_{self.key}"

    @property
    def option(self) -> str:
        """The [letter] key that shows an optional statistic in the year's letters."""
        return f"show_{self.key}"

    def present(self, proportion: Fraction | None) -> int | float | None:
        """The figure as published, from the exact proportion."""
        return self.unit.present(proportion)

    def text(self, figure: int | float | None, exact: float | None = None) -> str:
        """A published figure as it is read; where a percentage rounds to 0% or 100% but the
        counts say otherwise, with the figure to one decimal beside it: "100% (99.6%)"."""
        shown = self.unit.text(figure)
        if exact is not None and figure in (0, 100) and exact != figure:
            shown += f" ({exact:.1f}%)"
        return shown

    @property
    def exact_key(self) -> str | None:
        """The field of the percentage to one decimal place, for percentages only."""
        return f"{self.key}_exact" if self.unit is PERCENT else None

    def exact(self, proportion: Fraction | None) -> float | None:
        """A percentage to one decimal place, half up (None for other units, or when n/a)."""
        if proportion is None:
            return None
        return self.exact_ratio(proportion.numerator, proportion.denominator)

    def exact_ratio(self, numerator: int, denominator: int) -> float | None:
        """A percentage to one decimal place from a count over a count."""
        if denominator == 0 or self.unit is not PERCENT:
            return None
        tenths = (2 * numerator * 1000 + denominator) // (2 * denominator)
        # Never round to none or all of them when the counts say otherwise: 9,996 of 10,000 is
        # 99.9%, so a page never says "100% (100.0%)" beside "In 4 cases it did not comply".
        if 0 < numerator < denominator:
            tenths = min(max(tenths, 1), 999)
        return tenths / 10


@dataclass(frozen=True)
class Catalogue:
    """The statistics, in the order the ombudsman presents them."""

    statistics: tuple[Statistic, ...]
    _by_key: dict[str, Statistic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {s.key: s for s in self.statistics})

    def __iter__(self) -> Iterator[Statistic]:
        return iter(self.statistics)

    def __getitem__(self, key: str) -> Statistic:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    @property
    def keys(self) -> tuple[str, ...]:
        """Every statistic's field name."""
        return tuple(s.key for s in self.statistics)

    def as_markdown(self) -> str:
        """The catalogue as the methodology's table (docs/methodology.md holds a copy, checked)."""
        better = {"higher": "higher", "lower": "lower", "neutral": "neither"}
        lines = [
            "| statistic (field) | definition | shown as | better when | n/a when | in letters |",
            "|---|---|---|---|---|---|",
        ]
        for s in self.statistics:
            letters = "always" if s.in_letters == "always" else f"with `{s.option} = true`"
            lines.append(
                f"| {s.label} (`{s.key}`, average `{s.similar_key}`) | {s.definition} | "
                f"{s.unit.description} | {better[s.better]} | "
                f"{s.missing or 'there are no ' + s.denominator_noun[1]} | {letters} |"
            )
        return "\n".join(lines) + "\n"


UPHOLD_RATE = Statistic(
    key="uphold_rate",
    label="Uphold rate",
    short_label="Uphold rate",
    heading="Complaints upheld",
    meaning=(
        "How often we found fault when we looked into a complaint in detail. We only investigate "
        "in detail where there is enough evidence of fault to justify it, so this rate is best "
        "read alongside the number of detailed investigations it comes from."
    ),
    numerator="upheld",
    denominator="investigated",
    numerator_noun=("upheld decision", "upheld decisions"),
    denominator_noun=("detailed investigation", "detailed investigations"),
    unit=PERCENT,
    better="lower",
    follows="upheld",
    sentence=(
        "We upheld {value} of the complaints we investigated in detail: {counted_numerator} from "
        "{counted_denominator}."
    ),
    not_available="We did not investigate any complaints about the council in detail this year.",
    definition="upheld decisions ÷ detailed investigations (decisions upheld or not upheld)",
)

COMPLIANCE_RATE = Statistic(
    key="compliance_rate",
    label="Compliance rate",
    short_label="Compliance",
    heading="Compliance with our recommendations",
    meaning=(
        "How often the council did what we recommended to put things right, in the cases where "
        "we recorded whether it had. Complying late still counts as complying; we show late "
        "compliance separately."
    ),
    numerator="complied_any",
    denominator="compliance_outcomes",
    numerator_noun=("recommendation complied with", "recommendations complied with"),
    denominator_noun=("compliance outcome", "compliance outcomes"),
    unit=PERCENT,
    better="higher",
    follows="not_complied",
    sentence=(
        "We recorded {counted_denominator} this year. The council complied with our "
        "recommendations in {value} of cases ({numerator} of {denominator})."
    ),
    not_available="No recommendations were due for compliance in this period.",
    definition=(
        "recommendations complied with, on time or late ÷ compliance outcomes recorded in the "
        "year (late compliance counts as compliance and is also reported separately)"
    ),
    details=(
        Detail("complied_late", " {n} of these was late.", " {n} of these were late."),
        Detail(
            "not_complied", " In {n} case it did not comply.", " In {n} cases it did not comply."
        ),
    ),
)

SATISFACTORY_REMEDY_RATE = Statistic(
    key="satisfactory_remedy_rate",
    label="Satisfactory remedy rate",
    short_label="Satisfactory remedy",
    heading="Satisfactory remedy provided by the council",
    meaning=(
        "How often, when we upheld a complaint, the council had already offered a suitable remedy "
        "before the complaint reached us. A higher figure shows a council that recognises and "
        "puts right its own mistakes."
    ),
    numerator="satisfactory_remedies",
    denominator="upheld",
    numerator_noun=("satisfactory remedy", "satisfactory remedies"),
    denominator_noun=("upheld decision", "upheld decisions"),
    unit=PERCENT,
    better="higher",
    follows="satisfactory_remedies",
    sentence=(
        "In {value} of upheld cases the council had already provided a satisfactory remedy "
        "before the complaint reached us: {numerator} of {counted_denominator}."
    ),
    not_available="We did not uphold any complaints, so there were no remedies to assess.",
    definition=(
        "upheld cases where the council had already provided a satisfactory remedy before the "
        "complaint reached the ombudsman ÷ upheld decisions"
    ),
)

UPHELD_PER_100K = Statistic(
    key="upheld_per_100k",
    label="Upheld per 100,000 residents",
    short_label="Upheld per 100k",
    heading="Upheld complaints per 100,000 residents",
    meaning=(
        "The number of complaints we upheld for every 100,000 people living in the area, which "
        "allows councils of different sizes to be compared."
    ),
    numerator="upheld",
    denominator="population",
    numerator_noun=("upheld decision", "upheld decisions"),
    denominator_noun=("resident", "residents"),
    unit=PER_100K,
    better="lower",
    follows="population",
    sentence=(
        "We upheld {value} complaints for every 100,000 residents: {counted_numerator} for a "
        "population of {denominator} ({vintage})."
    ),
    not_available="We do not have a population figure for the council for this year.",
    definition="upheld decisions ÷ the council's population for the year, times 100,000",
    counted="{counted_numerator} for {counted_denominator}",
    missing="the council's population is not known",
    in_letters="optional",
)

LATE_COMPLIANCE_RATE = Statistic(
    key="late_compliance_rate",
    label="Late compliance rate",
    short_label="Late",
    heading="Recommendations complied with late",
    meaning=(
        "Of the recommendations the council did comply with, how many it carried out after the "
        "date we had agreed. Late compliance still puts things right, but later than it should."
    ),
    numerator="complied_late",
    denominator="complied_any",
    numerator_noun=("late compliance", "late compliances"),
    denominator_noun=("recommendation complied with", "recommendations complied with"),
    unit=PERCENT,
    better="lower",
    follows="upheld_per_100k",  # last: a new column goes after those already in use
    sentence=(
        "The council complied late in {value} of the cases where it complied with our "
        "recommendations: {numerator} of {denominator}."
    ),
    not_available=(
        "There were no recommendations complied with in this period to measure late "
        "compliance against."
    ),
    definition=(
        "recommendations complied with late ÷ recommendations complied with, on time or late"
    ),
    in_letters="optional",
)

CATALOGUE = Catalogue(
    (UPHOLD_RATE, COMPLIANCE_RATE, LATE_COMPLIANCE_RATE, SATISFACTORY_REMEDY_RATE, UPHELD_PER_100K)
)
"""Every statistic, in the order letters and pages present them."""
