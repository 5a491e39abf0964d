"""Reading the database into plain dicts: one function per output (statistics, pages, letters)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, func, select

from upheld.core.periods import ReviewYear
from upheld.core.stats import (
    RATES,
    Average,
    AverageMethod,
    Counts,
    combine,
    one_decimal,
    percent,
    similar_average,
)
from upheld.core.vocabulary import (
    COMPARED_TYPES,
    COMPLIANCE_OUTCOMES,
    OUTCOME_GROUPS,
    OUTCOMES,
    SERVICE_AREAS,
)
from upheld.register import Council, Population, Register
from upheld.store import schema


def load_register(connection: Connection, base: Register) -> Register:
    """The register in force: the built-in one with the database's imported councils on top."""
    councils = [
        Council(
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            type=row.type,
            region=row.region,
            parent=row.parent,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            successors=tuple(filter(None, (row.successors or "").split(";"))),
            aliases=tuple(filter(None, (row.aliases or "").split(";"))),
            lat=row.lat,
            lon=row.lon,
        )
        for row in connection.execute(select(schema.authorities))
    ]
    populations = [
        Population(row.authority, row.year, row.population, row.vintage)
        for row in connection.execute(select(schema.populations))
    ]
    if not councils and not populations:
        return base
    return base.with_overrides(councils, populations)


def year_counts(connection: Connection, year: ReviewYear) -> dict[str, Counts]:
    """Every council's counts for a year, from the case records (no population yet)."""
    y = year.start_year
    received: dict[str, dict[str, int]] = defaultdict(dict)
    decided: dict[str, dict[str, int]] = defaultdict(dict)
    remedies: dict[str, int] = defaultdict(int)
    compliance: dict[str, dict[str, int]] = defaultdict(dict)
    cases = schema.cases
    for authority, category, number in connection.execute(
        select(cases.c.authority, cases.c.category, func.count())
        .where(cases.c.received_year == y)
        .group_by(cases.c.authority, cases.c.category)
    ):
        received[authority][category] = number
    for authority, outcome, remedy, number in connection.execute(
        select(cases.c.authority, cases.c.outcome, cases.c.satisfactory_remedy, func.count())
        .where(cases.c.decided_year == y)
        .group_by(cases.c.authority, cases.c.outcome, cases.c.satisfactory_remedy)
    ):
        decided[authority][outcome] = decided[authority].get(outcome, 0) + number
        if remedy:
            remedies[authority] += number
    outcomes = schema.compliance
    for authority, outcome, number in connection.execute(
        select(cases.c.authority, outcomes.c.outcome, func.count())
        .select_from(outcomes.join(cases, cases.c.reference == outcomes.c.reference))
        .where(outcomes.c.assessed_year == y)
        .group_by(cases.c.authority, outcomes.c.outcome)
    ):
        compliance[authority][outcome] = number
    codes = set(received) | set(decided) | set(compliance)
    return {
        code: Counts(received[code], decided[code], remedies[code], compliance[code])
        for code in codes
    }


@dataclass(frozen=True)
class YearFigures:
    """A year's figures for every council, their similar-authority averages and national totals."""

    year: ReviewYear
    method: AverageMethod
    councils: dict[str, Council]
    counts: dict[str, Counts]
    populations: dict[str, Population]
    averages: dict[str, Average]
    national: Counts

    def average_for(self, code: str) -> Average | None:
        """The average a council is compared with; None if it has no peers this year."""
        council = self.councils[code]
        if not council.exists_in(self.year) or council.type not in COMPARED_TYPES:
            return None
        return self.averages.get(council.type)


def year_figures(
    connection: Connection, register: Register, year: ReviewYear, method: AverageMethod = "mean"
) -> YearFigures:
    """Compute a year: each council that existed, or had cases, with its peers' averages."""
    counted = year_counts(connection, year)
    councils = {c.code: c for c in register.in_year(year)}
    for code in counted:
        if code not in councils:
            known = register.get(code)
            councils[code] = known or Council(code, code, code, "other")
    populations: dict[str, Population] = {}
    counts: dict[str, Counts] = {}
    for code, council in councils.items():
        population = register.population(code, year) if council.exists_in(year) else None
        if population is not None:
            populations[code] = population
        base = counted.get(code, Counts())
        counts[code] = replace(base, population=population.population if population else None)
    averages = {
        kind: similar_average(
            [counts[c.code] for c in councils.values() if c.type == kind and c.exists_in(year)],
            method,
        )
        for kind in COMPARED_TYPES
    }
    residents = sum(
        p.population for code, p in populations.items() if councils[code].type != "county"
    )
    national = replace(combine(counts.values()), population=residents or None)
    return YearFigures(year, method, councils, counts, populations, averages, national)


