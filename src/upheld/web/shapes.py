"""The shapes of the API's answers (version 1): every field each operation returns, its type
and what it means, as the OpenAPI description gives them to people and to generated clients.

These models only describe: the API answers with its page builders' own data, written exactly
as it always was, and a test holds real answers to these shapes so the two cannot drift apart.
The statistics' fields are made from the catalogue, and most meanings come from the downloads'
data dictionary, so each is said in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from upheld.core.catalogue import CATALOGUE, Statistic
from upheld.core.output import counts_fields
from upheld.core.stats import AverageMethod, Counts
from upheld.core.uncertainty import Comparison
from upheld.core.vocabulary import (
    AUTHORITY_TYPES,
    COMPLIANCE_OUTCOMES,
    IMPROVEMENT_STATUSES,
    OUTCOME_GROUPS,
    OUTCOMES,
    REPORT_KINDS,
    SERVICE_AREAS,
)
from upheld.search.query import SORTS
from upheld.site import datasets
from upheld.site.datasets import Dataset

Outcome = Literal[OUTCOMES.keys]  # type: ignore[name-defined]
Category = Literal[SERVICE_AREAS.keys]  # type: ignore[name-defined]
ImprovementStatus = Literal[IMPROVEMENT_STATUSES.keys]  # type: ignore[name-defined]
ReportKind = Literal[REPORT_KINDS.keys]  # type: ignore[name-defined]
ComplianceOutcome = Literal[COMPLIANCE_OUTCOMES.keys]  # type: ignore[name-defined]
AuthorityType = Literal[AUTHORITY_TYPES.keys]  # type: ignore[name-defined]
StatisticKey = Literal[CATALOGUE.keys]  # type: ignore[name-defined]
Sort = Literal[SORTS]  # type: ignore[valid-type]
"""The orders of a decision search: the search's own list."""

YEAR = "A review year, written like 2024-25 (1 April 2024 to 31 March 2025)"


class Shape(BaseModel):
    """A shape of the API's answers: described, never used to read or write one."""


def said(dataset: Dataset, name: str) -> str:
    """A column's meaning in the downloads' data dictionary, said of a JSON field: a sentence,
    and null where a spreadsheet's cell is empty."""
    meaning = next(c.meaning for c in dataset.columns if c.name == name)
    meaning = meaning.replace("empty", "null")
    return meaning[0].upper() + meaning[1:] + "."


def shape(name: str, doc: str, fields: dict[str, tuple[Any, str]]) -> type[Shape]:
    """A shape made from its fields (name: (type, meaning)), for fields that come from the
    catalogue or a vocabulary; a name that is not a Python name is kept as the JSON name."""
    made: dict[str, Any] = {}
    for n, (field, (kind, meaning)) in enumerate(fields.items()):
        if field.isidentifier() and not field.startswith("_"):
            made[field] = (kind, Field(description=meaning))
        else:
            made[f"field_{n}"] = (kind, Field(alias=field, description=meaning))
    model: type[Shape] = create_model(name, __base__=Shape, __doc__=doc, **made)
    return model


# The statistics: each council's figures, as `upheld stats --format json` and the pages give them.

KINDS: dict[str, Any] = {"integer": int, "number": float, "text": str, "boolean": bool}


def kind_of(statistic: Statistic) -> Any:
    """The JSON type of a statistic's published figure: a whole number or one with decimals."""
    return KINDS[next(c.kind for c in datasets.STATISTICS.columns if c.name == statistic.key)]


Interval = Annotated[list[float], Field(min_length=2, max_length=2)]


class Change(Shape):
    """A figure's change on the year before, allowing for chance."""

    previous: float | None = Field(description="The figure the year before, as published.")
    difference: float = Field(
        description="The change on the year before: the difference of the unrounded figures, "
        "to one decimal place."
    )
    interval: Interval = Field(description="The change's 95% interval: [low, high].")
    beyond_chance: bool = Field(
        description="Whether the change is more than chance would explain (its 95% interval "
        "leaves out 0)."
    )
    too_few: bool = Field(
        description="Whether either year rests on too few cases to judge the change (then it "
        "is never beyond chance)."
    )


