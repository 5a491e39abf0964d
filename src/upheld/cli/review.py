"""Commands for the annual review: the year's configuration and the letters."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import asdict, fields
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from upheld.cli import (
    AUTHORITIES,
    YEAR,
    App,
    cli,
    councils_for,
    pass_app,
    resolve_codes,
    year_option,
)
from upheld.config import LETTER_OPTIONS, PLACEHOLDERS, year_path
from upheld.core.periods import ReviewYear
from upheld.core.wording import plural
from upheld.letters.archive import FORMATS as LETTER_FORMATS


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = [f for f in chosen if f not in LETTER_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"choose pdf, html or pdf,html, not {value!r}")
    return chosen


def required_year(year: ReviewYear | None) -> ReviewYear:
    """The --year a command needs, or a usage error."""
    if year is None:
        raise click.UsageError("--year is required, e.g. --year 2024-25")
    return year


@cli.group(invoke_without_command=True)
@YEAR
@AUTHORITIES
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the letters to.",
)
@click.option(
    "--format",
    "formats",
    default="pdf,html",
    show_default=True,
    callback=_formats,
    help="pdf, html, docx, or several (comma-separated).",
)
@click.option(
    "--reason",
    metavar="TEXT",
    help="Why letters already approved or sent are being changed (required when they are).",
)
@click.pass_context
def letters(
    ctx: click.Context,
    year: ReviewYear | None,
    authorities: tuple[str, ...],
    out: Path | None,
    formats: tuple[str, ...],
    reason: str | None,
) -> None:
    """Write each council's annual review letter for a year, as PDF and HTML (and DOCX).

    One letter per council that existed on 1 April of the year (or only the --authority ones),
    named by code and year, e.g. E08000002-2024-25.pdf. Each letter is archived as a version: the
    same version while it says the same, else a new draft to approve (`upheld letters approve`).
    Changing a letter already approved or sent needs --reason. Nothing is written if any council
    cannot have a letter. See `upheld letters status` and `upheld letters list`.

    \b
    Example:
      upheld letters --year 2024-25 --out letters/
      upheld letters --year 2024-25 --authority Bury --out letters/ --format pdf,docx
      upheld letters --year 2024-25 --authority Bury --out letters/ --reason "Late outcomes"
    """
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    from upheld.letters.typeset import write_letters

    chosen = required_year(year)
    if out is None:
        raise click.UsageError("--out is required: the folder to write the letters to")
    config = app.year_config(chosen)
    settings = app.settings()
    register = app.register()
    codes = councils_for(app, chosen, authorities)
    started = time.perf_counter()
    engine = app.ready()
    columns = (
        TextColumn("Letters"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=app.err, transient=True, disable=not app.err.is_terminal
    ) as bar:
        task = bar.add_task("letters", total=len(codes))
        run = write_letters(
            engine,
            register,
            settings,
            config,
            codes,
            out,
            formats,
            progress=lambda _code: bar.advance(task),
            on_wait=app.waiting,
            reason=reason.strip() if reason and reason.strip() else None,
        )
    elapsed = time.perf_counter() - started
    app.out.print(
        f"{plural(len(codes), 'council')}, {chosen.label}: "
        f"{plural(len(run.written), 'letter file')} written, {len(run.unchanged):,} unchanged, "
        f"{plural(run.new_versions, 'new letter version')}"
        + (" (drafts to approve)" if run.new_versions else "")
        + f", to {out} in {elapsed:.1f} s.",
        markup=False,
    )


@letters.command("list")
@click.option("--year", "year", callback=year_option, metavar="YYYY-YY", help="Only this year.")
@click.option("--authority", metavar="CODE", help="Only this council (code or name).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def list_letters(app: App, year: ReviewYear | None, authority: str | None, fmt: str) -> None:
    """The letter archive: every version of every letter generated, newest first.

    \b
    Example:
      upheld letters list --year 2023-24
      upheld letters list --authority Bury --format json
    """
    from upheld.letters import archive

    code = None
    if authority:
        register = app.register()
        code = resolve_codes(register, [authority], year)[0]
    with app.ready().connect() as connection:
        entries = archive.entries(connection, year.start_year if year else None, code)
    if fmt == "json":
        rows = [
            asdict(e)
            | {"year": ReviewYear(e.year).label, "generated_at": e.generated_at.isoformat()}
            for e in entries
        ]
        app.out.print_json(json.dumps(rows))
        return
    table = Table(title="Letter archive", title_justify="left", header_style="bold")
    for heading in ("Council", "Year", "Format", "Size", "SHA-256", "Generated", "Version"):
        table.add_column(heading)
    for e in entries:
        table.add_row(
            e.authority,
            ReviewYear(e.year).label,
            e.format,
            f"{e.size:,}",
            e.sha256[:16],
            e.generated_at.strftime("%Y-%m-%d %H:%M"),
            e.version,
        )
    app.out.print(table)
    app.out.print(f"{len(entries)} archived letters.")


@cli.group("config")
def config_group() -> None:
    """The configuration: the organisation, mail settings and each year's letter settings."""


@config_group.command("show")
@click.option("--year", "year", callback=year_option, metavar="YYYY-YY", help="Review year.")
@pass_app
def show(app: App, year: ReviewYear | None) -> None:
    """Check and print a year's configuration, with the settings that apply to every year.

    \b
    Example:
      upheld --config config/ config show --year 2024-25
    """
    chosen = required_year(year)
    settings = app.settings()
    config = app.year_config(chosen)
    say = functools.partial(app.out.print, markup=False)  # the text is the user's, not markup
    say(f"Configuration for {chosen.label}, from {year_path(app.config, chosen)}: OK")
    say("\n[letter]")
    say(f"date = {config.letter_date}")
    say(f"signatory = {config.signatory} ({config.signatory_title})")
    for option, key in LETTER_OPTIONS.items():
        say(f"{option} = {str(key in config.shown).lower()}")
    say(f"average = {config.average}")
    say(f"group = {config.group}")
    say(f"show_intervals = {str(config.show_intervals).lower()}")
    say(f"require_approval = {str(config.require_approval).lower()}")
    say(f"signature = {config.signature or '(none)'}")
    say("\n[publication]")
    say(f"published at {config.published_at.isoformat()} (UK time)")
    say(f"embargoed until {config.embargo}")
    say("\n[narrative]")
    say(f"opening:\n{config.opening.strip()}\n\nclosing:\n{config.closing.strip()}")
    say("\n[paragraphs]")
    for item in fields(config.paragraphs):
        value = getattr(config.paragraphs, item.name)
        say(f"{item.name} = {str(value).lower() if isinstance(value, bool) else value}")
    folder = config.council_texts
    own = sorted(folder.glob("*.md")) if folder is not None and folder.is_dir() else []
    say(f"councils' own paragraphs: {len(own)} in {folder}")
    app.out.print("\n[organisation]", markup=False)
    for item in fields(settings.organisation):
        app.out.print(f"{item.name} = {getattr(settings.organisation, item.name)}", markup=False)
    app.out.print("\n[smtp]", markup=False)
    for item in fields(settings.smtp):
        value = getattr(settings.smtp, item.name)
        if item.name == "password" and value:
            value = "(set)"
        app.out.print(f"{item.name} = {value}", markup=False)
    app.out.print("\nPlaceholders for the narrative:", markup=False)
    for name, meaning in PLACEHOLDERS.items():
        app.out.print(f"  {{{name}}}: {meaning}", markup=False)
