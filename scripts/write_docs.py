"""Write the parts of the docs that come from the code: methodology.md's statistics and breaks.

Run by `make docs`; tests/test_docs.py checks the docs match.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from upheld.breaks import series_breaks
from upheld.core.catalogue import CATALOGUE

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _section(text: str, name: str, content: str) -> str:
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    found = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not found.search(text):
        raise SystemExit(f"docs/methodology.md has no {start} ... {end} section")
    return found.sub(lambda _m: f"{start}\n{content}{end}", text)


def methodology(text: str) -> str:
    """methodology.md with its catalogue table and its breaks in the series written afresh."""
    breaks = "".join(f"- **{b.year.label}**: {b.note}\n" for b in series_breaks())
    return _section(_section(text, "catalogue", CATALOGUE.as_markdown()), "breaks", breaks)


def main() -> int:
    """Rewrite the generated sections; exit 1 with --check if they were out of date."""
    path = DOCS / "methodology.md"
    text = path.read_text(encoding="utf-8")
    written = methodology(text)
    if "--check" in sys.argv[1:]:
        return 0 if written == text else 1
    path.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