ReceivedByArea = shape(
    "ReceivedByArea",
    "Complaints and enquiries received in the year, by service area.",
    {
        t.key: (int, f"Complaints and enquiries about {t.label.lower()} received.")
        for t in SERVICE_AREAS
    },
)
DecidedByOutcome = shape(
    "DecidedByOutcome",
    "Complaints and enquiries decided in the year, by outcome.",
    {t.key: (int, said(datasets.STATISTICS, f"decided_{t.key}")) for t in OUTCOMES},
)
DecidedByGroup = shape(
    "DecidedByGroup",
    "Complaints and enquiries decided in the year, by the three groups of outcomes the "
    "ombudsman has reported since April 2024.",
    {t.key: (int, said(datasets.STATISTICS, f"decided_group_{t.key}")) for t in OUTCOME_GROUPS},
)

AreaFigures = shape(
    "AreaFigures",
    "A council's figures for one service area, against the same area added up over its "
    "similar authorities.",
    {
        "received": (int, said(datasets.SERVICE_AREAS_DATASET, "received")),
        "decided": (int, said(datasets.SERVICE_AREAS_DATASET, "decided")),
        "investigated": (int, said(datasets.SERVICE_AREAS_DATASET, "investigated")),
        "upheld": (int, said(datasets.SERVICE_AREAS_DATASET, "upheld")),
        "uphold_rate": (int | None, said(datasets.SERVICE_AREAS_DATASET, "uphold_rate")),
        "uphold_rate_interval": (
            Interval | None,
            "The uphold rate's 95% interval, [low, high], to one decimal place; null where the "
            "figure is.",
        ),
        "similar_investigated": (
            int | None,
            said(datasets.SERVICE_AREAS_DATASET, "similar_investigated"),
        ),
        "similar_upheld": (int | None, said(datasets.SERVICE_AREAS_DATASET, "similar_upheld")),
        "similar_uphold_rate": (
            int | None,
            said(datasets.SERVICE_AREAS_DATASET, "similar_uphold_rate"),
        ),
        "uphold_rate_comparison": (
            Comparison | None,
            said(datasets.SERVICE_AREAS_DATASET, "uphold_rate_comparison"),
        ),
    },
)
ByArea = shape(
    "ByArea",
    "A council's figures for every service area, by the service area's name.",
    {t.key: (AreaFigures, f"The council's figures for {t.label.lower()}.") for t in SERVICE_AREAS},
)

OWN_COUNTS: dict[str, tuple[Any, str]] = {
    "received_by_category": (ReceivedByArea, "Complaints and enquiries received, by service area."),
    "decided_by_outcome": (DecidedByOutcome, "Complaints and enquiries decided, by outcome."),
    "decided_by_outcome_group": (DecidedByGroup, "Decisions by group of outcomes."),
    "population": (int | None, "Residents; null when not known."),
}
"""The counts whose meaning in the data dictionary does not fit the JSON."""


def counts_shape() -> dict[str, tuple[Any, str]]:
    """The counts and figures of a council, or of England, in the statistics output's order."""
    fields: dict[str, tuple[Any, str]] = {}
    for name in counts_fields(Counts()):
        if name in OWN_COUNTS:
            fields[name] = OWN_COUNTS[name]
        elif name in CATALOGUE:
            kind = kind_of(CATALOGUE[name])
            fields[name] = (kind | None, said(datasets.STATISTICS, name))
        elif name.endswith("_exact"):
            fields[name] = (float | None, said(datasets.STATISTICS, name))
        else:
            fields[name] = (int, said(datasets.STATISTICS, name))
    return fields


