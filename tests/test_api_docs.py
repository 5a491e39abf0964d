"""The API's client examples in docs/website.md run, with curl and with Python, against a server."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import live_server
from tests.test_web_safety import small_site
from upheld.web import create_app

BURY = "E08000002"
DOCUMENTED_BASE = "https://council-performance.example.org"
WEBSITE = Path(__file__).parent.parent / "docs" / "website.md"


def api_section() -> str:
    """The API section of the website's documentation."""
    text = WEBSITE.read_text(encoding="utf-8")
    return text.split("\n## The API\n", 1)[1].split("\n## ", 1)[0]


def blocks(language: str) -> list[str]:
    """The section's code blocks in one language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", api_section(), re.DOTALL)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server of a small database holding the decisions the examples ask for."""
    folder = tmp_path_factory.mktemp("api-docs")
    header = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]
    rows = [
        [f"23-001-{n:03d}", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."]
        for n in range(230, 240)
    ]
    site = small_site(
        folder,
        {
            "cases": (header, rows),
            "improvements": (
                ["reference", "agreed", "description"],
                [["23-001-234", "2023-10-01", "Train staff"]],
            ),
        },
    )
    with live_server(create_app(site)) as address:
        yield address


OPERATIONS = {
    "/api/v1/years": r"/api/v1/years\b(?!/)",
    "/api/v1/years/{year}/statistics": r"/api/v1/years/[0-9-]+/statistics",
    "/api/v1/councils": r"/api/v1/councils\b(?!/)",
    "/api/v1/councils/{code}/{year}": r"/api/v1/councils/E[0-9]{8}/[0-9-]+",
    "/api/v1/national/{year}": r"/api/v1/national/[0-9-]+",
    "/api/v1/decisions": r"/api/v1/decisions\b(?!/)",
    "/api/v1/decisions/{reference}": r"/api/v1/decisions/[0-9-]+",
    "/api/v1/improvements": r"/api/v1/improvements",
    "/api/v1/reports": r"/api/v1/reports",
}
"""Each operation of the API, and how an example's address for it looks."""


@pytest.mark.parametrize("language", ["sh", "python"])
def test_every_operation_has_an_example(language: str, base: str) -> None:
    examples = "\n".join(blocks(language))
    with urllib.request.urlopen(base + "/api/v1/openapi.json") as answer:
        described = json.load(answer)
    assert set(OPERATIONS) == set(described["paths"])
    for operation, address in OPERATIONS.items():
        assert re.search(address, examples), (language, operation)


def test_the_curl_examples_answer_json(base: str) -> None:
    commands = [line for block in blocks("sh") for line in block.splitlines() if line]
    assert len(commands) >= 9
    for command in commands:
        words = shlex.split(command.replace(DOCUMENTED_BASE, base))
        assert words[0] == "curl", command
        # --fail: an error status is a failure of the example, not an answer to print.
        done = subprocess.run(
            [*words, "--fail", "--max-time", "30"], capture_output=True, check=False
        )
        assert done.returncode == 0, (command, done.stderr)
        assert json.loads(done.stdout) is not None, command


def test_the_python_examples_run(base: str) -> None:
    code = "\n\n".join(blocks("python")).replace(f'"{DOCUMENTED_BASE}"', repr(base))
    assert DOCUMENTED_BASE not in code
    found: dict[str, Any] = {}
    exec(compile(code, str(WEBSITE), "exec"), found)  # the documentation's own examples
    assert found["latest"] == "2023-24"
    assert found["bury"]["year"] == "2023-24"
    assert found["decision"]["reference"] == "23-001-234"
    assert found["found"]["total"] == 10
    assert found["problem"]["invalid_params"][0]["name"] == "sort"
