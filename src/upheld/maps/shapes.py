"""Council boundaries in the database: an import written in one go, and the shapes for a year.

A shape is stored against a council and the first review year it applies to (0: any year). For
a review year, each council is drawn with its shape for that year or the latest before it; a
council with shapes only for later years is drawn with the earliest of them, since the ONS give a
council a new code when its area changes much.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select

from upheld.maps.boundaries import Boundaries, Shape
from upheld.store import schema

GEOGRAPHIC_COVERAGE = 0.9
"""The share of a map's councils that need a boundary before the geographic map is offered."""

_SOURCE_LENGTH = 300  # schema.boundaries.source


def source_name(found: Boundaries) -> str:
    """Where shapes came from, as listed: the file's name and the layer read."""
    name = Path(found.file).name
    return (f"{name} ({found.layer})" if found.layer else name)[:_SOURCE_LENGTH]


def store(
    connection: Connection,
    shapes: Sequence[Shape],
    *,
    year: int | None,
    source: str,
    now: datetime,
    replace: bool = False,
) -> int:
    """Store shapes from a review year on (None: from the file's start years); returns how many."""
    table = schema.boundaries
    # A council's shape for the same year is replaced; shapes for other years are kept unless the
    # whole store is being replaced, so boundaries of several eras can sit side by side.
    if replace:
        connection.execute(delete(table))
    rows: list[dict[str, Any]] = [
        {
            "code": shape.code,
            "year": year if year is not None else (shape.start or 0),
            "path": shape.path,
            "min_x": shape.min_x,
            "min_y": shape.min_y,
            "max_x": shape.max_x,
            "max_y": shape.max_y,
            "source": source,
            "imported_at": now,
        }
        for shape in shapes
    ]
    by_year: dict[int, list[str]] = {}
    for row in rows:
        by_year.setdefault(row["year"], []).append(row["code"])
    for stored_year, codes in by_year.items():
        connection.execute(
            delete(table).where(table.c.year == stored_year, table.c.code.in_(codes))
        )
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def shapes_for(connection: Connection, year: int) -> dict[str, Shape]:
    """Each council's shape for a review year: the latest for it or before, else the earliest."""
    table = schema.boundaries
    chosen: dict[str, Any] = {}
    for row in connection.execute(select(table).order_by(table.c.code, table.c.year)):
        held = chosen.get(row.code)
        # Rows come oldest first: a later row wins while it still applies to the year.
        if held is None or row.year <= year:
            chosen[row.code] = row
    return {
        code: Shape(code, row.path, row.min_x, row.min_y, row.max_x, row.max_y, row.year or None)
        for code, row in chosen.items()
    }


def codes_with_shapes(connection: Connection) -> set[str]:
    """Every council with a shape stored for any year."""
    return set(connection.execute(select(schema.boundaries.c.code).distinct()).scalars())


def stored(connection: Connection) -> list[dict[str, Any]]:
    """What is stored, by source and year: how many councils, how much path data, and when."""
    table = schema.boundaries
    rows = connection.execute(
        select(
            table.c.source,
            table.c.year,
            func.count().label("councils"),
            func.sum(func.length(table.c.path)).label("size"),
            func.max(table.c.imported_at).label("imported_at"),
        )
        .group_by(table.c.source, table.c.year)
        .order_by(func.max(table.c.imported_at), table.c.source, table.c.year)
    )
    return [
        {
            "source": row.source,
            "year": row.year,
            "councils": int(row.councils),
            "size": int(row.size or 0),
            "imported_at": row.imported_at,
        }
        for row in rows
    ]


def version(connection: Connection) -> tuple[int, Any]:
    """How many shapes are stored and when the last came: changes with every import."""
    table = schema.boundaries
    count, latest = connection.execute(
        select(func.count(), func.max(table.c.imported_at)).select_from(table)
    ).one()
    return int(count), latest
