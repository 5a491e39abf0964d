"""The open data downloads: what each file holds, its columns in order, and its rows.

Each download is declared once here, as a `Dataset`: its columns (name, type and meaning) and the
function that makes its rows. The CSV and the XLSX writers (`present.sheets`) both read the same
columns and the same rows, so the two files of a download always have identical columns; the
data dictionary is these declarations written out, and the statistics' meanings come from the
catalogue. Rows are made one at a time from the database or the kept figures, so nothing is ever
cut at a page or a row limit. What is public is `core.publication`'s rule, applied in SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select

from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE, UPHOLD_RATE, Statistic
from upheld.core.figures import YearFigures
from upheld.core.groups import TYPE
from upheld.core.output import authority_fields, counts_fields, flat
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.stats import Counts, similar_average
from upheld.core.vocabulary import (
    AUTHORITY_TYPES,
    COMPLIANCE_OUTCOMES,
    IMPROVEMENT_STATUSES,
    OUTCOME_GROUPS,
    OUTCOMES,
    REPORT_KINDS,
    SERVICE_AREAS,
)
from upheld.present.sheets import Value
from upheld.register import Council
from upheld.search.index import PUBLIC_COLUMNS, published_now
from upheld.site import lists
from upheld.site.identity import council_name, decision_path
from upheld.site.model import Site, Year
from upheld.store import schema

Kind = Literal["text", "integer", "number", "date", "boolean"]
"""A column's type, as the data dictionary gives it."""

KINDS: dict[str, str] = {
    "text": "text",
    "integer": "a whole number",
    "number": "a number, with decimals where it has them",
    "date": "a date, written 2024-12-29 in the CSV; a date cell in the spreadsheet",
    "boolean": "true or false",
}
"""What each type means, for the data dictionary."""

ENGLAND = "E92000001"
"""England's GSS code: the code of the national row of the statistics and service areas."""


@dataclass(frozen=True)
class Column:
    """One column of a download: its name, its type and what it means."""

    name: str
    kind: Kind
    meaning: str
    width: int = 0
    """Its width in the spreadsheet, in characters (0: from its name)."""


@dataclass(frozen=True)
class Dataset:
    """One download: what a row is, and its columns in order."""

    name: str
    """Its name in addresses and file names: /downloads/2024-25/<name>.csv."""
    title: str
    sheet: str
    """The name of its sheet in the spreadsheet."""
    rows_are: str
    """What one row is, in a sentence."""
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        """The column names, in order."""
        return [column.name for column in self.columns]

    @property
    def widths(self) -> list[int]:
        """Each column's width in the spreadsheet."""
        return [c.width or max(8, min(40, len(c.name) + 2)) for c in self.columns]


# The statistics -------------------------------------------------------------------------------

_COUNTS: dict[str, tuple[Kind, str]] = {
    "code": ("text", f"the council's GSS code; {ENGLAND} on the row for England"),
    "name": ("text", "the council's name; England on the row for England"),
    "type": (
        "text",
        "the council's type: "
        + ", ".join(AUTHORITY_TYPES.keys)
        + "; national on the row for England",
    ),
    "existed": (
        "boolean",
        "whether the council existed on 1 April of the year (false for a council abolished "
        "earlier that still had decisions); empty on the row for England",
    ),
    "received": ("integer", "complaints and enquiries received in the year"),
    "decided": ("integer", "complaints and enquiries decided in the year"),
    "investigated": ("integer", "detailed investigations: decisions upheld or not upheld"),
    "upheld": ("integer", "decisions upheld"),
    "satisfactory_remedies": (
        "integer",
        "upheld complaints the council had already put right before they came to us",
    ),
    "compliance_outcomes": (
        "integer",
        "compliance outcomes recorded in the year: whether the council did what we recommended",
    ),
    **{
        term.key: ("integer", f"compliance outcomes recorded as {term.label.lower()}")
        for term in COMPLIANCE_OUTCOMES
    },
    "population": (
        "integer",
        "residents; on the row for England, England's (every council but the counties)",
    ),
    "population_vintage": (
        "text",
        "which population estimate that is, e.g. ONS mid-2019 estimate, Census 2021, imported",
    ),
    "similar_councils": (
        "integer",
        "how many similar authorities (councils of the same type) the averages are taken "
        "over; empty when the council has none",
    ),
}
"""The statistics download's columns that are not a statistic, with their type and meaning."""


