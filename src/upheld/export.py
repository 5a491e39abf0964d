"""Open data files: rows of figures written as CSV, for the command line and the website alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def as_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV: the scalar fields of the first row are the columns."""
    buffer = io.StringIO()
    if rows:
        columns = [k for k, v in rows[0].items() if not isinstance(v, dict | list)]
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
