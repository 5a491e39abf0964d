"""The versioned JSON API (v1), described by OpenAPI at /api/v1/openapi.json.

Each endpoint returns the same data as the page it mirrors, from the same builder, so the API,
the pages and their .json twins always agree. Embargoed years do not exist here either.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import RedirectResponse

from upheld.core.catalogue import CATALOGUE
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.errors import BadParameter, NotFound
from upheld.site import council, councils, decisions, downloads, lists, national
from upheld.site.model import Site, Year
from upheld.site.twins import without_charts
from upheld.web.decisions import DecisionRoutes, moved_to
from upheld.web.params import MAX_PAGE, MAX_TEXT

DESCRIPTION = """\
The ombudsman's published figures about every council: each year's statistics (uphold rate,
compliance rate, satisfactory-remedy rate, upheld complaints per 100,000 residents, each with the
average of similar authorities), national figures, decisions, public reports and service
improvements. Everything is JSON; years are written `2024-25`; councils are identified by their
GSS code. Figures for a year appear only once the year is published. Version 1: fields are only
ever added, never renamed or removed.
"""


StatisticName = Annotated[
    Literal[CATALOGUE.keys],  # type: ignore[name-defined]
    Query(description="The statistic of the funnel plots' data (each council against its peers)"),
]

Group = Annotated[
    str | None,
    Query(
        description="Who each council is compared with: type (the default), nearest, region, or "
        "a group the organisation declares"
    ),
]


def router(site: Site, searches: DecisionRoutes) -> APIRouter:
    """The API's endpoints over a Site, reusing the page builders."""
    api = APIRouter(prefix="/api/v1", tags=["v1"])

    def year_of(publication: Publication, label: str) -> Year:
        found = next((y for y in site.published(publication) if y.label == label), None)
        if found is None:
            raise NotFound("There is no such year.")
        return found

    @api.get("/years", summary="Published years")
    def years() -> list[dict[str, Any]]:
        """The review years whose figures are published, newest first, with their links."""
        return [
            {
                "year": y.label,
                "start": y.year.start.isoformat(),
                "end": y.year.end.isoformat(),
                "published_at": y.config.published_at.isoformat(),
                "statistics": f"/api/v1/years/{y.label}/statistics",
                "national": f"/api/v1/national/{y.label}",
            }
            for y in reversed(site.published())
        ]

    @api.get("/years/{year}/statistics", summary="Every council's statistics for a year")
    def statistics(year: str, group: Group = None) -> dict[str, Any]:
        """Each council's counts and rates with the average of similar authorities, the averages
        by type and national totals: the same document as `upheld stats --format json`."""
        peers = site.group(group)
        return downloads.year_statistics(site, site.publication(), year, peers)

    @api.get("/councils", summary="Councils")
    def councils_list(
        q: Annotated[
            str, Query(max_length=MAX_TEXT, description="Only councils whose name contains this")
        ] = "",
    ) -> list[dict[str, Any]]:
        """Every council with published figures: code, names, type, region and years."""
        page = councils.councils_page(site, site.publication(), q)
        return [dict(found) for found in page["councils"]]

    @api.get("/councils/{code}/{year}", summary="A council's figures for a year")
    def council_year(code: str, year: str, group: Group = None) -> dict[str, Any]:
        """A council's page data for a year: figures, averages, trend, letters, reports and
        improvements (the same as the page's .json twin)."""
        peers = site.group(group)
        publication = site.publication()
        chosen = year_of(publication, year)
        code = code.upper()
        if code not in site.register() or code not in site.figures(chosen.year).counts:
            raise NotFound("There is no such council in that year.")
        page = council.council_page(site, publication, code, chosen, group=peers)
        return dict(without_charts(page))

    @api.get("/national/{year}", summary="National figures for a year")
    def national_year(year: str, statistic: StatisticName = CATALOGUE.keys[0]) -> dict[str, Any]:
        """National totals, figures by type of council, every council of each type against its
        type's average for one statistic (the funnel plots' data) and the national trend."""
        publication = site.publication()
        page = national.national_page(site, publication, year_of(publication, year), statistic)
        return dict(without_charts(page))

    @api.get("/decisions", summary="Search published decisions")
    async def search_decisions(
        q: Annotated[
            str,
            Query(max_length=MAX_TEXT, description='Words to search for; "a phrase"; -exclude'),
        ] = "",
        council: Annotated[list[str] | None, Query(description="Council code(s)")] = None,
        category: Annotated[list[str] | None, Query(description="Service area(s)")] = None,
        outcome: Annotated[
            list[str] | None, Query(description="Outcome key(s), e.g. upheld")
        ] = None,
        year: Annotated[
            list[str] | None, Query(description="Review year(s) of the decision")
        ] = None,
        remedy: Annotated[bool | None, Query(description="Satisfactory remedy or not")] = None,
        sort: Annotated[str, Query(description="relevance, newest or oldest")] = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number")] = 1,
        per_page: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    ) -> dict[str, Any]:
        """Published decisions matching a search, with facet counts, a page at a time."""
        if sort not in decisions.SORTS:
            raise BadParameter(f"sort must be one of {', '.join(decisions.SORTS)}")
        query = decisions.decision_query(
            text=q,
            councils=council or (),
            categories=category or (),
            outcomes=outcome or (),
            years=year or (),
            remedy=remedy,
            sort=sort,
            page=page,
            per_page=per_page,
        )
        found = await searches.limited(
            lambda: decisions.decisions_page(site, site.publication(), query)
        )
        return dict(found)

    @api.get(
        "/decisions/{reference:path}",
        summary="One published decision",
        response_model=dict[str, Any],
        responses={
            301: {"description": "The reference written another way: its usual address"},
            302: {"description": "A reference several decisions share: a search for them"},
        },
    )
    def decision(reference: str) -> dict[str, Any] | RedirectResponse:
        """A published decision's statement and its facts, and what followed it that is
        published: the compliance outcome (`compliance`), the service improvements the council
        agreed (`improvements`) and public reports (`reports`); the same as the decision page's
        .json twin. A reference may be written any usual way (`24-001-234`, `24001234`): it
        redirects to the decision's address."""
        publication = site.publication()
        found = decisions.references_for(site, publication, reference)
        if found != [reference]:
            return RedirectResponse(
                moved_to(found, "html", "", prefix="/api/v1"),
                status_code=301 if len(found) == 1 else 302,
            )
        return dict(without_charts(decisions.decision_page(site, publication, reference)))

    def listing(
        name: lists.ListName,
        council: str | None,
        category: str | None,
        year: str | None,
        status: str | None,
        page: int,
    ) -> dict[str, Any]:
        if year:
            try:
                ReviewYear.parse(year)
            except ValueError as exc:
                raise BadParameter(str(exc)) from None
        chosen: lists.Filters = {
            "council": council.upper() if council else None,
            "category": category,
            "year": year,
            "status": status,
        }
        return dict(lists.list_page(site, site.publication(), name, chosen, page))

    @api.get("/improvements", summary="Service improvements councils agreed")
    def improvements(
        council: Annotated[str | None, Query(description="Council code")] = None,
        category: Annotated[str | None, Query(description="Service area")] = None,
        year: Annotated[str | None, Query(description="Review year agreed, e.g. 2024-25")] = None,
        status: Annotated[str | None, Query(description="agreed, completed or overdue")] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> dict[str, Any]:
        """The register of service improvements, filtered, 50 to a page."""
        return listing("improvements", council, category, year, status, page)

    @api.get("/reports", summary="Public reports")
    def reports(
        council: Annotated[str | None, Query(description="Council code")] = None,
        category: Annotated[str | None, Query(description="Service area")] = None,
        year: Annotated[str | None, Query(description="Review year issued, e.g. 2024-25")] = None,
        status: Annotated[
            str | None, Query(description="Report kind: public_interest or further")
        ] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> dict[str, Any]:
        """Public reports the ombudsman issued, filtered, 50 to a page."""
        return listing("reports", council, category, year, status, page)

    return api
