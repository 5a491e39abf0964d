"""The website's view of the database and configuration: what is published, and each year's figures.

The website only reads. The figures for a year are computed once and kept until the data or the
configuration changes (an import, new letters or boundaries, a rebuilt search index, an edited
`upheld.toml` or year file), which is checked at most once a second, so a page costs a dictionary
lookup rather than a query, and a running server follows its configuration without a restart.
What is public is worked out afresh for every request (`publication`), so a year, a decision, an
improvement or a report appears at its moment without anything being cleared.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time as clock
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from upheld import __version__
from upheld.config import Settings, YearConfig, load_settings, load_year, year_path
from upheld.core.figures import YearFigures, compute
from upheld.core.groups import TYPE, PeerGroup
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE, Publication
from upheld.core.stats import Counts
from upheld.errors import BadParameter, ConfigError
from upheld.flights import Flights
from upheld.maps import shapes
from upheld.register import Register, builtin
from upheld.store import schema
from upheld.store.queries import load_register, year_counts

Now = Callable[[], datetime]

REFRESH_SECONDS = 1.0
"""How often the database and the configuration folder are checked for changes."""

log = logging.getLogger("upheld.site")

NEVER = datetime.min.replace(tzinfo=UTC)


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


def config_fingerprint(folder: Path) -> tuple[tuple[str, str], ...]:
    """What the configuration files say: changes whenever one is edited, added or removed."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".toml"))
    except OSError:
        return ()
    found = []
    for name in names:
        # The files are small; their content, unlike a modification time, cannot miss an edit
        # made in the same clock tick as the last look.
        try:
            digest = hashlib.blake2b((folder / name).read_bytes(), digest_size=16).hexdigest()
        except OSError:
            continue  # removed while listed
        found.append((name, digest))
    return tuple(found)


def config_changed_at(folder: Path) -> datetime | None:
    """When the configuration last changed: a file written, added or removed; None if there are
    no configuration files."""
    try:
        found = [entry.stat() for entry in os.scandir(folder) if entry.name.endswith(".toml")]
        listing = folder.stat()
    except OSError:
        return None
    if not found:
        return None
    # A file copied in with its old date kept (rsync -a, cp -p, mv) has an old mtime but a new
    # ctime, and a removed one leaves only the folder's mtime: either way the edition's
    # Last-Modified must move on, or a cache asking If-Modified-Since keeps the old page.
    times = [max(stat.st_mtime, stat.st_ctime) for stat in found]
    return datetime.fromtimestamp(max([*times, listing.st_mtime]), UTC)


def data_changed_at(connection: Connection) -> datetime | None:
    """When the data the website shows last changed: the latest import, letter, approval or
    sending, search index or boundaries."""
    imports, letters, versions = schema.imports.c, schema.letters.c, schema.letter_versions.c
    found = [
        # The newest row by its key: reading every letter's time would read every letter.
        connection.execute(
            select(imports.imported_at).order_by(imports.id.desc()).limit(1)
        ).scalar(),
        connection.execute(
            select(letters.generated_at).order_by(letters.id.desc()).limit(1)
        ).scalar(),
        *connection.execute(
            select(
                func.max(versions.created_at),
                func.max(versions.approved_at),
                func.max(versions.sent_at),
            )
        ).one(),
        connection.execute(select(func.max(schema.search_state.c.built_at))).scalar(),
        shapes.version(connection)[1],
    ]
    moments = [_aware(m) for m in found if isinstance(m, datetime)]
    return max(moments) if moments else None


def _aware(moment: datetime) -> datetime:
    # SQLite gives back the UTC times it was given without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Edition:
    """What every public page is made from at one moment: the data, the configuration, what is
    public and this version of upheld. Any change to one is a new edition."""

    tag: str
    """A digest of all four, the same in every server process."""
    since: datetime
    """When this edition began: the last change to the data or configuration, or the last
    publication (a year's, or a new day's decisions), whichever came later."""
    until: datetime
    """When the next edition begins without anything being written: the next year's publication
    or the next UK day, whichever comes first."""


