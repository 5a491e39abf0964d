"""The API's description against OpenAPI's own schema, and every kind of real answer against the
shape the description gives it, so the description and the data cannot drift apart."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from sqlalchemy import select

from tests.conftest import website_engine
from upheld.core.catalogue import CATALOGUE
from upheld.letters import versions
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app

BURY = "E08000002"
LATEST = 2024
"""The demo's latest year, the one it writes letters for."""
EVERY_TENTH = 10
"""Of the councils whose code never changed, every tenth has its latest year's page checked."""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The website of a small demo: every council, 2019-20 to 2024-25, with letters, reports,
    improvements, compliance outcomes and reorganised councils."""
    folder = tmp_path_factory.mktemp("api-schema")
    built = demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)
    # A corrected letter, so that a letter's revisions are among the answers.
    with engines.writing(engines.connect(built.url)) as connection:
        first = versions.history(connection, LATEST, BURY)[-1]
        fixed = versions.record(connection, BURY, LATEST, {"fixed": 1}, {}, "Corrected.", first)
        versions.approve(connection, fixed, "a tester")
    site = Site(
        website_engine(built.url), built.config, now=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    )
    with TestClient(create_app(site)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def described(client: TestClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def test_the_description_keeps_openapis_own_schema(described: dict[str, Any]) -> None:
    # openapi-spec-validator checks it against the OpenAPI 3.1 schema, and each schema in it
    # against JSON Schema's; schemathesis, which reads it, is more forgiving.
    assert described["openapi"].startswith("3.1.")
    validate(described, cls=OpenAPIV31SpecValidator)


def test_every_answer_has_a_complete_shape(described: dict[str, Any]) -> None:
    for path, item in described["paths"].items():
        shape = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        named = shape.get("items", shape)
        assert named.get("$ref", "").startswith("#/components/schemas/"), path
    # No object anywhere is left as "any fields of any type": each lists its fields, or says
    # what every value is (a year's notes, the peer groups by name).
    for name, found in objects(described["components"]["schemas"]):
        assert "properties" in found or isinstance(found.get("additionalProperties"), dict), name
    for name, found in described["components"]["schemas"].items():
        for field, said in found.get("properties", {}).items():
            assert said.get("description"), (name, field)


def objects(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema within a schema, with where it is."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield where, node
        for key, value in node.items():
            yield from objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from objects(value, f"{where}/{n}")


def closed(node: Any) -> Any:
    """A schema that refuses any field it does not list. The description itself leaves room for
    fields to be added, as version 1 promises; the test holds that every field is described."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            closed(value)
    elif isinstance(node, list):
        for value in node:
            closed(value)
    return node


def addresses(client: TestClient) -> Iterator[str]:
    """An address of every operation, with every kind of answer each can give."""
    years = [y["year"] for y in client.get("/api/v1/years").json()]
    yield "/api/v1/years"
    yield "/api/v1/councils"
    yield "/api/v1/councils?q=bury"
    for year in years:
        for group in ["type", "nearest", "region"]:
            yield f"/api/v1/years/{year}/statistics?group={group}"
        for statistic in CATALOGUE.keys:
            yield f"/api/v1/national/{year}?statistic={statistic}"
    councils = client.get("/api/v1/councils").json()
    for n, council in enumerate(councils):
        # Councils that were reorganised have predecessors, successors and other codes.
        changed = council["valid_from"] or council["valid_to"] or council["new_code"]
        if changed or council["code"] == BURY or n % EVERY_TENTH == 0:
            yield f"/api/v1/councils/{council['code']}/{council['latest_year']}"
    yield f"/api/v1/councils/{BURY}/{years[-1]}?group=nearest"
    yield f"/api/v1/councils/{BURY}/{years[0]}"
    yield "/api/v1/decisions"
    yield "/api/v1/decisions?q=care&sort=newest&per_page=100"
    yield "/api/v1/decisions?outcome=upheld&remedy=true&year=2023-24"
    yield f"/api/v1/decisions?council={BURY}&page=2"
    yield "/api/v1/decisions?q=nothing-at-all-like-this"
    for name in ["improvements", "reports"]:
        yield f"/api/v1/{name}"
        yield f"/api/v1/{name}?page=2&per_page=100"
        yield f"/api/v1/{name}?year=2023-24&category=Housing"


