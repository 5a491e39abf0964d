"""The public lists: service improvements councils agreed and public reports the ombudsman issued.

Each record is shown only once it is published (`core.publication`): from the day it is dated,
and, unless the ombudsman publishes continuously, once its review year is published.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, func, select
from sqlalchemy.sql import ColumnElement

from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.vocabulary import IMPROVEMENT_STATUSES, REPORT_KINDS, Vocabulary
from upheld.search.index import published_now
from upheld.site.identity import CouncilName, council_name, decision_path
from upheld.site.model import Site
from upheld.store import schema

ListName = Literal["improvements", "reports"]
PER_PAGE = 50
"""Records to a page, unless the address asks for another number (`per_page`, 1 to 100)."""
MAX_PER_PAGE = 100


class Report(TypedDict):
    """A public report's public fields."""

    reference: str
    issued: str
    year: str
    title: str
    kind: str
    kind_label: str
    url: str | None
    category: str | None
    decision_url: str | None
    """The page of the decision the report is about, while that decision is published."""


class Improvement(TypedDict):
    """A service improvement's public fields."""

    reference: str
    agreed: str
    year: str
    description: str
    status: str
    status_label: str
    category: str | None
    decision_url: str | None
    """The page of the decision that led to it, while that decision is published."""


class Option(TypedDict):
    """One value a list can be filtered by, and how many records have it."""

    value: str
    label: str
    count: int


class Filters(TypedDict):
    """What a list was filtered by."""

    council: str | None
    category: str | None
    year: str | None
    status: str | None


class ListPage(TypedDict):
    """A page of the improvements register or the reports list."""

    title: str
    kind: ListName
    filters: Filters
    total: int
    page: int
    pages: int
    per_page: int
    items: list[dict[str, Any]]
    """Each record's public fields, with "council": {"code", "name"}."""
    options: dict[str, list[Option]]


def report_fields(row: Any) -> Report:
    """A public report's public fields."""
    return {
        "reference": row.reference,
        "issued": row.issued.isoformat(),
        "year": ReviewYear(row.issued_year).label,
        "title": row.title,
        "kind": row.kind,
        "kind_label": REPORT_KINDS.label(row.kind),
        "url": row.url,
        "category": row.category,
        "decision_url": _decision_url(row),
    }


def improvement_fields(row: Any) -> Improvement:
    """A service improvement's public fields."""
    return {
        "reference": row.reference,
        "agreed": row.agreed.isoformat(),
        "year": ReviewYear(row.agreed_year).label,
        "description": row.description,
        "status": row.status,
        "status_label": IMPROVEMENT_STATUSES.label(row.status),
        "category": row.category,
        "decision_url": _decision_url(row),
    }


def _decision_url(row: Any) -> str | None:
    # A record can be public before its decision is (the decision waits out its delay), or
    # while the decision is never published at all: then it links nowhere.
    return decision_path(row.reference) if row.decision_public else None


@dataclass(frozen=True)
class _Source:
    """Where a list's records live, which columns filter them, and their words."""

    title: str
    table: Any
    dated: Any
    year: Any
    status: Any
    category: Any
    statuses: Vocabulary

    def describe(self, row: Any) -> dict[str, Any]:
        if self.table is schema.improvements:
            return dict(improvement_fields(row))
        return dict(report_fields(row))


_SOURCES: dict[ListName, _Source] = {
    "improvements": _Source(
        "Service improvements",
        schema.improvements,
        schema.improvements.c.agreed,
        schema.improvements.c.agreed_year,
        schema.improvements.c.status,
        schema.improvements.c.category,
        IMPROVEMENT_STATUSES,
    ),
    # A report's service area is its case's.
    "reports": _Source(
        "Public reports",
        schema.reports,
        schema.reports.c.issued,
        schema.reports.c.issued_year,
        schema.reports.c.kind,
        schema.cases.c.category,
        REPORT_KINDS,
    ),
}


def _public(source: _Source, publication: Publication) -> list[ColumnElement[bool]]:
    """The records of a list published now (`publication.record_is_public`, in SQL)."""
    conditions: list[ColumnElement[bool]] = [source.dated <= publication.today]
    years = publication.record_years
    if years is not None:
        conditions.append(source.year.in_(sorted(years)))
    return conditions


def _filtered(
    source: _Source, publication: Publication, chosen: Filters
) -> list[ColumnElement[bool]]:
    conditions = _public(source, publication)
    if chosen["council"]:
        conditions.append(schema.cases.c.authority == chosen["council"])
    if chosen["category"]:
        conditions.append(source.category == chosen["category"])
    if chosen["year"]:
        conditions.append(source.year == ReviewYear.parse(chosen["year"]).start_year)
    if chosen["status"]:
        conditions.append(source.status == chosen["status"])
    return conditions