class Site:
    """What the public website reads: register, years, figures; refreshed when anything changes."""

    def __init__(
        self,
        engine: Engine,
        config_folder: Path,
        *,
        now: Now = utc_now,
        settings: Settings | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.engine = engine
        self.config_folder = config_folder
        self.now = now
        self._fixed_settings = settings is not None
        # A broken upheld.toml at start stops the server with its message.
        self._settings = settings or load_settings(config_folder)
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._version: tuple[Any, ...] | None = None
        self._config_seen: tuple[Any, ...] | None = config_fingerprint(config_folder)
        self._generation = 0
        self._cache: dict[Any, Any] = {}
        self._making: Flights[Any] = Flights()
        self._changed_at = NEVER
        self._edition: tuple[Any, Edition] | None = None

    # What changed ------------------------------------------------------------------------------

    def fresh_version(self) -> tuple[Any, ...] | None:
        """The version, if it was checked within the last second; None when a check is due."""
        if self._version is not None and clock.monotonic() - self._checked < self._refresh_seconds:
            return self._version
        return None

    def version(self) -> tuple[Any, ...]:
        """Which data and configuration the cache holds; checked at most once a second."""
        fresh = self.fresh_version()
        if fresh is not None:
            return fresh
        moment = clock.monotonic()
        with self.engine.connect() as connection:
            imports = connection.execute(select(func.max(schema.imports.c.id))).scalar()
            letters = connection.execute(select(func.max(schema.letters.c.id))).scalar()
            # Approving or sending a letter writes no new letter, yet changes what is public.
            lv = schema.letter_versions.c
            reviewed = tuple(
                connection.execute(
                    select(func.max(lv.id), func.max(lv.approved_at), func.max(lv.sent_at))
                ).one()
            )
            index = connection.execute(select(schema.search_state.c.build)).scalar()
            boundaries = shapes.version(connection)
        configuration = config_fingerprint(self.config_folder)
        version = (imports, letters, reviewed, index, boundaries, configuration)
        changed_at = self._changed_at
        if version != self._version:
            with self.engine.connect() as connection:
                moments = [data_changed_at(connection), config_changed_at(self.config_folder)]
            changed_at = max([m for m in moments if m is not None], default=NEVER)
        with self._lock:
            if configuration != self._config_seen:
                self._config_seen = configuration
                self._reload_settings()
            if version != self._version:
                self._cache = {}
                self._generation += 1
                self._version = version
                self._changed_at = changed_at
            self._checked = moment
        return version

    def _reload_settings(self) -> None:
        if self._fixed_settings:
            return
        try:
            self._settings = load_settings(self.config_folder)
        except ConfigError as exc:
            # Keep serving with the settings that last loaded: a typo must not take the site down.
            log.error("%s; still using the settings loaded before", exc)
        else:
            log.info("reloaded the settings from %s", self.config_folder)

    @property
    def settings(self) -> Settings:
        """The organisation and website settings in force now."""
        self.version()
        return self._settings

    @property
    def last_settings(self) -> Settings:
        """The settings as last loaded, without looking for changes (for the event loop)."""
        return self._settings

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """A value kept until the data or the configuration changes, made once however many
        requests want it at the same moment."""
        self.version()
        with self._lock:
            generation = self._generation

        def look() -> Any:
            with self._lock:
                return self._cache.get(key) if generation == self._generation else None

        def keep() -> Any:
            made = make()
            with self._lock:
                # Made from data that has since changed: use it once, keep it never.
                if generation == self._generation:
                    self._cache[key] = made
            return made

        return self._making.kept((generation, key), look, keep)

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
                    for (y,) in connection.execute(select(schema.cases.c.decided_year).distinct())
                    if y is not None
                }
            years = []
            for start in sorted(found):
                year = ReviewYear(start)
                if not year_path(self.config_folder, year).exists():
                    continue
                try:
                    years.append(Year(year, load_year(self.config_folder, year)))
                except ConfigError as exc:
                    # A year whose configuration is broken is never published.
                    log.error("%s; %s stays unpublished until this is fixed", exc, year.label)
            return years

        years: list[Year] = self.cached("years", make)
        return years

    def publication(self) -> Publication:
        """What is public now: the published years and the decisions due today."""
        return self._publication(self.settings, self.years())

    def peek_publication(self) -> Publication | None:
        """What is public now, if it can be told from memory alone; else None."""
        years = self._cache.get("years")
        if self.fresh_version() is None or years is None:
            return None
        return self._publication(self._settings, years)

    def edition(self) -> Edition:
        """The edition of the site now (reads the database at most once a second)."""
        version = self.version()
        return self._edition_of(version, self.publication(), self.years())

    def peek_edition(self) -> Edition | None:
        """The edition of the site now, if it can be told from memory alone; else None."""
        version = self.fresh_version()
        kept = self._edition
        if version is None:
            return None
        # An edition lasts until its `until` unless something is written: no need to work out
        # what is public again for every request.
        if kept is not None and kept[0][0] is version and self.now() < kept[1].until:
            return kept[1]
        publication = self.peek_publication()
        years = self._cache.get("years")
        if publication is None or years is None:
            return None
        return self._edition_of(version, publication, years)

    def _edition_of(self, version: Any, publication: Publication, years: list[Year]) -> Edition:
        key = (version, publication.key, self._changed_at)
        kept = self._edition
        if kept is not None and kept[0] == key:
            return kept[1]
        schedule = [y.config.published_at for y in years]
        today = datetime.combine(publication.today, time(), TIMEZONE)
        tomorrow = datetime.combine(publication.today + timedelta(days=1), time(), TIMEZONE)
        published = [at for at in schedule if at <= publication.moment]
        coming = [at for at in schedule if at > publication.moment]
        since = max([self._changed_at, today, *published])
        # The date is part of what is sent (Last-Modified, an empty feed's date): machines whose
        # copies of the configuration were written at different times give different tags.
        digest = hashlib.blake2b(
            repr((version, publication.key, __version__, since)).encode(), digest_size=12
        ).hexdigest()
        edition = Edition(tag=digest, since=since, until=min([tomorrow, *coming]))
        self._edition = (key, edition)
        return edition

    def _publication(self, settings: Settings, years: list[Year]) -> Publication:
        web = settings.web
        schedule = {y.year.start_year: y.config.published_at for y in years}
        return Publication.at(
            self.now(),
            schedule,
            delay_months=web.decision_delay_months,
            continuous=web.continuous_publication,
        )

    def published(self, publication: Publication | None = None) -> list[Year]:
        """The years whose figures are public now (or at the moment given)."""
        public = publication or self.publication()
        return [y for y in self.years() if public.year_is_public(y.year.start_year)]

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

    def figures(self, year: ReviewYear, group: PeerGroup = TYPE) -> YearFigures:
        """A year's figures for every council, compared within a peer group, computed once; its
        change on the year before only while that year is public."""
        before_public = self.publication().year_is_public(year.start_year - 1)

        def make() -> YearFigures:
            config = self.any_year(year.label)
            return compute(
                self.register(),
                year,
                self.counts(year),
                config.config.average if config else "mean",
                group,
                previous=self.counts(year.previous()) if before_public else None,
                minimum_base=self.settings.statistics.minimum_base,
            )

        key = ("figures", year.start_year, group, before_public)
        figures: YearFigures = self.cached(key, make)
        return figures

    def counts(self, year: ReviewYear) -> Mapping[str, Counts]:
        """Every council's counts for a year, read from the case records once: each year's
        figures read the year before's too, and another peer group reads the same counts."""

        def make() -> Mapping[str, Counts]:
            with self.engine.connect() as connection:
                return year_counts(connection, year)

        found: Mapping[str, Counts] = self.cached(("counts", year.start_year), make)
        return found

    def has_page(self, code: str, year: ReviewYear) -> bool:
        """Whether a council has a page for a year: it existed during the year, or the year
        follows its abolition and holds its last decisions. A stray record years later still
        counts in the national figures, but makes no page of n/a."""
        if code not in self.figures(year).counts:
            return False
        council = self.register().get(code)
        if council is None:
            return True
        started = council.valid_from is None or council.valid_from <= year.end
        if started and (council.valid_to is None or council.valid_to >= year.start):
            return True
        return council.valid_to is not None and council.valid_to >= year.previous().start

    def page_years(self, code: str, publication: Publication | None = None) -> list[Year]:
        """The published years a council has a page for, oldest first."""
        return [y for y in self.published(publication) if self.has_page(code, y.year)]

    def letter_group(self, year: Year) -> PeerGroup:
        """The peer group a year's letters compare councils with."""
        return self.settings.group(year.config.group) or TYPE

    def group(self, name: str | None) -> PeerGroup:
        """A peer group by the name a page or the API asks for (the type by default)."""
        if not name:
            return TYPE
        found = self.settings.group(name)
        if found is None:
            choices = ", ".join(self.settings.group_names)
            raise BadParameter(
                f"group must be one of {choices}, not {name[:60]!r}", parameter="group"
            )
        return found
