"""Write the parts of the docs that come from the code: the statistics table in methodology.md.

Run by `make docs`; tests/test_docs.py checks the docs match.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from upheld.core.catalogue import CATALOGUE

DOCS = Path(__file__).resolve().parent.parent / "docs"
START, END = "<!-- catalogue: start -->", "<!-- catalogue: end -->"


def methodology(text: str) -> str:
    """methodology.md with its catalogue table written afresh."""
    section = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not section.search(text):
        raise SystemExit(f"docs/methodology.md has no {START} ... {END} section")
    return section.sub(lambda _m: f"{START}\n{CATALOGUE.as_markdown()}{END}", text)


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
