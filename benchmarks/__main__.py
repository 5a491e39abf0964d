"""`python -m benchmarks [NAME...]`: run the benchmarks, print their figures against the targets.

Results are also written to bench-out/NAME.json. The generated input data is kept in bench-out/
so later runs skip generating it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks import (
    downloads,
    honest,
    imports,
    letters,
    rush,
    scale,
    shortrows,
    spreadsheets,
    web,
)

SUITES = {
    "import": imports,
    "statistics": honest,
    "spreadsheets": spreadsheets,
    "letters": letters,
    "web": web,
    "downloads": downloads,
    "rush": rush,
    "scale": scale,
    "shortrows": shortrows,
}


def main(argv: list[str]) -> int:
    """Run the chosen benchmarks (all by default); exit 1 if a target was missed."""
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    folder = Path("bench-out")
    folder.mkdir(exist_ok=True)
    missed = False
    for name in chosen:
        suite = SUITES[name]
        results = suite.measure(folder)
        print()
        print(suite.report(results))
        (folder / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        missed = missed or not all(r["met"] for r in results)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
