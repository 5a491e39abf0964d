"""Open data files: rows of figures written as CSV or spreadsheet rows, for every channel alike.

Text from the records (a council's name, a report's title, a decision's summary) is written so
that no spreadsheet program runs it: a CSV cell that would begin with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading apostrophe (the OWASP advice on CSV injection), and a spreadsheet
cell is always stored as text, never as a formula. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from upheld.core.catalogue import CATALOGUE
from upheld.core.output import flat

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet program may read as the start of a formula."""


def neutralised(value: Any) -> Any:
    """A cell's value, with text that could be read as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV: the scalar fields of the first row are the columns."""
    buffer = io.StringIO()
    if rows:
        columns = [k for k, v in rows[0].items() if not isinstance(v, dict | list)]
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([neutralised(row.get(c)) for c in columns] for row in rows)
    return buffer.getvalue()


def sheet_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only openpyxl sheet, its text stored as text and never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells


def statistics_workbook(result: Mapping[str, Any]) -> bytes:
    """A year's statistics output as a spreadsheet: councils, averages, national, about."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)

    def add(sheet: Any, values: list[Any]) -> None:
        sheet.append(sheet_row(sheet, values))

    councils = book.create_sheet("Councils")
    source = result["authorities"]
    rows = [flat(row) for row in source]
    columns = list(rows[0]) if rows else []
    categories = list(source[0]["received_by_category"]) if rows else []
    outcomes = list(source[0]["decided_by_outcome"]) if rows else []
    add(
        councils,
        columns + [f"received: {c}" for c in categories] + [f"decided: {o}" for o in outcomes],
    )
    for row, full in zip(rows, source, strict=True):
        add(
            councils,
            [row[c] for c in columns]
            + [full["received_by_category"][c] for c in categories]
            + [full["decided_by_outcome"][o] for o in outcomes],
        )
    averages = book.create_sheet("Averages")
    names = list(CATALOGUE.keys)
    add(averages, ["type", *names, "councils"])
    for authority_type, values in result["averages"].items():
        add(averages, [authority_type, *(values[n] for n in names), values["councils"]])
    national = book.create_sheet("National")
    add(national, ["figure", "value"])
    for key, value in result["national"].items():
        if not isinstance(value, dict):
            add(national, [key, value])
    about = book.create_sheet("About")
    add(about, ["year", result["year"]])
    add(about, ["period", f"{result['period']['start']} to {result['period']['end']}"])
    add(about, ["average of similar authorities", result["average_method"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