def _statistic_kind(statistic: Statistic) -> Kind:
    return "integer" if statistic.unit.places == 0 else "number"


def _statistic_meaning(statistic: Statistic) -> str:
    missing = statistic.missing or "there are no " + statistic.denominator_noun[1]
    return (
        f"{statistic.label}: {statistic.definition}, {statistic.unit.description}; "
        f"empty when {missing}"
    )


def _statistic_column(name: str) -> Column:
    """A column about a statistic: the statistic itself, its average, interval, comparison or
    change, by the pattern of its name (the same patterns as the statistics output)."""
    for statistic in sorted(CATALOGUE, key=lambda s: len(s.key), reverse=True):
        key, label = statistic.key, statistic.label.lower()
        if name == key:
            return Column(name, _statistic_kind(statistic), _statistic_meaning(statistic))
        if name == statistic.similar_key:
            return Column(
                name,
                _statistic_kind(statistic),
                f"the average of similar authorities (councils of the same type) for the "
                f"{label}, written the same way; empty where the council has none",
            )
        if name == statistic.exact_key:
            return Column(name, "number", f"the {label} to one decimal place, rounded half up")
        end = {"low": "low", "high": "high"}
        for which in end:
            if name == f"{key}_interval_{which}":
                return Column(
                    name,
                    "number",
                    f"the {which} end of the {label}'s 95% interval, to one decimal place; "
                    "empty where the figure is",
                )
        if name == f"{key}_comparison":
            return Column(
                name,
                "text",
                f"how the {label} compares with the average of similar authorities once chance "
                "is allowed for at the council's number of cases: within, above or below "
                "(outside the 95% limits), well_above or well_below (outside the 99.8% "
                "limits), too_few (too few cases to compare); empty where there is no average",
            )
        change = {
            "previous": (_statistic_kind(statistic), f"the {label} the year before, as published"),
            "difference": (
                "number",
                f"the change in the {label} on the year before: the difference of the "
                "unrounded figures, to one decimal place",
            ),
            "low": ("number", "the low end of that change's 95% interval"),
            "high": ("number", "the high end of that change's 95% interval"),
            "beyond_chance": (
                "boolean",
                "whether the change is more than chance would explain (its 95% interval "
                "leaves out 0)",
            ),
            "too_few": (
                "boolean",
                "whether either year rests on too few cases to judge the change",
            ),
        }
        for part, (kind, meaning) in change.items():
            if name == f"{key}_change_{part}":
                suffix = "; all empty while the year before is not published, or either figure is"
                return Column(name, kind, meaning + (suffix if part == "previous" else ""))
    kind, meaning = _COUNTS[name]
    return Column(name, kind, meaning)


YEAR = Column("year", "text", "the review year, 1 April to 31 March, written YYYY-YY")


@functools.cache
def _statistics_names() -> list[str]:
    """The statistics download's columns after the year, in the statistics output's own order
    (read from a council's row of it), then each outcome and outcome group."""
    year = ReviewYear(2000)
    council = Council("X", "X", "X", "district")
    figures = YearFigures(
        year,
        "mean",
        {"X": council},
        {"X": Counts()},
        {},
        {"district": similar_average([])},
        Counts(),
    )
    names = list(flat(authority_fields(figures, "X")))
    names += [f"decided_{term.key}" for term in OUTCOMES]
    names += [f"decided_group_{term.key}" for term in OUTCOME_GROUPS]
    return names


def _statistics_columns() -> tuple[Column, ...]:
    columns = [YEAR]
    for name in _statistics_names():
        if name.startswith("decided_group_"):
            key = name.removeprefix("decided_group_")
            meaning = (
                f"decisions in the year in the group {OUTCOME_GROUPS.label(key).lower()} "
                "(the three groups the ombudsman has reported since April 2024)"
            )
            columns.append(Column(name, "integer", meaning))
        elif name.startswith("decided_") and name.removeprefix("decided_") in OUTCOMES:
            label = OUTCOMES.label(name.removeprefix("decided_"))
            columns.append(Column(name, "integer", f"decisions in the year: {label.lower()}"))
        else:
            columns.append(_statistic_column(name))
    return tuple(columns)


