"""Work many requests want at the same moment (the figures after a publication or an import) is
done once, by the first to ask, while the rest wait for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from upheld import flights
from upheld.core.groups import TYPE
from upheld.core.periods import ReviewYear
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines, queries
from upheld.synthetic import DemoSpec, demo

ASKING = 8


class CountedEvent(threading.Event):
    """An event that counts the threads waiting on it."""

    waiting = 0
    counting = threading.Lock()

    def wait(self, timeout: float | None = None) -> bool:
        with CountedEvent.counting:
            CountedEvent.waiting += 1
        return super().wait(timeout)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[CountedEvent]:
    CountedEvent.waiting = 0
    monkeypatch.setattr("upheld.flights.Event", CountedEvent)
    return CountedEvent


def until(condition: Callable[[], bool]) -> None:
    """Wait for something other threads do (a minute at most, for a machine under load)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the other threads never got there"
        time.sleep(0.005)


def held_until_all_wait(counted: type[CountedEvent], value: Any) -> Callable[[], Any]:
    """Work that counts its calls and finishes only once every other thread is waiting for it."""
    calls: list[int] = []

    def make() -> Any:
        calls.append(1)
        if len(calls) == 1:
            until(lambda: counted.waiting >= ASKING - 1)
        return value

    make.calls = calls  # type: ignore[attr-defined]
    return make


def ask_at_once(ask: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(ASKING) as pool:
        futures = [pool.submit(ask) for _ in range(ASKING)]
        return [f.result(timeout=120) for f in futures]


def test_work_asked_for_at_once_is_done_once(counted: type[CountedEvent]) -> None:
    going: flights.Flights[object] = flights.Flights()
    value = object()
    make = held_until_all_wait(counted, value)
    results = ask_at_once(lambda: going.run("figures", make))
    assert all(r is value for r in results)
    assert len(make.calls) == 1  # type: ignore[attr-defined]
    # Once done, it is forgotten: the next asking makes it again (keeping is the caller's part).
    assert going.run("figures", lambda: "again") == "again"


def test_an_error_is_raised_to_every_thread_that_waited(counted: type[CountedEvent]) -> None:
    going: flights.Flights[str] = flights.Flights()
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        until(lambda: counted.waiting >= ASKING - 1)
        raise OSError("the database went away")

    def ask() -> str:
        try:
            return going.run("figures", make)
        except OSError as exc:
            return str(exc)

    assert ask_at_once(ask) == ["the database went away"] * ASKING
    assert len(calls) == 1  # not tried again by each, which would multiply the wait
    # The next to ask, afterwards, tries afresh.
    assert going.run("figures", lambda: "figures") == "figures"


def test_work_that_asks_for_itself_is_refused_not_waited_for() -> None:
    going: flights.Flights[str] = flights.Flights()

    def make() -> str:
        return going.run("figures", make)

    with pytest.raises(RuntimeError, match="was asked for while it was being made"):
        going.run("figures", make)
    assert going.run("figures", lambda: "figures") == "figures"


def test_different_work_is_done_side_by_side() -> None:
    going: flights.Flights[str] = flights.Flights()
    both = threading.Barrier(2, timeout=60)

    def make(name: str) -> str:
        both.wait()  # each is under way while the other is: neither waits for the other
        return name

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(going.run, "2023-24", lambda: make("2023-24"))
        second = pool.submit(going.run, "2024-25", lambda: make("2024-25"))
        assert (first.result(timeout=120), second.result(timeout=120)) == ("2023-24", "2024-25")


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    folder: Path = tmp_path_factory.mktemp("flights")
    return demo.build(folder, builtin(), DemoSpec(scale=0.02), say=lambda _text: None)


def test_the_website_works_out_a_years_figures_once_for_requests_at_once(
    site_folder: demo.Demo, counted: type[CountedEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site(engines.connect(site_folder.url, read_only=True), site_folder.config)
    year = ReviewYear(2024)
    site.figures(year.previous(), TYPE)  # the register and settings, read before
    real = queries.year_counts
    make = held_until_all_wait(counted, None)

    def counted_reading(*args: Any, **kwargs: Any) -> Any:
        make()
        return real(*args, **kwargs)

    # The year's counts are read once (the year before's were read with the year before).
    monkeypatch.setattr("upheld.site.model.year_counts", counted_reading)
    results = ask_at_once(lambda: site.figures(year, TYPE))
    assert len(make.calls) == 1  # type: ignore[attr-defined]
    assert all(r is results[0] for r in results)
    assert results[0].counts  # the figures themselves, for every council


def test_a_page_asked_for_at_once_is_built_once(
    site_folder: demo.Demo, counted: type[CountedEvent]
) -> None:
    from starlette.requests import Request

    from upheld.web.render import Renderer

    site = Site(engines.connect(site_folder.url, read_only=True), site_folder.config)
    renderer = Renderer(site)
    publication = site.publication()
    build = held_until_all_wait(counted, {"council": "Bury", "upheld": 11})

    def ask() -> bytes:
        scope = {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("testserver", 80),
            "path": "/councils/E08000002/2024-25.json",
            "query_string": b"",
            "headers": [],
        }
        return bytes(renderer.respond(Request(scope), publication, "json", "", build).body)

    assert set(ask_at_once(ask)) == {b'{"council":"Bury","upheld":11}'}
    assert len(build.calls) == 1  # type: ignore[attr-defined]


def test_a_years_counts_are_read_once_for_every_peer_group_and_the_year_after(
    site_folder: demo.Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from upheld.core.groups import built_in

    site = Site(engines.connect(site_folder.url, read_only=True), site_folder.config)
    read: list[int] = []
    real = queries.year_counts

    def counted(connection: Any, year: ReviewYear) -> Any:
        read.append(year.start_year)
        return real(connection, year)

    monkeypatch.setattr("upheld.site.model.year_counts", counted)
    region = built_in("region")
    assert region is not None
    by_type = site.figures(ReviewYear(2024), TYPE)
    by_region = site.figures(ReviewYear(2024), region)
    site.figures(ReviewYear(2025), TYPE)
    assert sorted(read) == [2023, 2024, 2025]
    # The same counts, compared within other groups.
    assert by_region.counts == by_type.counts
    assert by_region.peer_averages != by_type.peer_averages


def test_a_value_kept_is_looked_for_before_it_is_made() -> None:
    going: flights.Flights[str] = flights.Flights()
    store: dict[str, str] = {}
    made: list[str] = []

    def make() -> str:
        made.append("figures")
        store["2024-25"] = "figures"
        return "figures"

    for _ in range(3):
        assert going.kept("2024-25", lambda: store.get("2024-25"), make) == "figures"
    assert made == ["figures"]
