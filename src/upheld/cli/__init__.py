"""The `upheld` command line: thin verbs over the library, each with an example in its help."""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from sqlalchemy import Engine

from upheld import __version__
from upheld.config import Settings, YearConfig, config_folder, load_settings, load_year
from upheld.core.groups import PeerGroup
from upheld.core.periods import ReviewYear
from upheld.errors import InputError, UpheldError, UsageError
from upheld.register import AmbiguousAuthority, Register, UnknownAuthority, builtin
from upheld.store import engines, schema

FORMATS = ("table", "csv", "json")
PROGRESS_MIN_BYTES = 2_000_000


class App:
    """What every command shares: the database URL, its engine and the consoles."""

    def __init__(self, url: str, config: Path) -> None:
        self.url = url
        self.config = config
        self._engine: Engine | None = None
        self._register: Register | None = None
        self._told_waiting = False
        # Piped output is read in files and logs: no hard wrapping, and tables wide enough.
        self.out = Console(highlight=False, soft_wrap=True, width=None if _tty() else 220)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def engine(self) -> Engine:
        """The database engine, opened on first use."""
        if self._engine is None:
            self._engine = engines.connect(self.url)
        return self._engine

    @property
    def shown_url(self) -> str:
        """The database URL as it may be shown: any password hidden."""
        return engines.shown(self.url)

    def waiting(self) -> None:
        """Say, once, that this command waits while another upheld command writes."""
        if not self._told_waiting:
            self._told_waiting = True
            self.err.print(
                "Waiting for another upheld command to finish writing to the database…",
                markup=False,
            )

    def ready(self, *, create: bool = False) -> Engine:
        """The engine, after checking (or, for writing commands, creating) the schema."""
        engine = self.engine
        if create:
            with engine.connect() as connection:
                fresh = schema.current_revision(connection) is None
            if fresh and schema.migrate(engine, self.waiting)[0] is None:
                self.err.print(f"Created the upheld database at {self.shown_url}", markup=False)
        schema.require_schema(engine)
        return engine

    def settings(self) -> Settings:
        """The organisation and mail settings."""
        return load_settings(self.config)

    def group(self, name: str) -> PeerGroup:
        """A peer group by name, or a usage error listing the ones there are."""
        settings = self.settings()
        found = settings.group(name)
        if found is None:
            raise UsageError(f"no peer group {name!r}; choose {', '.join(settings.group_names)}")
        return found

    def year_config(self, year: ReviewYear) -> YearConfig:
        """A review year's configuration, checked."""
        return load_year(self.config, year)

    def register(self) -> Register:
        """The register in force: built in, plus councils imported into this database."""
        from upheld.store.queries import load_register

        if self._register is None:
            with self.ready().connect() as connection:
                self._register = load_register(connection, builtin())
        return self._register

    def empty_caches(self, *, said: bool = False) -> None:
        """Empty the caches in front of the website (`[web] purge`), saying how each answered;
        with `said` (asked for by hand), also when there are none, and a broken configuration
        stops the command."""
        try:
            web = self.settings().web
        except UpheldError as exc:
            if said:
                raise
            # The data is written; only the caches could not be told.
            self.err.print(
                f"Could not read [web] purge to empty the website's caches: {exc}. Fix it, "
                "then run `upheld purge`.",
                markup=False,
            )
            return
        if not web.purge:
            if said:
                self.err.print("No caches to empty: [web] purge lists none.", markup=False)
            return
        # Only now: the website's modules take a third of a second to load, on every command
        # that writes.
        from upheld.site.model import REFRESH_SECONDS
        from upheld.web.proxies import empty_caches

        # A running website notices a change within a second: a cache emptied before then
        # could fetch the page from before the change again, and keep it.
        time.sleep(REFRESH_SECONDS + 0.25)
        for address, trouble in empty_caches(web.purge):
            if trouble is None:
                self.err.print(f"Emptied the website's cache at {address}.", markup=False)
            else:
                self.err.print(
                    f"Could not empty the website's cache at {address}: {trouble}. Its copies "
                    f"of pages may be up to {web.cache_seconds + web.stale_seconds} seconds old; "
                    "run `upheld purge` to try again.",
                    markup=False,
                )