def council_shape() -> dict[str, tuple[Any, str]]:
    """A council's row of the statistics output after its identity: counts and figures with the
    averages of similar authorities, each figure's interval, comparison and change, and the
    service areas."""
    fields: dict[str, tuple[Any, str]] = {"existed": (bool, said(datasets.STATISTICS, "existed"))}
    for name, field in counts_shape().items():
        fields[name] = field
        if name in CATALOGUE:
            statistic = CATALOGUE[name]
            kind = kind_of(statistic)
            key = statistic.similar_key
            fields[key] = (kind | None, said(datasets.STATISTICS, key))
        if name == "population":
            fields["population_vintage"] = (
                str | None,
                said(datasets.STATISTICS, "population_vintage").removesuffix(".")
                + "; null when the population is not known.",
            )
    fields["similar_councils"] = (int | None, said(datasets.STATISTICS, "similar_councils"))
    for statistic in CATALOGUE:
        label = statistic.label.lower()
        fields[f"{statistic.key}_interval"] = (
            Interval | None,
            f"The {label}'s 95% interval, [low, high], to one decimal place; null where the "
            "figure is.",
        )
    for statistic in CATALOGUE:
        name = f"{statistic.key}_comparison"
        fields[name] = (Comparison | None, said(datasets.STATISTICS, name))
    for statistic in CATALOGUE:
        fields[f"{statistic.key}_change"] = (
            Change | None,
            f"The {statistic.label.lower()}'s change on the year before; null while the year "
            "before is not published, or where either year's figure is.",
        )
    fields["by_category"] = (
        ByArea,
        "The council's figures for each service area, against the same area across its "
        "similar authorities.",
    )
    return fields


IDENTITY: dict[str, tuple[Any, str]] = {
    "code": (str, "The council's GSS code."),
    "name": (str, "The council's name."),
    "type": (AuthorityType, "The council's type."),
}
CouncilFigures = shape(
    "CouncilFigures",
    "One council's figures for a year, with the average of its similar authorities.",
    IDENTITY | council_shape(),
)
CouncilYearFigures = shape(
    "CouncilYearFigures",
    "A council's figures for the year, with the average of its similar authorities (the "
    "statistics output's fields, without its code, name and type).",
    council_shape(),
)
NationalFigures = shape(
    "NationalFigures",
    "England's counts and figures for the year.",
    {"councils": (int, "How many councils existed in the year.")} | counts_shape(),
)
TypeAverage = shape(
    "TypeAverage",
    "The average of one type of council for each statistic.",
    {s.key: (kind_of(s) | None, f"The average {s.label.lower()}.") for s in CATALOGUE}
    | {"councils": (int, "How many councils the average is taken over.")},
)


class Period(Shape):
    """The first and last days of a review year."""

    start: date = Field(description="Its first day.", examples=["2024-04-01"])
    end: date = Field(description="Its last day.", examples=["2025-03-31"])


class GroupName(Shape):
    """The peer group councils are compared with."""

    name: str = Field(description="Its name, as the `group` parameter takes it.")
    label: str = Field(description="Its name in words.", examples=["councils of the same type"])


class YearStatistics(Shape):
    """Every council's statistics for a year: the same document as `upheld stats --format
    json`."""

    year: str = Field(description=YEAR, examples=["2024-25"])
    period: Period = Field(description="The year's first and last days.")
    average_method: AverageMethod = Field(
        description="How the average of similar authorities is taken: the mean of their "
        "figures, or their counts pooled."
    )
    group: GroupName = Field(description="Who each council is compared with.")
    authorities: list[CouncilFigures] = Field(  # type: ignore[valid-type]
        description="Every council with figures for the year, in order of name."
    )
    averages: dict[AuthorityType, TypeAverage] = Field(  # type: ignore[valid-type]
        description="The average of each type of council, by type."
    )
    national: NationalFigures = Field(  # type: ignore[valid-type]
        description="England's counts and figures."
    )


# The published years and the councils.


class YearLinks(Shape):
    """A published review year and the addresses of its figures."""

    year: str = Field(description="The review year.", examples=["2024-25"])
    start: date = Field(description="Its first day (ISO 8601).", examples=["2024-04-01"])
    end: date = Field(description="Its last day (ISO 8601).", examples=["2025-03-31"])
    published_at: datetime = Field(
        description="When its figures were published (ISO 8601).",
        examples=["2025-07-23T10:00:00+01:00"],
    )
    statistics: str = Field(description="Its statistics in this API.")
    national: str = Field(description="Its national figures in this API.")