def statistics_rows(site: Site, publication: Publication, year: Year) -> Iterator[dict[str, Any]]:
    """The statistics download: each council's row of the statistics output, then England's."""
    from upheld.site.downloads import year_statistics

    result = year_statistics(site, publication, year.label)
    names = _statistics_names()
    for council in result["authorities"]:
        row = flat(council)
        for term in OUTCOMES:
            row[f"decided_{term.key}"] = council["decided_by_outcome"][term.key]
        for term in OUTCOME_GROUPS:
            row[f"decided_group_{term.key}"] = council["decided_by_outcome_group"][term.key]
        yield {"year": year.label} | {name: row[name] for name in names}
    national = site.figures(year.year, TYPE).national
    fields = counts_fields(national)
    row = dict.fromkeys(names) | flat(fields)
    row |= {"code": ENGLAND, "name": "England", "type": "national", "existed": None}
    for statistic in CATALOGUE:
        low, high = judgement.interval(statistic, national) or (None, None)
        row |= {f"{statistic.key}_interval_low": low, f"{statistic.key}_interval_high": high}
    for term in OUTCOMES:
        row[f"decided_{term.key}"] = fields["decided_by_outcome"][term.key]
    for term in OUTCOME_GROUPS:
        row[f"decided_group_{term.key}"] = fields["decided_by_outcome_group"][term.key]
    yield {"year": year.label} | {name: row[name] for name in names}


# Service areas --------------------------------------------------------------------------------

_AREA_COLUMNS = (
    YEAR,
    Column("code", "text", f"the council's GSS code; {ENGLAND} on the rows for England"),
    Column("name", "text", "the council's name; England on the rows for England"),
    Column("type", *_COUNTS["type"]),
    Column("category", "text", "the service area: " + ", ".join(SERVICE_AREAS.keys), 30),
    Column("received", "integer", "complaints and enquiries about the service area received"),
    Column("decided", "integer", "complaints and enquiries about the service area decided"),
    Column("investigated", "integer", "detailed investigations: decisions upheld or not upheld"),
    Column("upheld", "integer", "decisions upheld"),
    _statistic_column("uphold_rate"),
    _statistic_column("uphold_rate_interval_low"),
    _statistic_column("uphold_rate_interval_high"),
    Column(
        "similar_investigated",
        "integer",
        "detailed investigations in the service area, added up over the council's similar "
        "authorities (councils of the same type); empty where it has none, and for England",
    ),
    Column("similar_upheld", "integer", "decisions upheld, added up the same way"),
    Column(
        "similar_uphold_rate",
        "integer",
        "similar_upheld ÷ similar_investigated as a whole percentage, rounded half up: the "
        "service area's uphold rate across the similar authorities, pooled",
    ),
    Column(
        "uphold_rate_comparison",
        "text",
        "how the uphold rate compares with similar_uphold_rate once chance is allowed for: "
        "within, above, below, well_above, well_below or too_few; empty where there is none",
    ),
)


def service_area_rows(site: Site, publication: Publication, year: Year) -> Iterator[dict[str, Any]]:
    """The service areas download: each council's figures for each area, then England's."""
    from upheld.site.downloads import year_statistics

    result = year_statistics(site, publication, year.label)
    for council in result["authorities"]:
        for term in SERVICE_AREAS:
            area = council["by_category"][term.key]
            low, high = area["uphold_rate_interval"] or (None, None)
            yield {
                "year": year.label,
                "code": council["code"],
                "name": council["name"],
                "type": council["type"],
                "category": term.key,
                **{k: v for k, v in area.items() if k != "uphold_rate_interval"},
                "uphold_rate_interval_low": low,
                "uphold_rate_interval_high": high,
            }
    national = site.figures(year.year, TYPE).national
    for term in SERVICE_AREAS:
        area = national.area(term.key)
        low, high = judgement.interval(UPHOLD_RATE, area) or (None, None)
        yield {
            "year": year.label,
            "code": ENGLAND,
            "name": "England",
            "type": "national",
            "category": term.key,
            "received": area.received,
            "decided": area.decided,
            "investigated": area.investigated,
            "upheld": area.upheld,
            "uphold_rate": area.figure("uphold_rate"),
            "uphold_rate_interval_low": low,
            "uphold_rate_interval_high": high,
            "similar_investigated": None,
            "similar_upheld": None,
            "similar_uphold_rate": None,
            "uphold_rate_comparison": None,
        }


# Decisions, improvements and reports ----------------------------------------------------------

_COUNCIL_CODE = Column("council_code", "text", "the council's GSS code")
_COUNCIL = Column("council", "text", "the council's name", 30)
_CATEGORY = Column("category", "text", "the service area", 24)


