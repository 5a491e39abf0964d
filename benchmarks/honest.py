"""A year's statistics with honest numbers (issue 9) over the million-case benchmark database.

Target: every council's figures with all of issue 9 (intervals, comparisons allowing for chance,
change on the year before with the previous year's counts, service-area benchmarks) in under 1
second, on SQLite and PostgreSQL. The baseline, measured in the same run on the same database, is
the figures as the ombudsman publishes them and nothing more: every council's counts and rates and
the averages of similar authorities. Also timed: the other peer groups (nearest, region) and the
national page's funnel plots (every statistic, every type).
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import imports, postgres
from upheld.core.catalogue import CATALOGUE
from upheld.core.figures import compute
from upheld.core.groups import built_in
from upheld.core.output import average_fields, counts_fields, statistics
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.register import builtin
from upheld.site import funnels
from upheld.store import engines
from upheld.store.queries import year_counts, year_figures

YEAR = imports.YEAR
TARGET_SECONDS = 1.0
RUNS = 5


def compliance_file(folder: Path, cases: Path) -> Path:
    """The generated compliance outcomes for the million cases kept, made once."""
    path = folder / "compliance-1000000.csv"
    if path.exists():
        return path
    with cases.open(encoding="utf-8", newline="") as reading:
        kept = {row["reference"] for row in csv.DictReader(reading)}
    source = folder / "generated" / "compliance.csv"
    with (
        source.open(encoding="utf-8", newline="") as reading,
        path.open("w", encoding="utf-8", newline="") as writing,
    ):
        rows = csv.reader(reading)
        out = csv.writer(writing)
        out.writerow(next(rows))
        out.writerows(row for row in rows if row[0] in kept)
    return path


def load(url: str, cases: Path, compliance: Path) -> None:
    """Import the cases and their compliance outcomes (no search index: not needed here)."""
    for kind, path in (("cases", cases), ("compliance", compliance)):
        imports.run(
            [sys.executable, "-m", "upheld", "--db", url, "import", kind, "--no-index", str(path)]
        )


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    """The first run's seconds and the best of the rest."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times[0], min(times[1:])


def measure_database(name: str, url: str) -> dict[str, Any]:
    """Every measurement on one database."""
    engine = engines.connect(url)
    register = builtin()

    def published() -> None:
        # The figures as published: counts, rates and averages, with no previous year.
        with engine.connect() as connection:
            counted = year_counts(connection, YEAR)
        figures = compute(register, YEAR, counted)
        for code in figures.councils:
            counts_fields(figures.counts[code]) | average_fields(figures.average_for(code))

    def honest(group: str = "type") -> Callable[[], None]:
        peers = built_in(group)
        assert peers is not None

        def work() -> None:
            with engine.connect() as connection:
                figures = year_figures(connection, register, YEAR, "mean", peers)
            statistics(figures)

        return work

    with engine.connect() as connection:
        figures = year_figures(connection, register, YEAR)

    def plots() -> None:
        for statistic in CATALOGUE:
            for term in AUTHORITY_TYPES:
                if term.key in figures.averages:
                    funnels.funnel(
                        figures,
                        statistic,
                        figures.similar(term.key),
                        figures.averages[term.key],
                        compared=term.count_noun(2),
                        chart_id="funnel",
                    )

    result = statistics(figures)
    compared = sum(
        1 for a in result["authorities"] if a["uphold_rate_comparison"] not in (None, "too_few")
    )
    baseline = timed(published)
    full = timed(honest())
    nearest = timed(honest("nearest"))
    region = timed(honest("region"))
    drawn = timed(plots)
    engine.dispose()
    return {
        "database": name,
        "councils": len(result["authorities"]),
        "compared": compared,
        "investigated": result["national"]["investigated"],
        "published_first": round(baseline[0], 3),
        "published_best": round(baseline[1], 3),
        "honest_first": round(full[0], 3),
        "honest_best": round(full[1], 3),
        "ratio": round(full[1] / baseline[1], 2),
        "nearest_best": round(nearest[1], 3),
        "region_best": round(region[1], 3),
        "funnels_best": round(drawn[1], 3),
        "met": max(full[0], nearest[0], region[0]) <= TARGET_SECONDS,
    }


def measure(folder: Path) -> list[dict[str, Any]]:
    """Build the million-case database once per run and measure on each database."""
    cases = imports.cases_file(folder)
    compliance = compliance_file(folder, cases)
    database = folder / "honest.db"
    for stale in folder.glob("honest.db*"):
        stale.unlink()
    url = f"sqlite:///{database}"
    print("Importing the million cases into SQLite...", flush=True)
    load(url, cases, compliance)
    results = [measure_database("SQLite", url)]
    with postgres.server() as pg_url:
        if pg_url is None:
            print("PostgreSQL is not available here: its benchmark is skipped.")
            return results
        imports.fresh_postgres(pg_url)
        print("Importing the million cases into PostgreSQL...", flush=True)
        load(pg_url, cases, compliance)
        results.append(measure_database("PostgreSQL", pg_url))
    return results


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table, with the target."""
    lines = [
        f"Statistics for {YEAR.label} over {imports.CASES:,} cases: as published (baseline), and "
        "with intervals, comparisons, change and service areas (target ≤ 1 s, first run).",
        "",
        "| database | councils | compared (uphold rate) | published s first / best | honest s "
        "first / best | ratio | nearest s | region s | 25 funnel plots s | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['councils']} | {r['compared']} | {r['published_first']} / "
            f"{r['published_best']} | {r['honest_first']} / {r['honest_best']} | {r['ratio']}x | "
            f"{r['nearest_best']} | {r['region_best']} | {r['funnels_best']} | "
            f"{'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)