class CouncilSummary(Shape):
    """The facts about a council every page gives."""

    code: str = Field(description="Its GSS code.", examples=["E08000002"])
    name: str = Field(description="Its name.", examples=["Bury Metropolitan Borough Council"])
    short_name: str = Field(description="Its name, short.", examples=["Bury"])
    slug: str = Field(description="Its name as written in a web address.")
    type: AuthorityType = Field(description="Its type.")
    type_label: str = Field(description="Its type in words.")
    region: str | None = Field(description="Its region of England; null where not known.")
    valid_from: date | None = Field(
        description="The day it came into being, if after the register begins."
    )
    valid_to: date | None = Field(description="Its last day, if it has ended.")


class ListedCouncil(CouncilSummary):
    """A council with published figures, and the years it has them."""

    latest_year: str = Field(description="Its latest published year with figures.")
    years: list[str] = Field(description="The published years it has figures for, oldest first.")
    current: bool = Field(
        description="Whether the council still exists, under this code or a new one."
    )
    new_code: str | None = Field(
        description="The code the same council has had since this one ended, if it was given "
        "a new one."
    )


class LinkedCouncil(CouncilSummary):
    """Another council a page names: a predecessor, a successor, or the same council under
    another code."""

    latest_year: str | None = Field(
        description="Its latest published year with a page; null when it has none."
    )


# A council's year, and the national figures.


class StatisticSection(Shape):
    """One key statistic as a letter or a council page says it."""

    name: StatisticKey = Field(description="The statistic.")
    heading: str = Field(description="The heading over it.")
    meaning: str = Field(description="What the figure tells a reader.")
    value: str = Field(description="The figure, written: 85%, 3.4 or n/a.")
    basis: str = Field(description="What the figure is, said with the counts it comes from.")
    sure: str = Field(
        description="The figure with its 95% interval, in words; empty when n/a or not shown."
    )
    average: str = Field(description="The average of similar authorities, written.")
    comparison: str = Field(description="How the figure compares with that average, in words.")
    change: str = Field(
        description="The change on the year before, in words; empty when there is none to tell."
    )


class AreaRow(Shape):
    """One service area of a council's year against the same area across its peers, in words."""

    area: Category = Field(description="The service area.")
    received: int = Field(description="Complaints and enquiries about it received.")
    investigated: int = Field(description="Detailed investigations: decisions upheld or not.")
    upheld: int = Field(description="Decisions upheld.")
    uphold_rate: str = Field(description="The uphold rate, written: 60% or n/a.")
    likely: str = Field(
        description='The uphold rate\'s 95% interval as a range: "55% to 96%"; empty when n/a.'
    )
    similar: str = Field(
        description='The peers\' pooled uphold rate, with what it is out of: "88% of 136".'
    )
    compared: str = Field(
        description="How the rate compares with the peers', in a few words; empty when nothing "
        "was investigated."
    )


class FunnelRow(Shape):
    """One council in a funnel plot's table."""

    code: str = Field(description="The council's GSS code.")
    name: str = Field(description="The council's short name.")
    label: str = Field(description="The council's point, in words.")
    base: float = Field(description="What the figure is out of (across the plot).")
    base_text: str = Field(description="The base, written.")
    value: float = Field(description="The figure (up the plot).")
    value_text: str = Field(description="The figure, written.")
    comparison: Comparison | None = Field(
        description="Where the point falls against the limits; null when not compared."
    )
    comparison_text: str = Field(description="Where the point falls, in words.")
    link: str | None = Field(description="The council's page for the year, if it has one.")
    highlight: bool = Field(description="Whether it is the council the plot was drawn for.")


class Funnel(Shape):
    """A funnel plot's data: each council against its peers' average, allowing for chance at
    its number of cases."""

    key: StatisticKey = Field(description="The statistic.")
    label: str = Field(description="The statistic's name.")
    id: str = Field(description="The plot's id on its page.")
    heading: str = Field(description="The plot's heading.")
    compared: str = Field(description="Which councils the plot shows, in words.")
    rows: list[FunnelRow] = Field(description="Each council with a figure.")
    summary: str = Field(description="How many councils fall where, in words.")
    highlighted: bool = Field(
        description="Whether the council the plot was drawn for is on it (it has a figure)."
    )
    better: str = Field(description="Which way is better for the statistic, in words.")
    base_heading: str = Field(description="The heading of the base column.")


