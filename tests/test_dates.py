"""Dates in words on every page ("29 December 2024"), never as 2024-12-29, which wraps badly in
tables and reads as a code; the machine-readable date stays in <time datetime>."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests import test_web

# The same small demo and client as the website's tests.
built, clock, site, client = test_web.built, test_web.clock, test_web.site, test_web.client
BURY = test_web.BURY
ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")

PAGES = [
    "/",
    "/councils",
    f"/councils/{BURY}/2024-25",
    "/councils/E07000154/2020-21",  # Northampton, abolished
    "/national/2024-25",
    "/decisions",
    "/improvements",
    "/reports",
    "/revisions",
    "/feeds",
    "/downloads",
    "/methodology",
    f"/compare?council={BURY}&council=E08000001&year=2024-25",
]


def _visible(html: str) -> str:
    """The text a reader sees: no tags (so no attributes), no scripts, styles or SVG."""
    html = re.sub(r"(?s)<(script|style|svg|code)\b.*?</\1>", " ", html)
    # The data dictionary says how the CSV writes a date: that example is the point.
    html = html.replace("written 2024-12-29 in the CSV", "")
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_date_as_digits(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200, page
    found = ISO_DATE.search(_visible(answer.text))
    assert found is None, (page, found.group(0) if found else None)


def test_a_decision_page_shows_its_dates_in_words(client: TestClient) -> None:
    listed = client.get("/decisions.json").json()["items"]
    decision = client.get(
        listed[0]["url"] if "url" in listed[0] else f"/decisions/{listed[0]['reference']}"
    )
    assert decision.status_code == 200
    assert ISO_DATE.search(_visible(decision.text)) is None
