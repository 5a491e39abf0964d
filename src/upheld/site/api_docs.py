"""The API's documentation page, read from its own OpenAPI description."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class Parameter(TypedDict):
    """One parameter of an endpoint."""

    name: str
    where: str
    description: str
    required: bool


class Endpoint(TypedDict):
    """One endpoint of the API."""

    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]


class ApiPage(TypedDict):
    """The API's documentation."""

    title: str
    description: str
    version: str
    endpoints: list[Endpoint]


def api_page(spec: Mapping[str, Any]) -> ApiPage:
    """The API's documentation, from its OpenAPI description."""
    endpoints: list[Endpoint] = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "description": p.get("description", ""),
                            "required": p.get("required", False),
                        }
                        for p in operation.get("parameters", [])
                    ],
                }
            )
    return {
        "title": "Open data API",
        "description": spec["info"].get("description", ""),
        "version": spec["info"]["version"],
        "endpoints": endpoints,
    }