class CountsTable(Shape):
    """A table of counts, written as the page shows it."""

    caption: str = Field(description="What the table shows.")
    header: list[str] = Field(description="The column headings.")
    rows: list[list[str]] = Field(description="The rows, each a list of cells.")
    total: list[str] = Field(description="The row of totals.")


TrendYear = shape(
    "TrendYear",
    "A council's key figures for one year, with the averages of similar authorities.",
    {
        "year": (str, YEAR + "."),
        "code": (str, "The council's code that year (it may have had another since)."),
        "investigated": (int, said(datasets.STATISTICS, "investigated")),
        "upheld": (int, said(datasets.STATISTICS, "upheld")),
    }
    | {s.key: (kind_of(s) | None, said(datasets.STATISTICS, s.key)) for s in CATALOGUE}
    | {
        s.similar_key: (kind_of(s) | None, said(datasets.STATISTICS, s.similar_key))
        for s in CATALOGUE
    }
    | {
        s.exact_key: (float | None, said(datasets.STATISTICS, s.exact_key))
        for s in CATALOGUE
        if s.exact_key
    },
)


class Trend(Shape):
    """A council's key figures year by year."""

    years: list[TrendYear] = Field(  # type: ignore[valid-type]
        description="Each published year the council has figures for, oldest first."
    )
    notes: dict[str, str] = Field(
        description="Breaks in the series among these years, by year: why a year may not compare."
    )


class Revision(Shape):
    """An earlier version of a letter, replaced by a later one."""

    number: int = Field(description="The earlier version's number.")
    revised: str = Field(description='When the version after it was made: "3 August 2025".')
    reason: str = Field(description="Why it was replaced.")


class PublicLetter(Shape):
    """A council's annual review letter for a year."""

    year: str = Field(description=YEAR + ".")
    version: int = Field(description="The version the public sees.")
    formats: list[str] = Field(description="The formats it can be read in, e.g. pdf, html.")
    revisions: list[Revision] = Field(
        description="The earlier versions, newest first, each with why it was replaced."
    )


class Evidence(Shape):
    """A count with the published decisions behind it."""

    label: str = Field(description="What is counted.")
    count: int = Field(description="The count.")
    shown: int = Field(
        description="How many of those decisions the search shows now (decisions are "
        "published some months after they are made, and some never are)."
    )
    url: str = Field(description="The decision search that lists them.")


def record_fields(dataset: Dataset, names: Iterable[str]) -> dict[str, str]:
    """Meanings of a list's fields, from its download's data dictionary."""
    return {name: said(dataset, name) for name in names}


_REPORT = record_fields(
    datasets.REPORTS, ["reference", "issued", "year", "title", "kind", "kind_label", "url"]
)
_IMPROVEMENT = record_fields(
    datasets.IMPROVEMENTS,
    ["reference", "agreed", "year", "description", "status", "status_label", "decision_url"],
)


class Report(Shape):
    """A public report the ombudsman issued."""

    reference: str = Field(description=_REPORT["reference"])
    issued: date = Field(description=_REPORT["issued"])
    year: str = Field(description=_REPORT["year"])
    title: str = Field(description=_REPORT["title"])
    kind: ReportKind = Field(description=_REPORT["kind"])
    kind_label: str = Field(description=_REPORT["kind_label"])
    url: str | None = Field(description=_REPORT["url"])
    category: Category | None = Field(description="The service area, where known.")
    decision_url: str | None = Field(description=_IMPROVEMENT["decision_url"])


class Improvement(Shape):
    """A service improvement a council agreed to make."""

    reference: str = Field(description=_IMPROVEMENT["reference"])
    agreed: date = Field(description=_IMPROVEMENT["agreed"])
    year: str = Field(description=_IMPROVEMENT["year"])
    description: str = Field(description=_IMPROVEMENT["description"])
    status: ImprovementStatus = Field(description=_IMPROVEMENT["status"])
    status_label: str = Field(description=_IMPROVEMENT["status_label"])
    category: Category | None = Field(description="The service area, where recorded.")
    decision_url: str | None = Field(description=_IMPROVEMENT["decision_url"])


StatisticLabels = shape(
    "StatisticLabels",
    "Every statistic's name, by its key.",
    {s.key: (str, f"{s.label}.") for s in CATALOGUE},
)


