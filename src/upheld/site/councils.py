"""The list of councils with published figures, found by name."""

from __future__ import annotations

from typing import TypedDict

from upheld.core.publication import Publication
from upheld.site.identity import CouncilSummary, council_summary
from upheld.site.model import Site


class ListedCouncil(CouncilSummary):
    """A council in the list, with the published years it has figures for."""

    latest_year: str
    years: list[str]
    current: bool
    """Whether the council still exists, under this code or a new one."""
    new_code: str | None
    """The code the same council has had since this one ended, if it was given a new one."""


class CouncilsPage(TypedDict):
    """Every council with published figures, or those whose name matches what was typed."""

    title: str
    query: str
    latest_year: str | None
    councils: list[ListedCouncil]


def councils_page(site: Site, publication: Publication, text: str = "") -> CouncilsPage:
    """Every council in the published years, optionally those whose name matches some text."""
    register = site.register()
    published = site.published(publication)
    latest = published[-1] if published else None
    wanted = text.strip().lower()
    found: list[ListedCouncil] = []
    for council in sorted(register, key=lambda c: c.name):
        years = [y.label for y in published if site.has_page(council.code, y.year)]
        if not years:
            continue
        names = (council.name, council.short_name, *council.aliases)
        if wanted and not any(wanted in name.lower() for name in names):
            continue
        ended = council.valid_to
        later = [
            code
            for code in register.same_council(council.code)[1:]
            if ended is not None and (register[code].valid_from or ended) > ended
        ]
        found.append(
            {
                **council_summary(council),
                "latest_year": years[-1],
                "years": years,
                "current": council.valid_to is None or bool(later),
                "new_code": later[0] if later else None,
            }
        )
    return {
        "title": "Councils",
        "query": text,
        "latest_year": latest.label if latest else None,
        "councils": found,
    }
