"""Synthetic but realistic input files for the demo: every English council, several review years."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from upheld.core.periods import ReviewYear
from upheld.synthetic.casework import write_casework
from upheld.synthetic.events import write_events
from upheld.synthetic.people import write_contacts

if TYPE_CHECKING:
    from upheld.register import Register

FIRST_YEAR = ReviewYear(2019)
LAST_YEAR = ReviewYear(2024)

KINDS = ("cases", "compliance", "improvements", "reports", "contacts", "events")
"""The kinds of input file the demo writes, in the order they should be imported."""


@dataclass(frozen=True)
class DemoSpec:
    """Which demo to build: seed, volume (scale 1 is one real year's cases) and review years."""

    seed: int = 2026
    scale: float = 1.0
    first_year: ReviewYear = FIRST_YEAR
    last_year: ReviewYear = LAST_YEAR

    @property
    def years(self) -> list[ReviewYear]:
        """The review years the demo covers."""
        return [
            ReviewYear(y) for y in range(self.first_year.start_year, self.last_year.start_year + 1)
        ]

    @property
    def first_received(self) -> date:
        """The first day a case is received: 1 January, so the first year opens with a caseload."""
        return date(self.first_year.start_year, 1, 1)

    @property
    def last_day(self) -> date:
        """The last day of the demo: the end of the last year; nothing is dated later."""
        return self.last_year.end


def write_demo_files(
    register: Register,
    out_dir: Path,
    spec: DemoSpec = DemoSpec(),
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Path]:
    """Write the demo's input files into out_dir; return {kind: path} for each kind."""
    if spec.last_year < spec.first_year:
        raise ValueError(
            f"the demo's last year {spec.last_year} is before its first {spec.first_year}"
        )
    if spec.scale < 0:
        raise ValueError(f"the demo's scale must not be negative, not {spec.scale}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {kind: out_dir / f"{kind}.csv" for kind in KINDS}
    write_casework(
        register, paths, spec.seed, spec.scale, spec.first_received, spec.last_day, progress
    )
    contacts = write_contacts(register, spec.years, paths["contacts"], spec.seed)
    events = write_events(register, spec.years, paths["events"], spec.seed)
    if progress:
        progress("contacts", contacts)
        progress("events", events)
    return paths