class CouncilYear(Shape):
    """A council's page for a year: its figures against similar authorities, its trend,
    letters, reports and improvements."""

    title: str = Field(description="The page's title.")
    council: CouncilSummary = Field(description="The council.")
    existed: bool = Field(description="Whether the council existed on 1 April of the year.")
    year: str = Field(description=YEAR + ".")
    period: str = Field(description="The year's dates in words.")
    preview: bool = Field(description="Always false here: a preview is never public.")
    published_at: datetime = Field(description="When the year's figures were published.")
    years: list[str] = Field(description="The published years the council has a page for.")
    average_method: AverageMethod = Field(
        description="How the average of similar authorities is taken."
    )
    group: GroupName = Field(description="Who the council is compared with.")
    groups: dict[str, str] = Field(
        description="The peer groups a reader may choose, by name, with their labels."
    )
    compared_with: str = Field(description="Who the council is compared with, in words.")
    figures: CouncilYearFigures = Field(  # type: ignore[valid-type]
        description="The council's figures and the averages of similar authorities."
    )
    statistics: list[StatisticSection] = Field(description="Each key statistic, in words.")
    areas: list[AreaRow] = Field(description="Each service area against its peers, in words.")
    funnel: Funnel | None = Field(
        description="The chosen statistic's funnel plot over the council's peer group, the "
        "council highlighted; null when the council has no peers."
    )
    funnel_statistic: StatisticKey = Field(description="The statistic of the funnel plot.")
    statistic_labels: StatisticLabels = Field(  # type: ignore[valid-type]
        description="The statistics a reader may choose for the funnel plot, by key."
    )
    received: CountsTable = Field(description="Complaints and enquiries received, by area.")
    decisions: CountsTable = Field(description="Decisions made, by outcome.")
    trend: Trend = Field(description="The council's key figures year by year.")
    predecessors: list[LinkedCouncil] = Field(description="The councils it replaced.")
    successors: list[LinkedCouncil] = Field(description="The councils that replaced it.")
    other_codes: list[LinkedCouncil] = Field(
        description="The same council under the other codes it has had."
    )
    letters: list[PublicLetter] = Field(description="Its annual review letters, newest first.")
    reports: list[Report] = Field(description="Public reports about it, newest first.")
    improvements: list[Improvement] = Field(
        description="Service improvements it agreed, newest first."
    )
    decision_count: int = Field(description="How many of its decisions are published now.")
    evidence: list[Evidence] = Field(
        description="The counts behind the key statistics, each with the decisions behind it."
    )
    decisions_rule: str = Field(description="When decisions are published, in words.")


TypeFigures = shape(
    "TypeFigures",
    "One type of council's totals and the average of its councils for each statistic.",
    {
        "type": (AuthorityType, "The type of council."),
        "label": (str, "The type in words."),
        "councils": (int, "How many councils of the type the average is taken over."),
        "received": (int, "Complaints and enquiries they received."),
        "investigated": (int, "Detailed investigations about them."),
        "upheld": (int, "Decisions upheld about them."),
    }
    | {s.key: (kind_of(s) | None, f"The average {s.label.lower()}.") for s in CATALOGUE},
)
YearCounts = shape(
    "YearCounts",
    "England's counts and figures for one published year.",
    {"year": (str, YEAR + ".")} | counts_shape(),
)
Counted = shape(
    "Counted",
    "Each statistic's counts in a few words, by its key.",
    {s.key: (str, f"The counts behind the {s.label.lower()}.") for s in CATALOGUE},
)


NationalCounts = shape(
    "NationalCounts", "England's counts and figures for the year.", counts_shape()
)


