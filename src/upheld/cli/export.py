"""The command that writes the public website as files for a static host (`export-site`)."""

from __future__ import annotations

from pathlib import Path

import click

from upheld.cli import App, cli, pass_app
from upheld.config import WEB_ADDRESS_RULE, is_web_address


def web_address(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    # The address is written into every page's links and forms: a site's address and nothing
    # else (no ?query or #fragment to break the paths added to it, no quotes or spaces).
    if value is not None and not is_web_address(value):
        raise click.BadParameter(f"{value!r} {WEB_ADDRESS_RULE}")
    return value


@cli.command("export-site")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Folder to write the copy to: new, empty, or an earlier export (replaced when done).",
)
@click.option(
    "--base-url",
    callback=web_address,
    metavar="URL",
    help="Where the copy will be published, for feeds, citations and the sitemap; default "
    "[web] base_url.",
)
@click.option(
    "--search-url",
    callback=web_address,
    metavar="URL",
    help="A live copy of the site that answers the decision search and the comparison; "
    "without it the copy says they are not available.",
)
@click.option(
    "--decisions",
    is_flag=True,
    help="Also write every published decision's page (about 100,000 in a full year's copy).",
)
@pass_app
def export_site(
    app: App, out: Path, base_url: str | None, search_url: str | None, decisions: bool
) -> None:
    """Write the public website, as it is now, as files any static host or CDN can serve.

    Every published page with its .json and .csv twins, every download, letter and feed, the
    revision log, the methodology, the API page, its OpenAPI description and its main
    resources (as .json files), and /static. Nothing embargoed or private can be in it: each
    file is asked of the website itself. The copy is built beside DIR and swapped in only when
    whole, so a failed export leaves the last one as it was.

    \b
    Example:
      upheld --config config/ export-site --out site/ --base-url https://reviews.example.org
      upheld export-site --out site/ --search-url https://live.example.org --decisions
    """
    from upheld.web.export import Options, check_out
    from upheld.web.export import export_site as export

    out = check_out(out)
    app.ready()
    summary = export(
        app.url,
        app.config,
        Options(out, base_url, search_url, decisions),
        say=lambda text: app.err.print(text, markup=False),
    )
    for address, page, status in summary.broken[:10]:
        app.err.print(f"Not in the copy: {address} (status {status}), linked from {page}")
    if len(summary.broken) > 10:
        app.err.print(f"… and {len(summary.broken) - 10} more addresses not in the copy.")
    app.err.print(
        f"Wrote {summary.files:,} files, {summary.bytes / 1_000_000:,.1f} MB, to {out} in "
        f"{summary.seconds:,.0f} seconds.",
        markup=False,
    )
