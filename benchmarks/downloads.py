"""The full downloads of a year (issue 11), against the statistics download as it was before.

Every 2024-25 download of the demo (the web benchmark's, every council, about 20,000 decisions a
year) is made as the website makes it, in this process: the time to its first bytes, the time to
its last, its size, and the most memory Python held while making it (tracemalloc, in a second run,
since tracing slows it down). The baseline is the one download there was before, the year's
statistics, made the way it was then: the whole CSV as one string, and an openpyxl workbook saved
to memory before its first byte could be sent.

Targets: every file's first bytes within 0.5 s (it is streamed, not made and then sent), no file
holds more than 16 MB of memory while it is made, and the statistics download, now with England's
row, decisions by outcome, the data dictionary and About sheets, takes no longer than 1.5 times
the old one in each format. The last line adds up the whole year's files, both formats, against
the old statistics files, both formats: everything there is to download, against what there was.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from benchmarks.web import full_demo
from upheld.core.catalogue import CATALOGUE
from upheld.core.output import flat
from upheld.present.export import as_csv
from upheld.present.sheets import csv_stream
from upheld.site.datasets import DATASETS, Dataset, values, year_rows
from upheld.site.downloads import year_statistics
from upheld.site.model import Site, Year
from upheld.store import engines
from upheld.web.downloads import DownloadRoutes
from upheld.web.render import Renderer

YEAR = "2024-25"
TARGET_FIRST_BYTE_S = 0.5
TARGET_PEAK_MB = 16.0
TARGET_STATISTICS_RATIO = 1.5
RUNS = 5


def old_statistics_workbook(result: Mapping[str, Any]) -> bytes:
    """The statistics spreadsheet as it was made before (openpyxl, saved whole to memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)

    def add(sheet: Any, values: list[Any]) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)

    councils = book.create_sheet("Councils")
    source = result["authorities"]
    rows = [flat(row) for row in source]
    columns = list(rows[0])
    categories = list(source[0]["received_by_category"])
    outcomes = list(source[0]["decided_by_outcome"])
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
    for authority_type, values_ in result["averages"].items():
        add(averages, [authority_type, *(values_[n] for n in names), values_["councils"]])
    national = book.create_sheet("National")
    add(national, ["figure", "value"])
    for key, value in result["national"].items():
        if not isinstance(value, dict):
            add(national, [key, value])
    about = book.create_sheet("About")
    add(about, ["year", result["year"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _site(folder: Path) -> Site:
    built = full_demo(folder, "downloads")
    url = f"sqlite:///{built / 'upheld.db'}"
    return Site(engines.connect(url, read_only=True), built / "config")


def _body(routes: DownloadRoutes, site: Site, year: Year, dataset: Dataset, fmt: str) -> Any:
    """A download's pieces, exactly as the website streams them."""
    publication = site.publication()

    def rows() -> Iterator[Mapping[str, Any]]:
        return year_rows(site, publication, year, dataset)

    if fmt == "csv":
        return csv_stream(dataset.header, values(dataset, rows()))
    return routes.workbook(publication, dataset, year, rows)


def _time(make: Any) -> tuple[float, float, int]:
    """Seconds to the first piece and to the last, and the bytes, best of three by the last."""
    best: tuple[float, float, int] | None = None
    for _ in range(RUNS):
        started = time.perf_counter()
        pieces = iter(make())
        first = next(pieces)
        at_first = time.perf_counter() - started
        size = len(first) + sum(len(piece) for piece in pieces)
        took = time.perf_counter() - started
        if best is None or took < best[1]:
            best = (at_first, took, size)
    assert best is not None
    return best


def _peak(make: Any) -> float:
    """The most memory Python held while the file was made, in MB."""
    tracemalloc.start()
    for _piece in make():
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def measure(folder: Path) -> list[dict[str, Any]]:
    """Make every download of the year, and the old statistics files, and time them."""
    site = _site(folder)
    routes = DownloadRoutes(site, Renderer(site))
    year = site.published_year(YEAR)
    assert year is not None, f"{YEAR} is not published in the demo"
    result = year_statistics(site, site.publication(), YEAR)  # the figures, kept as the site does
    old = {
        "csv": lambda: [as_csv([flat(row) for row in result["authorities"]]).encode()],
        "xlsx": lambda: [old_statistics_workbook(result)],
    }
    results: list[dict[str, Any]] = []
    baseline: dict[str, float] = {}
    for fmt, make in old.items():
        at_first, took, size = _time(make)
        baseline[fmt] = took
        results.append(
            {
                "what": f"before: statistics {fmt.upper()}",
                "rows": len(result["authorities"]),
                "first_byte_s": round(at_first, 3),
                "seconds": round(took, 3),
                "mb": round(size / 1e6, 2),
                "peak_mb": round(_peak(make), 1),
                "met": True,
            }
        )
    for dataset in DATASETS.values():
        rows = sum(1 for _row in year_rows(site, site.publication(), year, dataset))
        for fmt in ("csv", "xlsx"):

            def make(dataset: Dataset = dataset, fmt: str = fmt) -> Any:
                return _body(routes, site, year, dataset, fmt)

            at_first, took, size = _time(make)
            peak = _peak(make)
            met = at_first <= TARGET_FIRST_BYTE_S and peak <= TARGET_PEAK_MB
            ratio = None
            if dataset.name == "statistics":
                ratio = round(took / baseline[fmt], 2)
                met = met and ratio <= TARGET_STATISTICS_RATIO
            results.append(
                {
                    "what": f"{dataset.name} {fmt.upper()}",
                    "rows": rows,
                    "first_byte_s": round(at_first, 3),
                    "seconds": round(took, 3),
                    "mb": round(size / 1e6, 2),
                    "peak_mb": round(peak, 1),
                    "rows_per_second": round(rows / took),
                    "ratio": ratio,
                    "met": met,
                }
            )
    made = [r for r in results if not r["what"].startswith("before")]
    results.append(
        {
            "what": f"the whole year: all {len(made)} files",
            "rows": sum(r["rows"] for r in made) // 2,
            "first_byte_s": max(r["first_byte_s"] for r in made),
            "seconds": round(sum(r["seconds"] for r in made), 3),
            "mb": round(sum(r["mb"] for r in made), 2),
            "peak_mb": max(r["peak_mb"] for r in made),
            "ratio": round(sum(r["seconds"] for r in made) / sum(baseline.values()), 1),
            "met": all(r["met"] for r in made),
        }
    )
    return results


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        f"Every {YEAR} download of the web benchmark's demo, made in process as the website "
        f"streams it; best of {RUNS} by total time; peak memory from tracemalloc in another run.",
        "",
        f"| file | rows | first bytes s (≤ {TARGET_FIRST_BYTE_S}) | total s | MB "
        f"| peak MB (≤ {TARGET_PEAK_MB:g}) | rows/s | x before (≤ {TARGET_STATISTICS_RATIO}) "
        "| met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['what']} | {r['rows']:,} | {r['first_byte_s']} | {r['seconds']} | {r['mb']} "
            f"| {r['peak_mb']} | {r.get('rows_per_second') or ''} | {r.get('ratio') or ''} "
            f"| {'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)