class National(Shape):
    """National figures for a year: England's totals, each type of council's, the national
    trend, and every council of each type against its type's average for one statistic."""

    title: str = Field(description="The page's title.")
    year: str = Field(description=YEAR + ".")
    period: str = Field(description="The year's dates in words.")
    years: list[str] = Field(description="Every published year, newest first.")
    average_method: AverageMethod = Field(
        description="How the average of similar authorities is taken."
    )
    councils: int = Field(description="How many councils existed in the year.")
    national: NationalCounts = Field(  # type: ignore[valid-type]
        description="England's counts and figures."
    )
    counted: Counted = Field(description="Each statistic's counts in words.")  # type: ignore[valid-type]
    received: CountsTable = Field(description="Complaints and enquiries received, by area.")
    decisions: CountsTable = Field(description="Decisions made, by outcome.")
    by_type: list[TypeFigures] = Field(  # type: ignore[valid-type]
        description="Each type of council's totals and averages."
    )
    history: list[YearCounts] = Field(  # type: ignore[valid-type]
        description="England's counts and figures in every published year, oldest first."
    )
    notes: dict[str, str] = Field(
        description="Breaks in the series among the years of the history, by year."
    )
    trend: dict[str, str] = Field(description="Empty here: on the page, the charts of the history.")
    statistic: StatisticKey = Field(description="The statistic the funnel plots show.")
    statistics: StatisticLabels = Field(  # type: ignore[valid-type]
        description="The statistics a reader may choose for the funnel plots, by key."
    )
    funnels: list[Funnel] = Field(
        description="A funnel plot of the chosen statistic for each type of council."
    )
    evidence: list[Evidence] = Field(
        description="The counts behind the national figures, each with the decisions behind it."
    )
    decisions_rule: str = Field(description="When decisions are published, in words.")


# Decisions.

_DECISION = {c.name: said(datasets.DECISIONS, c.name) for c in datasets.DECISIONS.columns}


class Decision(Shape):
    """A published decision's public fields."""

    reference: str = Field(description=_DECISION["reference"], examples=["24 001 234"])
    authority: str = Field(description="The council's GSS code.")
    decided: date = Field(description=_DECISION["decided"])
    year: str = Field(description="The review year of the decision, written like 2024-25.")
    category: Category = Field(description=_DECISION["category"])
    subcategory: str | None = Field(description=_DECISION["subcategory"])
    outcome: Outcome = Field(description=_DECISION["outcome"])
    satisfactory_remedy: bool = Field(description=_DECISION["satisfactory_remedy"])
    summary: str = Field(description=_DECISION["summary"])


class Snippet(Shape):
    """The part of a decision's summary a search shows, with the words it found marked."""

    text: str = Field(description='The part, with "…" where the summary was cut.')
    marks: list[list[int]] = Field(
        description="Where the words found are in the text: [start, end) character spans."
    )


class FoundDecision(Decision):
    """A decision a search found."""

    snippet: Snippet = Field(description="The part of its summary to show.")
    council_name: str = Field(description=_DECISION["council"])
    outcome_label: str = Field(description=_DECISION["outcome_label"])


class Asked(Shape):
    """What a search asked for, as written in its address."""

    q: str = Field(description="The words searched for.")
    council: list[str] = Field(description="The councils chosen, by code.")
    category: list[str] = Field(description="The service areas chosen.")
    outcome: list[str] = Field(description="The outcomes chosen.")
    year: list[str] = Field(description="The review years chosen.")
    remedy: Literal["yes", "no"] | None = Field(
        description="Satisfactory remedy or not; null when either."
    )
    sort: Sort = Field(description="The order.")


class Facet(Shape):
    """One value a search can be narrowed to."""

    value: str = Field(description="The value, as the search's parameter takes it.")
    label: str = Field(description="The value in words.")
    count: int = Field(description="How many of the decisions found have it.")
    chosen: bool = Field(description="Whether the search is narrowed to it.")


class Facets(Shape):
    """The values a search can be narrowed to, by parameter."""

    council: list[Facet] = Field(description="Councils, the most decisions first.")
    category: list[Facet] = Field(description="Service areas, the most decisions first.")
    outcome: list[Facet] = Field(description="Outcomes, the most decisions first.")
    year: list[Facet] = Field(description="Review years, newest first.")
    remedy: list[Facet] = Field(description="Satisfactory remedy (yes) or not (no).")


class Sorts(Shape):
    """The orders a search can be put in, in words."""

    relevance: str = Field(description="Best match first.")
    newest: str = Field(description="Newest first.")
    oldest: str = Field(description="Oldest first.")