def decisions(client: TestClient) -> Iterator[str]:
    """Published decisions, among them some with a compliance outcome, improvements or
    reports."""
    for name in ["improvements", "reports"]:
        for item in client.get(f"/api/v1/{name}?per_page=100").json()["items"]:
            if item["decision_url"]:
                yield item["decision_url"].replace("/decisions/", "/api/v1/decisions/")
    site: Site = client.app.state.site  # type: ignore[attr-defined]
    with site.engine.connect() as connection:
        assessed = connection.execute(select(schema.compliance.c.reference).limit(200))
        for (reference,) in assessed:
            yield f"/api/v1/decisions/{quote(reference, safe='')}"
    for item in client.get("/api/v1/decisions?per_page=100").json()["items"]:
        yield f"/api/v1/decisions/{quote(item['reference'], safe='')}"


def test_every_real_answer_has_its_described_shape(
    client: TestClient, described: dict[str, Any]
) -> None:
    components = closed(copy.deepcopy(described["components"]))
    validators: dict[str, OAS31Validator] = {}
    for path, item in described["paths"].items():
        shape = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validators[path] = OAS31Validator(
            {**closed(copy.deepcopy(shape)), "components": components}
        )
    seen: dict[str, int] = dict.fromkeys(described["paths"], 0)
    found: set[str] = set()
    wrong: list[str] = []
    for address in [*addresses(client), *dict.fromkeys(decisions(client))]:
        answer = client.get(address)
        if answer.status_code == 404 and "/decisions/" in address:
            continue  # a decision not published (yet)
        assert answer.status_code == 200, (address, answer.text[:300])
        assert answer.headers["content-type"] == "application/json", address
        path = operation(address)
        seen[path] += 1
        body = answer.json()
        wrong += [
            f"{address}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validators[path].iter_errors(body)
        ]
        found |= kinds(body)
    assert wrong == [], "\n".join(wrong[:20])
    assert all(seen.values()), seen
    # The demo gives every optional part of an answer at least once, so each has been checked.
    assert {
        "letters",
        "predecessors",
        "successors",
        "other_codes",
        "funnel",
        "compliance",
        "reports",
        "improvements",
        "revisions",
    } <= found


def kinds(body: Any) -> set[str]:
    """The fields of an answer that hold something: not null, nor an empty list."""
    held: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if value not in (None, []):
                held.add(key)
            held |= kinds(value)
    elif isinstance(body, list):
        for value in body:
            held |= kinds(value)
    return held


def operation(address: str) -> str:
    """The operation an address of the API is answered by."""
    parts = address.split("?")[0].removeprefix("/api/v1/").split("/")
    if parts[0] == "decisions" and len(parts) > 1:
        return "/api/v1/decisions/{reference}"
    templates = {
        ("years",): "/api/v1/years",
        ("years", 3): "/api/v1/years/{year}/statistics",
        ("councils",): "/api/v1/councils",
        ("councils", 3): "/api/v1/councils/{code}/{year}",
        ("national", 2): "/api/v1/national/{year}",
        ("decisions",): "/api/v1/decisions",
        ("improvements",): "/api/v1/improvements",
        ("reports",): "/api/v1/reports",
    }
    return templates.get((parts[0],) if len(parts) == 1 else (parts[0], len(parts)), "")


def test_every_operation_is_checked(described: dict[str, Any]) -> None:
    known = {operation(p.replace("{", "").replace("}", "")) for p in described["paths"]}
    assert known == set(described["paths"])
