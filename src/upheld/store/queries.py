"""Reading the database back: the register in force, a year's counts and figures, contacts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from upheld.core.figures import YearFigures, compute
from upheld.core.groups import TYPE, PeerGroup
from upheld.core.judgement import MINIMUM_BASE
from upheld.core.periods import ReviewYear
from upheld.core.stats import AverageMethod, Counts
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
    areas: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    c = cases.c
    for authority, category, outcome, remedy, number in connection.execute(
        select(c.authority, c.category, c.outcome, c.satisfactory_remedy, func.count())
        .where(c.decided_year == y)
        .group_by(c.authority, c.category, c.outcome, c.satisfactory_remedy)
    ):
        decided[authority][outcome] = decided[authority].get(outcome, 0) + number
        area = areas[authority].setdefault(category, {})
        area[outcome] = area.get(outcome, 0) + number
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
        code: Counts(
            received[code], decided[code], remedies[code], compliance[code], None, areas[code]
        )
        for code in codes
    }


def year_figures(
    connection: Connection,
    register: Register,
    year: ReviewYear,
    method: AverageMethod = "mean",
    group: PeerGroup = TYPE,
    minimum_base: int = MINIMUM_BASE,
    *,
    previous: bool = True,
) -> YearFigures:
    """A year's figures, from the case records: each council that existed or had cases, with
    its peers' averages, its counts the year before (unless that year may not be shown) and the
    national totals."""
    return compute(
        register,
        year,
        year_counts(connection, year),
        method,
        group,
        previous=year_counts(connection, year.previous()) if previous else None,
        minimum_base=minimum_base,
    )


def all_contacts(connection: Connection) -> dict[str, dict[str, dict[str, str | None]]]:
    """Every council's contacts by role, read at once (for a year's letters)."""
    found: dict[str, dict[str, dict[str, str | None]]] = defaultdict(dict)
    for row in connection.execute(select(schema.contacts)):
        found[row.authority][row.role] = {
            "name": row.name,
            "title": row.title,
            "email": row.email,
            "salutation": row.salutation,
        }
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
    seminar_places: tuple[str, ...] = ()
    """Where the seminars were held, each place once, in the order of the first held there."""


def activity(connection: Connection, year: ReviewYear) -> Activity:
    """The year's training courses and seminars, from the events records."""
    events = schema.events
    courses = seminars = course_people = seminar_people = 0
    attending: dict[str, int] = defaultdict(int)
    places: dict[str, None] = {}
    rows = connection.execute(
        select(events).where(events.c.year == year.start_year).order_by(events.c.date)
    )
    for row in rows:
        if row.kind == "course":
            courses += 1
            course_people += row.attendees
        else:
            seminars += 1
            seminar_people += row.attendees
            if row.location:
                places.setdefault(row.location, None)
        for code in (row.authorities or "").split(";"):
            if code:
                attending[code] += 1
    return Activity(
        courses, course_people, seminars, seminar_people, dict(attending), tuple(places)
    )


@dataclass(frozen=True)
class Report:
    """A public report we issued about a council."""

    reference: str
    kind: str
    issued: date
    title: str
    url: str | None


@dataclass(frozen=True)
class Improvement:
    """A service improvement a council agreed to make after one of our decisions."""

    reference: str
    description: str
    agreed: date
    status: str


@dataclass
class CaseRecords:
    """What a year's letter says about one council's cases beyond its figures: the reports we
    issued, the recommendations it did not comply with, and the improvements it agreed."""

    reports: list[Report] = field(default_factory=list)
    not_complied: list[str] = field(default_factory=list)
    """References of the cases whose recommendations the council did not comply with."""
    agreed: list[Improvement] = field(default_factory=list)
    """Improvements agreed in the year."""
    overdue: list[Improvement] = field(default_factory=list)
    """Improvements agreed in the year or before and overdue now."""


def case_records(connection: Connection, year: ReviewYear) -> dict[str, CaseRecords]:
    """Each council's reports, non-compliance and improvements for a year's letters, read at
    once and in a steady order (by date, then reference)."""
    cases, reports, compliance, improvements = (
        schema.cases,
        schema.reports,
        schema.compliance,
        schema.improvements,
    )
    found: dict[str, CaseRecords] = defaultdict(CaseRecords)
    issued = (
        select(cases.c.authority, reports)
        .join(cases, cases.c.reference == reports.c.reference)
        .where(reports.c.issued_year == year.start_year)
        .order_by(reports.c.issued, reports.c.reference, reports.c.kind)
    )
    for row in connection.execute(issued):
        found[row.authority].reports.append(
            Report(row.reference, row.kind, row.issued, row.title, row.url)
        )
    refused = (
        select(cases.c.authority, compliance.c.reference)
        .join(cases, cases.c.reference == compliance.c.reference)
        .where(compliance.c.assessed_year == year.start_year)
        .where(compliance.c.outcome == "not_complied")
        .order_by(compliance.c.assessed, compliance.c.reference)
    )
    for row in connection.execute(refused):
        found[row.authority].not_complied.append(row.reference)
    agreed = (
        select(cases.c.authority, improvements)
        .join(cases, cases.c.reference == improvements.c.reference)
        .where(
            (improvements.c.agreed_year == year.start_year)
            | (
                (improvements.c.agreed_year <= year.start_year)
                & (improvements.c.status == "overdue")
            )
        )
        .order_by(improvements.c.agreed, improvements.c.reference, improvements.c.description)
    )
    for row in connection.execute(agreed):
        improvement = Improvement(row.reference, row.description, row.agreed, row.status)
        if row.agreed_year == year.start_year:
            found[row.authority].agreed.append(improvement)
        if row.status == "overdue":
            found[row.authority].overdue.append(improvement)
    return dict(found)
