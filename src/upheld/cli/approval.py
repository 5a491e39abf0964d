"""`upheld letters approve` and `upheld letters status`: the review step between a letter being
written and it being sent."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime

import click
from rich.table import Table

from upheld.cli import AUTHORITIES, YEAR, App, pass_app, resolve_codes
from upheld.cli.review import letters, required_year
from upheld.core.periods import ReviewYear
from upheld.core.wording import long_date, plural
from upheld.letters import versions
from upheld.letters.content import addressed
from upheld.letters.mail import letter_recipients
from upheld.store import engines
from upheld.store.queries import all_contacts


def _who(by: str | None) -> str:
    """Who is approving: as given, else the person logged in."""
    if by and by.strip():
        return by.strip()
    return os.environ.get("UPHELD_USER") or getpass.getuser()


@letters.command("approve")
@YEAR
@AUTHORITIES
@click.option("--by", metavar="NAME", help="Who approves (default: $UPHELD_USER, else your login).")
@pass_app
def approve(
    app: App, year: ReviewYear | None, authorities: tuple[str, ...], by: str | None
) -> None:
    """Approve the letters written for a year, so that `upheld send` may send them.

    Approves the newest version of each council's letter that is still a draft (or only the
    --authority ones), recording who and when. A letter changed after approval is a new draft and
    needs approving again. Exits 1 if a council named has no letter.

    \b
    Example:
      upheld letters approve --year 2024-25 --by "Alex Example"
      upheld letters approve --year 2024-25 --authority Bury
    """
    chosen = required_year(year)
    register = app.register()
    codes = resolve_codes(register, authorities, chosen) if authorities else None
    engine = app.ready()
    who = _who(by)
    with engines.writing(engine, app.waiting) as connection:
        newest = versions.current(connection, chosen.start_year, codes)
        approved = versions.approve_drafts(connection, chosen.start_year, codes, who)
    for version in approved:
        app.out.print(
            f"{version.code}  {register[version.code].name}: version {version.number} approved",
            markup=False,
        )
    missing = [code for code in codes or [] if code not in newest]
    for code in missing:
        app.err.print(f"{code}  {register[code].name}: no letter to approve", markup=False)
    others = len(newest) - len(approved)
    app.out.print(
        f"{chosen.label}: {plural(len(approved), 'letter')} approved by {who}"
        + (f"; {others} already approved or sent" if others else "")
        + (f"; {len(missing)} without a letter" if missing else "")
        + ".",
        markup=False,
    )
    if missing:
        click.get_current_context().exit(1)


@letters.command("status")
@YEAR
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def status(app: App, year: ReviewYear | None, fmt: str) -> None:
    """Where each council's letter for a year stands: draft, approved, sent, or none yet.

    Every council that existed in the year, and any other with a letter, with the newest
    version's number, state, who approved it and when, when it was sent, and whether we have an
    email address for its chief executive.

    \b
    Example:
      upheld letters status --year 2024-25
      upheld letters status --year 2024-25 --format json
    """
    chosen = required_year(year)
    register = app.register()
    with app.ready().connect() as connection:
        newest = versions.current(connection, chosen.start_year)
        contacts = all_contacts(connection)
    codes = sorted(
        {c.code for c in register.in_year(chosen)} | set(newest),
        key=lambda code: (register[code].name.casefold(), code),
    )
    # An abolished council's letter goes to its successors: the addresses that count are theirs.
    letter_date = app.year_config(chosen).letter_date
    rows = []
    for code in codes:
        found = newest.get(code)
        to = addressed(register[code], register, letter_date, contacts)
        rows.append(
            {
                "code": code,
                "council": register[code].name,
                "version": found.number if found else None,
                "state": found.state if found else "none",
                "approved_by": found.approved_by if found else None,
                "approved_at": _iso(found.approved_at) if found else None,
                "sent_at": _iso(found.sent_at) if found else None,
                "reason": found.reason if found else None,
                "email": bool(letter_recipients(to)),
            }
        )
    if fmt == "json":
        app.out.print_json(json.dumps({"year": chosen.label, "letters": rows}))
        return
    table = Table(title=f"Letters for {chosen.label}", title_justify="left", header_style="bold")
    for heading in ("Code", "Council", "Version", "State", "Approved", "Sent", "Email"):
        table.add_column(heading)
    for row in rows:
        found = newest.get(str(row["code"]))
        table.add_row(
            str(row["code"]),
            str(row["council"]),
            str(row["version"] or ""),
            str(row["state"]),
            f"{row['approved_by']}, {long_date(found.approved_at.date())}"
            if found and found.approved_at
            else "",
            long_date(found.sent_at.date()) if found and found.sent_at else "",
            "yes" if row["email"] else "no",
        )
    app.out.print(table)
    counts = {
        state: sum(1 for r in rows if r["state"] == state) for state in (*versions.STATES, "none")
    }
    app.out.print(
        f"{len(rows)} councils: "
        + ", ".join(f"{n} {state}" for state, n in counts.items() if n)
        + ".",
        markup=False,
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
