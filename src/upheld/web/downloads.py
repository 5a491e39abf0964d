"""Bulk downloads per published year (CSV and XLSX), and the API's documentation page."""

from __future__ import annotations

import io
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from upheld.core.catalogue import CATALOGUE
from upheld.core.output import statistics
from upheld.errors import NotFound
from upheld.present.export import as_csv, sheet_row
from upheld.site.model import Site
from upheld.web.render import Renderer, split_format

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def year_statistics(site: Site, label: str) -> dict[str, Any]:
    """A published year's statistics for every council, as `upheld stats --format json` gives."""
    year = site.published_year(label)
    if year is None:
        raise NotFound("There is no such year.")
    result: dict[str, Any] = site.cached(
        ("statistics", label), lambda: statistics(site.figures(year.year))
    )
    return result


def _workbook(result: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)

    def add(sheet: Any, values: list[Any]) -> None:
        sheet.append(sheet_row(sheet, values))

    councils = book.create_sheet("Councils")
    rows = result["authorities"]
    columns = [k for k, v in rows[0].items() if not isinstance(v, dict)] if rows else []
    categories = list(rows[0]["received_by_category"]) if rows else []
    outcomes = list(rows[0]["decided_by_outcome"]) if rows else []
    add(
        councils,
        columns + [f"received: {c}" for c in categories] + [f"decided: {o}" for o in outcomes],
    )
    for row in rows:
        add(
            councils,
            [row[c] for c in columns]
            + [row["received_by_category"][c] for c in categories]
            + [row["decided_by_outcome"][o] for o in outcomes],
        )
    averages = book.create_sheet("Averages")
    names = list(CATALOGUE.keys)
    add(averages, ["type", *names, "councils"])
    for authority_type, values in result["averages"].items():
        add(averages, [authority_type, *(values[n] for n in names), values["councils"]])
    national = book.create_sheet("National")
    add(national, ["figure", "value"])
    for key, value in result["national"].items():
        if not isinstance(value, dict):
            add(national, [key, value])
    about = book.create_sheet("About")
    add(about, ["year", result["year"]])
    add(about, ["period", f"{result['period']['start']} to {result['period']['end']}"])
    add(about, ["average of similar authorities", result["average_method"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Downloads:
    """Handlers for the downloads page, the per-year files and the API documentation."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer

    def page(self) -> dict[str, Any]:
        """What can be downloaded."""
        years = [
            {
                "year": y.label,
                "period": y.year.period,
                "csv": f"/downloads/{y.label}.csv",
                "xlsx": f"/downloads/{y.label}.xlsx",
                "json": f"/api/v1/years/{y.label}/statistics",
            }
            for y in reversed(self.site.published())
        ]
        return {"title": "Download the data", "years": years}

    def index(self, request: Request) -> Response:
        """The downloads page."""
        fmt = split_format(request.url.path, "json")[1]
        return self.render.respond(request, fmt, "downloads.html", self.page)

    def file(self, request: Request) -> Response:
        """A year's statistics for every council, as CSV or XLSX."""
        label, fmt = split_format(request.path_params["file"], "csv", "xlsx")
        if fmt == "html":
            raise NotFound("There is no such download.")
        result = year_statistics(self.site, label)
        headers = {"Content-Disposition": f'attachment; filename="upheld-{label}.{fmt}"'}
        if fmt == "csv":
            body = as_csv(result["authorities"]).encode("utf-8")
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        content = self.site.cached(("xlsx", label), lambda: _workbook(result))
        return Response(content, media_type=XLSX, headers=headers)

    def api_page(self, request: Request) -> Response:
        """The API's documentation, read from its OpenAPI description."""
        spec = request.app.openapi()
        endpoints = []
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
                                "in": p["in"],
                                "description": p.get("description", ""),
                                "required": p.get("required", False),
                            }
                            for p in operation.get("parameters", [])
                        ],
                    }
                )
        page = {
            "title": "Open data API",
            "description": spec["info"].get("description", ""),
            "version": spec["info"]["version"],
            "endpoints": endpoints,
        }
        return self.render.respond(request, "html", "api.html", lambda: page)
