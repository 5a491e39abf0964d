"""SQLite and PostgreSQL give identical results from the same files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database_url
from upheld.core.output import statistics
from upheld.core.periods import ReviewYear
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import Register
from upheld.store import engines, schema
from upheld.store.queries import year_figures
from upheld.synthetic import KINDS as DEMO_KINDS
from upheld.synthetic import DemoSpec, write_demo_files

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("UPHELD_TEST_POSTGRES"),
        reason="set UPHELD_TEST_POSTGRES to a PostgreSQL URL to compare with SQLite",
    ),
]


def build(url: str, files: dict[str, Path], register: Register) -> dict[str, Any]:
    """Import the demo files, then every year's statistics with both averages, and the tables."""
    engine = engines.connect(url)
    schema.upgrade(engine)
    for kind in DEMO_KINDS:
        import_files(engine, KINDS[kind], [files[kind]], register)
    results: dict[str, Any] = {}
    with engine.connect() as connection:
        for year in range(2019, 2025):
            for method in ("mean", "pooled"):
                figures = year_figures(connection, register, ReviewYear(year), method)
                results[f"{year}-{method}"] = statistics(figures)
        for name, table in schema.metadata.tables.items():
            if name != "imports":
                rows = connection.execute(table.select()).all()
                results[name] = sorted((tuple(map(str, row)) for row in rows), key=repr)
    engine.dispose()
    return results


def test_sqlite_and_postgresql_agree(register: Register, tmp_path: Path) -> None:
    files = write_demo_files(register, tmp_path / "data", DemoSpec(scale=0.2))
    on_sqlite = build(fresh_database_url("sqlite", tmp_path), files, register)
    on_postgres = build(fresh_database_url("postgresql", tmp_path), files, register)
    assert on_sqlite.keys() == on_postgres.keys()
    for key in on_sqlite:
        assert on_sqlite[key] == on_postgres[key], key
    assert len(on_sqlite["cases"]) > 10_000
