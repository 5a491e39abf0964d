"""The versioned JSON API (v1), described by OpenAPI at /api/v1/openapi.json.

Each endpoint returns the same data as the page it mirrors, from the same builder, so the API,
the pages and their .json twins always agree. Embargoed years do not exist here either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.openapi.utils import get_openapi
from pydantic import StringConstraints, TypeAdapter
from starlette.responses import RedirectResponse, Response

from upheld.core.catalogue import CATALOGUE
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.errors import BadParameter, NotFound
from upheld.site import council, councils, decisions, downloads, lists, national
from upheld.site.model import Site, Year
from upheld.site.twins import without_charts
from upheld.web import problems, shapes
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
Sort = shapes.Sort
Outcome = shapes.Outcome
Category = shapes.Category
ImprovementStatus = shapes.ImprovementStatus
ReportKind = shapes.ReportKind
CouncilCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]

StatisticName = Annotated[
    shapes.StatisticKey,
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


JSON = TypeAdapter(Any)


def answer(content: Any) -> Response:
    """An answer's JSON, written as version 1 always has been: by pydantic, compactly, in the
    builder's own order."""
    # Not read into its shape on the way out: that took a year's statistics (1.3 MB) from 5 ms
    # to 45 ms, and would write the fields in the shape's order. The tests hold real answers
    # to the shapes instead.
    return Response(JSON.dump_json(content), media_type="application/json")


VALIDATORS = {
    "ETag": {
        "description": "Names this answer: send it back as If-None-Match to be told 304 if it "
        "still holds",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "When the published data last changed (the last import, letter or "
        "publication)",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "How long the answer may be kept; never past the next publication",
        "schema": {"type": "string"},
    },
}
"""The headers that let a client or a cache keep an answer (`upheld.web.caching`)."""


def ok(shape: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """An operation's answer as its description gives it: its shape (shapes.py) and words, and
    the 304 that says a kept copy still holds."""
    return {
        200: {"model": shape, "description": description, "headers": VALIDATORS},
        304: {
            "description": "Not modified: the answer named by If-None-Match (or last fetched "
            "after If-Modified-Since) still holds; no body",
            "headers": VALIDATORS,
        },
    }


def router(site: Site, searches: DecisionRoutes) -> APIRouter:
    """The API's endpoints over a Site, reusing the page builders."""
    api = APIRouter(prefix="/api/v1", tags=["v1"])

    def year_of(publication: Publication, label: str) -> Year:
        found = next((y for y in site.published(publication) if y.label == label), None)
        if found is None:
            raise NotFound("There is no such year.")
        return found

    @api.get(
        "/years",
        summary="Published years",
        responses=ok(list[shapes.YearLinks], "The published years, newest first"),
    )
    def years() -> Response:
        """The review years whose figures are published, newest first, with their links."""
        return answer(
            [
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
        )

    @api.get(
        "/years/{year}/statistics",
        summary="Every council's statistics for a year",
        responses=ok(shapes.YearStatistics, "Every council's statistics")
        | problems.responses(400, 404),
    )
    def statistics(year: YearInPath, group: Group = None) -> Response:
        """Each council's counts and rates with the average of similar authorities, the averages
        by type and national totals: the same document as `upheld stats --format json`."""
        peers = site.group(group)
        return answer(downloads.year_statistics(site, site.publication(), year, peers))

    @api.get(
        "/councils",
        summary="Councils",
        responses=ok(list[shapes.ListedCouncil], "The councils, by name") | problems.responses(422),
    )
    def councils_list(
        q: Annotated[
            str, Query(max_length=MAX_TEXT, description="Only councils whose name contains this")
        ] = "",
    ) -> Response:
        """Every council with published figures: code, names, type, region and years."""
        page = councils.councils_page(site, site.publication(), q)
        return answer(page["councils"])

    @api.get(
        "/councils/{code}/{year}",
        summary="A council's figures for a year",
        responses=ok(shapes.CouncilYear, "The council's figures for the year")
        | problems.responses(400, 404),
    )
    def council_year(code: CodeInPath, year: YearInPath, group: Group = None) -> Response:
        """A council's page data for a year: figures, averages, trend, letters, reports and
        improvements (the same as the page's .json twin)."""
        peers = site.group(group)
        publication = site.publication()
        chosen = year_of(publication, year)
        code = code.upper()
        if code not in site.register() or code not in site.figures(chosen.year).counts:
            raise NotFound("There is no such council in that year.")
        page = council.council_page(site, publication, code, chosen, group=peers)
        return answer(without_charts(page))

    @api.get(
        "/national/{year}",
        summary="National figures for a year",
        responses=ok(shapes.National, "The national figures") | problems.responses(400, 404),
    )
    def national_year(year: YearInPath, statistic: StatisticName = CATALOGUE.keys[0]) -> Response:
        """National totals, figures by type of council, every council of each type against its
        type's average for one statistic (the funnel plots' data) and the national trend."""
        publication = site.publication()
        page = national.national_page(site, publication, year_of(publication, year), statistic)
        return answer(without_charts(page))

    @api.get(
        "/decisions",
        summary="Search published decisions",
        responses=ok(shapes.Decisions, "A page of the decisions found")
        | problems.responses(400, 422, 503),
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
    ) -> Response:
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
        return answer(found)

    @api.get(
        "/decisions/{reference:path}",
        summary="One published decision",
        responses={
            **ok(shapes.DecisionPage, "The decision"),
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
    ) -> Response:
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
        return answer(without_charts(decisions.decision_page(site, publication, reference)))

    def listing(
        name: lists.ListName,
        council: str | None,
        category: str | None,
        year: str | None,
        status: str | None,
        page: int,
        per_page: int,
    ) -> Response:
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
        return answer(lists.list_page(site, site.publication(), name, chosen, page, per_page))

    @api.get(
        "/improvements",
        summary="Service improvements councils agreed",
        responses=ok(shapes.Improvements, "A page of the improvements")
        | problems.responses(400, 422),
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
    ) -> Response:
        """The register of service improvements, filtered, 50 to a page unless `per_page` says."""
        return listing("improvements", council, category, year, status, page, per_page)

    @api.get(
        "/reports",
        summary="Public reports",
        responses=ok(shapes.Reports, "A page of the reports") | problems.responses(400, 422),
    )
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
    ) -> Response:
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
            # A list's title would be FastAPI's name for the function; its items name the shape.
            answers["200"]["content"]["application/json"]["schema"].pop("title", None)
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "group":
                    # Empty has always meant the default, as leaving it out does.
                    parameter["schema"] = {"type": "string", "enum": [*names, ""]}
        kept.update(groups=names, description=described)
        app.openapi_schema = described
        return described

    return openapi
