"""The demo command: synthetic records for every council, imported and summarised."""

from __future__ import annotations

import time
from pathlib import Path

import click

from upheld.cli import App, cli, pass_app, year_option
from upheld.core.periods import ReviewYear
from upheld.register import builtin
from upheld.store import engines


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo database (upheld.db) and its input files (data/).",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Case volume: 1 is a realistic year; 10 gives about a million cases.",
)
@click.option("--year", "shown", callback=year_option, metavar="YYYY-YY", help="Year to print.")
@click.option("--serve", "then_serve", is_flag=True, help="Then serve the demo website.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@pass_app
def demo(
    app: App,
    out: Path,
    seed: int,
    scale: float,
    shown: ReviewYear | None,
    then_serve: bool,
    port: int,
) -> None:
    """Build a complete demo from synthetic data for every council, 2019-20 to 2024-25.

    Writes realistic case records, compliance outcomes, service improvements, public reports,
    contacts and events to OUT/data/, imports them into a new OUT/upheld.db, writes a
    configuration to OUT/config/ and the latest year's letters to OUT/letters/, and prints the
    latest year's statistics. The same seed always gives the same demo.

    \b
    Example:
      upheld demo --out demo --serve
      upheld --db sqlite:///demo/upheld.db stats --year 2023-24
    """
    from upheld.core.output import statistics
    from upheld.present.terminal import statistics_table
    from upheld.store.queries import year_figures
    from upheld.synthetic import DemoSpec
    from upheld.synthetic import demo as demos

    spec = DemoSpec(seed=seed, scale=scale)
    started = time.perf_counter()
    built = demos.build(out, builtin(), spec, say=lambda text: app.err.print(text, markup=False))
    year = shown or spec.last_year
    engine = engines.connect(built.url)
    with engine.connect() as connection:
        figures = year_figures(connection, builtin(), year)
    engine.dispose()
    for renderable in statistics_table(statistics(figures)):
        app.out.print(renderable)
    app.err.print(
        f"Demo built in {time.perf_counter() - started:.1f} s: {built.database}, letters in "
        f"{built.letters}\n"
        f"Try: upheld --db {built.url} stats --year {year.label} --authority Bury",
        markup=False,
    )
    if then_serve:
        from upheld.cli import App as Application
        from upheld.cli.serve import run_server

        run_server(Application(built.url, built.config), "127.0.0.1", port)
