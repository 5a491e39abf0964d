"""The command that rebuilds the decision search index, a step also run after importing cases."""

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


@cli.command("index")
@click.option(
    "--check",
    is_flag=True,
    help="Only say whether the index is up to date with the cases imported; exit 1 if not.",
)
@click.option("--quiet", is_flag=True, help="Print nothing unless something goes wrong.")
@click.pass_context
def index_(ctx: click.Context, check: bool, quiet: bool) -> None:
    """Rebuild the decision search index from the case records (safe to rerun).

    The search on the website finds decisions through this index. `upheld import cases` rebuilds
    it after each import (unless given --no-index); run this after importing with --no-index.

    \b
    Example:
      upheld index
      upheld index --check
    """
    app: App = ctx.obj
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
