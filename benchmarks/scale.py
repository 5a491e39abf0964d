"""How cost grows (issue 12): the demo at 1, 4 and 16 times its volume, on SQLite and PostgreSQL.

For each scale and database: `upheld init` and `upheld import` of every kind of demo file (each its
own process, the search index included), the database's size, a year's statistics, and a real
`upheld serve` over it: a council page on the first request after start (cold) and once kept
(warm), the decision search's p95 over a fixed set of queries, and the server's memory after all
that. No targets: the figures show what grows with the data and what does not.

`python -m benchmarks scale` measures 1, 4 and 16 on both databases ($UPHELD_BENCH_SCALES and
$UPHELD_BENCH_DATABASES choose others); `python -m benchmarks.scale --scales 0.1,0.4` likewise, and
`--chart-from bench-out/scale.json` redraws the chart without measuring.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics as stats
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks import imports, postgres
from benchmarks.web import SEARCHES, _free_port, _wait
from upheld.core.output import statistics
from upheld.present import svg
from upheld.register import builtin
from upheld.store import engines
from upheld.store.queries import year_figures
from upheld.synthetic import KINDS, DemoSpec, write_demo_files
from upheld.synthetic.demo import write_config

SCALES = (1.0, 4.0, 16.0)
DATABASES = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
YEAR = DemoSpec().last_year
COUNCIL = "E08000025"
"""Birmingham, the council with the most cases: its page is the one timed."""
OTHER = "E08000002"
"""Bury: its page is timed on its first visit once the site has served Birmingham's."""
COLD_STARTS = 3
WARM_REQUESTS = 200
SEARCH_ROUNDS = 10
TIMES = "\N{MULTIPLICATION SIGN}"
PAGE = f"/councils/{COUNCIL}/{YEAR.label}"
OTHER_PAGE = f"/councils/{OTHER}/{YEAR.label}"


def demo_files(folder: Path, scale: float) -> dict[str, Path]:
    """The demo's input files at a scale, written once and kept in the folder."""
    target = folder / "scale-data" / f"x{scale:g}"
    paths = {kind: target / f"{kind}.csv" for kind in KINDS}
    finished = target / "complete"
    if finished.exists():
        return paths
    print(f"Generating the demo's files at scale {scale:g} (kept in {target})...", flush=True)
    write_demo_files(builtin(), target, DemoSpec(scale=scale))
    finished.write_text("written in full\n")
    return paths


def import_everything(url: str, files: dict[str, Path]) -> dict[str, float]:
    """`upheld init`, then `upheld import` of each kind in the demo's order: seconds and peak MB."""
    python = sys.executable
    timed = [imports.run([python, "-m", "upheld", "--db", url, "init"])]
    seconds = {"init": timed[0][0]}
    for kind in KINDS:
        timed.append(
            imports.run([python, "-m", "upheld", "--db", url, "import", kind, str(files[kind])])
        )
        seconds[kind] = timed[-1][0]
    return {
        "import_seconds": sum(seconds.values()),
        "cases_import_seconds": seconds["cases"],
        "import_peak_mb": max(peak for _seconds, peak, _output in timed),
    }


def size_and_count(url: str, database: str) -> tuple[float, int]:
    """The database's size on disk (MB) and how many cases it holds."""
    engine = engines.connect(url)
    with engine.connect() as connection:
        cases = int(connection.execute(text("SELECT count(*) FROM cases")).scalar_one())
        if database == "postgresql":
            size = int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    engine.dispose()
    if database == "sqlite":
        file = Path(url.removeprefix("sqlite:///"))
        size = sum(
            p.stat().st_size for p in (file, file.with_name(file.name + "-wal")) if p.exists()
        )
    return size / 1e6, cases


def statistics_seconds(url: str) -> tuple[float, float]:
    """Every council's figures for the latest year: first on a fresh engine, and best of three."""
    engine = engines.connect(url)
    register = builtin()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        with engine.connect() as connection:
            result = statistics(year_figures(connection, register, YEAR))
        times.append(time.perf_counter() - started)
    engine.dispose()
    if result["national"]["received"] <= 0:
        raise RuntimeError(f"no cases received in {YEAR.label}")
    return times[0], min(times)


@contextmanager
def serving(url: str, config: Path) -> Iterator[tuple[int, int]]:
    """`upheld serve` (one worker, its own process) over a database: its port and process id."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "upheld",
            "--db",
            url,
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, server)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait()


def get_ms(connection: http.client.HTTPConnection, path: str) -> float:
    """One request on a kept-alive connection, read to the end: milliseconds."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return elapsed


