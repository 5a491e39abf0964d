"""The API's one error shape: RFC 9457 problem details, described once in its OpenAPI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"

# A value outside its list or its pattern has always been a 400 here (sort=sideways, year=next);
# a value of the wrong type or out of its bounds a 422, as FastAPI answers it.
NOT_ALLOWED = frozenset({"literal_error", "enum", "string_pattern_mismatch"})


PATTERN_WORDS = {
    "year": "must be a review year written like 2024-25",
    "code": "must be a council's GSS code, like E08000002",
    "council": "must be a council's GSS code, like E08000002",
}


class InvalidParam(BaseModel):
    """One parameter of a request that cannot be met, and why."""

    name: str = Field(description="The parameter's name", examples=["sort"])
    location: str = Field(alias="in", description="Where it was: query or path", examples=["query"])
    reason: str = Field(
        description="Why it cannot be met", examples=["must be one of relevance, newest, oldest"]
    )

    model_config = {"populate_by_name": True}


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(
        default="about:blank",
        description="Always `about:blank`: the status and its title say what went wrong",
    )
    title: str = Field(description="The status's name", examples=["Not Found"])
    status: int = Field(description="The HTTP status, repeated", examples=[404])
    detail: str = Field(
        description="What went wrong, in a sentence", examples=["There is no such year."]
    )
    invalid_params: list[InvalidParam] | None = Field(
        default=None,
        description="For a parameter that cannot be met (400, 422): which one, and why",
    )


EXAMPLES: dict[int, dict[str, Any]] = {
    400: {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "sort must be one of relevance, newest, oldest",
        "invalid_params": [
            {"name": "sort", "in": "query", "reason": "must be one of relevance, newest, oldest"}
        ],
    },
    404: {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no such year.",
    },
    422: {
        "type": "about:blank",
        "title": HTTPStatus(422).phrase,
        "status": 422,
        "detail": "page: Input should be greater than or equal to 1",
        "invalid_params": [
            {"name": "page", "in": "query", "reason": "Input should be greater than or equal to 1"}
        ],
    },
    503: {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The search is busy; please try again in a moment.",
    },
}

WHEN = {
    400: "A value outside its parameter's list or pattern, or a group not declared",
    404: "Nothing published at this address (an unknown or embargoed year, council or decision)",
    422: "A parameter of the wrong type or out of its bounds",
    503: "Too many searches are waiting: try again after `Retry-After` seconds",
}


SCHEMA = "#/components/schemas/Problem"


def schemas() -> dict[str, Any]:
    """The components the problems' schema needs, for the description's `components`."""
    found = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    parts: dict[str, Any] = found.pop("$defs", {})
    return {**parts, "Problem": found}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of an operation's errors, each a problem with an example."""
    described: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "description": WHEN[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": SCHEMA}, "example": EXAMPLES[status]}},
        }
        if status == 503:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before asking again",
                    "schema": {"type": "integer"},
                }
            }
        described[status] = entry
    return described


def problem(
    status: int,
    detail: str,
    invalid: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An error answered as problem details."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if invalid:
        body["invalid_params"] = [dict(item) for item in invalid]
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def from_validation(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation error as one problem naming each parameter at fault."""
    invalid: list[dict[str, str]] = []
    status = 400
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "query"
        name = location[1] if len(location) > 1 else where
        reason = str(error.get("msg", ""))
        if error.get("type") == "string_pattern_mismatch" and name in PATTERN_WORDS:
            reason = PATTERN_WORDS[name]  # the year's pattern is long: say it in words
        invalid.append({"name": name, "in": where, "reason": reason})
        if error.get("type") not in NOT_ALLOWED:
            status = 422
    if invalid and all(item["in"] == "path" for item in invalid):
        # A path that is no year, council or decision names nothing: there is no such page.
        status = 404
    detail = "; ".join(f"{item['name']}: {item['reason']}" for item in invalid)
    return problem(status, detail or "The request's parameters cannot be met.", invalid)
