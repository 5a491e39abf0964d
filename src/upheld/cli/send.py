"""The `upheld send` command: emailing each council its annual review letter, embargoed."""

from __future__ import annotations

import time

import click
from rich.text import Text

from upheld.cli import AUTHORITIES, YEAR, App, cli, councils_for, pass_app
from upheld.core.periods import ReviewYear
from upheld.letters.mail import Delivery, SendReport, Status

SUMMARY: tuple[tuple[Status, str], ...] = (
    ("sent", "sent"),
    ("would_send", "would be sent"),
    ("already_sent", "already sent"),
    ("corrected", "corrected since they were sent, waiting for --resend"),
    ("not_approved", "not yet approved"),
    ("uncertain", "may have been sent by a run that stopped"),
    ("no_address", "without an email address"),
    ("no_letter", "without a letter"),
    ("failed", "failed"),
)
STYLES: dict[Status, str] = {
    "sent": "green",
    "would_send": "green",
    "already_sent": "dim",
    "corrected": "yellow",
    "not_approved": "yellow",
    "uncertain": "yellow",
    "no_address": "red",
    "no_letter": "red",
    "failed": "red",
}


def describe(delivery: Delivery) -> str:
    """One council's outcome in words, as the line printed for it."""
    to = ", ".join(delivery.recipients)
    words = {
        "sent": f"sent to {to}",
        "would_send": f"would send to {to}",
        "already_sent": f"already sent to {to}",
        "corrected": "not sent again",
        "not_approved": "not sent",
        "uncertain": "not sent again",
        "no_address": "not sent",
        "no_letter": "not sent",
        "failed": "failed",
    }[delivery.status]
    if not delivery.detail:
        return words
    if delivery.status == "already_sent":
        return f"{words} ({delivery.detail})"
    return f"{words}: {delivery.detail}"


@cli.command()
@YEAR
@AUTHORITIES
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show who would receive each letter, the subject and the attachment; connect to "
    "nothing and log nothing.",
)
@click.option(
    "--resend",
    is_flag=True,
    help="Send again the letters corrected since they were sent (needs --reason).",
)
@click.option(
    "--reason",
    metavar="TEXT",
    help="With --resend: why the letter is sent again, said in the covering email and logged.",
)
@pass_app
def send(
    app: App,
    year: ReviewYear | None,
    authorities: tuple[str, ...],
    dry_run: bool,
    resend: bool,
    reason: str | None,
) -> None:
    """Email each council its annual review letter for a year, embargoed until publication.

    The newest version of each council's letter (from `upheld letters`), once approved
    (`upheld letters approve`), goes as a PDF to the chief executive, copied to the link officer
    and monitoring officer where we have their addresses, over the mail server in upheld.toml
    [smtp] or $UPHELD_SMTP_*. Every attempt is logged; a letter already sent is never sent again,
    so the command is safe to rerun. A letter corrected after it was sent goes again only with
    --resend --reason, as a corrected letter that replaces the earlier one. Exits 1 if any
    council's current letter has not reached it.

    \b
    Example:
      upheld send --year 2024-25 --dry-run
      upheld send --year 2024-25
      upheld send --year 2024-25 --authority Bury --authority E08000003
      upheld send --year 2024-25 --authority Bury --resend --reason "Compliance figures corrected"
    """
    from upheld.letters.mail import send_letters

    if year is None:
        raise click.UsageError("--year is required, e.g. --year 2024-25")
    why = reason.strip() if reason else ""
    if resend and not why:
        raise click.UsageError('--resend needs --reason "...": why the letter goes again')
    if why and not resend:
        raise click.UsageError("--reason is for --resend: a letter sent again")
    config = app.year_config(year)
    settings = app.settings()
    register = app.register()
    codes = councils_for(app, year, authorities)
    engine = app.ready()
    if not dry_run:
        smtp = settings.smtp
        app.err.print(
            f"Sending through {smtp.host}:{smtp.port} ({smtp.security}) as {smtp.sender}",
            markup=False,
        )
    started = time.perf_counter()

    def show(delivery: Delivery) -> None:
        line = Text(f"{delivery.code}  {delivery.council}: ")
        line.append(describe(delivery), style=STYLES[delivery.status])
        app.out.print(line)
        if dry_run and delivery.status == "would_send":
            app.out.print(f"    Subject: {delivery.subject}", markup=False)
            app.out.print(f"    Attached: {delivery.attachment}", markup=False)

    report = send_letters(
        engine,
        register,
        settings,
        config,
        codes,
        dry_run=dry_run,
        progress=show,
        on_wait=app.waiting,
        resend_reason=why or None,
    )
    app.out.print(summary(report, time.perf_counter() - started), markup=False)
    if report.problems:
        click.get_current_context().exit(1)


def summary(report: SendReport, seconds: float) -> str:
    """The run in one sentence: how many letters ended each way."""
    parts = [f"{report.count(status)} {words}" for status, words in SUMMARY if report.count(status)]
    refused = sum(1 for d in report.deliveries if d.refused)
    if refused:
        parts.append(f"{refused} with some recipients refused")
    councils = len(report.deliveries)
    text = (
        f"{councils} council{'s' if councils != 1 else ''}, {report.year.label}: "
        f"{', '.join(parts) or 'nothing to do'}, in {seconds:.1f} s."
    )
    if report.dry_run:
        text += " Dry run: nothing was sent and nothing was logged."
    return text
