"""The website's view of the database: what is published, and each year's figures, kept in memory.

The website only reads. The figures for a year are computed once and kept until the database
changes (an import, new letters or new boundaries), which is checked at most once a second, so a
page costs a dictionary lookup rather than a query.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from upheld import db, maps
from upheld.config import Settings, YearConfig, load_settings, load_year, year_path
from upheld.errors import ConfigError
from upheld.periods import ReviewYear
from upheld.queries import YearFigures, load_register, year_figures
from upheld.register import Register, builtin

Now = Callable[[], datetime]

REFRESH_SECONDS = 1.0


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Year:
    """A review year the site knows: its configuration and when it becomes public."""

    year: ReviewYear
    config: YearConfig

    @property
    def label(self) -> str:
        """The year as written, e.g. 2024-25."""
        return self.year.label


class Site:
    """What the public website reads: register, years, figures; refreshed when the data changes."""

    def __init__(
        self,
        engine: Engine,
        config_folder: Path,
        *,
        now: Now = utc_now,
        settings: Settings | None = None,
    ) -> None:
        self.engine = engine
        self.config_folder = config_folder
        self.now = now
        self.settings = settings or load_settings(config_folder)
        self._lock = threading.Lock()
        self._checked = 0.0
        self._version: tuple[Any, ...] | None = None
        self._cache: dict[Any, Any] = {}

    # Cache -------------------------------------------------------------------------------

    def version(self) -> tuple[Any, ...]:
        """Which data the cache holds: changes with every import, new letter and boundary import."""
        moment = clock.monotonic()
        if self._version is None or moment - self._checked > REFRESH_SECONDS:
            with self.engine.connect() as connection:
                imports = connection.execute(select(func.max(db.imports.c.id))).scalar()
                letters = connection.execute(select(func.max(db.letters.c.id))).scalar()
                boundaries = maps.version(connection)
            version = (imports, letters, boundaries)
            with self._lock:
                if version != self._version:
                    self._cache.clear()
                    self._version = version
                self._checked = moment
        assert self._version is not None
        return self._version

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """A value kept until the data changes."""
        self.version()
        found = self._cache.get(key)
        if found is None:
            found = make()
            with self._lock:
                self._cache[key] = found
        return found

    # Years and embargo ---------------------------------------------------------------------

    def register(self) -> Register:
        """The register in force, with imported councils."""

        def make() -> Register:
            with self.engine.connect() as connection:
                return load_register(connection, builtin())

        register: Register = self.cached("register", make)
        return register

    def years(self) -> list[Year]:
        """Every year with data and a configuration, oldest first, published or not."""

        def make() -> list[Year]:
            with self.engine.connect() as connection:
                found = {
                    y
                    for (y,) in connection.execute(select(db.cases.c.decided_year).distinct())
                    if y is not None
                }
            years = []
            for start in sorted(found):
                year = ReviewYear(start)
                if not year_path(self.config_folder, year).exists():
                    continue
                try:
                    years.append(Year(year, load_year(self.config_folder, year)))
                except ConfigError:
                    continue  # a year whose configuration is broken is never published
            return years

        years: list[Year] = self.cached("years", make)
        return years

    def published(self) -> list[Year]:
        """The years whose figures are public now."""
        now = self.now()
        return [y for y in self.years() if y.config.published_at <= now]

    def published_year(self, label: str) -> Year | None:
        """A published year by its label, or None if unknown or still embargoed."""
        return next((y for y in self.published() if y.label == label), None)

    def any_year(self, label: str) -> Year | None:
        """A year the site knows, published or not (for previews)."""
        return next((y for y in self.years() if y.label == label), None)

    def latest(self) -> Year | None:
        """The most recent published year."""
        published = self.published()
        return published[-1] if published else None

    def figures(self, year: ReviewYear) -> YearFigures:
        """A year's figures for every council, computed once."""

        def make() -> YearFigures:
            config = self.any_year(year.label)
            method = config.config.average if config else "mean"
            with self.engine.connect() as connection:
                return year_figures(connection, self.register(), year, method)

        figures: YearFigures = self.cached(("figures", year.start_year), make)
        return figures
