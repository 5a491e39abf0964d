"""The website under hostile input: bounded parameters, security headers, safe CSV, clean errors."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import write_csv
from upheld.core.periods import ReviewYear
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.present.export import as_csv, neutralised
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app

BURY = "E08000002"
CASE_HEADER = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]


def small_site(
    folder: Path,
    files: dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]],
    refresh_seconds: float = 1.0,
) -> Site:
    """A site over a database holding just these files, with 2023-24 configured and published."""
    register = builtin()
    engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}")
    schema.upgrade(engine)
    for kind, (header, rows) in files.items():
        path = write_csv(folder / f"{kind}.csv", header, rows)
        import_files(engine, KINDS[kind], [path], register)
    with engine.begin() as connection:
        refresh_index(connection)
    demo.write_config(folder / "config", [ReviewYear(2023)])
    return Site(
        engine,
        folder / "config",
        now=lambda: datetime(2025, 1, 1, tzinfo=UTC),
        refresh_seconds=refresh_seconds,
    )


HOSTILE = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("safety")
    site = small_site(
        folder,
        {
            "cases": (
                CASE_HEADER,
                [
                    ["23-001", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", HOSTILE],
                    ["23-002", BURY, "2023-05-01", "Housing", "2023-09-02", "upheld", "-1+1"],
                ],
            ),
            "reports": (
                ["reference", "issued", "title"],
                [["23-001", "2023-10-01", "@SUM(1+1)*cmd|' /C calc'!A0"]],
            ),
            "improvements": (
                ["reference", "agreed", "description"],
                [["23-001", "2023-10-01", "+1 review the housing advice"]],
            ),
        },
    )
    with TestClient(create_app(site)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Bury", "Bury"),
        ("a=b", "a=b"),
        ("", ""),
        (-1, -1),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_text_that_could_be_a_formula_is_neutralised(value: Any, written: Any) -> None:
    assert neutralised(value) == written


def test_csv_downloads_never_carry_a_formula(client: TestClient) -> None:
    for url in ("/decisions.csv", "/reports.csv", "/improvements.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
        assert cells, url
        dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert dangerous == [], url
    summaries = [
        r["summary"] for r in csv.DictReader(io.StringIO(client.get("/decisions.csv").text))
    ]
    assert "'" + HOSTILE in summaries
    assert "'-1+1" in summaries
    # The JSON twin is data, not a spreadsheet: it keeps the text exactly as written.
    found = client.get("/decisions.json").json()["items"]
    assert HOSTILE in {item["summary"] for item in found}


def test_numbers_stay_numbers_in_csv() -> None:
    text = as_csv([{"name": "-x", "change": -3, "rate": -0.5}])
    assert text == "name,change,rate\n'-x,-3,-0.5\n"


def test_spreadsheets_store_text_as_text(client: TestClient) -> None:
    response = client.get("/downloads/2023-24.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


BAD_PAGES = ["10" * 15, "-1", "0", "1.5", "x", "1e9", " 99999999999999999999999 "]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("path", ["/improvements", "/reports", "/decisions"])
def test_a_bad_page_number_is_a_400_in_the_format_asked_for(
    client: TestClient, path: str, page: str
) -> None:
    html = client.get(path, params={"page": page})
    assert html.status_code == 400, (path, page)
    assert html.headers["content-type"].startswith("text/html")
    assert "page must be a whole number" in html.text
    twin = client.get(f"{path}.json", params={"page": page})
    assert twin.status_code == 400
    assert "page must be a whole number" in twin.json()["detail"]
    listed = client.get(f"{path}.csv", params={"page": page})
    assert listed.status_code == 400
    assert listed.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["/api/v1/improvements", "/api/v1/reports", "/api/v1/decisions"])
def test_the_api_bounds_its_numbers(client: TestClient, path: str) -> None:
    assert client.get(path, params={"page": 10**30}).status_code == 422
    assert client.get(path, params={"page": 0}).status_code == 422
    assert client.get(path, params={"page": 1}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/decisions?per_page=101",
        "/decisions?per_page=0",
        "/decisions?sort=sideways",
        "/decisions?year=next",
        "/improvements?year=2023-25",
        "/?statistic=happiness",
        "/?tier=middle",
        "/decisions?q=" + "x" * 1001,
    ],
)
def test_other_bad_parameters_are_400s(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 400, url


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for url in [
        "/",
        "/index.json",
        "/decisions.csv",
        "/static/site.css",
        "/api/v1/years",
        "/nowhere",
        "/decisions?page=0",
        "/api/v1/openapi.json",
    ]:
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy, url
        assert "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # served over plain http here


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    for url in ["/", "/councils", f"/councils/{BURY}/2023-24", "/decisions", "/reports", "/api"]:
        html = client.get(url).text
        assert " style=" not in html, url
        assert "<style" not in html, url
        # Scripts are files under /static, never inline.
        scripts = re.sub(r'<script src="/static/[a-z-]+\.js" defer></script>', "", html)
        assert "<script" not in scripts, url


def test_hsts_once_the_site_is_served_over_https(tmp_path: Path) -> None:
    site = small_site(
        tmp_path,
        {"cases": (CASE_HEADER, [["23-001", BURY, "2023-05-01", "Housing", "", "", ""]])},
    )
    settings = tmp_path / "config" / "upheld.toml"
    settings.write_text(
        settings.read_text().replace(
            'base_url = "http://127.0.0.1:8000"', 'base_url = "https://performance.example"'
        )
    )
    https = Site(site.engine, tmp_path / "config", now=site.now)
    with TestClient(create_app(https)) as client:
        assert client.get("/").headers["strict-transport-security"] == "max-age=31536000"
