"""All of a year's annual review letters as PDF (issue 3): target under 15 seconds.

Compared, in the same run, with the bare engine cost: the same Typst template rendered on one
fixed letter's data as many times, with no database, statistics, charts or archive.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from upheld.config import load_settings, load_year
from upheld.core.periods import ReviewYear
from upheld.letters.typeset import Typesetter, write_letters
from upheld.register import builtin
from upheld.store import engines, schema
from upheld.synthetic import demo

YEAR = ReviewYear(2019)
TARGET_SECONDS = 15.0


def measure(folder: Path) -> list[dict[str, Any]]:
    """Build the demo once, then time a full year's PDF letters against the bare template."""
    built = folder / "letters-demo"
    register = builtin()
    if not (built / "upheld.db").exists():
        print("Building the demo database for the letters benchmark...", flush=True)
        demo.build(built, register, say=lambda _text: None)
    config = load_year(built / "config", YEAR)
    settings = load_settings(built / "config")
    codes = [c.code for c in register.in_year(YEAR)]
    engine = engines.connect(f"sqlite:///{built / 'upheld.db'}")
    with engine.begin() as connection:  # a cold archive: every letter is written and stored
        connection.execute(schema.letters.delete())
    out = folder / "letters-out"
    for old in out.glob("*"):
        old.unlink()
    started = time.perf_counter()
    run = write_letters(engine, register, settings, config, codes, out, formats=("pdf",))
    seconds = time.perf_counter() - started
    assert len(run.written) == len(codes)

    typesetter = Typesetter()
    from upheld.letters import content
    from upheld.store.queries import activity, year_figures

    with engine.connect() as connection:
        figures = year_figures(connection, register, YEAR)
        data = content.letter(
            register[codes[0]], figures, {}, activity(connection, YEAR), None, settings, config
        )
    started = time.perf_counter()
    for _ in codes:
        typesetter.pdf(data)
    baseline = time.perf_counter() - started
    typesetter.close()
    engine.dispose()
    return [
        {
            "letters": len(codes),
            "year": YEAR.label,
            "seconds": round(seconds, 2),
            "per_letter_ms": round(seconds / len(codes) * 1000, 1),
            "baseline_seconds": round(baseline, 2),
            "ratio": round(seconds / baseline, 2),
            "met": seconds <= TARGET_SECONDS,
        }
    ]


def report(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = [
        "A year's annual review letters as PDF: the whole `write_letters` (statistics, letter "
        "data, four charts, Typst, files, archive), against the same Typst template on fixed data.",
        "",
        "| letters | year | upheld s (target < 15) | ms per letter | bare template s | ratio "
        "| met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['letters']} | {r['year']} | {r['seconds']} | {r['per_letter_ms']} | "
            f"{r['baseline_seconds']} | {r['ratio']}x | {'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)
