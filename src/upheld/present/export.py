"""Open data files: rows of figures written as CSV or spreadsheet rows, for every channel alike.

Text from the records (a council's name, a report's title, a decision's summary) is written so
that no spreadsheet program runs it: a CSV cell that would begin with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading apostrophe (the OWASP advice on CSV injection), and a spreadsheet
cell is always stored as text, never as a formula (see `present.sheets`, which streams the
downloads). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

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
