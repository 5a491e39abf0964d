"""The kinds of input file the ombudsman imports: columns, keys and rules (data-contract.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from upheld.core.periods import start_year_of
from upheld.core.references import reference_key
from upheld.core.vocabulary import (
    AUTHORITY_TYPES,
    COMPLIANCE_OUTCOMES,
    CONTACT_ROLES,
    EVENT_KINDS,
    IMPROVEMENT_STATUSES,
    OUTCOMES,
    REPORT_KINDS,
    SERVICE_AREAS,
)
from upheld.ingest import cells
from upheld.register import AmbiguousAuthority, Register, UnknownAuthority

Row = dict[str, Any]

INVALID: Any = object()
"""Stands in for a value that could not be read, so rules that need it are not checked."""
RowProblems = list[tuple[str, str]]
"""(column, message) pairs for one row."""


@dataclass(frozen=True)
class Column:
    """One column of an input file: its name, whether it must be filled, and how to read it."""

    name: str
    parse: cells.Parser
    required: bool = False
    default: Any = None
    accepts: tuple[str, ...] = ()
    """Other header spellings that mean this column."""


class AuthorityNames:
    """Resolves the councils named in a file, remembering each answer (files repeat names a lot)."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self._cache: dict[tuple[str, int | None], str] = {}

    def code(self, written: str, on: date | None = None, year: int | None = None) -> str:
        """The code of the council a file names, as it stood on a date (in a review year)."""
        # Councils change only on 1 April, so the review year decides as well as the date.
        key = (written, year if year is not None or on is None else start_year_of(on))
        found = self._cache.get(key)
        if found is None:
            found = self.register.resolve(written, on).code
            self._cache[key] = found
        return found


@dataclass(frozen=True)
class Kind:
    """An input kind: the file's columns, the table rows go to, their key and cross-column rules."""

    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    derived: tuple[str, ...] = ()
    finish: Callable[[Row, AuthorityNames], RowProblems] | None = None
    references_cases: bool = False
    description: str = ""
    direct: bool = False
    """Whether a file of new rows may be written straight to its table (no cross-table rules)."""

    @property
    def required(self) -> list[tuple[str, ...]]:
        """The columns a file must have, each with the other spellings it may go by."""
        return [(c.name, *c.accepts) for c in self.columns if c.required]

    @property
    def stored(self) -> tuple[str, ...]:
        """The table's columns filled from the file, in order."""
        return tuple(c.name for c in self.columns) + self.derived


def _resolve(row: Row, column: str, names: AuthorityNames, on: date | None) -> RowProblems:
    if row[column] is INVALID or on is INVALID:
        return []
    try:
        row[column] = names.code(row[column], on)
    except (UnknownAuthority, AmbiguousAuthority) as exc:
        return [(column, str(exc))]
    return []


class _ReviewYears(dict[Any, int | None]):
    """The review year of each date read, worked out once: a file has few dates. A date that
    could not be read has no year, and the rules that need one are not checked."""

    def __missing__(self, day: date) -> int:
        year = self[day] = start_year_of(day)
        return year


_YEARS = _ReviewYears({None: None, INVALID: None})


def _year(day: date | None) -> int | None:
    return _YEARS[day]


def _finish_case(row: Row, names: AuthorityNames) -> RowProblems:
    received, decided, outcome = row["received"], row["decided"], row["outcome"]
    received_year = row["received_year"] = _YEARS[received]
    row["decided_year"] = _YEARS[decided]
    reference = row["reference"]
    row["reference_key"] = None if reference is INVALID else reference_key(reference)
    problems: RowProblems = []
    written = row["authority"]
    if written is not INVALID and received is not INVALID:
        try:
            row["authority"] = names.code(written, received, received_year)
        except (UnknownAuthority, AmbiguousAuthority) as exc:
            problems.append(("authority", str(exc)))
    if decided is not None:
        # `is`, not `in (received, decided)`: comparing a date with INVALID takes two calls.
        if decided is not INVALID and received is not INVALID and decided < received:
            problems.append(("decided", f"{decided} is before the date received ({received})"))
        if outcome is None:
            problems.append(("outcome", "a decided case needs an outcome"))
    elif outcome is not None:
        problems.append(("decided", "the case has an outcome but no decision date"))
    remedy = row["satisfactory_remedy"]
    if outcome is INVALID or remedy is INVALID:
        return problems
    if remedy and outcome != "upheld":
        problems.append(
            (
                "satisfactory_remedy",
                f"only an upheld case can have a satisfactory remedy; the outcome is "
                f"{OUTCOMES.label(outcome).lower() if outcome else 'not yet decided'}",
            )
        )
    return problems


def _finish_dated(column: str, year_column: str) -> Callable[[Row, AuthorityNames], RowProblems]:
    def finish(row: Row, names: AuthorityNames) -> RowProblems:
        row[year_column] = _year(row[column])
        return []

    return finish


def _finish_contact(row: Row, names: AuthorityNames) -> RowProblems:
    return _resolve(row, "authority", names, None)


def _finish_population(row: Row, names: AuthorityNames) -> RowProblems:
    row["vintage"] = "imported"
    year = row["year"]
    return _resolve(row, "authority", names, INVALID if year is INVALID else date(year, 4, 1))


def _finish_event(row: Row, names: AuthorityNames) -> RowProblems:
    row["year"] = _year(row["date"])
    if INVALID in (row["date"], row["authorities"]):
        return []
    codes: list[str] = []
    for written in row["authorities"] or ():
        try:
            codes.append(names.code(written, row["date"]))
        except (UnknownAuthority, AmbiguousAuthority) as exc:
            return [("authorities", str(exc))]
    row["authorities"] = ";".join(codes) or None
    return []