class Decisions(Shape):
    """A page of the published decisions a search found, with the values it can be narrowed
    to and how many decisions have each."""

    title: str = Field(description="The page's title.")
    query: Asked = Field(description="What was asked for.")
    sorts: Sorts = Field(description="The orders a search can be put in.")
    total: int = Field(description="How many decisions were found.")
    page: int = Field(description="This page's number.")
    pages: int = Field(description="How many pages there are.")
    per_page: int = Field(description="Decisions per page.")
    items: list[FoundDecision] = Field(description="This page's decisions.")
    facets: Facets = Field(description="The values the search can be narrowed to.")
    delay_months: int = Field(description="How many months after it is made a decision appears.")
    decisions_rule: str = Field(description="When decisions are published, in words.")


class Compliance(Shape):
    """Whether the council did what the ombudsman recommended, as assessed."""

    outcome: ComplianceOutcome = Field(description="What the council did.")
    outcome_label: str = Field(description="What it did, in words.")
    assessed: date = Field(description="The day compliance was assessed.")
    assessed_text: str = Field(description="That day in words.")
    year: str = Field(description="The review year it counts in.")
    due: date | None = Field(description="When the council was to have complied, where known.")
    due_text: str | None = Field(description="That day in words.")
    recommendation: str | None = Field(description="What was recommended, where recorded.")


class DecisionImprovement(Improvement):
    """A service improvement the council agreed after a decision."""

    agreed_text: str = Field(description="The day it was agreed, in words.")


class DecisionReport(Report):
    """A public report about a decision."""

    issued_text: str = Field(description="The day it was issued, in words.")


class DecisionPage(Decision):
    """A published decision, and what followed it that is published."""

    title: str = Field(description="The page's title.")
    url: str = Field(description=_DECISION["url"])
    council_name: str = Field(description=_DECISION["council"])
    outcome_label: str = Field(description=_DECISION["outcome_label"])
    decided_text: str = Field(description="The day it was made, in words.")
    compliance: Compliance | None = Field(
        description="Whether the council did what was recommended; null when no outcome is "
        "published."
    )
    improvements: list[DecisionImprovement] = Field(
        description="Service improvements the council agreed, newest first."
    )
    reports: list[DecisionReport] = Field(description="Public reports about it, newest first.")


# The lists of service improvements and public reports.


class CouncilName(Shape):
    """A council as a record names it."""

    code: str = Field(description="Its GSS code.")
    name: str = Field(description="Its name, or its code when the register does not know it.")


class ListedImprovement(Improvement):
    """A service improvement in the register."""

    council: CouncilName = Field(description="The council that agreed it.")


class ListedReport(Report):
    """A public report in the list."""

    council: CouncilName = Field(description="The council it is about.")


class Filters(Shape):
    """What a list was narrowed to; null where not."""

    council: str | None = Field(description="A council's code.")
    category: Category | None = Field(description="A service area.")
    year: str | None = Field(description="A review year.")
    status: str | None = Field(description="A status (improvements) or kind (reports).")


class Option(Shape):
    """One value a list can be narrowed to."""

    value: str = Field(description="The value, as the parameter takes it.")
    label: str = Field(description="The value in words.")
    count: int = Field(description="How many published records have it.")


class Options(Shape):
    """The values a list can be narrowed to, by parameter."""

    council: list[Option] = Field(description="Councils, in order of name.")
    category: list[Option] = Field(description="Service areas.")
    year: list[Option] = Field(description="Published review years, newest first.")
    status: list[Option] = Field(description="Statuses (improvements) or kinds (reports).")


class ListPage(Shape):
    """A page of a list of records, filtered."""

    title: str = Field(description="The page's title.")
    filters: Filters = Field(description="What the list was narrowed to.")
    total: int = Field(description="How many records match.")
    page: int = Field(description="This page's number.")
    pages: int = Field(description="How many pages there are.")
    per_page: int = Field(description="Records per page.")
    options: Options = Field(description="The values the list can be narrowed to.")


class Improvements(ListPage):
    """A page of the register of service improvements councils agreed, newest first."""

    kind: Literal["improvements"] = Field(description="The list.")
    items: list[ListedImprovement] = Field(description="This page's improvements.")


class Reports(ListPage):
    """A page of the public reports the ombudsman issued, newest first."""

    kind: Literal["reports"] = Field(description="The list.")
    items: list[ListedReport] = Field(description="This page's reports.")