def resident_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory now, from /proc: all of it (VmRSS), or only its own (RssAnon),
    without the pages of files it maps, which SQLite's memory-mapped reading counts in VmRSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def website(url: str, config: Path) -> dict[str, float]:
    """Council page cold (median of fresh starts) and warm, search p95, server memory after."""
    colds, nexts = [], []
    for start in range(COLD_STARTS):
        with serving(url, config) as (port, pid):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            colds.append(get_ms(connection, PAGE))
            nexts.append(get_ms(connection, OTHER_PAGE))
            if start < COLD_STARTS - 1:
                connection.close()
                continue
            warm = [get_ms(connection, PAGE) for _ in range(WARM_REQUESTS)]
            for path in SEARCHES:
                get_ms(connection, path)
            searches = sorted(
                get_ms(connection, path) for _ in range(SEARCH_ROUNDS) for path in SEARCHES
            )
            rss, own = resident_mb(pid), resident_mb(pid, "RssAnon")
            connection.close()
    return {
        "page_cold_ms": stats.median(colds),
        "page_next_ms": stats.median(nexts),
        "page_warm_ms": stats.median(warm),
        "search_p95_ms": searches[math.ceil(0.95 * len(searches)) - 1],
        "server_rss_mb": rss,
        "server_own_mb": own,
    }


def one(
    url: str, database: str, scale: float, files: dict[str, Path], config: Path
) -> dict[str, Any]:
    """Every measure for one database at one scale, imported from empty."""
    imported = import_everything(url, files)
    size, cases = size_and_count(url, database)
    first, best = statistics_seconds(url)
    pages = website(url, config)
    return {
        "database": NAMES[database],
        "scale": scale,
        "cases": cases,
        **{k: round(v, 2) for k, v in imported.items()},
        "database_mb": round(size, 1),
        "stats_first_seconds": round(first, 3),
        "stats_best_seconds": round(best, 3),
        **{k: round(v, 2) for k, v in pages.items()},
        "met": True,
    }


