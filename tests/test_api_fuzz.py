"""The API fuzzed from its own OpenAPI description (schemathesis): no request makes it fail."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.case import Case

from tests.test_web_safety import small_site
from upheld.web import create_app

BURY = "E08000002"
EXAMPLES = 60
"""Generated requests per operation."""


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


def test_no_generated_request_makes_the_api_fail(app: Any) -> None:
    # schemathesis's own pytest plugin does not yet work with pytest 9, so each operation's
    # generated requests are run here through Hypothesis directly.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 9
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Case[Any]) -> None:
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.as_curl_command()} -> {response.status_code}")
            case.validate_response(response, checks=[not_a_server_error])

        exercise()
    assert failures == []


def test_the_description_is_valid_openapi(app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.validate()
