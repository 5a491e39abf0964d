"""Commands for the geographic map: import council boundaries and list what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from upheld.cli import App, cli, pass_app, year_option
from upheld.core.periods import ReviewYear
from upheld.site.model import utc_now
from upheld.store import engines

SHOWN_CODES = 10


@cli.group()
def boundaries() -> None:
    """Council boundaries for the website's geographic map, from GeoJSON or TopoJSON files.

    \b
    Example:
      upheld boundaries import uk-boundaries.topo.json --layer ltla --year 2024-25
      upheld boundaries list
    """


@boundaries.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--layer",
    metavar="NAME",
    help="The TopoJSON object to read, e.g. ltla or utla; needed when the file has several.",
)
@click.option(
    "--code-property",
    "code_property",
    metavar="NAME",
    help="The property holding each area's council code. Default: areacd, code, or the first "
    "property ending in CD that holds GSS codes.",
)
@click.option(
    "--year",
    "year",
    callback=year_option,
    metavar="YYYY-YY",
    help="Only the areas that existed in this review year (by their start and end years); "
    "their shapes are used from this year on.",
)
@click.option(
    "--replace", is_flag=True, help="Remove every stored boundary first, keeping only this file's."
)
@pass_app
def import_boundaries(
    app: App,
    file: Path,
    layer: str | None,
    code_property: str | None,
    year: ReviewYear | None,
    replace: bool,
) -> None:
    """Import council boundaries from a GeoJSON or TopoJSON file, all of them or none.

    Each area's code is matched to the register; areas that are not councils in it (Welsh,
    Scottish, regions) are listed and skipped. Shapes are projected, simplified and stored, and
    the councils still without a boundary are listed. Importing again replaces a council's shape
    for the same year.

    \b
    Example:
      upheld boundaries import uk-boundaries.topo.json --layer ltla --year 2024-25
      upheld boundaries import uk-boundaries.topo.json --layer utla --year 2024-25
      upheld boundaries import LAD_MAY_2024_UK_BGC.geojson --code-property LAD24CD --replace
    """
    from upheld.maps import shapes
    from upheld.maps.boundaries import read_boundaries

    engine = app.ready(create=True)
    register = app.register()
    found = read_boundaries(
        file,
        layer=layer,
        code_property=code_property,
        year=year.start_year if year else None,
        wanted=lambda code: code in register,
    )
    with engines.writing(engine, app.waiting) as connection:
        stored = shapes.store(
            connection,
            found.shapes,
            year=year.start_year if year else None,
            source=shapes.source_name(found),
            now=utc_now(),
            replace=replace,
        )
        if year is not None:
            covered = set(shapes.shapes_for(connection, year.start_year))
        else:
            covered = shapes.codes_with_shapes(connection)
    councils = len({s.code for s in found.shapes})
    where = f"{file.name}, layer {found.layer}" if found.layer else file.name
    since = f", used from {year.label} on" if year else ""
    counted = f"{stored:,} shapes, " if stored != councils else ""
    app.out.print(
        f"{where}: {found.features:,} areas read; shapes stored for {councils:,} councils{since} "
        f"({counted}{found.size / 1000:,.0f} KB of map data, codes from {found.code_property!r}).",
        markup=False,
    )
    if found.unwanted:
        codes = ", ".join(found.unwanted[:SHOWN_CODES])
        more = len(found.unwanted) - SHOWN_CODES
        app.out.print(
            f"{len(found.unwanted):,} areas are not councils in the register and were skipped: "
            f"{codes}{f' and {more:,} more' if more > 0 else ''}.",
            markup=False,
        )
    if found.out_of_year and year is not None:
        app.out.print(
            f"{found.out_of_year:,} areas did not exist in {year.label} and were left out."
        )
    if found.without_area:
        app.out.print(f"{found.without_area:,} areas had no polygon to draw and were left out.")
    councils_wanted = register.in_year(year) if year else sorted(register, key=lambda c: c.name)
    missing = [c for c in councils_wanted if c.code not in covered]
    scope = f"of {year.label}" if year else "in the register"
    if missing:
        names = ", ".join(f"{c.short_name} ({c.code})" for c in missing)
        app.out.print(f"Councils {scope} with no boundary ({len(missing)}): {names}.", markup=False)
    else:
        app.out.print(f"Every council {scope} has a boundary.")


@boundaries.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def list_boundaries(app: App, fmt: str) -> None:
    """The boundaries stored: councils and map data by file and year.

    \b
    Example:
      upheld boundaries list
      upheld boundaries list --format json
    """
    from upheld.maps import shapes

    with app.ready().connect() as connection:
        rows = shapes.stored(connection)
        councils = len(shapes.codes_with_shapes(connection))
    if fmt == "json":
        shown = [
            row
            | {
                "year": ReviewYear(row["year"]).label if row["year"] else None,
                "imported_at": row["imported_at"].isoformat(),
            }
            for row in rows
        ]
        app.out.print_json(json.dumps(shown))
        return
    table = Table(title="Council boundaries", title_justify="left", header_style="bold")
    for heading in ("Source", "From", "Councils", "Map data", "Imported"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row["source"],
            ReviewYear(row["year"]).label if row["year"] else "any year",
            f"{row['councils']:,}",
            f"{row['size'] / 1000:,.0f} KB",
            row["imported_at"].strftime("%Y-%m-%d %H:%M"),
        )
    if rows:
        app.out.print(table)
    app.out.print(f"{councils:,} councils have a boundary.")
