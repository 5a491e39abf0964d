"""Shared fixtures: databases (SQLite, and PostgreSQL when UPHELD_TEST_POSTGRES is set), files."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from upheld.register import Register, builtin
from upheld.store import engines, roles, schema

POSTGRES_URL = os.environ.get("UPHELD_TEST_POSTGRES")
POSTGRES_READONLY_URL = os.environ.get("UPHELD_TEST_POSTGRES_READONLY")
"""The same database as a role that may only read (`upheld db grant-readonly`, as CI does): the
website in the web tests then reads through it, proving that it never writes."""

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL, reason="set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run"
            ),
        ],
    ),
]


def fresh_database_url(backend: str, tmp_path: Path) -> str:
    """An empty database of the given kind: a new SQLite file, or a wiped PostgreSQL schema."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'upheld.db'}"
    assert POSTGRES_URL is not None
    engine = engines.connect(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        if POSTGRES_READONLY_URL:
            # The role's rights on the schema went with it: grant them again, as the command does.
            role = make_url(POSTGRES_READONLY_URL).username
            assert role, "UPHELD_TEST_POSTGRES_READONLY names no role"
            roles.grant(connection, roles.place(connection, role))
    engine.dispose()
    return engines.database_url(POSTGRES_URL)


def website_url(url: str) -> str:
    """The URL the website reads a test database through: the read-only role's on PostgreSQL,
    when UPHELD_TEST_POSTGRES_READONLY names one."""
    if POSTGRES_READONLY_URL and POSTGRES_URL and url == engines.database_url(POSTGRES_URL):
        return engines.database_url(POSTGRES_READONLY_URL)
    return url


def website_engine(url: str) -> Engine:
    """The engine the website reads a test database through, as `upheld serve` opens it."""
    return engines.connect(website_url(url), read_only=True)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once for SQLite and once for PostgreSQL."""
    return fresh_database_url(request.param, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database with upheld's schema, on each backend."""
    engine = engines.connect(database_url)
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def register() -> Register:
    """The built-in register of English councils."""
    return builtin()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """A CSV file with a header row and the given rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    """A JSON Lines file, one object per line."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_xlsx(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], title_rows: int = 0
) -> Path:
    """An XLSX workbook whose first sheet holds a header and rows, below some title rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    for number in range(title_rows):
        sheet.append([f"Export title line {number + 1}"] if number == 0 else [])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


CASE_COLUMNS = (
    "reference",
    "authority",
    "received",
    "category",
    "decided",
    "outcome",
    "satisfactory_remedy",
)


def case_rows(
    authority: str,
    outcomes: dict[str, int],
    *,
    year: int = 2019,
    prefix: str | None = None,
    remedies: int = 0,
    category: str = "Housing",
) -> list[tuple[str, ...]]:
    """Case records for one council: so many decisions of each outcome within a review year.

    The first `remedies` upheld cases had a satisfactory remedy from the council.
    """
    rows: list[tuple[str, ...]] = []
    stem = prefix or f"{year % 100:02d}{authority[-4:]}"
    number = 0
    given = 0
    for outcome, count in outcomes.items():
        for _ in range(count):
            number += 1
            remedy = outcome == "upheld" and given < remedies
            given += remedy
            rows.append(
                (
                    f"{stem}-{number:05d}",
                    authority,
                    f"{year}-05-01",
                    category,
                    f"{year}-11-01",
                    outcome,
                    "yes" if remedy else "no",
                )
            )
    return rows