def measure(
    folder: Path, scales: Sequence[float] | None = None, databases: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Import and serve the demo at each scale on each database; print each row as it comes."""
    scales = scales or _scales(os.environ.get("UPHELD_BENCH_SCALES"))
    databases = databases or _databases(os.environ.get("UPHELD_BENCH_DATABASES"))
    config = folder / "scale-config"
    write_config(config, DemoSpec().years)
    files = {scale: demo_files(folder, scale) for scale in scales}
    print("\n".join(HEADER), flush=True)
    results = []
    if "sqlite" in databases:
        database = folder / "scale.db"
        for scale in scales:
            for stale in folder.glob("scale.db*"):
                stale.unlink()
            results.append(one(f"sqlite:///{database}", "sqlite", scale, files[scale], config))
            print(_line(results[-1]), flush=True)
        for stale in folder.glob("scale.db*"):
            stale.unlink()
    if "postgresql" in databases:
        with postgres.server() as url:
            if url is None:
                print("PostgreSQL is not available here: its measures are skipped.")
            else:
                for scale in scales:
                    imports.fresh_postgres(url)
                    results.append(one(url, "postgresql", scale, files[scale], config))
                    print(_line(results[-1]), flush=True)
    (folder / "scale.svg").write_text(chart(results), encoding="utf-8")
    return results


HEADER = [
    "| database | scale | cases | import s (all kinds) | of which cases s | import peak MB "
    "| database MB | stats s first / best | council page cold ms | next page ms | warm ms "
    "| search p95 ms "
    "| server MB (own) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]


def _line(r: dict[str, Any]) -> str:
    return (
        f"| {r['database']} | {r['scale']:g}{TIMES} | {r['cases']:,} | {r['import_seconds']} | "
        f"{r['cases_import_seconds']} | {r['import_peak_mb']:.0f} | {r['database_mb']:,} | "
        f"{r['stats_first_seconds']} / {r['stats_best_seconds']} | {r['page_cold_ms']} | "
        f"{r['page_next_ms']} | {r['page_warm_ms']} | {r['search_p95_ms']} | "
        f"{r['server_rss_mb']:.0f} ({r['server_own_mb']:.0f}) |"
    )


MEASURES = [
    ("import_seconds", "Import, all kinds", "s"),
    ("database_mb", "Database size", "MB"),
    ("import_peak_mb", "Import peak memory", "MB"),
    ("stats_best_seconds", "A year's statistics (best)", "s"),
    ("page_cold_ms", "Council page, cold", "ms"),
    ("page_warm_ms", "Council page, warm", "ms"),
    ("search_p95_ms", "Decision search p95", "ms"),
    ("server_own_mb", "Server's own memory", "MB"),
]


def growth(results: list[dict[str, Any]], database: str, key: str) -> float | None:
    """How a measure grows from the smallest scale to the largest: 1 is in proportion to the
    data (linear), 0 is flat; the exponent k in cost ∝ scale^k."""
    rows = sorted((r for r in results if r["database"] == database), key=lambda r: r["scale"])
    if len(rows) < 2 or rows[0][key] <= 0 or rows[-1][key] <= 0:
        return None
    low, high = rows[0], rows[-1]
    return math.log(high[key] / low[key]) / math.log(high["scale"] / low["scale"])


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table, and each measure's growth exponent per database."""
    lines = [
        f"The demo's files at each scale (1 is about 100,000 cases), imported from empty with "
        f"`upheld init` and `upheld import` of every kind; statistics for {YEAR.label}; "
        f"`upheld serve` (one worker) for {PAGE} and the decision search.",
        "",
        *HEADER,
        *(_line(r) for r in results),
    ]
    databases = list(dict.fromkeys(r["database"] for r in results))
    lines += [
        "",
        "Growth from the smallest scale to the largest, as k in cost ∝ scale^k "
        "(1 = linear, 0 = flat):",
        "",
        "| measure | " + " | ".join(databases) + " |",
        "|---|" + "---|" * len(databases),
    ]
    for key, title, _unit in MEASURES:
        found = [growth(results, d, key) for d in databases]
        cells = ["" if k is None else f"{k:.2f}" for k in found]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


COLOURS = {"SQLite": "#1d5fa3", "PostgreSQL": "#b3470f"}
PANEL_WIDTH, PANEL_HEIGHT, COLUMNS = 240.0, 190.0, 4
LEFT, RIGHT, TOP, BOTTOM = 46.0, 20.0, 30.0, 30.0


def chart(results: list[dict[str, Any]]) -> str:
    """Small multiples, one panel per measure: log scale against log cost, a line per database,
    and dashed lines for growth in proportion to the data from each database's smallest scale."""
    databases = [d for d in COLOURS if any(r["database"] == d for r in results)]
    scales = sorted({float(r["scale"]) for r in results})
    rows = math.ceil(len(MEASURES) / COLUMNS)
    width, height = PANEL_WIDTH * COLUMNS, PANEL_HEIGHT * rows + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {svg.number(width)} '
        f'{svg.number(height)}" width="{svg.number(width)}" height="{svg.number(height)}" '
        'role="img" aria-labelledby="scale-title scale-desc" font-family="sans-serif" '
        'font-size="11">',
        '<title id="scale-title">How cost grows with the volume of data</title>',
        f'<desc id="scale-desc">{svg.content(_describe(results, databases))}</desc>',
        f'<rect width="{svg.number(width)}" height="{svg.number(height)}" fill="#fff"/>',
    ]
    x = 10.0
    for database in databases:
        parts.append(_line_svg(x, 16, x + 24, 16, COLOURS[database], 2))
        parts.append(_text(x + 30, 20, database, "start"))
        x += 40 + 7 * len(database)
    parts.append(_line_svg(x, 16, x + 24, 16, "#555", 1, dashed=True))
    parts.append(_text(x + 30, 20, "in proportion to the data (linear)", "start"))
    parts.append(
        _text(width - 10, 20, f"both axes logarithmic; x = volume, 1{TIMES} ≈ 100,000 cases", "end")
    )
    for index, (key, title, unit) in enumerate(MEASURES):
        left = PANEL_WIDTH * (index % COLUMNS)
        top = 40 + PANEL_HEIGHT * (index // COLUMNS)
        parts.append(_panel(results, databases, scales, key, f"{title} ({unit})", left, top))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    results: list[dict[str, Any]],
    databases: list[str],
    scales: list[float],
    key: str,
    title: str,
    left: float,
    top: float,
) -> str:
    series = {
        d: [
            (float(r["scale"]), float(r[key])) for r in results if r["database"] == d and r[key] > 0
        ]
        for d in databases
    }
    series = {d: sorted(points) for d, points in series.items() if points}
    linear = {
        d: [(s, points[0][1] * s / points[0][0]) for s in (points[0][0], points[-1][0])]
        for d, points in series.items()
    }
    values = [v for points in (*series.values(), *linear.values()) for _s, v in points]
    parts = [_text(left + LEFT, top + 14, title, "start", bold=True)]
    if not values or len(scales) < 1:
        return "\n".join(parts)
    low, high = math.log10(min(values)), math.log10(max(values))
    if high - low < 0.5:
        low, high = (low + high) / 2 - 0.25, (low + high) / 2 + 0.25
    low, high = low - 0.05 * (high - low), high + 0.05 * (high - low)
    x0, x1 = left + LEFT, left + PANEL_WIDTH - RIGHT
    y0, y1 = top + PANEL_HEIGHT - BOTTOM, top + TOP
    first, last = math.log2(scales[0]), math.log2(scales[-1])

    def x(scale: float) -> float:
        if last == first:
            return (x0 + x1) / 2
        return x0 + (math.log2(scale) - first) / (last - first) * (x1 - x0)

    def y(value: float) -> float:
        return y0 - (math.log10(value) - low) / (high - low) * (y0 - y1)

    parts.append(_line_svg(x0, y0, x1, y0, "#888", 1))
    parts.append(_line_svg(x0, y0, x0, y1, "#888", 1))
    for scale in scales:
        parts.append(_line_svg(x(scale), y0, x(scale), y0 + 4, "#888", 1))
        parts.append(_text(x(scale), y0 + 16, f"{scale:g}{TIMES}", "middle"))
    for tick in _ticks(low, high):
        parts.append(_line_svg(x0, y(tick), x1, y(tick), "#e4e4e4", 1))
        parts.append(_text(x0 - 4, y(tick) + 4, f"{tick:,g}", "end"))
    for database, points in linear.items():
        (s0, v0), (s1, v1) = points
        parts.append(_line_svg(x(s0), y(v0), x(s1), y(v1), COLOURS[database], 1, dashed=True))
    for database, points in series.items():
        coordinates = " ".join(f"{svg.number(x(s))},{svg.number(y(v))}" for s, v in points)
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{COLOURS[database]}" '
            'stroke-width="2"/>'
        )
        for s, v in points:
            parts.append(
                f'<circle cx="{svg.number(x(s))}" cy="{svg.number(y(v))}" r="2.5" '
                f'fill="{COLOURS[database]}"/>'
            )
    return "\n".join(parts)