def _address(base: str, path: str | None) -> str | None:
    """A page's full address on the website: `[web] base_url` (as `_base` gives it) and its path."""
    return None if path is None else base + path


def _base(site: Site) -> str:
    """The website's address, read once for a whole file."""
    return site.settings.web.base_url.rstrip("/")


_DECISION_COLUMNS = (
    Column("reference", "text", "the case's reference", 14),
    YEAR,
    _COUNCIL_CODE,
    _COUNCIL,
    Column("decided", "date", "the day the decision was made", 11),
    _CATEGORY,
    Column("subcategory", "text", "the part of the service area, where recorded", 24),
    Column("outcome", "text", "the outcome: " + ", ".join(OUTCOMES.keys), 16),
    Column("outcome_label", "text", "the outcome in words", 16),
    Column(
        "satisfactory_remedy",
        "boolean",
        "whether the council had already put things right before the complaint came to us",
    ),
    Column("summary", "text", "the published summary of the decision", 80),
    Column("url", "text", "the decision's page on this website", 40),
)


def decision_rows(
    site: Site, publication: Publication, year: ReviewYear
) -> Iterator[dict[str, Any]]:
    """Every decision of a review year published now, newest first."""
    c = schema.cases.c
    register = site.register()
    query = (
        select(*(c[name] for name in PUBLIC_COLUMNS))
        .where(published_now(publication), c.decided_year == year.start_year)
        .order_by(c.decided.desc(), c.reference)
    )
    base = _base(site)
    with site.engine.connect() as connection:
        for row in connection.execute(query.execution_options(yield_per=1000)):
            yield decision_row(base, register, dict(row._mapping))


def decision_row(base: str, register: Any, found: Mapping[str, Any]) -> dict[str, Any]:
    """A decision's row, from its public fields (as stored, or as the search gives them)."""
    decided = found["decided"]
    if isinstance(decided, str):
        decided = date.fromisoformat(decided)
    year = found.get("year") or ReviewYear(found["decided_year"]).label
    return {
        "reference": found["reference"],
        "year": year,
        "council_code": found["authority"],
        "council": council_name(register, found["authority"]),
        "decided": decided,
        "category": found["category"],
        "subcategory": found["subcategory"],
        "outcome": found["outcome"],
        "outcome_label": OUTCOMES.label(found["outcome"]) if found["outcome"] else None,
        "satisfactory_remedy": bool(found["satisfactory_remedy"]),
        "summary": found["summary"],
        "url": _address(base, decision_path(found["reference"])),
    }


_DECISION_URL = Column(
    "decision_url",
    "text",
    "the page of the decision it came from, while that decision is published; empty before "
    "then (a decision waits out the publication delay) or if it is never published",
    40,
)

_IMPROVEMENT_COLUMNS = (
    Column("reference", "text", "the reference of the case it came from", 14),
    YEAR,
    _COUNCIL_CODE,
    _COUNCIL,
    Column("agreed", "date", "the day the council agreed to make the improvement", 11),
    _CATEGORY,
    Column("description", "text", "what the council agreed to change", 80),
    Column("status", "text", "where it stands: " + ", ".join(IMPROVEMENT_STATUSES.keys), 12),
    Column("status_label", "text", "where it stands, in words", 14),
    _DECISION_URL,
)

_REPORT_COLUMNS = (
    Column("reference", "text", "the reference of the case the report is about", 14),
    YEAR,
    _COUNCIL_CODE,
    _COUNCIL,
    Column("issued", "date", "the day the report was issued", 11),
    _CATEGORY,
    Column("title", "text", "the report's title", 60),
    Column("kind", "text", "the kind of report: " + ", ".join(REPORT_KINDS.keys), 16),
    Column("kind_label", "text", "the kind of report, in words", 20),
    Column("url", "text", "where the report can be read, where given", 40),
    _DECISION_URL,
)


def list_rows(
    site: Site, publication: Publication, name: lists.ListName, chosen: lists.Filters
) -> Iterator[dict[str, Any]]:
    """Every published record of the improvements register or the reports list that matches the
    filters, newest first: the whole list, never a page of it."""
    register = site.register()
    dataset, dated = (IMPROVEMENTS, "agreed") if name == "improvements" else (REPORTS, "issued")
    base = _base(site)
    with site.engine.connect() as connection:
        for row, item in lists.each_published_record(connection, name, publication, chosen):
            # The list's own public fields, by the same names, with the council and whole
            # addresses added.
            yield {column.name: item.get(column.name) for column in dataset.columns} | {
                "council_code": row.authority,
                "council": council_name(register, row.authority),
                dated: date.fromisoformat(item[dated]),
                "decision_url": _address(base, item.get("decision_url")),
            }


