"""Write docs/methodology.md from data/methodology.md, with the parts that come from the code:
the statistics catalogue's table and the breaks in the series.

Run by `make docs`; tests/test_docs.py checks the docs match.
"""

from __future__ import annotations

import sys
from pathlib import Path

from upheld.present.methodology import document

DOCS = Path(__file__).resolve().parent.parent / "docs"
NOTICE = (
    "<!-- Written by `make docs` from src/upheld/data/methodology.md, the statistics catalogue and "
    "src/upheld/data/series_breaks.toml: edit those, not this file. -->\n"
)


def main() -> int:
    """Rewrite docs/methodology.md; with --check, exit 1 instead if it is out of date."""
    path = DOCS / "methodology.md"
    written = NOTICE + document()
    if "--check" in sys.argv[1:]:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        return 0 if current == written else 1
    path.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