pass_app = click.make_pass_decorator(App)


def _tty() -> bool:
    return sys.stdout.isatty()


COMMANDS: dict[str, tuple[str, ...]] = {
    "authorities": ("records",),
    "boundaries": ("maps",),
    "check": ("check",),
    "config": ("review",),
    "db": ("db",),
    "demo": ("demo",),
    "export-site": ("export",),
    "import": ("records",),
    "index": ("index",),
    "init": ("records",),
    "letters": ("review", "approval"),
    "preview-link": ("serve",),
    "purge": ("serve",),
    "send": ("send",),
    "serve": ("serve",),
    "stats": ("records",),
}
"""Each command, and the modules of upheld.cli that define it and its subcommands (they register
on `cli` as they load). A new command is added here."""


class _Group(click.Group):
    """Loads only the command that runs; reports the user's mistakes, and trouble with their
    database, in one line each."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # Loading every command's modules took a quarter of a second on every command; a module
        # already loaded is not loaded again.
        for module in COMMANDS.get(cmd_name, ()):
            importlib.import_module(f"upheld.cli.{module}")
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        before = engines.commits()
        try:
            return self._answer(ctx)
        finally:
            # Whatever the command wrote, even if it then failed, is what the website now shows.
            app = ctx.find_object(App)
            if app is not None and engines.commits() != before:
                app.empty_caches()

    def _answer(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except InputError as exc:
            click.echo(exc.report(), err=True)
            plural = "s" if exc.total != 1 else ""
            click.echo(f"{exc.total} problem{plural} found; nothing was imported.", err=True)
            ctx.exit(exc.exit_code)
        except UpheldError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:
            # The database cannot be reached or used (no such role, not a database, no right to
            # write): say so in a line. Anything else is a fault in upheld, and is shown whole.
            app = ctx.find_object(App)
            problem = engines.unusable(app.url, exc) if app is not None else None
            if problem is None:
                raise
            click.echo(str(problem), err=True)
            ctx.exit(problem.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database",
    metavar="URL",
    help="Database URL or SQLite file; default $UPHELD_DB, else sqlite:///upheld.db.",
)
@click.option(
    "--config",
    "config",
    metavar="DIR",
    type=click.Path(path_type=Path, file_okay=False),
    help="Configuration folder; default $UPHELD_CONFIG, else ./config.",
)
@click.version_option(__version__, prog_name="upheld")
@click.pass_context
def cli(ctx: click.Context, database: str | None, config: Path | None) -> None:
    """An ombudsman's annual review of councils: import case records, compute statistics.

    \b
    Example:
      upheld --db sqlite:///review.db init
      upheld import cases cases-2024.csv
      upheld stats --year 2024-25
    """
    ctx.obj = App(engines.database_url(database), config_folder(config))


def main() -> None:
    """Run the command line."""
    cli(prog_name="upheld")


def year_option(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> ReviewYear | None:
    if value is None:
        return None
    try:
        return ReviewYear.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


YEAR = click.option(
    "--year",
    "year",
    callback=year_option,
    metavar="YYYY-YY",
    help="Review year, 1 April to 31 March, written like 2024-25.",
)
AUTHORITIES = click.option(
    "--authority",
    "authorities",
    multiple=True,
    metavar="CODE",
    help="Only this council (code or name); repeat for several. Default: every council.",
)


def resolve_codes(register: Register, names: Sequence[str], year: ReviewYear | None) -> list[str]:
    """Council codes for codes or names written on the command line, as of a year if given."""
    codes = []
    for name in names:
        try:
            codes.append(register.resolve(name, year.start if year else None).code)
        except (UnknownAuthority, AmbiguousAuthority) as exc:
            raise UsageError(str(exc)) from None
    return codes


def councils_for(app: App, year: ReviewYear, authorities: Sequence[str]) -> list[str]:
    """The councils a command works on: those named, else every council that existed in the year."""
    register = app.register()
    if authorities:
        return resolve_codes(register, authorities, year)
    codes = [c.code for c in register.in_year(year)]
    if not codes:
        raise UsageError(f"no councils existed on 1 April {year.start_year}")
    return codes


__all__ = ["App", "cli", "main"]