def _joined(source: _Source) -> Any:
    cases = schema.cases
    return source.table.join(cases, cases.c.reference == source.table.c.reference)


def published_records(
    connection: Connection,
    name: ListName,
    publication: Publication,
    chosen: Filters,
    *,
    limit: int | None = None,
    offset: int = 0,
    reference: str | None = None,
) -> list[tuple[Any, dict[str, Any]]]:
    """A list's published records, newest first: each row with its public fields; only one
    case's, if a reference is given."""
    found = each_published_record(
        connection, name, publication, chosen, limit=limit, offset=offset, reference=reference
    )
    return list(found)


def each_published_record(
    connection: Connection,
    name: ListName,
    publication: Publication,
    chosen: Filters,
    *,
    limit: int | None = None,
    offset: int = 0,
    reference: str | None = None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """`published_records` one at a time, read from the database a thousand at a time, so
    that a download of a whole list never holds it all."""
    source, cases = _SOURCES[name], schema.cases
    columns: list[Any] = [
        source.table,
        cases.c.authority,
        published_now(publication).label("decision_public"),
    ]
    if source.category is cases.c.category:
        columns.append(cases.c.category)
    conditions = _filtered(source, publication, chosen)
    if reference is not None:
        conditions.append(source.table.c.reference == reference)
    rows = connection.execute(
        select(*columns)
        .select_from(_joined(source))
        .where(*conditions)
        # The whole key last: two improvements of one case on one day must keep their order,
        # or a page could repeat one and the next never show the other.
        .order_by(source.dated.desc(), *source.table.primary_key.columns)
        .limit(limit)
        .offset(offset)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        yield row, source.describe(row)


def count_published(
    connection: Connection, name: ListName, publication: Publication, chosen: Filters
) -> int:
    """How many published records of a list match the filters."""
    source = _SOURCES[name]
    found = connection.execute(
        select(func.count())
        .select_from(_joined(source))
        .where(*_filtered(source, publication, chosen))
    )
    return int(found.scalar_one())


def council_records(
    connection: Connection, name: ListName, publication: Publication, code: str
) -> list[dict[str, Any]]:
    """Every published record of a list about one council, newest first."""
    chosen: Filters = {"council": code, "category": None, "year": None, "status": None}
    return [item for _row, item in published_records(connection, name, publication, chosen)]


def case_records(
    connection: Connection, name: ListName, publication: Publication, reference: str
) -> list[dict[str, Any]]:
    """Every published record of a list about one case, newest first."""
    chosen: Filters = {"council": None, "category": None, "year": None, "status": None}
    found = published_records(connection, name, publication, chosen, reference=reference)
    return [item for _row, item in found]


def _option_counts(
    connection: Connection, column: Any, source: _Source, publication: Publication
) -> list[tuple[Any, int]]:
    rows = connection.execute(
        select(column, func.count())
        .select_from(_joined(source))
        .where(*_public(source, publication))
        .group_by(column)
        .order_by(column)
    )
    return [(value, int(count)) for value, count in rows if value is not None]


def list_page(
    site: Site,
    publication: Publication,
    name: ListName,
    chosen: Filters,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ListPage:
    """The service improvements register or the public reports list, filtered and paged."""
    source, cases = _SOURCES[name], schema.cases
    register = site.register()
    with site.engine.connect() as connection:
        total = count_published(connection, name, publication, chosen)
        rows = published_records(
            connection,
            name,
            publication,
            chosen,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        counted = {
            option: _option_counts(connection, column, source, publication)
            for option, column in (
                ("council", cases.c.authority),
                ("category", source.category),
                ("year", source.year),
                ("status", source.status),
            )
        }
    items = []
    for row, item in rows:
        council: CouncilName = {
            "code": row.authority,
            "name": council_name(register, row.authority),
        }
        items.append(item | {"council": council})
    councils = sorted(counted["council"], key=lambda o: council_name(register, o[0]))
    return {
        "title": source.title,
        "kind": name,
        "filters": chosen,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // per_page)),
        "per_page": per_page,
        "items": items,
        "options": {
            "council": [
                {"value": code, "label": council_name(register, code), "count": n}
                for code, n in councils
            ],
            "category": [{"value": v, "label": v, "count": n} for v, n in counted["category"]],
            # A year not yet published is never offered, even where its records are shown.
            "year": [
                {"value": ReviewYear(v).label, "label": ReviewYear(v).label, "count": n}
                for v, n in sorted(counted["year"], reverse=True)
                if publication.year_is_public(v)
            ],
            "status": [
                {"value": v, "label": source.statuses.label(v), "count": n}
                for v, n in counted["status"]
            ],
        },
    }
