"""The versioned JSON API (v1), described by OpenAPI at /api/v1/openapi.json.

Each endpoint returns the same data as the page it mirrors, from the same builder, so the API,
the pages and their .json twins always agree. Embargoed years do not exist here either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field, StringConstraints
from starlette.responses import RedirectResponse

from upheld.core.catalogue import CATALOGUE
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.vocabulary import IMPROVEMENT_STATUSES, OUTCOMES, REPORT_KINDS, SERVICE_AREAS
from upheld.errors import BadParameter, NotFound
from upheld.site import council, councils, decisions, downloads, lists, national
from upheld.site.model import Site, Year
from upheld.site.twins import without_charts
from upheld.web import problems
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


# Exactly the labels ReviewYear.parse reads as a review year written the usual way: the second
# part is the next year's last two digits, so "2019-21" is no review year and fails the pattern.
YEAR_PATTERN = (
    "^[0-9]{2}(?:" + "|".join(f"{n:02d}-{(n + 1) % 100:02d}" for n in range(99)) + "|99-00)$"
)
YEAR_WORDS = "A review year, written like 2024-25 (1 April 2024 to 31 March 2025)"
CODE_PATTERN = "^[A-Za-z][0-9]{8}$"
CODE_WORDS = "A council's GSS code, e.g. E08000002 (upper or lower case)"

ReviewYearText = Annotated[str, StringConstraints(pattern=YEAR_PATTERN)]
YearInPath = Annotated[
    str, Path(description=YEAR_WORDS, pattern=YEAR_PATTERN, examples=["2024-25"])
]
CodeInPath = Annotated[
    str, Path(description=CODE_WORDS, pattern=CODE_PATTERN, examples=["E08000002"])
]
Sort = Literal["relevance", "newest", "oldest"]
# Written out so type checkers read it; the search's own list must be the same.
assert get_args(Sort) == tuple(decisions.SORTS)
Outcome = Literal[OUTCOMES.keys]  # type: ignore[name-defined]
Category = Literal[SERVICE_AREAS.keys]  # type: ignore[name-defined]
ImprovementStatus = Literal[IMPROVEMENT_STATUSES.keys]  # type: ignore[name-defined]
ReportKind = Literal[REPORT_KINDS.keys]  # type: ignore[name-defined]
CouncilCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]

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


LOCATION = {"description": "The decision's address, or a search", "schema": {"type": "string"}}


class YearLinks(BaseModel):
    """A published review year and the addresses of its figures."""

    year: str = Field(description="The review year", examples=["2024-25"])
    start: str = Field(description="Its first day (ISO 8601)", examples=["2024-04-01"])
    end: str = Field(description="Its last day (ISO 8601)", examples=["2025-03-31"])
    published_at: str = Field(
        description="When its figures were published (ISO 8601)",
        examples=["2025-07-23T10:00:00+01:00"],
    )
    statistics: str = Field(description="Its statistics in this API")
    national: str = Field(description="Its national figures in this API")


def router(site: Site, searches: DecisionRoutes) -> APIRouter:
    """The API's endpoints over a Site, reusing the page builders."""
    api = APIRouter(prefix="/api/v1", tags=["v1"])

    def year_of(publication: Publication, label: str) -> Year:
        found = next((y for y in site.published(publication) if y.label == label), None)
        if found is None:
            raise NotFound("There is no such year.")
        return found

    @api.get("/years", summary="Published years", response_model=list[YearLinks])
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

    @api.get(
        "/years/{year}/statistics",
        summary="Every council's statistics for a year",
        responses=problems.responses(400, 404),
    )
    def statistics(year: YearInPath, group: Group = None) -> dict[str, Any]:
        """Each council's counts and rates with the average of similar authorities, the averages
        by type and national totals: the same document as `upheld stats --format json`."""
        peers = site.group(group)
        return downloads.year_statistics(site, site.publication(), year, peers)

    @api.get("/councils", summary="Councils", responses=problems.responses(422))
    def councils_list(
        q: Annotated[
            str, Query(max_length=MAX_TEXT, description="Only councils whose name contains this")
        ] = "",
    ) -> list[dict[str, Any]]:
        """Every council with published figures: code, names, type, region and years."""
        page = councils.councils_page(site, site.publication(), q)
        return [dict(found) for found in page["councils"]]

    @api.get(
        "/councils/{code}/{year}",
        summary="A council's figures for a year",
        responses=problems.responses(400, 404),
    )
    def council_year(code: CodeInPath, year: YearInPath, group: Group = None) -> dict[str, Any]:
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

    @api.get(
        "/national/{year}",
        summary="National figures for a year",
        responses=problems.responses(400, 404),
    )
    def national_year(
        year: YearInPath, statistic: StatisticName = CATALOGUE.keys[0]
    ) -> dict[str, Any]:
        """National totals, figures by type of council, every council of each type against its
        type's average for one statistic (the funnel plots' data) and the national trend."""
        publication = site.publication()
        page = national.national_page(site, publication, year_of(publication, year), statistic)
        return dict(without_charts(page))

    @api.get(
        "/decisions",
        summary="Search published decisions",
        responses=problems.responses(400, 422, 503),
    )
    async def search_decisions(
        q: Annotated[
            str,
            Query(max_length=MAX_TEXT, description='Words to search for; "a phrase"; -exclude'),
        ] = "",
        council: Annotated[
            list[CouncilCode] | None, Query(description="Council code(s), e.g. E08000002")
        ] = None,
        category: Annotated[list[Category] | None, Query(description="Service area(s)")] = None,
        outcome: Annotated[list[Outcome] | None, Query(description="Outcome key(s)")] = None,
        year: Annotated[
            list[ReviewYearText] | None,
            Query(description="Review year(s) of the decision, written like 2024-25"),
        ] = None,
        remedy: Annotated[bool | None, Query(description="Satisfactory remedy or not")] = None,
        sort: Annotated[Sort, Query(description="The order of the results")] = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number")] = 1,
        per_page: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    ) -> dict[str, Any]:
        """Published decisions matching a search, with facet counts, a page at a time."""
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
            301: {
                "description": "The reference written another way: its usual address",
                "headers": {"Location": LOCATION},
            },
            302: {
                "description": "A reference several decisions share: a search for them",
                "headers": {"Location": LOCATION},
            },
            **problems.responses(404),
        },
    )
    def decision(
        reference: Annotated[
            str,
            Path(
                description="A decision's reference, however it is written (`24-001-234`, "
                "`24001234`); a `/` in it is written `%2F`",
                min_length=1,
                max_length=MAX_TEXT,
                examples=["24-001-234"],
            ),
        ],
    ) -> dict[str, Any] | RedirectResponse:
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
        per_page: int,
    ) -> dict[str, Any]:
        if year:
            try:
                ReviewYear.parse(year)
            except ValueError as exc:
                raise BadParameter(str(exc), parameter="year") from None
        chosen: lists.Filters = {
            "council": council.upper() if council else None,
            "category": category,
            "year": year,
            "status": status,
        }
        return dict(lists.list_page(site, site.publication(), name, chosen, page, per_page))

    @api.get(
        "/improvements",
        summary="Service improvements councils agreed",
        responses=problems.responses(400, 422),
    )
    def improvements(
        council: Annotated[str | None, Query(pattern=CODE_PATTERN, description=CODE_WORDS)] = None,
        category: Annotated[Category | None, Query(description="Service area")] = None,
        year: Annotated[
            str | None,
            Query(pattern=YEAR_PATTERN, description="Review year agreed, e.g. 2024-25"),
        ] = None,
        status: Annotated[ImprovementStatus | None, Query(description="Its status")] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number")] = 1,
        per_page: Annotated[
            int, Query(ge=1, le=lists.MAX_PER_PAGE, description="Results per page")
        ] = lists.PER_PAGE,
    ) -> dict[str, Any]:
        """The register of service improvements, filtered, 50 to a page unless `per_page` says."""
        return listing("improvements", council, category, year, status, page, per_page)

    @api.get("/reports", summary="Public reports", responses=problems.responses(400, 422))
    def reports(
        council: Annotated[str | None, Query(pattern=CODE_PATTERN, description=CODE_WORDS)] = None,
        category: Annotated[Category | None, Query(description="Service area")] = None,
        year: Annotated[
            str | None,
            Query(pattern=YEAR_PATTERN, description="Review year issued, e.g. 2024-25"),
        ] = None,
        status: Annotated[ReportKind | None, Query(description="The report's kind")] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number")] = 1,
        per_page: Annotated[
            int, Query(ge=1, le=lists.MAX_PER_PAGE, description="Results per page")
        ] = lists.PER_PAGE,
    ) -> dict[str, Any]:
        """Public reports the ombudsman issued, filtered, 50 to a page unless `per_page` says."""
        return listing("reports", council, category, year, status, page, per_page)

    return api


def describe(app: FastAPI, site: Site) -> Callable[[], dict[str, Any]]:
    """The app's OpenAPI description: the problem schema in its components, and the peer groups
    the configuration declares now as the `group` parameter's list."""
    kept: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        names = list(site.settings.group_names)
        if kept.get("groups") == names:
            return dict(kept["description"])
        described = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        described.setdefault("components", {}).setdefault("schemas", {}).update(problems.schemas())
        schemas = described["components"]["schemas"]
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for item in described["paths"].values():
            operation = item["get"]
            # FastAPI promises its own validation error wherever there are parameters; this
            # API answers problems, and a 422 only where a parameter has a type or bounds.
            answers = operation["responses"]
            if "application/json" in answers.get("422", {}).get("content", {}):
                del answers["422"]
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "group":
                    # Empty has always meant the default, as leaving it out does.
                    parameter["schema"] = {"type": "string", "enum": [*names, ""]}
        kept.update(groups=names, description=described)
        app.openapi_schema = described
        return described

    return openapi
