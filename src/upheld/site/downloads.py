"""The downloads page: each published year's files, the data dictionary, the licence and how to
cite the data; and what every spreadsheet says about itself on its "About this data" sheet."""

from __future__ import annotations

from typing import Any, TypedDict

from upheld.core.groups import TYPE, PeerGroup
from upheld.core.output import statistics
from upheld.core.publication import Publication
from upheld.core.wording import long_date
from upheld.errors import NotFound
from upheld.site import datasets
from upheld.site.datasets import DATASETS, DICTIONARY, KINDS, Dataset
from upheld.site.model import Site, Year

DICTIONARY_PATH = "/downloads/data-dictionary"
"""The data dictionary's address, without its suffix (.csv or .xlsx)."""


class File(TypedDict):
    """One download of a year, in both its formats."""

    name: str
    title: str
    rows_are: str
    rows: int
    """How many rows it has now (besides its header)."""
    csv: str
    xlsx: str


class Download(TypedDict):
    """A published year's files."""

    year: str
    period: str
    published: str
    """The day the year's figures were published, in words."""
    files: list[File]
    citation: str
    csv: str
    xlsx: str
    """The year's statistics (the addresses used before every list could be downloaded)."""
    json: str
    """The year's statistics through the API, with the averages of similar authorities."""


class ColumnInfo(TypedDict):
    """One column in the data dictionary."""

    position: int
    name: str
    type: str
    meaning: str


class DatasetInfo(TypedDict):
    """One download's columns in the data dictionary."""

    name: str
    title: str
    rows_are: str
    columns: list[ColumnInfo]


class Licence(TypedDict):
    """The licence of the data."""

    name: str
    url: str


class Dictionary(TypedDict):
    """The data dictionary: each download's columns, what each type means, and its own files."""

    csv: str
    xlsx: str
    types: dict[str, str]
    downloads: list[DatasetInfo]


class DownloadsPage(TypedDict):
    """What can be downloaded, under which licence, how to cite it, and what every column means."""

    title: str
    years: list[Download]
    licence: Licence
    citation: str
    """How to cite the data, as configured: placeholders in braces."""
    decisions_rule: str
    dictionary: Dictionary


def citation(site: Site, year: Year) -> str:
    """How to cite a year's data: the organisation's citation with its placeholders filled."""
    settings = site.settings
    return settings.organisation.citation.format(
        organisation=settings.organisation.name,
        title=settings.web.title,
        year=year.label,
        published=long_date(year.config.publication_date),
        url=settings.web.base_url.rstrip("/") + "/downloads",
    )


def licence(site: Site) -> Licence:
    """The licence the data is published under."""
    organisation = site.settings.organisation
    return {"name": organisation.licence, "url": organisation.licence_url}


def file_path(year: Year, dataset: Dataset, fmt: str) -> str:
    """A year's download's address: /downloads/2024-25/decisions.csv."""
    return f"/downloads/{year.label}/{dataset.name}.{fmt}"


def dataset_info(dataset: Dataset) -> DatasetInfo:
    """A download's columns, as the data dictionary gives them."""
    return {
        "name": dataset.name,
        "title": dataset.title,
        "rows_are": dataset.rows_are,
        "columns": [
            {"position": n, "name": c.name, "type": c.kind, "meaning": c.meaning}
            for n, c in enumerate(dataset.columns, 1)
        ],
    }


def downloads_page(site: Site, publication: Publication) -> DownloadsPage:
    """Every published year's downloads, newest first, with the data dictionary and licence."""
    years: list[Download] = []
    for year in reversed(site.published(publication)):
        counts = datasets.year_counts(site, publication, year)
        years.append(
            {
                "year": year.label,
                "period": year.year.period,
                "published": long_date(year.config.publication_date),
                "files": [
                    {
                        "name": dataset.name,
                        "title": dataset.title,
                        "rows_are": dataset.rows_are,
                        "rows": counts[dataset.name],
                        "csv": file_path(year, dataset, "csv"),
                        "xlsx": file_path(year, dataset, "xlsx"),
                    }
                    for dataset in DATASETS.values()
                ],
                "citation": citation(site, year),
                "csv": f"/downloads/{year.label}.csv",
                "xlsx": f"/downloads/{year.label}.xlsx",
                "json": f"/api/v1/years/{year.label}/statistics",
            }
        )
    return {
        "title": "Download the data",
        "years": years,
        "licence": licence(site),
        "citation": site.settings.organisation.citation,
        "decisions_rule": publication.decisions_rule,
        "dictionary": {
            "csv": f"{DICTIONARY_PATH}.csv",
            "xlsx": f"{DICTIONARY_PATH}.xlsx",
            "types": dict(KINDS),
            "downloads": [dataset_info(d) for d in (*DATASETS.values(), DICTIONARY)],
        },
    }


def published_year(site: Site, publication: Publication, label: str) -> Year:
    """A published year by its label; an embargoed year is as unknown as one with no data."""
    year = next((y for y in site.published(publication) if y.label == label), None)
    if year is None:
        raise NotFound("There is no such year.")
    return year


def year_statistics(
    site: Site, publication: Publication, label: str, group: PeerGroup = TYPE
) -> dict[str, Any]:
    """A published year's statistics for every council, as `upheld stats --format json` gives."""
    year = published_year(site, publication, label)
    result: dict[str, Any] = site.cached(
        ("statistics", label, group), lambda: statistics(site.figures(year.year, group))
    )
    return result


def about_rows(
    site: Site,
    publication: Publication,
    dataset: Dataset,
    year: Year | None,
    rows: int,
) -> list[list[Any]]:
    """What a spreadsheet says about itself on its "About this data" sheet: what it is, whose,
    how many rows, the licence and how to cite it."""
    settings = site.settings
    base = settings.web.base_url.rstrip("/")
    dictionary = f"{base}{DICTIONARY_PATH}.csv"
    about: list[list[Any]] = [
        ["Title", dataset.title + (f", {year.label}" if year else "")],
        ["Published by", settings.organisation.name],
        ["Website", f"{settings.web.title}: {base}/downloads"],
    ]
    if year is not None:
        about += [
            ["Review year", f"{year.label}: {year.year.period}"],
            ["Figures published", long_date(year.config.publication_date)],
        ]
    about += [
        ["Each row", dataset.rows_are],
        ["Rows", rows],
        ["Columns", len(dataset.columns)],
    ]
    if dataset is datasets.DECISIONS:
        rule = publication.decisions_rule
    elif dataset in (datasets.IMPROVEMENTS, datasets.REPORTS):
        rule = "Service improvements and public reports appear from the day they are dated" + (
            "." if publication.continuous else ", once the figures for their year are published."
        )
    else:
        rule = ""
    if rule:
        about.append(
            ["Which records", f"Those published on {long_date(publication.today)}. {rule}"]
        )
    about += [
        ["Data dictionary", f"The Data dictionary sheet; for every download: {dictionary}"],
        ["Licence", settings.organisation.licence],
        ["Licence address", settings.organisation.licence_url],
    ]
    if year is not None:
        about.append(["How to cite", citation(site, year)])
    return about