def year_filters(year: Year) -> lists.Filters:
    """The filters of a list that give one review year's records."""
    return {"council": None, "category": None, "year": year.label, "status": None}


# The downloads, and the data dictionary -------------------------------------------------------

STATISTICS = Dataset(
    "statistics",
    "Statistics",
    "Statistics",
    "One row per council with figures for the year, in order of name, then one for England.",
    _statistics_columns(),
)
SERVICE_AREAS_DATASET = Dataset(
    "service-areas",
    "Service areas",
    "Service areas",
    "One row per council and service area, councils in order of name, then England's.",
    _AREA_COLUMNS,
)
DECISIONS = Dataset(
    "decisions",
    "Published decisions",
    "Decisions",
    "One row per decision made in the year and published now, newest first.",
    _DECISION_COLUMNS,
)
IMPROVEMENTS = Dataset(
    "improvements",
    "Service improvements",
    "Service improvements",
    "One row per service improvement agreed in the year and published now, newest first.",
    _IMPROVEMENT_COLUMNS,
)
REPORTS = Dataset(
    "reports",
    "Public reports",
    "Public reports",
    "One row per public report issued in the year and published now, newest first.",
    _REPORT_COLUMNS,
)
DICTIONARY = Dataset(
    "data-dictionary",
    "Data dictionary",
    "Data dictionary",
    "One row per column of each download, in order.",
    (
        Column("download", "text", "the download: its name in the files' addresses", 14),
        Column("position", "integer", "the column's place in the download, from 1"),
        Column("column", "text", "the column's name, as in the download's first row", 34),
        Column("type", "text", "its type: " + ", ".join(KINDS), 8),
        Column("meaning", "text", "what it holds", 100),
    ),
)

DATASETS: dict[str, Dataset] = {
    d.name: d for d in (STATISTICS, SERVICE_AREAS_DATASET, DECISIONS, IMPROVEMENTS, REPORTS)
}
"""Every year's downloads, in the order they are offered."""


def year_rows(
    site: Site, publication: Publication, year: Year, dataset: Dataset
) -> Iterator[dict[str, Any]]:
    """A published year's rows of one download."""
    if dataset is STATISTICS:
        return statistics_rows(site, publication, year)
    if dataset is SERVICE_AREAS_DATASET:
        return service_area_rows(site, publication, year)
    if dataset is DECISIONS:
        return decision_rows(site, publication, year.year)
    name: lists.ListName = "improvements" if dataset is IMPROVEMENTS else "reports"
    return list_rows(site, publication, name, year_filters(year))


def dictionary_rows() -> Iterator[dict[str, Any]]:
    """The data dictionary: every column of every download, and of itself, in order."""
    for dataset in (*DATASETS.values(), DICTIONARY):
        for position, column in enumerate(dataset.columns, 1):
            yield {
                "download": dataset.name,
                "position": position,
                "column": column.name,
                "type": column.kind,
                "meaning": column.meaning,
            }


def values(dataset: Dataset, rows: Iterator[Mapping[str, Any]]) -> Iterator[list[Value]]:
    """Each row's values in the download's column order: a row without one of the columns is an
    error, never a blank, so the columns cannot drift from their declaration."""
    names = dataset.header
    for row in rows:
        yield [row[name] for name in names]


def year_counts(site: Site, publication: Publication, year: Year) -> dict[str, int]:
    """How many rows each of a published year's downloads has now."""
    from upheld.site.downloads import year_statistics

    councils = len(year_statistics(site, publication, year.label)["authorities"])
    c = schema.cases.c
    with site.engine.connect() as connection:
        decisions = connection.execute(
            select(func.count()).where(
                published_now(publication), c.decided_year == year.year.start_year
            )
        ).scalar_one()
        improvements, reports = (
            lists.count_published(connection, name, publication, year_filters(year))
            for name in ("improvements", "reports")
        )
    return {
        STATISTICS.name: councils + 1,
        SERVICE_AREAS_DATASET.name: (councils + 1) * len(SERVICE_AREAS.keys),
        DECISIONS.name: int(decisions),
        IMPROVEMENTS.name: improvements,
        REPORTS.name: reports,
    }