def _average_fields(average: Average | None) -> dict[str, Any]:
    return {
        f"similar_{name}": percent(average.rate(name) if average else None) for name in RATES
    } | {"similar_upheld_per_100k": _decimal(average.upheld_per_100k if average else None)}


def _decimal(value: Fraction | None) -> float | None:
    rounded = one_decimal(value)
    return None if rounded is None else float(rounded)


def counts_fields(counts: Counts) -> dict[str, Any]:
    """The counts and rates of one council (or the nation) as output fields."""
    return {
        "received": counts.received,
        "received_by_category": {
            t.key: counts.received_by_category.get(t.key, 0) for t in SERVICE_AREAS
        },
        "decided": counts.decided,
        "decided_by_outcome": {t.key: counts.decided_by_outcome.get(t.key, 0) for t in OUTCOMES},
        "decided_by_outcome_group": {
            t.key: counts.decided_by_group.get(t.key, 0) for t in OUTCOME_GROUPS
        },
        "investigated": counts.investigated,
        "upheld": counts.upheld,
        "uphold_rate": counts.uphold_rate.percent,
        "satisfactory_remedies": counts.satisfactory_remedies,
        "satisfactory_remedy_rate": counts.satisfactory_remedy_rate.percent,
        "compliance_outcomes": counts.compliance_outcomes,
        **{t.key: counts.compliance_by_outcome.get(t.key, 0) for t in COMPLIANCE_OUTCOMES},
        "compliance_rate": counts.compliance_rate.percent,
        "population": counts.population,
        "upheld_per_100k": _decimal(counts.upheld_per_100k),
    }


def authority_fields(figures: YearFigures, code: str) -> dict[str, Any]:
    """One council's row of the statistics output (data-contract.md field names)."""
    council = figures.councils[code]
    counts = figures.counts[code]
    average = figures.average_for(code)
    fields = counts_fields(counts)
    population = figures.populations.get(code)
    ordered: dict[str, Any] = {
        "code": council.code,
        "name": council.name,
        "type": council.type,
        "existed": council.exists_in(figures.year),
    }
    similar = _average_fields(average)
    for key, value in fields.items():
        ordered[key] = value
        if f"similar_{key}" in similar:
            ordered[f"similar_{key}"] = similar[f"similar_{key}"]
        if key == "population":
            ordered["population_vintage"] = population.vintage if population else None
    return ordered


def statistics(figures: YearFigures, codes: Sequence[str] | None = None) -> dict[str, Any]:
    """The `upheld stats` output for a year: councils, averages of similar authorities, national."""
    chosen: Iterable[str] = codes if codes else figures.councils
    order = sorted(chosen, key=lambda c: (figures.councils[c].name.casefold(), c))
    return {
        "year": figures.year.label,
        "period": {"start": figures.year.start.isoformat(), "end": figures.year.end.isoformat()},
        "average_method": figures.method,
        "authorities": [authority_fields(figures, code) for code in order],
        "averages": {
            kind: {name: percent(average.rate(name)) for name in RATES}
            | {"upheld_per_100k": _decimal(average.upheld_per_100k), "councils": average.councils}
            for kind, average in figures.averages.items()
        },
        "national": {
            "councils": sum(1 for c in figures.councils.values() if c.exists_in(figures.year))
        }
        | counts_fields(figures.national),
    }


def contacts_for(connection: Connection, code: str) -> dict[str, dict[str, str | None]]:
    """A council's contacts by role: name, title and email."""
    rows = connection.execute(select(schema.contacts).where(schema.contacts.c.authority == code))
    return {row.role: {"name": row.name, "title": row.title, "email": row.email} for row in rows}


def all_contacts(connection: Connection) -> dict[str, dict[str, dict[str, str | None]]]:
    """Every council's contacts by role, read at once (for a year's letters)."""
    found: dict[str, dict[str, dict[str, str | None]]] = defaultdict(dict)
    for row in connection.execute(select(schema.contacts)):
        found[row.authority][row.role] = {"name": row.name, "title": row.title, "email": row.email}
    return dict(found)


@dataclass(frozen=True)
class Activity:
    """The ombudsman's own courses and seminars in one year, and who came."""

    courses: int
    course_attendees: int
    seminars: int
    seminar_attendees: int
    councils_attending: dict[str, int]
    """Council code -> number of courses and seminars its staff attended."""


def activity(connection: Connection, year: ReviewYear) -> Activity:
    """The year's training courses and seminars, from the events records."""
    events = schema.events
    courses = seminars = course_people = seminar_people = 0
    attending: dict[str, int] = defaultdict(int)
    for row in connection.execute(select(events).where(events.c.year == year.start_year)):
        if row.kind == "course":
            courses += 1
            course_people += row.attendees
        else:
            seminars += 1
            seminar_people += row.attendees
        for code in (row.authorities or "").split(";"):
            if code:
                attending[code] += 1
    return Activity(courses, course_people, seminars, seminar_people, dict(attending))