def _finish_authority(row: Row, names: AuthorityNames) -> RowProblems:
    problems: RowProblems = []
    if INVALID in row.values():
        return problems
    row["code"] = row["code"].upper()
    row["successors"] = ";".join(s.upper() for s in row["successors"] or ()) or None
    row["aliases"] = ";".join(row["aliases"] or ()) or None
    if row["parent"]:
        row["parent"] = row["parent"].upper()
    if row["short_name"] is None:
        row["short_name"] = row["name"]
    start, end = row["valid_from"], row["valid_to"]
    if start is not None and end is not None and end < start:
        problems.append(("valid_to", f"{end} is before valid_from ({start})"))
    return problems


_REFERENCE = Column("reference", cells.text(40), required=True, accepts=("case reference",))

CASES = Kind(
    "cases",
    "cases",
    (
        _REFERENCE,
        Column("authority", cells.text(), required=True),
        Column("received", cells.a_date, required=True),
        Column("category", cells.a_term(SERVICE_AREAS), required=True),
        Column("subcategory", cells.text(200)),
        Column("decided", cells.a_date),
        Column("outcome", cells.a_term(OUTCOMES)),
        Column("satisfactory_remedy", cells.a_bool, default=False),
        Column("summary", cells.text()),
        Column("publish", cells.a_bool, default=True),
        Column("complainant", cells.text(200)),
    ),
    key=("reference",),
    derived=("received_year", "decided_year", "reference_key"),
    finish=_finish_case,
    description="one row per complaint or enquiry",
    direct=True,
)

COMPLIANCE = Kind(
    "compliance",
    "compliance",
    (
        _REFERENCE,
        Column("assessed", cells.a_date, required=True),
        Column("outcome", cells.a_term(COMPLIANCE_OUTCOMES), required=True),
        Column("due", cells.a_date),
        Column("recommendation", cells.text()),
    ),
    key=("reference",),
    derived=("assessed_year",),
    finish=_finish_dated("assessed", "assessed_year"),
    references_cases=True,
    description="one row per compliance outcome",
)

IMPROVEMENTS = Kind(
    "improvements",
    "improvements",
    (
        _REFERENCE,
        Column("agreed", cells.a_date, required=True),
        Column("description", cells.text(2000), required=True),
        Column("status", cells.a_term(IMPROVEMENT_STATUSES), default="agreed"),
        Column("category", cells.a_term(SERVICE_AREAS)),
    ),
    key=("reference", "description"),
    derived=("agreed_year",),
    finish=_finish_dated("agreed", "agreed_year"),
    references_cases=True,
    description="service improvements a council agreed",
)

REPORTS = Kind(
    "reports",
    "reports",
    (
        _REFERENCE,
        Column("issued", cells.a_date, required=True),
        Column("title", cells.text(500), required=True),
        Column("kind", cells.a_term(REPORT_KINDS), default="public_interest"),
        Column("url", cells.text(1000)),
    ),
    key=("reference", "kind"),
    derived=("issued_year",),
    finish=_finish_dated("issued", "issued_year"),
    references_cases=True,
    description="public reports the ombudsman issued",
)

CONTACTS = Kind(
    "contacts",
    "contacts",
    (
        Column("authority", cells.text(), required=True),
        Column("role", cells.a_term(CONTACT_ROLES), required=True),
        Column("name", cells.text(200), required=True),
        Column("email", cells.an_email),
        Column("title", cells.text(40)),
        Column("salutation", cells.text(200)),
    ),
    key=("authority", "role"),
    finish=_finish_contact,
    description="who annual review letters go to",
)

POPULATIONS = Kind(
    "populations",
    "populations",
    (
        Column("authority", cells.text(), required=True),
        Column("year", cells.a_year, required=True),
        Column("population", cells.positive_int, required=True),
    ),
    key=("authority", "year"),
    derived=("vintage",),
    finish=_finish_population,
    description="population figures that override the register's",
)

AUTHORITIES = Kind(
    "authorities",
    "authorities",
    (
        Column("code", cells.text(20), required=True),
        Column("name", cells.text(200), required=True),
        Column("type", cells.a_term(AUTHORITY_TYPES), required=True),
        Column("region", cells.text(100)),
        Column("valid_from", cells.a_date),
        Column("valid_to", cells.a_date),
        Column("successors", cells.a_list, accepts=("successor",)),
        Column("aliases", cells.a_list, accepts=("alias",)),
        Column("short_name", cells.text(200)),
        Column("parent", cells.text(20)),
        Column("lat", cells.a_number),
        Column("lon", cells.a_number),
    ),
    key=("code",),
    finish=_finish_authority,
    description="councils that extend or override the built-in register",
)

EVENTS = Kind(
    "events",
    "events",
    (
        Column("date", cells.a_date, required=True),
        Column("kind", cells.a_term(EVENT_KINDS), required=True),
        Column("title", cells.text(300), required=True),
        Column("location", cells.text(200), default=""),
        Column("attendees", cells.a_count, required=True),
        Column("authorities", cells.a_list),
    ),
    key=("date", "kind", "title", "location"),
    derived=("year",),
    finish=_finish_event,
    description="the ombudsman's own training courses and seminars",
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (CASES, COMPLIANCE, IMPROVEMENTS, REPORTS, CONTACTS, POPULATIONS, AUTHORITIES, EVENTS)
}
