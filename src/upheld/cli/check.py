"""`upheld check`: the release checks, run before a review year is published."""

from __future__ import annotations

import json

import click
from rich.table import Table

from upheld.cli import AUTHORITIES, YEAR, App, cli, pass_app, resolve_codes
from upheld.cli.review import required_year
from upheld.config import YearConfig
from upheld.core.periods import ReviewYear
from upheld.core.wording import plural
from upheld.errors import ConfigError
from upheld.release import CHECKS, Report, gather, run

ADVICE = {
    "no_configuration": "Check the year's configuration with: upheld config show --year {year}",
    "no_letter": "Write the missing letters with: upheld letters --year {year} --out DIR",
    "not_approved": "Read the drafts, then approve them with: upheld letters approve --year {year}",
    "no_email": "Import the chief executives' addresses with: upheld import contacts FILE",
    "letter_figures_unknown": (
        "Write those letters again, so that their figures are kept, and approve them: "
        'upheld letters --year {year} --out DIR --reason "..."'
    ),
    "letter_out_of_date": (
        "Write those letters again, saying why they changed, and approve them: "
        'upheld letters --year {year} --out DIR --reason "..."'
    ),
}
"""What to do about each kind of finding that staff can put right, said under its table."""


@cli.command("check")
@YEAR
@AUTHORITIES
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for machines.",
)
@click.option(
    "--factor",
    type=click.FloatRange(min=1, min_open=True),
    metavar="X",
    help="List a figure that rose or fell by more than this factor on the year before "
    "(default [check] change_factor in upheld.toml, else 2).",
)
@pass_app
def check(
    app: App,
    year: ReviewYear | None,
    authorities: tuple[str, ...],
    fmt: str,
    factor: float | None,
) -> None:
    """Check a review year before it is published: figures, totals, letters, changes.

    Every figure shown is worked out again from its counts, every total from its parts; every
    council that existed in the year must have an approved (or sent) letter that still gives the
    figures the data gives now, and an email address for its chief executive. Figures that rose
    or fell by more than --factor on the year before are warnings, for review. Exits 1 when
    there are errors, 0 when there are none (warnings do not fail).

    \b
    Example:
      upheld check --year 2024-25
      upheld check --year 2024-25 --authority Bury --format json
      upheld check --year 2024-25 --factor 3
    """
    chosen = required_year(year)
    settings = app.settings()
    register = app.register()
    codes = resolve_codes(register, authorities, chosen) if authorities else None
    config: YearConfig | None = None
    problem = None
    try:
        config = app.year_config(chosen)
    except ConfigError as exc:
        # Reported as a finding, so that every other check still runs.
        problem = str(exc)
    with app.ready().connect() as connection:
        review = gather(connection, register, settings, chosen, codes, config, problem)
    report = run(review, factor if factor is not None else settings.check.change_factor)
    if fmt == "json":
        app.out.print_json(json.dumps(report.as_json()), indent=2)
    else:
        _table(app, report)
    if report.errors:
        click.get_current_context().exit(1)


def _table(app: App, report: Report) -> None:
    """The report for people: each check with how it went, then its findings, then a count."""
    say = app.out.print
    label = report.year.label
    checked = plural(report.councils, "council")
    abolished = report.councils - report.existed
    if abolished:
        checked += (
            f" ({report.existed:,} that existed on 1 April {report.year.start_year}, and "
            f"{plural(abolished, 'council')} abolished before then with cases in the year)"
        )
    say(f"Release checks for {label}: {checked}", markup=False)
    overview = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    for _ in range(3):
        overview.add_column()
    for name, meaning in CHECKS.items():
        overview.add_row(name, meaning, _outcome(report, name))
    say(overview)
    for name in CHECKS:
        findings = report.of(name)
        if not findings:
            continue
        table = Table(
            title=f"{name}: {_outcome(report, name)}",
            title_justify="left",
            title_style="bold",
            header_style="bold",
        )
        table.add_column("Level")
        table.add_column("Council")
        table.add_column("Finding", overflow="fold")
        for finding in findings:
            table.add_row(finding.level, finding.council or "", finding.message)
        say()
        say(table)
        for code in dict.fromkeys(f.code for f in findings):
            if code in ADVICE:
                say(ADVICE[code].format(year=label), markup=False)
    say()
    say(report.summary(), markup=False)
    if not report.errors:
        said = "All checks passed"
        say(said + ("; the warnings are for review." if report.warnings else "."), markup=False)


def _outcome(report: Report, check: str) -> str:
    """How one check went: "passed", "2 errors", "1 error, 3 warnings"."""
    findings = report.of(check)
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return ", ".join(parts) or "passed"
