"""The API fuzzed from its own OpenAPI description (schemathesis): no request makes it fail."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case

from tests.test_web_safety import small_site
from upheld.web import create_app

BURY = "E08000002"
POSITIVE_EXAMPLES = 20
NEGATIVE_EXAMPLES = 12
"""Generated requests per operation: about 300 in all over the nine operations."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The website of a small database, every year published."""
    folder = tmp_path_factory.mktemp("api-fuzz")
    header = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]
    rows = [
        [f"23-{n:03d}", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."]
        for n in range(30)
    ]
    site = small_site(
        folder,
        {
            "cases": (header, rows),
            "reports": (["reference", "issued", "title"], [["23-001", "2023-10-01", "A report"]]),
            "improvements": (
                ["reference", "agreed", "description"],
                [["23-001", "2023-10-01", "Train staff"]],
            ),
        },
    )
    return create_app(site)


def all_checks() -> list[Any]:
    """Every check schemathesis has, the stateful ones included (they pass over single calls)."""
    load_all_checks()
    return list(CHECKS.get_all())


@pytest.mark.parametrize(
    ("mode", "examples"),
    [(GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)],
)
def test_every_generated_request_keeps_the_description(
    app: Any, mode: GenerationMode, examples: int
) -> None:
    # schemathesis's own pytest plugin does not yet work with pytest 9, so each operation's
    # generated requests are run here through Hypothesis directly, with every check: the
    # status, content type, headers and body each match the description, valid requests are
    # accepted and invalid ones rejected, and nothing is a server error.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 9
    checks = all_checks()
    failures: list[str] = []
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.definition.raw.get("parameters"):
            continue  # nothing of a request without parameters can be invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Case[Any]) -> None:
            response = case.call()
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as failure:  # every failure is listed, not just the first
                failures.append(f"{case.as_curl_command()} -> {response.status_code}: {failure}")

        exercise()
    assert failures == [], "\n\n".join(failures[:10])


def test_the_description_is_valid_openapi(app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.validate()


def test_the_description_says_every_answer_exactly(app: Any) -> None:
    described = TestClient(app).get("/api/v1/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    assert set(described["components"]["schemas"]["Problem"]["required"]) >= {
        "title",
        "status",
        "detail",
    }
    for path, item in described["paths"].items():
        operation = item["get"]
        for status, answer in operation["responses"].items():
            if status.startswith("4") or status.startswith("5"):
                content = answer["content"]["application/problem+json"]
                assert content["schema"] == problem, (path, status)
                assert content["example"]["status"] == int(status), (path, status)
        # FastAPI's own validation error is never promised: errors are problems.
        assert "HTTPValidationError" not in str(operation), path
    parameters = {
        (path, p["name"]): p["schema"]
        for path, item in described["paths"].items()
        for p in item["get"].get("parameters", [])
    }
    assert parameters["/api/v1/decisions", "sort"]["enum"] == ["relevance", "newest", "oldest"]
    assert "enum" in parameters["/api/v1/decisions", "outcome"]["anyOf"][0]["items"]
    assert "enum" in parameters["/api/v1/reports", "status"]["anyOf"][0]
    assert "enum" in parameters["/api/v1/improvements", "category"]["anyOf"][0]
    assert parameters["/api/v1/years/{year}/statistics", "group"]["enum"][0] == "type"
    year = re.compile(parameters["/api/v1/national/{year}", "year"]["pattern"])
    assert year.match("2024-25")
    assert not year.match("2024-26")
    assert parameters["/api/v1/decisions", "per_page"]["maximum"] == 100
    assert set(described["paths"]["/api/v1/decisions/{reference}"]["get"]["responses"]) == {
        "200",
        "301",
        "302",
        "304",
        "404",
    }
    # Every operation may say that a kept answer still holds, and says how to keep one.
    for path, item in described["paths"].items():
        answers = item["get"]["responses"]
        assert set(answers["304"]["headers"]) == {"ETag", "Last-Modified", "Cache-Control"}, path
        assert "ETag" in answers["200"]["headers"], path


API_PATHS = [
    "/api/v1/years",
    "/api/v1/years/2023-24/statistics",
    "/api/v1/councils",
    f"/api/v1/councils/{BURY}/2023-24",
    "/api/v1/national/2023-24",
    "/api/v1/decisions",
    "/api/v1/decisions/23-001",
    "/api/v1/improvements",
    "/api/v1/reports",
]
SITE_PATHS = ["/", "/councils", "/decisions.json", "/downloads/2023-24.csv", "/static/site.css"]


@pytest.mark.parametrize("path", API_PATHS + SITE_PATHS)
def test_every_address_answers_methods_as_rfc_9110_says(app: Any, path: str) -> None:
    client = TestClient(app)
    for method in ["TRACE", "POST", "PUT", "PATCH", "DELETE"]:
        refused = client.request(method, path)
        assert refused.status_code == 405, (method, path)
        assert refused.headers["allow"] == "GET, HEAD, OPTIONS", (method, path)
    options = client.options(path)
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200, path
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
