"""The downloads page and the statistics files of each published year."""

from __future__ import annotations

from typing import Any, TypedDict

from upheld.core.groups import TYPE, PeerGroup
from upheld.core.output import statistics
from upheld.core.publication import Publication
from upheld.errors import NotFound
from upheld.site.model import Site


class Download(TypedDict):
    """A published year's files."""

    year: str
    period: str
    csv: str
    xlsx: str
    json: str


class DownloadsPage(TypedDict):
    """What can be downloaded."""

    title: str
    years: list[Download]


def downloads_page(site: Site, publication: Publication) -> DownloadsPage:
    """Every published year's statistics, as CSV, XLSX and JSON."""
    years: list[Download] = [
        {
            "year": y.label,
            "period": y.year.period,
            "csv": f"/downloads/{y.label}.csv",
            "xlsx": f"/downloads/{y.label}.xlsx",
            "json": f"/api/v1/years/{y.label}/statistics",
        }
        for y in reversed(site.published(publication))
    ]
    return {"title": "Download the data", "years": years}


def year_statistics(
    site: Site, publication: Publication, label: str, group: PeerGroup = TYPE
) -> dict[str, Any]:
    """A published year's statistics for every council, as `upheld stats --format json` gives."""
    year = next((y for y in site.published(publication) if y.label == label), None)
    if year is None:
        raise NotFound("There is no such year.")
    result: dict[str, Any] = site.cached(
        ("statistics", label, group), lambda: statistics(site.figures(year.year, group))
    )
    return result
