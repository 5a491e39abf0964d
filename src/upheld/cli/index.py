"""The command that builds the decision search index, or brings it up to date as an import of
cases does after it."""

from __future__ import annotations

import time

import click

from upheld.cli import App, cli
from upheld.store import engines


def rebuild_search_index(app: App, *, quiet: bool = False) -> int:
    """Rebuild the decision search index in one transaction, saying how long it took."""
    from upheld.search import refresh_index, tidy_index

    started = time.perf_counter()
    engine = app.ready()
    # As the one writer: two rebuilds at once would each empty the index the other is filling.
    with engines.writing(engine, app.waiting) as connection:
        indexed = refresh_index(connection)
    tidy_index(engine)
    if not quiet:
        elapsed = time.perf_counter() - started
        decisions = "decision" if indexed == 1 else "decisions"
        app.out.print(f"Search index: {indexed:,} {decisions} indexed in {elapsed:.1f} s")
    return indexed


def update_search_index(app: App, *, quiet: bool = False) -> None:
    """Bring the decision search index up to date with the cases changed since it was built,
    saying how much it indexed again and how long it took."""
    from upheld.search import tidy_index, update_index

    started = time.perf_counter()
    engine = app.ready()
    with engines.writing(engine, app.waiting) as connection:
        done = update_index(connection)
    if done.whole:
        tidy_index(engine)
    if quiet:
        return
    elapsed = time.perf_counter() - started
    decisions = "decision" if done.decisions == 1 else "decisions"
    if done.whole:
        app.out.print(f"Search index: {done.decisions:,} {decisions} indexed in {elapsed:.1f} s")
    else:
        app.out.print(
            f"Search index: {done.written:,} of {done.decisions:,} {decisions} indexed again "
            f"in {elapsed:.1f} s",
        )


@cli.command("index")
@click.option(
    "--check",
    is_flag=True,
    help="Only say whether the index is up to date with the cases imported; exit 1 if not.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Index only the cases changed since the index was built, as an import of cases does, "
    "instead of rebuilding it whole.",
)
@click.option("--quiet", is_flag=True, help="Print nothing unless something goes wrong.")
@click.pass_context
def index_(ctx: click.Context, check: bool, update: bool, quiet: bool) -> None:
    """Rebuild the decision search index from the case records (safe to rerun).

    The search on the website finds decisions through this index. `upheld import cases` brings
    it up to date after each import (unless given --no-index), indexing only the cases it
    changed; after importing with --no-index, run this with --update. Rebuilding it whole, as
    this does without --update, repairs it whatever state it is in.

    \b
    Example:
      upheld index
      upheld index --update
      upheld index --check
    """
    app: App = ctx.obj
    if check and update:
        raise click.UsageError("choose one of --check and --update")
    if update:
        update_search_index(app, quiet=quiet)
        return
    if not check:
        rebuild_search_index(app, quiet=quiet)
        return
    from upheld.search import index_is_current

    with app.ready().connect() as connection:
        current = index_is_current(connection)
    if not quiet:
        app.out.print(
            "The search index is up to date."
            if current
            else "The search index is out of date: run `upheld index`.",
            markup=False,
        )
    if not current:
        ctx.exit(1)