def _ticks(low: float, high: float) -> list[float]:
    """1, 2 and 5 times each power of ten within the range; only powers of ten if that is many."""
    ticks = []
    for power in range(math.floor(low), math.ceil(high) + 1):
        for step in (1, 2, 5):
            tick = step * 10.0**power
            if low <= math.log10(tick) <= high:
                ticks.append(float(f"{tick:.6g}"))
    if len(ticks) > 6:
        ticks = [t for t in ticks if f"{t:g}".lstrip("0.").startswith("1")]
    return ticks


def _describe(results: list[dict[str, Any]], databases: list[str]) -> str:
    sentences = []
    for database in databases:
        grown = [
            f"{title.lower()} {k:.2f}"
            for key, title, _unit in MEASURES
            if (k := growth(results, database, key)) is not None
        ]
        if grown:
            sentences.append(
                f"{database}, growth exponent from smallest to largest scale (1 linear, 0 flat): "
                + "; ".join(grown)
                + "."
            )
    return " ".join(sentences) or "No measurements."


def _line_svg(
    x1: float, y1: float, x2: float, y2: float, colour: str, width: float, dashed: bool = False
) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<line x1="{svg.number(x1)}" y1="{svg.number(y1)}" x2="{svg.number(x2)}" '
        f'y2="{svg.number(y2)}" stroke="{colour}" stroke-width="{svg.number(width)}"{dash}/>'
    )


def _text(x: float, y: float, words: str, anchor: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{svg.number(x)}" y="{svg.number(y)}" text-anchor="{anchor}"{weight}>'
        f"{svg.content(words)}</text>"
    )


def _scales(given: str | None) -> list[float]:
    if not given:
        return list(SCALES)
    try:
        scales = sorted({float(part) for part in given.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"scales are numbers separated by commas, not {given!r}") from None
    if not scales or scales[0] <= 0:
        raise SystemExit(f"scales must be above 0, not {given!r}")
    return scales


def _databases(given: str | None) -> list[str]:
    if not given:
        return list(DATABASES)
    chosen = [part.strip().lower() for part in given.split(",") if part.strip()]
    unknown = [d for d in chosen if d not in DATABASES]
    if unknown or not chosen:
        raise SystemExit(f"databases are among {', '.join(DATABASES)}, not {given!r}")
    return chosen


def main(argv: list[str]) -> int:
    """Measure the chosen scales and databases (or redraw the chart from saved results)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--scales", help="comma-separated volumes, e.g. 0.1,0.4 (default 1,4,16)")
    parser.add_argument("--databases", help="sqlite, postgresql or both (default both)")
    parser.add_argument("--chart-from", type=Path, help="saved results (JSON) to chart again")
    parser.add_argument(
        "--chart", type=Path, default=Path("bench-out/scale.svg"), help="where to write the chart"
    )
    options = parser.parse_args(argv)
    if options.chart_from:
        results = json.loads(options.chart_from.read_text())
    else:
        folder = Path("bench-out")
        folder.mkdir(exist_ok=True)
        results = measure(folder, _scales(options.scales), _databases(options.databases))
        (folder / "scale.json").write_text(json.dumps(results, indent=2) + "\n")
        print()
        print(report(results))
    options.chart.write_text(chart(results), encoding="utf-8")
    print(f"Chart written to {options.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
