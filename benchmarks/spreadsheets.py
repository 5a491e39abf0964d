"""The check of an XLSX file before it is read (issue 7), against calamine's own read of it.

Target: the check costs at most half as long as reading the sheet, measured in the same run on a
100,000-row workbook of cases (11 columns, as the case-management export has).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from upheld.ingest.kinds import KINDS
from upheld.ingest.xlsx import check_workbook

ROWS = 100_000
COLUMNS = tuple(column.name for column in KINDS["cases"].columns)
TARGET_RATIO = 0.5
RUNS = 3


def workbook(folder: Path) -> Path:
    """A 100,000-row XLSX of cases, made once and kept in the folder."""
    from openpyxl import Workbook

    path = folder / "cases-100k.xlsx"
    if path.exists():
        return path
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cases")
    sheet.append(list(COLUMNS))
    for n in range(ROWS):
        sheet.append(
            [
                f"24 {n // 1000:03d} {n % 1000:03d}",
                "E08000002",
                "2024-05-01",
                "Housing",
                "Homelessness",
                "2024-11-01",
                "upheld" if n % 3 else "not_upheld",
                "no",
                "Mr X complained that the council delayed his housing application.",
                "yes",
                "Pat Example",
            ]
        )
    book.save(path)
    return path


def measure(folder: Path) -> list[dict[str, Any]]:
    """Time the check and calamine's read of the same file, best of three each."""
    import python_calamine

    path = workbook(folder)

    def best(work: Any) -> float:
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    def read() -> None:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        for _row in sheet.iter_rows():
            pass

    baseline = best(read)
    checked = best(lambda: check_workbook(path))
    ratio = checked / baseline
    return [
        {
            "what": f"XLSX check, {ROWS:,} rows x {len(COLUMNS)} columns",
            "seconds": round(checked, 3),
            "baseline_seconds": round(baseline, 3),
            "ratio": round(ratio, 2),
            "met": ratio <= TARGET_RATIO,
        }
    ]


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| what | check s | calamine read s (baseline) | ratio (target ≤ 0.5) | met |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['what']} | {r['seconds']} | {r['baseline_seconds']} | {r['ratio']} | "
            f"{'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)
