"""Import of 1,000,000 cases (SQLite and PostgreSQL) and a year's statistics over them.

Targets (issue 2): import within 3x the bare baseline measured in the same run, statistics for a
year within 1 second, peak memory of the import under 300 MB.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks import postgres
from upheld.core.output import statistics
from upheld.core.periods import ReviewYear
from upheld.register import builtin
from upheld.store import engines
from upheld.store.queries import year_figures
from upheld.synthetic import DemoSpec, write_demo_files

CASES = 1_000_000
SCALE = 10.0
YEAR = ReviewYear(2022)
TARGET_RATIO = 3.0
TARGET_STATS_SECONDS = 1.0
TARGET_PEAK_MB = 300


def cases_file(folder: Path) -> Path:
    """A CSV of exactly a million synthetic cases, made once and kept in the folder."""
    path = folder / f"cases-{CASES}.csv"
    if path.exists():
        return path
    print(f"Generating {CASES:,} synthetic cases (kept in {path})...", flush=True)
    source = write_demo_files(builtin(), folder / "generated", DemoSpec(scale=SCALE))["cases"]
    with source.open(encoding="utf-8") as reading, path.open("w", encoding="utf-8") as writing:
        writing.writelines(itertools.islice(reading, CASES + 1))
    return path


def run(command: list[str]) -> tuple[float, float, str]:
    """Wall time, peak memory (MB) and output of a command run as its own process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {output}")
    return elapsed, usage.ru_maxrss / 1024, output


def fresh_postgres(url: str) -> None:
    """Empty the benchmark database."""
    engine = engines.connect(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def statistics_seconds(url: str) -> tuple[float, float]:
    """Time to compute a year's statistics for every council: first run, and best of three."""
    engine = engines.connect(url)
    times = []
    register = builtin()
    for _ in range(3):
        started = time.perf_counter()
        with engine.connect() as connection:
            result = statistics(year_figures(connection, register, YEAR))
        times.append(time.perf_counter() - started)
    assert result["national"]["received"] > 0
    engine.dispose()
    return times[0], min(times)


def measure(folder: Path) -> list[dict[str, Any]]:
    """Run every measurement and return one result per database."""
    path = cases_file(folder)
    python = sys.executable
    results = []
    database = folder / "import.db"
    baseline_db = folder / "baseline.db"
    for stale in folder.glob("*.db*"):
        stale.unlink()
    baseline, _, _ = run(
        [python, "-m", "benchmarks.baseline", "sqlite", str(path), str(baseline_db)]
    )
    url = f"sqlite:///{database}"
    seconds, peak, _ = run(
        [python, "-m", "upheld", "--db", url, "import", "cases", "--no-index", str(path)]
    )
    first, best = statistics_seconds(url)
    index, _, _ = run([python, "-m", "upheld", "--db", url, "index", "--quiet"])
    results.append(
        _result("SQLite", "csv reader + executemany", baseline, seconds, peak, first, best, index)
    )
    with postgres.server() as pg_url:
        if pg_url is None:
            print("PostgreSQL is not available here: its benchmark is skipped.")
            return results
        fresh_postgres(pg_url)
        baseline, _, _ = run([python, "-m", "benchmarks.baseline", "postgres", str(path), pg_url])
        fresh_postgres(pg_url)
        seconds, peak, _ = run(
            [python, "-m", "upheld", "--db", pg_url, "import", "cases", "--no-index", str(path)]
        )
        first, best = statistics_seconds(pg_url)
        index, _, _ = run([python, "-m", "upheld", "--db", pg_url, "index", "--quiet"])
        results.append(_result("PostgreSQL", "COPY", baseline, seconds, peak, first, best, index))
    return results


def _result(
    database: str,
    baseline_name: str,
    baseline: float,
    seconds: float,
    peak: float,
    stats_first: float,
    stats_best: float,
    index: float,
) -> dict[str, Any]:
    ratio = seconds / baseline
    return {
        "database": database,
        "baseline": baseline_name,
        "baseline_seconds": round(baseline, 2),
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(CASES / seconds),
        "ratio": round(ratio, 2),
        "peak_mb": round(peak),
        "stats_first_seconds": round(stats_first, 3),
        "stats_best_seconds": round(stats_best, 3),
        "index_seconds": round(index, 2),
        "met": ratio <= TARGET_RATIO
        and stats_first <= TARGET_STATS_SECONDS
        and peak <= TARGET_PEAK_MB,
    }


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table, with the targets."""
    lines = [
        f"Import of {CASES:,} cases from CSV (whole `upheld import` command, validation and all), "
        f"and statistics for {YEAR.label} over them.",
        "",
        "| database | baseline | baseline s | upheld import s | ratio (target ≤ 3) | rows/s "
        "| peak MB (≤ 300) | stats s first / best (≤ 1) | met | then search index s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['baseline']} | {r['baseline_seconds']} | "
            f"{r['import_seconds']} | {r['ratio']}x | {r['rows_per_second']:,} | {r['peak_mb']} | "
            f"{r['stats_first_seconds']} / {r['stats_best_seconds']} | "
            f"{'yes' if r['met'] else 'NO'} | {r['index_seconds']} |"
        )
    return "\n".join(lines)
