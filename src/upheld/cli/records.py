"""Commands for the records: create the database, import files, list councils, statistics."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from upheld.cli import (
    AUTHORITIES,
    FORMATS,
    PROGRESS_MIN_BYTES,
    YEAR,
    App,
    cli,
    pass_app,
    resolve_codes,
)
from upheld.core.periods import ReviewYear
from upheld.core.stats import AVERAGE_METHODS, AverageMethod
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.ingest.kinds import KINDS
from upheld.present.export import as_csv
from upheld.store import schema


@cli.command()
@pass_app
def init(app: App) -> None:
    """Create the database, or upgrade it to this version's schema (safe to rerun).

    \b
    Example:
      upheld --db postgresql://upheld@localhost/upheld init
    """
    before, revision = schema.migrate(app.engine, app.waiting)
    shown = app.shown_url
    if before == revision:
        app.out.print(f"The database at {shown} is up to date (schema {revision}).", markup=False)
    elif before is None:
        app.out.print(f"Created the upheld database at {shown} (schema {revision}).", markup=False)
    else:
        app.out.print(
            f"Upgraded the database at {shown} from schema {before} to {revision}.", markup=False
        )


@cli.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)), metavar="KIND")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the files and report, but write nothing.")
@click.option(
    "--no-index",
    "no_index",
    is_flag=True,
    help="After importing cases, leave the decision search index for `upheld index --update`.",
)
@pass_app
def import_(app: App, kind: str, files: tuple[Path, ...], dry_run: bool, no_index: bool) -> None:
    """Import files of one KIND (CSV, XLSX or JSON Lines): all of them, or nothing.

    KIND is one of: cases, compliance, improvements, reports, contacts, populations,
    authorities, events. Rows already stored are updated if changed and left alone if not.

    \b
    Example:
      upheld import cases cases-2024-25.csv
      upheld import compliance --dry-run compliance.xlsx
    """
    from upheld.ingest.imports import import_files

    engine = app.ready(create=not dry_run)
    register = app.register()
    started = time.perf_counter()
    with _progress(app, files) as progress:
        result = import_files(
            engine,
            KINDS[kind],
            list(files),
            register,
            dry_run=dry_run,
            progress=progress,
            on_wait=app.waiting,
        )
    elapsed = time.perf_counter() - started
    for warning in result.warnings:
        app.err.print(f"warning: {warning}", markup=False)
    verb = "would be" if dry_run else "were"
    for outcome in result.files:
        app.out.print(
            f"{outcome.file}: {outcome.rows:,} rows; {outcome.inserted:,} {verb} inserted, "
            f"{outcome.updated:,} updated, {outcome.unchanged:,} unchanged",
            markup=False,
        )
    done = "Checked (dry run, nothing written)" if dry_run else "Imported"
    plural = "s" if len(result.files) != 1 else ""
    app.out.print(
        f"{done}: {len(result.files)} {kind} file{plural}, {result.rows:,} rows in {elapsed:.1f} s."
    )

    # The decision search index is derived from the cases: bring it up to date with them.
    if kind == "cases" and not dry_run and not no_index:
        from upheld.cli.index import update_search_index

        update_search_index(app)


@contextmanager
def _progress(app: App, files: Sequence[Path]) -> Iterator[Callable[[str, int, int], None] | None]:
    large = any(p.exists() and p.stat().st_size > PROGRESS_MIN_BYTES for p in files)
    if not (large and app.err.is_terminal):
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=app.err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(file: str, done: int, total: int) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(Path(file).name, total=total)
            bar.update(tasks[file], completed=done, total=total)

        yield update


@cli.command()
@YEAR
@AUTHORITIES
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--average",
    type=click.Choice(AVERAGE_METHODS),
    default="mean",
    show_default=True,
    help="Average of similar authorities: mean of council rates, or pooled counts.",
)
@click.option(
    "--group",
    default="type",
    show_default=True,
    metavar="NAME",
    help="Who each council is compared with: type, nearest, region, or a group declared in "
    "upheld.toml.",
)
@pass_app
def stats(
    app: App,
    year: ReviewYear | None,
    authorities: tuple[str, ...],
    fmt: str,
    average: AverageMethod,
    group: str,
) -> None:
    """Each council's statistics for a year, against the average of similar authorities.

    \b
    Example:
      upheld stats --year 2024-25
      upheld stats --year 2019-20 --authority E08000002 --format json
      upheld stats --year 2023-24 --format csv --average pooled > stats.csv
      upheld stats --year 2024-25 --group nearest
    """
    from upheld.core.output import flat, statistics
    from upheld.store.queries import year_figures

    if year is None:
        raise click.UsageError("--year is required, e.g. --year 2024-25")
    peers = app.group(group)
    register = app.register()
    codes = resolve_codes(register, authorities, year)
    with app.ready().connect() as connection:
        figures = year_figures(
            connection, register, year, average, peers, app.settings().statistics.minimum_base
        )
    absent = [register[code] for code in codes if code not in figures.councils]
    if absent:
        council = absent[0]
        when = f"from {council.valid_from}" if council.valid_from else "at another time"
        raise click.UsageError(
            f"{council.name} did not exist in {year.label} ({when}"
            + (f" to {council.valid_to}" if council.valid_to else "")
            + ") and had no decisions that year"
        )
    result = statistics(figures, codes or None)
    if fmt == "json":
        app.out.print_json(json.dumps(result), indent=2)
        return
    if fmt == "csv":
        sys.stdout.write(as_csv([flat(row) for row in result["authorities"]]))
        return
    from upheld.present.terminal import statistics_table

    for renderable in statistics_table(result):
        app.out.print(renderable)


@cli.command()
@YEAR
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_app
def authorities(app: App, year: ReviewYear | None, fmt: str) -> None:
    """The councils in the register (for a year: those that existed on 1 April).

    \b
    Example:
      upheld authorities --year 2023-24
      upheld authorities --format csv > councils.csv
    """
    register = app.register()
    councils = register.in_year(year) if year else sorted(register, key=lambda c: c.name)
    rows = []
    for council in councils:
        population = register.population(council.code, year) if year else None
        rows.append(
            {
                "code": council.code,
                "name": council.name,
                "short_name": council.short_name,
                "type": council.type,
                "region": council.region,
                "parent": council.parent,
                "valid_from": council.valid_from.isoformat() if council.valid_from else None,
                "valid_to": council.valid_to.isoformat() if council.valid_to else None,
                "successors": ";".join(council.successors) or None,
                "population": population.population if population else None,
                "population_vintage": population.vintage if population else None,
            }
        )
    if fmt == "json":
        app.out.print_json(json.dumps(rows), indent=2)
    elif fmt == "csv":
        sys.stdout.write(as_csv(rows))
    else:
        from upheld.present.terminal import authorities_table

        app.out.print(authorities_table(rows, year))
        counts = {t: sum(1 for r in rows if r["type"] == t.key) for t in AUTHORITY_TYPES}
        summary = ", ".join(f"{n} {t.count_noun(n)}" for t, n in counts.items() if n)
        app.out.print(f"{len(rows)} councils: {summary}")
