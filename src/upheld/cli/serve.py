"""Commands for the public website: serving it, and preview links for councils."""

from __future__ import annotations

import click

from upheld.cli import App, cli, pass_app, resolve_codes, year_option
from upheld.core.periods import ReviewYear
from upheld.errors import UsageError


def run_server(app: App, host: str, port: int, workers: int = 1) -> None:
    """Serve the website from the app's database and configuration until interrupted."""
    from upheld.web import server

    # Opened here first, so that a wrong database or configuration stops with its message.
    title = app.settings().web.title
    app.ready()
    processes = f" with {workers} worker processes" if workers > 1 else ""
    app.err.print(
        f"Serving {title} at http://{host}:{port}/{processes} (Ctrl+C to stop)", markup=False
    )
    server.serve(app.url, app.config, host=host, port=port, workers=workers)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; about one per processor core.",
)
@pass_app
def serve(app: App, host: str, port: int, workers: int) -> None:
    """Serve the public website "Your council's performance" and its API.

    The website only reads the database. Each year's figures and letters appear at the
    publication time set in the year's configuration; edits to the configuration folder are
    followed within a second, without a restart.

    \b
    Example:
      upheld --db demo/upheld.db --config demo/config serve --port 8000
      upheld --db postgresql://web@db/upheld serve --host 0.0.0.0 --workers 2
    """
    run_server(app, host, port, workers)


@cli.command()
@pass_app
def purge(app: App) -> None:
    """Empty the caches in front of the website, listed in [web] purge.

    Commands that change the data (import, index, letters, approve, send, boundaries) do this
    by themselves; run it after editing the configuration or upgrading upheld, so that a
    reverse proxy or CDN shows the change at once rather than within [web] cache_seconds.

    \b
    Example:
      upheld purge
    """
    app.empty_caches(said=True)


@cli.command("preview-link")
@click.option("--authority", required=True, metavar="CODE", help="The council (code or name).")
@click.option("--year", "year", callback=year_option, metavar="YYYY-YY", help="Review year.")
@pass_app
def preview_link(app: App, authority: str, year: ReviewYear | None) -> None:
    """Print a signed link that shows one council its own page and letter before publication.

    The link works only for that council and year, expires after [web] preview_days (14 by
    default), and needs [web] secret_key (or $UPHELD_SECRET_KEY) set, the same as the server's.

    \b
    Example:
      upheld preview-link --authority Bury --year 2024-25
    """
    from upheld.web.previews import preview_link as make_link

    if year is None:
        raise click.UsageError("--year is required, e.g. --year 2024-25")
    settings = app.settings()
    if not settings.web.secret_key:
        raise UsageError(
            "set [web] secret_key in upheld.toml (or $UPHELD_SECRET_KEY) to sign preview links"
        )
    code = resolve_codes(app.register(), [authority], year)[0]
    app.out.print(
        make_link(settings.web.base_url, settings.web.secret_key, code, year),
        markup=False,
        soft_wrap=True,
    )
    app.err.print(
        f"Valid for {settings.web.preview_days} days; shows only {code}'s page and letter for "
        f"{year.label}.",
        markup=False,
    )
